"""Univariate comparability of a scale-down model (sdm) with the at-scale process.

sdm = scale-down model: a small-scale (bench, e.g. 3 L or ambr® 250) version of a
commercial-scale unit operation used for process characterization. Before a DoE on it
can stand for the commercial process it must be shown comparable to at-scale batches
(seed 000 ``000_fb7d10fdc42664ce.txt``, figs. 8–10; ``../shared/reference/statistics.md``
"Scale-down model qualification").

Per attribute (process performance such as titer, viability, VCD, metabolites, or a
quality attribute), with the at-scale batches as reference:

1. **± k SD range** (k = 3 by default; seed 000 fig. 9): ``x̄_R ± k·s_R`` from the
   at-scale mean and sample SD (ddof = 1); each small-scale result inside or outside.
2. **TOST** of ``diff = x̄_small − x̄_at-scale`` against ``(−margin, +margin)``, margin a
   number in the attribute's unit or ``m × s_R`` (m = 1.5 as in the FDA 2017 tiered
   approach, Tier 1). Welch's standard error by default (state: small-scale and
   at-scale variances are not assumed equal); see :mod:`qbdkit.core.stats.equivalence`.
   The (1 − 2α) CI of the difference (90 % at α = 0.05) is reported as ``ci90``.
3. **Sample size**: small-scale runs needed for 80 % and 90 % power of the TOST with
   the at-scale batches already made (n_R fixed), assuming a true difference of 0 and
   σ = s_R (exact power, pooled-variance test).

``passed`` for an attribute = TOST equivalent **and** every small-scale result inside
the ± k SD range. ``verdict`` says which of three it is:

* ``"pass"`` — equivalent and every result inside the range;
* ``"fail"`` — a result outside the range, or the (1 − 2α) CI lies wholly outside the
  margin, or the TOST is not significant although the runs give ≥ 80 % power;
* ``"not shown"`` — the TOST is not significant and the small-scale runs are fewer than
  the 80 %-power sample size: equivalence is *not shown* for lack of power, which is not
  evidence of a difference (``note``: "not shown — needs ≥ N runs for 80 % power").

Row ids: :func:`numeric_attributes` takes them from an id column (``id_column``, a
header among :data:`ID_ALIASES`, or else the one text column) and refuses repeated ids,
naming the rows (one rule with ``mvda``, ``doe analyze``, ``validate``, ``risk``).
:func:`compare_scales` accepts frames with such an id column as well.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.stats.equivalence import tost_ind, tost_sample_size
from qbdkit.errors import Problem, QbdInputError

__all__ = [
    "AttributeComparison",
    "ComparabilityResult",
    "Margin",
    "compare_attribute",
    "compare_scales",
    "numeric_attributes",
    "parse_margin",
]

ID_ALIASES: tuple[str, ...] = ("batch", "batch_id", "run", "run_id", "id", "lot", "scale",
                               "批次", "批号", "批次号", "运行", "规模", "编号")
"""Column headers taken as row identifiers rather than attributes (case-insensitive)."""


@dataclass(frozen=True)
class Margin:
    """An equivalence margin: an absolute ``value`` or ``sd_multiple`` × at-scale SD."""

    value: float | None = None
    sd_multiple: float | None = None

    def resolve(self, at_scale_sd: float) -> float:
        if self.value is not None:
            return float(self.value)
        return float(self.sd_multiple if self.sd_multiple is not None else 1.5) * at_scale_sd

    def __str__(self) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        return f"{self.sd_multiple if self.sd_multiple is not None else 1.5:g}sd"


_SD_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(?:[x×*]\s*)?(sd|σ|s)\s*$", re.I)


def parse_margin(text: str) -> Margin:
    """``"1.5sd"`` / ``"1.5 SD"`` / ``"1.5σ"`` → k × at-scale SD; ``"0.3"`` → absolute margin."""
    m = _SD_RE.match(str(text))
    if m:
        k = float(m.group(1))
        if k <= 0:
            raise ValueError(f"margin multiple must be positive, got {text!r}")
        return Margin(sd_multiple=k)
    v = float(str(text).strip())
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"margin must be positive, got {text!r}")
    return Margin(value=v)


@dataclass(frozen=True)
class AttributeComparison(Result):
    """At-scale vs small-scale comparison of one attribute."""

    name: str
    at_scale_mean: float
    at_scale_sd: float
    range: tuple[float, float]
    small_scale_mean: float
    outside_range: list[str]
    """Small-scale run ids whose result lies outside ``range``."""
    diff: float
    ci90: tuple[float, float]
    """(1 − 2α) CI of ``diff`` (90 % for α = 0.05)."""
    margin: float
    equivalent: bool
    n_at_scale: int
    n_small_scale: int
    small_scale_sd: float
    p_value: float
    k: float
    margin_rule: str
    sample_size: dict[str, int | None]
    """Small-scale runs needed for power 0.8 / 0.9 with the at-scale batches fixed."""
    passed: bool
    verdict: str = ""
    """``"pass"``, ``"fail"`` or ``"not shown"`` (module docstring)."""
    note: str = ""
    """Why, in words (e.g. "not shown — needs ≥ 12 runs for 80 % power")."""


@dataclass(frozen=True)
class ComparabilityResult(Result):
    """Univariate comparability table: one :class:`AttributeComparison` per attribute."""

    _frame_field = "attributes"

    attributes: list[AttributeComparison]
    alpha: float
    method: str
    dropped: list[str] = field(default_factory=list)
    """Attributes left out, each with the reason (constant, all missing, too few values)."""

    def summary(self) -> str:
        conf = round(100 * (1 - 2 * self.alpha), 6)
        rows = []
        for a in self.attributes:
            rows.append([
                a.name, a.at_scale_mean, a.at_scale_sd, f"[{a.range[0]:.4g}, {a.range[1]:.4g}]",
                a.small_scale_mean, len(a.outside_range), a.diff,
                f"[{a.ci90[0]:.4g}, {a.ci90[1]:.4g}]", a.margin, a.p_value,
                "yes" if a.equivalent else "no",
                f"{a.n_small_scale} / {_n(a.sample_size.get('0.8'))}",
                VERDICT_TEXT.get(a.verdict, "PASS" if a.passed else "FAIL"),
            ])
        head = ["attribute", "at-scale mean", "SD", f"±{self.attributes[0].k:g} SD range"
                if self.attributes else "range", "small mean", "outside", "diff",
                f"{conf:g}% CI", "margin", "TOST p", "equivalent", "n / n 80 %", "result"]
        text = f"Scale-down model comparability (TOST {self.method}, α = {self.alpha:g})\n"
        text += format_table(head, rows)
        notes = [f"{a.name}: {a.note}" for a in self.attributes if a.verdict == "not shown"]
        if notes:
            text += "\n" + "\n".join(notes)
        if self.dropped:
            text += "\nleft out: " + "; ".join(self.dropped)
        return text


#: the result column's words (one place; bilingual catalogues key on the verdict)
VERDICT_TEXT = {"pass": "PASS", "fail": "FAIL", "not shown": "NOT SHOWN"}


def _n(v: int | None) -> str:
    return "> 2000" if v is None else str(v)


def verdict_of(equivalent: bool, outside: Sequence[str], ci: tuple[float, float], margin: float,
               n_small: int, n_80: int | None) -> tuple[str, str]:
    """``(verdict, note)`` of one attribute (module docstring)."""
    if outside:
        return "fail", f"{len(outside)} small-scale result(s) outside the range"
    if equivalent:
        return "pass", "equivalent within the margin"
    if ci[0] > margin or ci[1] < -margin:
        return "fail", "the confidence interval of the difference lies outside the margin"
    if n_80 is None or n_small < n_80:
        need = "more than 2000" if n_80 is None else f"≥ {n_80}"
        return "not shown", f"not shown — needs {need} runs for 80 % power ({n_small} run(s))"
    return "fail", f"not equivalent with {n_small} runs (≥ {n_80} give 80 % power)"


def compare_attribute(
    name: str,
    at_scale: Sequence[float] | np.ndarray,
    small_scale: Sequence[float] | np.ndarray,
    *,
    small_scale_ids: Sequence[str] | None = None,
    margin: Margin | float | None = None,
    alpha: float = 0.05,
    k: float = 3.0,
    equal_var: bool = False,
) -> AttributeComparison:
    """Compare one attribute (see the module docstring). NaNs are ignored.

    ``margin``: a :class:`Margin`, a number (absolute), or None (1.5 × at-scale SD).
    """
    a = np.asarray(at_scale, dtype=float)
    s = np.asarray(small_scale, dtype=float)
    ids = [str(i) for i in (small_scale_ids if small_scale_ids is not None else range(1, s.size + 1))]
    keep_s = ~np.isnan(s)
    a = a[~np.isnan(a)]
    if a.size < 2 or int(keep_s.sum()) < 2:
        raise ValueError(f"{name}: need at least 2 values per scale")
    m_r = float(a.mean())
    sd_r = float(a.std(ddof=1))
    if not isinstance(margin, Margin):
        margin = Margin() if margin is None else Margin(value=float(margin))
    delta = margin.resolve(sd_r)
    if not delta > 0:
        raise ValueError(f"{name}: margin must be positive (at-scale SD is {sd_r})")
    lo, hi = m_r - k * sd_r, m_r + k * sd_r
    outside = [i for i, v, ok in zip(ids, s, keep_s, strict=True) if ok and not lo <= v <= hi]
    sv = s[keep_s]
    t = tost_ind(sv, a, -delta, delta, alpha=alpha, equal_var=equal_var)
    sizes: dict[str, int | None] = {}
    for pw in (0.8, 0.9):
        ss = tost_sample_size(sd_r, -delta, delta, delta=0.0, power=pw, alpha=alpha, n_ref=a.size,
                              n_max=2000)
        sizes[f"{pw:g}"] = ss.n_test
    verdict, note = verdict_of(bool(t.equivalent), outside, t.ci, delta, int(sv.size),
                               sizes["0.8"])
    return AttributeComparison(
        name=name, at_scale_mean=m_r, at_scale_sd=sd_r, range=(lo, hi),
        small_scale_mean=float(sv.mean()), outside_range=outside, diff=t.diff, ci90=t.ci,
        margin=delta, equivalent=t.equivalent, n_at_scale=int(a.size), n_small_scale=int(sv.size),
        small_scale_sd=float(sv.std(ddof=1)), p_value=t.p_value, k=float(k), margin_rule=str(margin),
        sample_size=sizes, passed=bool(t.equivalent and not outside), verdict=verdict, note=note,
    )


def numeric_attributes(
    frame: pd.DataFrame,
    *,
    file: str | None = None,
    rows: Sequence[int] | None = None,
    id_column: str | None = None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Split a wide table (one row per batch) into numeric attributes and row ids.

    Returns ``(numeric frame, ids, notes)``. The id column is ``id_column`` or the
    first header among :data:`ID_ALIASES`; without one, ids are the file row numbers.
    A column with no number at all (e.g. notes) is left out with a note; a column with
    numbers and some non-numeric cells raises :class:`QbdInputError` naming each cell.
    """
    rows = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    norm = {str(c).strip().lower().replace(" ", "_"): c for c in frame.columns}
    idcol = id_column
    if idcol is None:
        for alias in ID_ALIASES:
            if alias in norm:
                idcol = norm[alias]
                break
    elif idcol not in frame.columns:
        raise QbdInputError("id column not found", file=file, row=1, column=idcol,
                            expected="a header " + repr(idcol),
                            found=", ".join(map(str, frame.columns)))
    if idcol is None:
        idcol = _text_column(frame)
    id_like = {norm[a] for a in ID_ALIASES if a in norm}
    if idcol is not None:
        ids = ["" if pd.isna(v) else str(v).strip() for v in frame[idcol]]
        ids = [i or f"row {r}" for i, r in zip(ids, rows, strict=True)]
        _check_unique(ids, str(idcol), rows, file)
    else:
        ids = [f"row {r}" for r in rows]
    out: dict[str, np.ndarray] = {}
    notes: list[str] = []
    problems: list[Problem] = []
    for col in frame.columns:
        if col == idcol or col in id_like:
            continue
        series = frame[col]
        values = pd.to_numeric(series, errors="coerce")
        blank = series.isna() | series.astype(str).str.strip().eq("")
        bad = values.isna() & ~blank
        if values.notna().sum() == 0:
            if (~blank).any():
                notes.append(f"{col}: no numeric values, not an attribute")
            else:
                notes.append(f"{col}: all missing")
            continue
        if bad.any():
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(Problem("not a number", file, rows[i], str(col), "a number",
                                        series.iloc[i]))
            continue
        out[str(col)] = values.to_numpy(dtype=float)
    if problems:
        raise QbdInputError(problems=problems)
    return pd.DataFrame(out), ids, notes


