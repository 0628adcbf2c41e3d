"""Comparability of pre- and post-change lots (ICH Q5E): tiered analysis per attribute,
stability-slope comparison and multivariate comparability.

Vocabulary: *pre* = pre-change (reference) lots, *post* = post-change (test) lots;
σ_R = sample SD (ddof = 1) of the pre-change lots; x̄_R their mean.

Tiers (FDA 2017 draft guidance *Statistical Approaches to Evaluate Analytical Similarity*,
withdrawn 2018 but still the usual scheme; ``../shared/reference/statistics.md``):

* **Tier 1** — equivalence of means by TOST (:func:`qbdkit.core.stats.equivalence.tost_ind`,
  Welch by default) with margin ``±m·σ_R`` (m = 1.5): comparable when the (1 − 2α) CI of
  ``x̄_post − x̄_pre`` (90 % at α = 0.05) lies inside the margin.
* **Tier 2** — quality range ``x̄_R ± k·σ_R`` (k = 3): comparable when at least
  ``min_share`` (90 %) of the post-change lots lie inside.
* **Tier 3** — graphical: the lots are shown side by side; no statistical verdict
  (``conclusion = "graphical"``); post lots outside the pre-change min–max are listed.

Each tier needs enough pre-change lots to estimate σ_R (``min_reference``: tier 1 → 5,
tier 2 → 3; qbdkit defaults, adjustable) and post lots (tier 1 → 2); fewer raise a
:class:`~qbdkit.errors.QbdInputError` naming the attribute.

**Stability slopes** (:func:`compare_slopes`): ANCOVA ``y ~ batch + time + time:post`` (an
intercept per lot, a slope per group), statsmodels OLS; the ``time:post`` coefficient is
the slope difference with its t test and (1 − 2α) CI; with ``margin`` the slopes are
equivalent when that CI lies inside ±margin, otherwise comparable when p ≥ α.

**Multivariate** (:func:`multivariate_comparability`): PCA of the pre-change lots
(:class:`qbdkit.core.mvda.PCA`, unit variance), post-change lots projected; a lot is inside
when its Hotelling T² and SPE are below the 95 % limits for new observations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.stats.equivalence import tost_ind
from qbdkit.errors import QbdInputError

__all__ = [
    "AttributeTier",
    "MultivariateComparability",
    "SlopeComparison",
    "TieredComparability",
    "compare_slopes",
    "multivariate_comparability",
    "tier_attribute",
    "tiered_comparability",
]

MIN_REFERENCE: dict[int, int] = {1: 5, 2: 3, 3: 1}
MIN_TEST: dict[int, int] = {1: 2, 2: 1, 3: 1}


@dataclass(frozen=True)
class AttributeTier(Result):
    """One attribute's tiered comparison."""

    name: str
    tier: int
    n_pre: int
    n_post: int
    mean_pre: float
    sd_pre: float
    mean_post: float
    sd_post: float | None
    diff: float
    margin: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    range: tuple[float, float] | None
    share_inside: float | None
    outside: list[str]
    """Post lots outside the quality range (tier 2) or the pre min–max (tier 3)."""
    pre_values: list[float]
    post_values: list[float]
    post_ids: list[str]
    conclusion: str
    """``comparable`` / ``not comparable`` / ``graphical``."""


@dataclass(frozen=True)
class SlopeComparison(Result):
    """Degradation slopes of pre- vs post-change lots."""

    slope_pre: float
    slope_post: float
    diff: float
    se: float
    df: float
    ci: tuple[float, float]
    p_value: float
    alpha: float
    margin: float | None
    comparable: bool
    method: str

    def summary(self) -> str:
        conf = round(100 * (1 - 2 * self.alpha), 6)
        verdict = "comparable" if self.comparable else "NOT comparable"
        return (f"slopes: pre {self.slope_pre:.4g}, post {self.slope_post:.4g}, difference "
                f"{self.diff:.4g} ({conf:g} % CI [{self.ci[0]:.4g}, {self.ci[1]:.4g}], "
                f"p = {self.p_value:.4g}) — {verdict} ({self.method})")


