"""Multivariate monitoring: Hotelling T² for individuals and for subgroups (Phase I limits,
Phase II limits, contributions), and PCA-based T²/SPE monitoring.

Terms: p variables, m Phase I points (individuals or subgroups), n subgroup size, α the
false-alarm probability (``confidence = 1 − α``), x̄̄ the Phase I mean vector, S the
Phase I covariance (individuals: sample covariance; subgroups: the average of the
subgroup covariance matrices), T² the statistic.

Formulas (Montgomery, *Introduction to SQC*, 7th ed., §11.3; Tracy, Young & Mason 1992,
J. Quality Technology 24:88–95; Mason & Young 2002, *Multivariate Statistical Process
Control with Industrial Applications*, ch. 2–3):

* individuals: T²ᵢ = (xᵢ − x̄̄)ᵀS⁻¹(xᵢ − x̄̄); Phase I UCL = (m−1)²/m · B(1−α; p/2, (m−p−1)/2)
  (beta); Phase II UCL = p(m+1)(m−1)/(m(m−p)) · F(1−α; p, m−p)
  (:func:`qbdkit.core.mvda.limits.t2_limit_training` / ``t2_limit_new``).
* subgroups: T²ⱼ = n(x̄ⱼ − x̄̄)ᵀS̄⁻¹(x̄ⱼ − x̄̄); Phase I UCL = p(m−1)(n−1)/(mn−m−p+1) ·
  F(1−α; p, mn−m−p+1); Phase II UCL = p(m+1)(n−1)/(mn−m−p+1) · F(1−α; p, mn−m−p+1).
* contributions of variable k to a T² value: cₖ = dₖ·(S⁻¹d)ₖ (× n for subgroups),
  d = x − x̄̄; they add up to T² (the "part of T² each variable explains", Westerhuis,
  Gurden & Smilde 2000); also the unconditional terms tₖ² = dₖ²/Sₖₖ (× n) of the
  Mason–Young–Tracy decomposition.
* the default confidence (1 − 0.0027)^p is qcc's (the per-variable 3σ rate, Ryan 2011).

Many correlated variables: :func:`pca_monitoring` fits :class:`qbdkit.core.mvda.PCA` to the
Phase I points and returns T² and SPE with their limits and contributions (the PCA and
its limits are not re-implemented here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qbdkit.core.mvda import limits as mv_limits
from qbdkit.core.result import Result, format_table
from qbdkit.errors import QbdInputError


@dataclass(frozen=True)
class T2Signal(Result):
    """A point above its limit with the contribution of each variable."""

    point: int
    label: str
    t2: float
    ucl: float
    contributions: dict[str, float]
    unconditional: dict[str, float]


@dataclass(frozen=True)
class T2Result(Result):
    """Hotelling T² chart: ``t2`` per point, Phase I limit ``ucl``, Phase II limit
    ``ucl_phase2``; ``limit`` per point (Phase I points get ``ucl``, later ones
    ``ucl_phase2``); ``signals`` with contributions."""

    t2: list[float]
    ucl: float
    ucl_phase2: float
    limit: list[float]
    signals: list[T2Signal]
    variables: list[str]
    labels: list[str]
    baseline: int
    subgroup_size: int
    center: list[float]
    covariance: list[list[float]]
    confidence: float
    method: str = "hotelling"
    spe: list[float] | None = None
    spe_limit: float | None = None
    n_components: int | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = (f"Hotelling T² ({self.method}): {len(self.t2)} points, p = {len(self.variables)}, "
                f"Phase I = first {self.baseline} points, subgroup size {self.subgroup_size}; "
                f"UCL Phase I = {self.ucl:.6g}, Phase II = {self.ucl_phase2:.6g} "
                f"(confidence {self.confidence:.6g})")
        if self.spe_limit is not None:
            head += f"; SPE limit {self.spe_limit:.6g}"
        rows = []
        for s in self.signals:
            top = sorted(s.contributions.items(), key=lambda kv: -abs(kv[1]))[:3]
            rows.append([s.point, s.label, s.t2, s.ucl,
                         ", ".join(f"{k} {v:.3g}" for k, v in top)])
        body = format_table(["point", "label", "T²", "UCL", "largest contributions"], rows) \
            if rows else "no point above its limit"
        return "\n".join([head, body, *[f"note: {n}" for n in self.notes]])


def t2_limits_individuals(p: int, m: int, confidence: float) -> tuple[float, float]:
    """(Phase I beta limit, Phase II F limit) for individual observations."""
    return (mv_limits.t2_limit_training(p, m, confidence),
            mv_limits.t2_limit_new(p, m, confidence))


def t2_limits_subgroups(p: int, m: int, n: int, confidence: float) -> tuple[float, float]:
    """(Phase I, Phase II) F limits for m subgroups of size n (Montgomery eqs. 11.19–11.20)."""
    df2 = m * n - m - p + 1
    if df2 <= 0:
        return math.nan, math.nan
    f = float(stats.f.ppf(confidence, p, df2))
    return p * (m - 1) * (n - 1) / df2 * f, p * (m + 1) * (n - 1) / df2 * f


def hotelling_t2(data: pd.DataFrame | np.ndarray, *, variables: Sequence[str] | None = None,
                 subgroups: Sequence[Any] | None = None, baseline: int | None = None,
                 confidence: float | None = None, labels: Sequence[Any] | None = None
                 ) -> T2Result:
    """Hotelling T² chart of the rows of ``data`` (columns = variables).

    ``subgroups`` (a label per row) average rows into subgroups of equal size; the first
    ``baseline`` points (all if None) are Phase I and set the centre, covariance and
    limits; later points are judged against the Phase II limit.
    """
    frame = pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data
    names = [str(c) for c in (variables if variables is not None else frame.columns)]
    X = frame[list(variables)].to_numpy(float) if variables is not None else frame.to_numpy(float)
    p = X.shape[1]
    if p < 2:
        raise QbdInputError("Hotelling T² needs at least two variables", column="vars",
                            expected="≥ 2 columns", found=p)
    if not np.all(np.isfinite(X)):
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise QbdInputError("not a number", row=int(r) + 2, column=names[c], expected="a number")
    conf = (1 - 0.0027) ** p if confidence is None else float(confidence)
    if not 0 < conf < 1:
        raise QbdInputError("confidence out of range", column="confidence",
                            expected="0 < confidence < 1", found=conf)
    if subgroups is None:
        pts = X
        lab = [str(v) for v in (labels if labels is not None else range(1, X.shape[0] + 1))]
        n = 1
        covs = None
    else:
        codes, uniques = pd.factorize(pd.Series(list(subgroups), dtype=object), sort=False)
        counts = np.bincount(codes)
        if np.unique(counts).size > 1:
            bad = int(np.flatnonzero(counts != counts[0])[0])
            raise QbdInputError("subgroups of unequal size", row=int(np.flatnonzero(
                codes == bad)[0]) + 2, column="subgroup",
                expected=f"{counts[0]} rows per subgroup as the first", found=int(counts[bad]))
        n = int(counts[0])
        if n < 2:
            raise QbdInputError("subgroups of one row", column="subgroup",
                                expected="≥ 2 rows per subgroup, or no subgroup column")
        order = np.argsort(codes, kind="stable")
        cube = X[order].reshape(len(uniques), n, p)
        pts = cube.mean(axis=1)
        covs = np.einsum("gij,gik->gjk", cube - pts[:, None, :], cube - pts[:, None, :]) / (n - 1)
        lab = [str(u) for u in uniques]
    m_all = pts.shape[0]
    m = m_all if baseline is None else int(baseline)
    min_m = p + 2 if n == 1 else 2
    if m < min_m or m > m_all:
        raise QbdInputError("baseline shorter than the minimum" if m < min_m else
                            "baseline longer than the data", column="baseline",
                            expected=f"{min_m}…{m_all} points", found=m)
    center = pts[:m].mean(axis=0)
    S = np.cov(pts[:m], rowvar=False, ddof=1) if covs is None else covs[:m].mean(axis=0)
    try:
        S_inv = np.linalg.inv(S)
        if not np.all(np.isfinite(S_inv)) or np.linalg.cond(S) > 1e12:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        raise QbdInputError("the variables are collinear in the baseline", column="vars",
                            expected="variables that are not exact linear combinations "
                                     "(use PCA monitoring)") from None
    d = pts - center
    w = d @ S_inv
    contrib = n * d * w
    t2 = contrib.sum(axis=1)
    uncond = n * d * d / np.diag(S)
    if n == 1:
        ucl1, ucl2 = t2_limits_individuals(p, m, conf)
    else:
        ucl1, ucl2 = t2_limits_subgroups(p, m, n, conf)
    limit = np.where(np.arange(m_all) < m, ucl1, ucl2)
    signals = [T2Signal(point=int(i), label=lab[i], t2=float(t2[i]), ucl=float(limit[i]),
                        contributions=dict(zip(names, map(float, contrib[i]), strict=True)),
                        unconditional=dict(zip(names, map(float, uncond[i]), strict=True)))
               for i in np.flatnonzero(t2 > limit)]
    notes = []
    if n == 1 and m < 20 + p:
        notes.append(f"Phase I of {m} points for {p} variables: limits are uncertain")
    return T2Result(t2=[float(v) for v in t2], ucl=float(ucl1), ucl_phase2=float(ucl2),
                    limit=[float(v) for v in limit], signals=signals, variables=names,
                    labels=lab, baseline=m, subgroup_size=n, center=[float(v) for v in center],
                    covariance=[[float(v) for v in r] for r in S], confidence=conf,
                    method="hotelling", notes=notes)


def pca_monitoring(data: pd.DataFrame, *, variables: Sequence[str] | None = None,
                   baseline: int | None = None, n_components: int | str = "auto",
                   confidence: float = 0.99, labels: Sequence[Any] | None = None) -> T2Result:
    """PCA-based T² and SPE monitoring: a :class:`qbdkit.core.mvda.PCA` fitted to the first
    ``baseline`` rows (Phase I; beta T² limit) projects every row (later rows: F limit);
    SPE limit by Box's g·χ²_h approximation. Contributions are those of
    :meth:`~qbdkit.core.mvda.PCA.contributions_t2` (they add up to T²)."""
    from qbdkit.core.mvda import PCA

    frame = data[list(variables)] if variables is not None else data
    names = [str(c) for c in frame.columns]
    m_all = frame.shape[0]
    m = m_all if baseline is None else int(baseline)
    if m < 3 or m > m_all:
        raise QbdInputError("baseline shorter than the minimum" if m < 3 else
                            "baseline longer than the data", column="baseline",
                            expected=f"3…{m_all} rows", found=m)
    model = PCA(n_components=n_components).fit(frame.iloc[:m])
    diag_all = model.diagnose(frame)
    a = model.n_components_
    ucl1 = model.t2_limit(confidence, new=False)
    ucl2 = model.t2_limit(confidence, new=True)
    spe_lim = model.spe_limit(confidence)
    t2 = np.asarray(diag_all.t2, float)
    spe = np.asarray(diag_all.spe, float)
    contrib = model.contributions_t2(frame)
    spe_c = model.contributions_spe(frame)
    used = list(model.variables_)
    limit = np.where(np.arange(m_all) < m, ucl1, ucl2)
    lab = [str(v) for v in (labels if labels is not None else range(1, m_all + 1))]
    signals = [T2Signal(point=int(i), label=lab[i], t2=float(t2[i]), ucl=float(limit[i]),
                        contributions=dict(zip(used, map(float, contrib[i]), strict=True)),
                        unconditional=dict(zip(used, map(float, spe_c[i]), strict=True)))
               for i in np.flatnonzero((t2 > limit) | (spe > spe_lim))]
    return T2Result(t2=[float(v) for v in t2], ucl=float(ucl1), ucl_phase2=float(ucl2),
                    limit=[float(v) for v in limit], signals=signals, variables=names,
                    labels=lab, baseline=m, subgroup_size=1,
                    center=[float(v) for v in model.mean_],
                    covariance=[[float(v) for v in r] for r in np.diag(model.score_var_)],
                    confidence=confidence, method="pca", spe=[float(v) for v in spe],
                    spe_limit=float(spe_lim), n_components=int(a),
                    notes=[f"PCA with {a} components; signal contributions: T² "
                           "(contributions), SPE (unconditional = squared residuals)"])