def _text_column(frame: pd.DataFrame) -> str | None:
    """The one column that holds text in every non-blank cell (an id column), else None."""
    found = []
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col):
            continue
        vals = [v for v in col.tolist() if not (pd.isna(v) or str(v).strip() == "")]
        if vals and pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce").isna().all():
            found.append(c)
    return found[0] if len(found) == 1 else None


def _check_unique(ids: Sequence[str], column: str, rows: Sequence[int], file: str | None) -> None:
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for i, r in zip(ids, rows, strict=True):
        if i in seen:
            problems.append(Problem(f"duplicate id (also on row {seen[i]})", file, r, column,
                                    "a unique batch/run id (a replicate needs its own id)", i))
        else:
            seen[i] = r
    if problems:
        raise QbdInputError(problems=problems)


def _as_attributes(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, list[str] | None]:
    """A frame given to :func:`compare_scales`: numbers as they are; with a text (id) column,
    split into numeric attributes and ids by :func:`numeric_attributes`."""
    if all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        return frame, None
    try:
        num, ids, _ = numeric_attributes(frame, file=what)
    except QbdInputError as exc:
        raise QbdInputError(problems=[Problem(p.message, p.file, p.row, p.column, p.expected, p.found)
                                      for p in exc.problems]) from None
    return num, ids