@dataclass(frozen=True)
class MultivariateComparability(Result):
    """Post-change lots on the PCA model of the pre-change lots."""

    n_components: int
    variables: list[str]
    t2_limit: float
    spe_limit: float
    lots: list[dict[str, Any]]
    """``{lot, t2, spe, inside}`` per post-change lot."""
    pre_scores: list[list[float]]
    post_scores: list[list[float]]
    comparable: bool


@dataclass(frozen=True)
class TieredComparability(Result):
    """Per-attribute tiers, optional slope and multivariate comparisons, conclusions."""

    attributes: list[AttributeTier]
    slopes: SlopeComparison | None
    multivariate: MultivariateComparability | None
    alpha: float
    margin_sd: float
    k: float
    min_share: float
    conclusion: str
    """``comparable`` / ``not comparable``."""
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = []
        for a in self.attributes:
            detail = ""
            if a.tier == 1 and a.ci is not None:
                detail = f"CI [{a.ci[0]:.4g}, {a.ci[1]:.4g}] vs ±{a.margin:.4g}"
            elif a.tier == 2 and a.range is not None:
                detail = (f"[{a.range[0]:.4g}, {a.range[1]:.4g}], "
                          f"{100 * (a.share_inside or 0):.0f} % inside")
            elif a.outside:
                detail = "outside pre range: " + ", ".join(a.outside)
            rows.append([a.name, a.tier, a.n_pre, a.n_post, a.mean_pre, a.mean_post, detail,
                         a.conclusion])
        lines = ["Comparability (ICH Q5E), tiered analysis",
                 format_table(["attribute", "tier", "pre", "post", "pre mean", "post mean",
                               "test", "conclusion"], rows)]
        if self.slopes is not None:
            lines.append(self.slopes.summary())
        if self.multivariate is not None:
            m = self.multivariate
            out = [x["lot"] for x in m.lots if not x["inside"]]
            lines.append(f"multivariate (PCA, {m.n_components} PC): "
                         + ("all post lots inside T² and SPE 95 % limits" if not out
                            else "outside: " + ", ".join(out)))
        lines.append(f"Overall: {self.conclusion.upper()}")
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[~np.isnan(v)]


def tier_attribute(name: str, pre: Sequence[float], post: Sequence[float], tier: int, *,
                   post_ids: Sequence[str] | None = None, alpha: float = 0.05,
                   margin_sd: float = 1.5, margin: float | None = None, k: float = 3.0,
                   min_share: float = 0.9, min_reference: Mapping[int, int] | None = None,
                   file: str | None = None) -> AttributeTier:
    """Compare one attribute in ``tier`` (1, 2 or 3); see the module docstring."""
    if tier not in (1, 2, 3):
        raise QbdInputError("unknown tier", column=name, expected="1, 2 or 3", found=tier)
    mins = {**MIN_REFERENCE, **dict(min_reference or {})}
    post_arr = np.asarray(post, dtype=float)
    ids = [str(i) for i in (post_ids if post_ids is not None else range(1, post_arr.size + 1))]
    keep = ~np.isnan(post_arr)
    ids = [i for i, ok in zip(ids, keep, strict=True) if ok]
    r = _clean(pre)
    t = post_arr[keep]
    if r.size < mins[tier]:
        raise QbdInputError(f"too few pre-change lots for tier {tier}", file=file, row=1,
                            column=name, expected=f"at least {mins[tier]} pre-change lots",
                            found=int(r.size))
    if t.size < MIN_TEST[tier]:
        raise QbdInputError(f"too few post-change lots for tier {tier}", file=file, row=1,
                            column=name, expected=f"at least {MIN_TEST[tier]} post-change lots",
                            found=int(t.size))
    m_r = float(r.mean())
    s_r = float(r.std(ddof=1)) if r.size > 1 else math.nan
    m_t = float(t.mean())
    s_t = float(t.std(ddof=1)) if t.size > 1 else None
    ci = p = rng = share = None
    delta = None
    outside: list[str] = []
    if tier == 1:
        delta = float(margin) if margin is not None else margin_sd * s_r
        if not delta > 0:
            raise QbdInputError("equivalence margin not positive", file=file, column=name,
                                expected="pre-change lots that vary (σ_R > 0) or a margin",
                                found=delta)
        res = tost_ind(t, r, -delta, delta, alpha=alpha)
        ci, p = res.ci, res.p_value
        conclusion = "comparable" if res.equivalent else "not comparable"
    elif tier == 2:
        rng = (m_r - k * s_r, m_r + k * s_r)
        inside = (t >= rng[0]) & (t <= rng[1])
        share = float(inside.mean())
        outside = [i for i, ok in zip(ids, inside, strict=True) if not ok]
        conclusion = "comparable" if share >= min_share else "not comparable"
    else:
        lo, hi = float(r.min()), float(r.max())
        outside = [i for i, v in zip(ids, t, strict=True) if not lo <= v <= hi]
        conclusion = "graphical"
    return AttributeTier(
        name=name, tier=int(tier), n_pre=int(r.size), n_post=int(t.size), mean_pre=m_r,
        sd_pre=s_r, mean_post=m_t, sd_post=s_t, diff=m_t - m_r, margin=delta,
        ci=None if ci is None else (float(ci[0]), float(ci[1])), p_value=p, range=rng,
        share_inside=share, outside=outside, pre_values=r.tolist(), post_values=t.tolist(),
        post_ids=ids, conclusion=conclusion)


