"""How many PPQ batches, and why.

The floor is three consecutive commercial-scale batches: the CDMO guide runs three
commercial PPQ batches (seed 000, table 1, "3批商业化PPQ验证"), and the gene-therapy CMC
guideline states the number of validation batches is "generally not fewer than three"
(seed 003 §7.2, "一般不少于三批"); the immune-cell-therapy guideline asks for process
validation with batch-to-batch analysis (seed 004 §6(3)) without naming a number.

Optional statistical rationale in the spirit of PDA Technical Report 60 (2013, *Process
Validation: A Lifecycle Approach*):

* the range (minimum–maximum) of n batches is expected to contain a fraction
  ``(n − 1)/(n + 1)`` of future batches (the expected coverage of the order-statistic
  interval, E[Beta(n − 1, 2)]; 3 → 50 %, 5 → 67 %, 9 → 80 %, 19 → 90 %), so a target
  expected coverage c needs ``n ≥ (1 + c)/(1 − c)``;
* for a Ppk claim, the smallest n whose one-sided lower confidence bound (Bissell's
  variance, :func:`qbdkit.core.ppq.capability.bissell_interval`) of an expected Ppk
  reaches the target: ``Ppk − z_γ √(1/(9n) + Ppk²/(2(n − 1))) ≥ target``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import special

from qbdkit.core.ppq.messages import message, render_all
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

__all__ = ["BatchCount", "expected_range_coverage", "ppq_batch_count"]

MINIMUM_BATCHES = 3

MSG_FLOOR = ("At least {minimum} consecutive commercial-scale batches: the process "
             "validation guide runs three commercial-scale PPQ batches (seed 000, table 1) and "
             "the gene therapy CMC guideline expects generally not fewer than three (seed 003 "
             "§7.2).")
MSG_REQUESTED = "{n} batches were requested."
MSG_COVERAGE = ("The range of {n} batches is expected to contain {coverage} % of future "
                "batches ((n − 1)/(n + 1), PDA TR 60).")
MSG_TARGET_COVERAGE = ("An expected coverage of {target} % of future batches by the range "
                       "needs (n − 1)/(n + 1) ≥ {target} %, i.e. {n} batches.")
MSG_PPK = ("For the {confidence} % lower confidence bound of Ppk (Bissell) to reach {target} "
           "with an expected Ppk of {ppk}, {n} values (one per batch) are needed.")
MSG_PPK_IMPOSSIBLE = ("An expected Ppk of {ppk} does not exceed the target {target}: no "
                      "number of batches demonstrates it.")
MSG_TOTAL = "Number of PPQ batches: {n}."

MESSAGES = (MSG_FLOOR, MSG_REQUESTED, MSG_COVERAGE, MSG_TARGET_COVERAGE, MSG_PPK,
            MSG_PPK_IMPOSSIBLE, MSG_TOTAL)


def expected_range_coverage(n: int) -> float:
    """Expected fraction of future batches inside the range of n batches: (n − 1)/(n + 1)."""
    return (n - 1) / (n + 1)


@dataclass(frozen=True)
class BatchCount(Result):
    """The number of PPQ batches with its rationale (sentences as data, see
    :mod:`qbdkit.core.ppq.messages`; :meth:`rationale_text` renders them)."""

    n_batches: int
    minimum: int
    requested: int | None
    expected_coverage: float
    target_coverage: float | None = None
    n_for_coverage: int | None = None
    expected_ppk: float | None = None
    ppk_target: float | None = None
    ppk_confidence: float = 0.95
    n_for_ppk: int | None = None
    coverage_table: list[dict[str, Any]] = field(default_factory=list)
    rationale: list[dict[str, Any]] = field(default_factory=list)

    def rationale_text(self, lang: str | None = "en") -> list[str]:
        return render_all(self.rationale, lang, "ppq")

    def summary(self) -> str:
        rows = [[r["n"], 100 * r["expected_coverage"]] for r in self.coverage_table]
        return ("\n".join(self.rationale_text("en")) + "\n"
                + format_table(["batches", "expected coverage %"], rows, floatfmt=".3g"))


def _n_for_ppk(expected: float, target: float, confidence: float, cap: int = 10_000) -> int | None:
    if expected <= target:
        return None
    z = special.ndtri(confidence)
    for n in range(3, cap + 1):
        if expected - z * math.sqrt(1 / (9 * n) + expected ** 2 / (2 * (n - 1))) >= target:
            return n
    return None


def ppq_batch_count(*, minimum: int = MINIMUM_BATCHES, requested: int | None = None,
                    target_coverage: float | None = None, expected_ppk: float | None = None,
                    ppk_target: float = 1.0, ppk_confidence: float = 0.95) -> BatchCount:
    """The number of PPQ batches: the largest of the floor (3), ``requested``, the batches
    for ``target_coverage`` and those for the Ppk claim; each reason is recorded."""
    if minimum < 1:
        raise QbdInputError("minimum out of range", column="minimum",
                            expected="a whole number ≥ 1", found=minimum)
    if requested is not None and requested < 1:
        raise QbdInputError("number of batches out of range", column="batches",
                            expected="a whole number ≥ 1", found=requested)
    rationale = [message(MSG_FLOOR, minimum=minimum)]
    n = minimum
    if requested is not None:
        rationale.append(message(MSG_REQUESTED, n=requested))
        n = max(n, requested)
    n_cov = None
    if target_coverage is not None:
        if not 0 < target_coverage < 1:
            raise QbdInputError("target coverage out of range", column="target_coverage",
                                expected="a proportion strictly between 0 and 1",
                                found=target_coverage)
        n_cov = math.ceil((1 + target_coverage) / (1 - target_coverage) - 1e-9)
        rationale.append(message(MSG_TARGET_COVERAGE, target=100 * target_coverage, n=n_cov))
        n = max(n, n_cov)
    n_ppk = None
    if expected_ppk is not None:
        if not 0 < ppk_confidence < 1:
            raise QbdInputError("confidence out of range", column="ppk_confidence",
                                expected="a proportion strictly between 0 and 1",
                                found=ppk_confidence)
        n_ppk = _n_for_ppk(expected_ppk, ppk_target, ppk_confidence)
        if n_ppk is None:
            rationale.append(message(MSG_PPK_IMPOSSIBLE, ppk=expected_ppk, target=ppk_target))
        else:
            rationale.append(message(MSG_PPK, confidence=100 * ppk_confidence,
                                     target=ppk_target, ppk=expected_ppk, n=n_ppk))
            n = max(n, n_ppk)
    rationale.append(message(MSG_COVERAGE, n=n, coverage=100 * expected_range_coverage(n)))
    rationale.append(message(MSG_TOTAL, n=n))
    table = [{"n": k, "expected_coverage": expected_range_coverage(k)}
             for k in sorted({3, 5, 9, 19, n})]
    return BatchCount(n_batches=n, minimum=minimum, requested=requested,
                      expected_coverage=expected_range_coverage(n),
                      target_coverage=target_coverage, n_for_coverage=n_cov,
                      expected_ppk=expected_ppk,
                      ppk_target=None if expected_ppk is None else ppk_target,
                      ppk_confidence=ppk_confidence, n_for_ppk=n_ppk, coverage_table=table,
                      rationale=rationale)