def compare_scales(
    at_scale: pd.DataFrame,
    small_scale: pd.DataFrame,
    *,
    small_scale_ids: Sequence[str] | None = None,
    margin: Margin | float | None = None,
    margins: Mapping[str, Margin | float] | None = None,
    alpha: float = 0.05,
    k: float = 3.0,
    equal_var: bool = False,
    attributes: Sequence[str] | None = None,
) -> ComparabilityResult:
    """Compare every attribute (numeric column) present in both frames.

    ``margins`` overrides ``margin`` per attribute. Attributes constant at scale, all
    missing, or with fewer than 2 values in either group are left out and named in
    ``dropped``. Only columns present in both frames are compared; callers that read
    files report columns present in only one of them (see :mod:`qbdkit.services.sdm`).
    A frame with a text column takes it as the batch/run ids (an id header of
    :data:`ID_ALIASES`, or the one text column; repeated ids are refused) — the
    small-scale ids then name the runs outside the range.
    """
    at_scale, _ = _as_attributes(at_scale, "at-scale data")
    small_scale, found_ids = _as_attributes(small_scale, "small-scale data")
    if small_scale_ids is None and found_ids is not None:
        small_scale_ids = found_ids
    names = list(attributes) if attributes is not None else [
        c for c in at_scale.columns if c in small_scale.columns]
    margins = dict(margins or {})
    results: list[AttributeComparison] = []
    dropped: list[str] = []
    for name in names:
        a = at_scale[name].to_numpy(dtype=float)
        s = small_scale[name].to_numpy(dtype=float)
        na, ns = int(np.sum(~np.isnan(a))), int(np.sum(~np.isnan(s)))
        if na == 0 or ns == 0:
            dropped.append(f"{name}: all missing at {'at-scale' if na == 0 else 'small-scale'}")
            continue
        if na < 2 or ns < 2:
            dropped.append(f"{name}: fewer than 2 values ({na} at scale, {ns} small scale)")
            continue
        if np.nanstd(a) == 0:
            dropped.append(f"{name}: constant at scale (SD 0)")
            continue
        results.append(compare_attribute(
            name, a, s, small_scale_ids=small_scale_ids, margin=margins.get(name, margin),
            alpha=alpha, k=k, equal_var=equal_var))
    return ComparabilityResult(attributes=results, alpha=float(alpha),
                               method="pooled" if equal_var else "welch", dropped=dropped)