def compare_slopes(batch: Sequence[Any], time: Sequence[float], value: Sequence[float],
                   post: Sequence[bool], *, alpha: float = 0.05,
                   margin: float | None = None) -> SlopeComparison:
    """Compare degradation slopes of pre- (``post`` False) and post-change lots."""
    import statsmodels.api as sm
    from scipy import stats

    frame = pd.DataFrame({"batch": [str(b) for b in batch], "time": np.asarray(time, float),
                          "y": np.asarray(value, float), "post": np.asarray(post, bool)})
    groups = frame.groupby("post")["batch"].nunique()
    if groups.get(False, 0) < 1 or groups.get(True, 0) < 1:
        raise QbdInputError("slope comparison needs pre- and post-change lots", column="group",
                            expected="at least one lot of each", found=dict(groups))
    batches = list(dict.fromkeys(frame["batch"]))
    d = np.column_stack([(frame["batch"] == b).to_numpy(float) for b in batches])
    t = frame["time"].to_numpy(float)
    x = np.column_stack([d, t, t * frame["post"].to_numpy(float)])
    fit = sm.OLS(frame["y"].to_numpy(float), x).fit()
    if fit.df_resid < 1:
        raise QbdInputError("too few stability results to compare slopes", column="time",
                            expected="more results than lots + 2", found=len(frame))
    diff = float(fit.params[-1])
    se = float(fit.bse[-1])
    df = float(fit.df_resid)
    p = float(fit.pvalues[-1])
    q = float(stats.t.ppf(1 - alpha, df))
    ci = (diff - q * se, diff + q * se)
    slope_pre = float(fit.params[-2])
    if margin is not None:
        comparable = bool(-margin < ci[0] and ci[1] < margin)
        method = f"equivalence of slopes within ±{margin:g}"
    else:
        comparable = bool(p >= alpha)
        method = f"test of equal slopes at α = {alpha:g}"
    return SlopeComparison(slope_pre=slope_pre, slope_post=slope_pre + diff, diff=diff, se=se,
                           df=df, ci=(float(ci[0]), float(ci[1])), p_value=p, alpha=float(alpha),
                           margin=margin, comparable=comparable, method=method)


