"""Variance components of the one-way random model (batches as the random factor).

Model: ``y_ij = μ + b_i + e_ij``, ``b_i ~ N(0, σ²_between)``, ``e_ij ~ N(0, σ²_within)``,
``i = 1…a`` groups (batches) with ``n_i`` values each, ``N = Σ n_i``.

Two estimators (``method``):

* ``"anova"`` — the method of moments on the one-way ANOVA table (Montgomery,
  *Design and Analysis of Experiments*, 8th ed., §3.9 and §13.1; Searle, Casella &
  McCulloch 1992, *Variance Components*, §3.5 for unbalanced data)::

      MS_between = Σ n_i (ȳ_i − ȳ)² / (a − 1),   MS_within = Σ Σ (y_ij − ȳ_i)² / (N − a)
      n₀ = (N − Σ n_i² / N) / (a − 1)            (= n for balanced data)
      σ̂²_within = MS_within,   σ̂²_between = (MS_between − MS_within) / n₀

  A negative σ̂²_between is reported as 0 with ``truncated = True``.
* ``"reml"`` — restricted maximum likelihood with :class:`statsmodels.regression.mixed_linear_model.MixedLM`
  (random intercept per group); for balanced data with a positive ANOVA estimate the two
  coincide.

Checked against Montgomery's loom example (Example 3.11 / 13.1: σ̂²_τ = 6.96,
σ̂² = 1.90), ``tests/core/stats/test_variance.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError

__all__ = ["VarianceComponents", "group_arrays", "variance_components"]


@dataclass(frozen=True)
class VarianceComponents(Result):
    """Between- and within-group variance of a one-way random model.

    ``share_between`` is σ²_between / σ²_total (0…1). ``ms_*``/``df_*`` are the ANOVA
    table (also given for ``method="reml"``); ``n0`` the ANOVA group-size constant.
    """

    method: str
    n: int
    n_groups: int
    n0: float
    grand_mean: float
    df_between: int
    df_within: int
    ms_between: float
    ms_within: float
    var_between: float
    var_within: float
    var_total: float
    share_between: float
    truncated: bool

    @property
    def sd_between(self) -> float:
        return float(np.sqrt(self.var_between))

    @property
    def sd_within(self) -> float:
        return float(np.sqrt(self.var_within))

    @property
    def sd_total(self) -> float:
        return float(np.sqrt(self.var_total))

    def summary(self) -> str:
        rows = [["between groups", self.var_between, self.sd_between, 100 * self.share_between],
                ["within groups", self.var_within, self.sd_within,
                 100 * (1 - self.share_between)],
                ["total", self.var_total, self.sd_total, 100.0]]
        head = (f"Variance components ({self.method}), {self.n} values in {self.n_groups} "
                f"groups, mean {self.grand_mean:.6g}"
                + ("; negative between-group estimate set to 0" if self.truncated else ""))
        return head + "\n" + format_table(["component", "variance", "SD", "% of total"], rows)


def group_arrays(values, groups) -> tuple[list[np.ndarray], list[str]]:
    """Split ``values`` by ``groups`` (first-appearance order) → (arrays, group labels)."""
    y = np.asarray(values, dtype=float).ravel()
    g = pd.Series(np.asarray(groups, dtype=object).ravel()).astype(str)
    if y.size != g.size:
        raise QbdInputError("values and groups differ in length", column="groups",
                            expected=f"{y.size} group labels", found=g.size)
    if not np.all(np.isfinite(y)):
        raise QbdInputError("not a finite number", column="values",
                            expected="finite numbers", found="NaN or inf")
    labels = list(dict.fromkeys(g.tolist()))
    arrays = [y[(g == lab).to_numpy()] for lab in labels]
    return arrays, labels


def variance_components(values, groups, *, method: str = "anova") -> VarianceComponents:
    """Between/within variance components of ``values`` grouped by ``groups``.

    Needs at least 2 groups and at least one group with 2 or more values (so the
    within-group variance has a degree of freedom).
    """
    if method not in ("anova", "reml"):
        raise QbdInputError("unknown variance-component method", column="method",
                            expected="anova | reml", found=method)
    arrays, _ = group_arrays(values, groups)
    a = len(arrays)
    sizes = np.array([len(x) for x in arrays], dtype=float)
    n_total = int(sizes.sum())
    if a < 2:
        raise QbdInputError("fewer than 2 groups", column="groups",
                            expected="values from at least 2 batches", found=a)
    if n_total - a < 1:
        raise QbdInputError("no group has 2 or more values", column="groups",
                            expected="replicate values within at least one batch",
                            found=f"{n_total} values in {a} batches")
    means = np.array([x.mean() for x in arrays])
    grand = float(np.concatenate(arrays).mean())
    ss_between = float(np.sum(sizes * (means - grand) ** 2))
    ss_within = float(sum(np.sum((x - x.mean()) ** 2) for x in arrays))
    df_b, df_w = a - 1, n_total - a
    ms_b, ms_w = ss_between / df_b, ss_within / df_w
    n0 = float((n_total - np.sum(sizes ** 2) / n_total) / df_b)
    if method == "anova":
        vb = (ms_b - ms_w) / n0
        vw = ms_w
    else:
        vb, vw = _reml(arrays)
    truncated = bool(vb < 0)
    vb = max(float(vb), 0.0)
    vt = vb + float(vw)
    return VarianceComponents(
        method=method, n=n_total, n_groups=a, n0=n0, grand_mean=grand, df_between=df_b,
        df_within=df_w, ms_between=ms_b, ms_within=ms_w, var_between=vb, var_within=float(vw),
        var_total=vt, share_between=vb / vt if vt > 0 else 0.0, truncated=truncated)


def _reml(arrays: list[np.ndarray]) -> tuple[float, float]:
    """REML random-intercept fit (statsmodels MixedLM) → (σ²_between, σ²_within)."""
    import statsmodels.api as sm

    y = np.concatenate(arrays)
    g = np.repeat(np.arange(len(arrays)), [len(x) for x in arrays])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boundary fits (σ²_between → 0) warn; 0 is reported
        fit = sm.MixedLM(y, np.ones((y.size, 1)), groups=g).fit(reml=True)
    return float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)
