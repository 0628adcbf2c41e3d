"""Evaluation of PPQ batches: each batch × item against its acceptance criterion,
variability within and between batches, Ppk, the conclusion and the initial CPV limits.

Inputs: ``results`` — a long data frame ``batch, item, value`` (several values of an item
in a batch are replicate samples: e.g. beginning/middle/end of filling), optionally
``_row`` (the row in the user's file); ``criteria`` — acceptance rows ``item, kind,
unit_operation, lower, upper, unit, criterion`` (:meth:`PPQProtocol.criteria
<qbdkit.core.ppq.protocol.PPQProtocol.criteria>`); ``batches`` — the project's batch ids
(a result for another batch is an input error).

Per item:

* pass/fail per batch: every value within ``[lower, upper]``;
* variance components between and within batches (:func:`qbdkit.core.stats.variance.
  variance_components`, ANOVA by default) when a batch has replicate values, else the SD
  of the batch values is the between-batch SD;
* Ppk with Bissell's confidence interval (:mod:`qbdkit.core.ppq.capability`) when the
  item has ``min_values_ppk`` values or more (default 10) — fewer give an interval too
  wide to say anything;
* initial CPV control limits for individual values: grand mean ± 3 σ_total, marked
  *preliminary* while fewer than 20 batches are behind them (PDA TR 60: 20–30 batches
  for limits; until then preliminary limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.ppq.capability import ppk as ppk_of
from qbdkit.core.ppq.messages import message, render_all
from qbdkit.core.result import Result, format_table
from qbdkit.core.stats.variance import variance_components
from qbdkit.errors import Problem, QbdInputError

__all__ = ["CPV_MIN_BATCHES", "PPQEvaluation", "evaluate_ppq"]

CPV_MIN_BATCHES = 20

MSG_ALL_PASS = ("All {n} batches meet the acceptance criteria of all {m} items: the process "
                "performs as designed.")
MSG_FAIL = "{item}: {batches} outside the acceptance criterion {criterion}."
MSG_MISSING = "{item}: no PPQ results; the evaluation is incomplete."
MSG_NOT_PASSED = "Not all acceptance criteria are met: investigate before concluding PPQ."
MSG_LOW_PPK = ("{item}: the {confidence} % lower confidence bound of Ppk is {lower} (below "
               "1.0); monitor closely in CPV.")
MSG_CPV_PRELIMINARY = ("Initial CPV limits are preliminary ({n} batches): recompute them once "
                       "20–30 batches are available (PDA TR 60).")
MESSAGES = (MSG_ALL_PASS, MSG_FAIL, MSG_MISSING, MSG_NOT_PASSED, MSG_LOW_PPK,
            MSG_CPV_PRELIMINARY)


@dataclass(frozen=True)
class PPQEvaluation(Result):
    """PPQ evaluation tables.

    ``checks``: one row per batch × item — ``batch, item, kind, n, mean, min, max,
    n_outside, criterion, passed``. ``items``: one row per item — ``item, kind,
    unit_operation, criterion, lower, upper, n_batches, n_values, mean, sd_total,
    sd_between, sd_within, share_between, batches_passed, passed, ppk, ppk_lower,
    ppk_upper, result`` (``meets`` / ``does not meet`` / ``not tested``). ``cpv_limits``:
    ``item, centre, sigma, lcl, ucl, n_batches, preliminary``. ``conclusion``: sentences
    as data (:mod:`qbdkit.core.ppq.messages`).
    """

    batches: list[str]
    passed: bool
    checks: list[dict[str, Any]]
    items: list[dict[str, Any]]
    cpv_limits: list[dict[str, Any]]
    confidence: float
    min_values_ppk: int
    conclusion: list[dict[str, Any]] = field(default_factory=list)
    built_from: list[str] = field(default_factory=list)

    def conclusion_text(self, lang: str | None = "en") -> list[str]:
        return render_all(self.conclusion, lang, "ppq")

    def summary(self) -> str:
        items = format_table(
            ["item", "criterion", "batches passed", "mean", "SD total", "SD between",
             "SD within", "Ppk", "Ppk CI", "result"],
            [[i["item"], i["criterion"], f"{i['batches_passed']}/{i['n_batches']}", i["mean"],
              i["sd_total"], i["sd_between"], i["sd_within"], i["ppk"],
              "" if i["ppk"] is None else f"{i['ppk_lower']:.3g} – {i['ppk_upper']:.3g}",
              i["result"]] for i in self.items])
        cpv = format_table(["item", "centre", "LCL", "UCL", "preliminary"],
                           [[c["item"], c["centre"], c["lcl"], c["ucl"], c["preliminary"]]
                            for c in self.cpv_limits])
        return "\n".join([f"PPQ evaluation of {len(self.batches)} batches: "
                          + ("PASS" if self.passed else "FAIL"), items, "",
                          "Initial CPV limits", cpv, "", *self.conclusion_text("en")])


def _row_of(df: pd.DataFrame, i: int) -> int:
    if "_row" in df.columns and pd.notna(df["_row"].iloc[i]):
        return int(df["_row"].iloc[i])
    return i + 2


def evaluate_ppq(results: pd.DataFrame, criteria: list[dict[str, Any]], *,
                 batches: list[str] | None = None, confidence: float = 0.95,
                 min_values_ppk: int = 10, variance_method: str = "anova",
                 file: str | None = None, built_from: list[str] | None = None
                 ) -> PPQEvaluation:
    """Evaluate PPQ ``results`` against ``criteria`` (see the module docstring)."""
    if not 0 < confidence < 1:
        raise QbdInputError("confidence out of range", column="confidence",
                            expected="a proportion strictly between 0 and 1", found=confidence)
    crit = {c["item"]: c for c in criteria}
    if not crit:
        raise QbdInputError("no acceptance criteria", column="criteria",
                            expected="at least one item with limits", found="none")
    df = results.reset_index(drop=True)
    for col in ("batch", "item", "value"):
        if col not in df.columns:
            raise QbdInputError("missing column", file=file, row=1, column=col,
                                expected=f"a {col!r} column", found=", ".join(map(str, df.columns)))
    df = df.assign(batch=df["batch"].astype(str).str.strip(),
                   item=df["item"].astype(str).str.strip())
    problems = []
    known = None if batches is None else [str(b) for b in batches]
    for i in range(len(df)):
        item, batch, value = df["item"].iloc[i], df["batch"].iloc[i], df["value"].iloc[i]
        if item not in crit:
            problems.append(Problem("result for an item with no acceptance criterion", file,
                                    _row_of(df, i), "item",
                                    "one of " + ", ".join(crit), item))
        if known is not None and batch not in known:
            problems.append(Problem("result for a batch that is not in the project", file,
                                    _row_of(df, i), "batch", "one of " + ", ".join(known),
                                    batch))
        try:
            ok = math.isfinite(float(value))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(Problem("not a number", file, _row_of(df, i), "value", "a number",
                                    value))
    if problems:
        raise QbdInputError(problems=problems[:20])
    df = df.assign(value=df["value"].astype(float))
    batch_ids = known if known is not None else list(dict.fromkeys(df["batch"]))
    checks, items, limits, conclusion = [], [], [], []
    for name, c in crit.items():
        sub = df[df["item"] == name]
        lo, hi = c.get("lower"), c.get("upper")
        if sub.empty:
            items.append({"item": name, "kind": c.get("kind", ""),
                          "unit_operation": c.get("unit_operation", ""),
                          "criterion": c.get("criterion", ""), "lower": lo, "upper": hi,
                          "n_batches": 0, "n_values": 0, "mean": None, "sd_total": None,
                          "sd_between": None, "sd_within": None, "share_between": None,
                          "batches_passed": 0, "passed": False, "ppk": None, "ppk_lower": None,
                          "ppk_upper": None, "result": "not tested"})
            conclusion.append(message(MSG_MISSING, item=name))
            continue
        failed = []
        for b, grp in sub.groupby("batch", sort=False):
            v = grp["value"].to_numpy()
            outside = int(np.sum((v < lo) if lo is not None else 0)
                          + np.sum((v > hi) if hi is not None else 0))
            checks.append({"batch": b, "item": name, "kind": c.get("kind", ""), "n": int(v.size),
                           "mean": float(v.mean()), "min": float(v.min()),
                           "max": float(v.max()), "n_outside": outside,
                           "criterion": c.get("criterion", ""), "passed": outside == 0})
            if outside:
                failed.append(b)
        values = sub["value"].to_numpy()
        n_b = sub["batch"].nunique()
        sd_b = sd_w = share = None
        if n_b >= 2 and len(values) > n_b:
            vc = variance_components(values, sub["batch"].to_numpy(), method=variance_method)
            sd_t, sd_b, sd_w, share = vc.sd_total, vc.sd_between, vc.sd_within, vc.share_between
        elif len(values) >= 2:
            sd_t = float(np.std(values, ddof=1))
            if n_b == len(values):
                sd_b = sd_t
        else:
            sd_t = None
        cap = None
        if (len(values) >= min_values_ppk and (lo is not None or hi is not None)
                and sd_t is not None and np.std(values) > 0):
            cap = ppk_of(values, lo, hi, confidence=confidence)
            if cap.ppk_lower < 1.0:
                conclusion.append(message(MSG_LOW_PPK, item=name, confidence=100 * confidence,
                                          lower=cap.ppk_lower))
        passed = not failed
        if failed:
            conclusion.append(message(MSG_FAIL, item=name, batches=", ".join(failed),
                                      criterion=c.get("criterion", "")))
        items.append({"item": name, "kind": c.get("kind", ""),
                      "unit_operation": c.get("unit_operation", ""),
                      "criterion": c.get("criterion", ""), "lower": lo, "upper": hi,
                      "n_batches": int(n_b), "n_values": len(values),
                      "mean": float(values.mean()), "sd_total": sd_t, "sd_between": sd_b,
                      "sd_within": sd_w, "share_between": share,
                      "batches_passed": int(n_b - len(failed)), "passed": passed,
                      "ppk": None if cap is None else cap.ppk,
                      "ppk_lower": None if cap is None else cap.ppk_lower,
                      "ppk_upper": None if cap is None else cap.ppk_upper,
                      "result": "meets" if passed else "does not meet"})
        if sd_t is not None:
            centre = float(values.mean())
            limits.append({"item": name, "centre": centre, "sigma": sd_t,
                           "lcl": centre - 3 * sd_t, "ucl": centre + 3 * sd_t,
                           "n_batches": int(n_b), "preliminary": n_b < CPV_MIN_BATCHES})
    all_pass = all(i["passed"] for i in items)
    if all_pass:
        conclusion.insert(0, message(MSG_ALL_PASS, n=len(batch_ids), m=len(items)))
    else:
        conclusion.insert(0, message(MSG_NOT_PASSED))
    if limits and any(lim["preliminary"] for lim in limits):
        conclusion.append(message(MSG_CPV_PRELIMINARY, n=len(batch_ids)))
    return PPQEvaluation(batches=batch_ids, passed=all_pass, checks=checks, items=items,
                         cpv_limits=limits, confidence=confidence, min_values_ppk=min_values_ppk,
                         conclusion=conclusion, built_from=list(built_from or []))