def multivariate_comparability(pre: pd.DataFrame, post: pd.DataFrame, *,
                               post_ids: Sequence[str] | None = None,
                               n_components: int | None = None) -> MultivariateComparability:
    """Project post-change lots on a PCA of the pre-change lots (see the module docstring)."""
    from qbdkit.core.mvda import PCA

    cols = [c for c in pre.columns if c in post.columns]
    if len(cols) < 2:
        raise QbdInputError("multivariate comparability needs at least 2 attributes",
                            column="attributes", expected="≥ 2 numeric attributes in both files",
                            found=len(cols))
    if len(pre) < 4:
        raise QbdInputError("too few pre-change lots for a PCA model", row=1, column="lots",
                            expected="at least 4 pre-change lots", found=len(pre))
    a = n_components or max(1, min(2, len(pre) - 2, len(cols) - 1))
    model = PCA(n_components=a, cross_validate=False).fit(pre[cols])
    diag = model.diagnose(post[cols])
    ids = [str(i) for i in (post_ids if post_ids is not None else range(1, len(post) + 1))]
    t2l = float(diag.t2_limit["0.95"])
    spel = float(diag.spe_limit["0.95"])
    lots = [{"lot": i, "t2": float(t2), "spe": float(s), "inside": bool(t2 <= t2l and s <= spel)}
            for i, t2, s in zip(ids, diag.t2, diag.spe, strict=True)]
    return MultivariateComparability(
        n_components=int(model.n_components_), variables=list(model.variables_), t2_limit=t2l,
        spe_limit=spel, lots=lots, pre_scores=np.asarray(model.scores_).tolist(),
        post_scores=np.asarray(diag.scores).tolist(),
        comparable=all(x["inside"] for x in lots))


def tiered_comparability(pre: pd.DataFrame, post: pd.DataFrame, tiers: Mapping[str, int], *,
                         post_ids: Sequence[str] | None = None, alpha: float = 0.05,
                         margin_sd: float = 1.5, margins: Mapping[str, float] | None = None,
                         k: float = 3.0, min_share: float = 0.9,
                         min_reference: Mapping[int, int] | None = None,
                         slopes: SlopeComparison | None = None, multivariate: bool = False,
                         file: str | None = None) -> TieredComparability:
    """Every attribute in ``tiers`` (name → 1/2/3), then the overall conclusion.

    Overall comparable when every tier-1 and tier-2 attribute is comparable, the slopes (if
    given) are comparable and (``multivariate``) every post lot is inside the PCA limits.
    """
    margins = dict(margins or {})
    results = []
    for name, tier in tiers.items():
        if name not in pre.columns or name not in post.columns:
            raise QbdInputError("attribute not in both files", file=file, row=1, column=name,
                                expected="the attribute in the pre- and post-change files",
                                found="missing")
        results.append(tier_attribute(
            name, pre[name].to_numpy(float), post[name].to_numpy(float), int(tier),
            post_ids=post_ids, alpha=alpha, margin_sd=margin_sd, margin=margins.get(name), k=k,
            min_share=min_share, min_reference=min_reference, file=file))
    mv = None
    if multivariate:
        cols = list(tiers)
        mv = multivariate_comparability(pre[cols], post[cols], post_ids=post_ids)
    reasons = [f"{a.name} (tier {a.tier}): not comparable" for a in results
               if a.conclusion == "not comparable"]
    if slopes is not None and not slopes.comparable:
        reasons.append("stability slopes differ")
    if mv is not None and not mv.comparable:
        reasons.append("post-change lots outside the pre-change PCA model: "
                       + ", ".join(x["lot"] for x in mv.lots if not x["inside"]))
    graphical = [a.name for a in results if a.tier == 3 and a.outside]
    notes = [f"{n} (tier 3): post lots outside the pre-change range — review the graph"
             for n in graphical]
    return TieredComparability(
        attributes=results, slopes=slopes, multivariate=mv, alpha=float(alpha),
        margin_sd=float(margin_sd), k=float(k), min_share=float(min_share),
        conclusion="not comparable" if reasons else "comparable", reasons=reasons + notes)
