"""Control charts for continued process verification (cpv): I-MR, X̄-R, X̄-S, EWMA, tabular
CUSUM, p, np, c and u; Phase I baselines, several phases, run rules.

Terms: CL centre line, UCL/LCL upper/lower control limit, σ the process (within-subgroup)
standard deviation, L the number of σ to the limits (3), nᵢ the size of subgroup i, MR the
moving range |xᵢ − xᵢ₋₁|, R the subgroup range, S the subgroup standard deviation.

Formulas (Montgomery, *Introduction to Statistical Quality Control*, 7th ed., 2013,
chapters 6, 7 and 9; qcc 3.0 for the varying-n conventions):

* I-MR: ``σ̂ = MR̄/d₂(2)``; I chart CL = x̄, limits x̄ ± Lσ̂; MR chart CL = MR̄ = d₂σ̂,
  UCL = (d₂ + L·d₃)σ̂, LCL = max(0, (d₂ − L·d₃)σ̂).
* X̄-R: ``σ̂ = mean(Rᵢ/d₂(nᵢ))`` (= R̄/d₂ for equal n; qcc "UWAVE-R", Burr 1969);
  X̄ chart CL = Σnᵢx̄ᵢ/Σnᵢ, limits CL ± Lσ̂/√nᵢ; R chart CLᵢ = d₂(nᵢ)σ̂,
  limits (d₂(nᵢ) ± L·d₃(nᵢ))σ̂ (LCL ≥ 0).
* X̄-S: ``σ̂ = mean(Sᵢ/c₄(nᵢ))`` (= S̄/c₄), or pooled
  ``s_p/c₄(Σ(nᵢ−1)+1)`` with ``s_p² = Σ(nᵢ−1)Sᵢ²/Σ(nᵢ−1)`` (``sigma_method="pooled"``);
  S chart CLᵢ = c₄σ̂, limits c₄σ̂ ± Lσ̂·√(1 − c₄²).
* p: p̄ = Σdᵢ/Σnᵢ, limits p̄ ± L√(p̄(1−p̄)/nᵢ) in [0, 1]; np (equal n): np̄ ± L√(np̄(1−p̄));
  c: c̄ ± L√c̄; u: ū = Σcᵢ/Σnᵢ, ū ± L√(ū/nᵢ) (LCL ≥ 0). Varying n gives per-point limits.
* EWMA (Roberts 1959; Montgomery §9.2): zᵢ = λx̄ᵢ + (1−λ)zᵢ₋₁, z₀ = CL; limits
  CL ± L(σ̂/√nᵢ)√(λ/(2−λ)·(1 − (1−λ)^{2i})) (exact, time-varying). σ̂ as for I-MR (n = 1)
  or X̄-R.
* Tabular CUSUM (Page 1954; Montgomery §9.1): K = kσ̂/√nᵢ, H = hσ̂/√nᵢ,
  C⁺ᵢ = max(0, x̄ᵢ − (μ₀ + K) + C⁺ᵢ₋₁), C⁻ᵢ = max(0, (μ₀ − K) − x̄ᵢ + C⁻ᵢ₋₁), signal when
  C⁺ > H or C⁻ > H; the sums go on after a signal, as Montgomery's Table 9.2 does.
  ``statistic`` is C⁺, ``statistic_lower`` is −C⁻ (drawn below zero against −H).

Phase I / Phase II: in each phase the limits come from its baseline — the first
``baseline`` points of the phase (all of them if not given) less the points ``exclude``
names (assignable causes) — and apply to every point of the phase. Several phases (e.g.
before and after an approved change) each get their own limits; the run rules restart at
each phase. ``center`` / ``sigma`` given by the user (a target or a known σ) replace the
estimates. Point indices everywhere are 0-based positions on the chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.result import Result, format_table
from qbdkit.core.spc import rules as rules_mod
from qbdkit.core.spc.constants import c4, d2, d2_array, d3, d3_array
from qbdkit.errors import QbdInputError

CHART_TYPES: tuple[str, ...] = ("imr", "xbar-r", "xbar-s", "ewma", "cusum", "p", "np", "c", "u")
ATTRIBUTE = ("p", "np", "c", "u")
MIN_POINTS = 2
#: fewer baseline points than this: the limits are preliminary (PDA TR-60; Montgomery §6.4)
PRELIMINARY_BELOW = 20


@dataclass(frozen=True)
class Signal(Result):
    """A run-rule signal: ``rule`` id (``nelson1``…``nelson8``, ``we1``…``we4``,
    ``ewma_limit``, ``cusum_upper``, ``cusum_lower``), the 0-based ``points`` completing the
    pattern, which ``chart`` (``location`` or ``dispersion``) and the rule's text."""

    rule: str
    points: list[int]
    chart: str = "location"
    description: str = ""


@dataclass(frozen=True)
class Phase(Result):
    """Limits of one phase: points ``start``…``stop−1``; ``baseline`` the points the limits
    were computed from (after ``excluded``); ``center``/``sigma`` (σ of one observation;
    None for attribute charts) and the constant ``lcl``/``ucl`` when they do not vary."""

    name: str
    start: int
    stop: int
    baseline: list[int]
    excluded: list[int]
    center: float
    sigma: float | None
    sigma_method: str
    lcl: float | None
    ucl: float | None
    known: bool = False


@dataclass(frozen=True)
class Panel(Result):
    """The dispersion chart under an I, X̄ chart: MR, R or S."""

    type: str
    statistic: list[float]
    center_line: list[float]
    lcl: list[float]
    ucl: list[float]
    signals: list[Signal] = field(default_factory=list)


@dataclass(frozen=True)
class ChartResult(Result):
    """A control chart: per-point ``statistic``, ``center_line``, ``lcl``, ``ucl``; the
    ``signals``; one entry per ``phases``; ``center`` and ``sigma`` of the last phase (the
    limits in force); the σ estimate named in ``sigma_method``."""

    type: str
    center: float
    lcl: list[float]
    ucl: list[float]
    statistic: list[float]
    signals: list[Signal]
    phases: list[Phase]
    center_line: list[float]
    sigma: float | None
    sigma_method: str
    nsigmas: float
    rules: list[str]
    labels: list[str]
    sizes: list[int]
    value_name: str = "value"
    dispersion: Panel | None = None
    statistic_lower: list[float] | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def signalled_points(self) -> list[int]:
        return sorted({p for s in self.signals for p in s.points})

    def summary(self) -> str:
        lines = [f"{self.type} chart of {self.value_name}: {len(self.statistic)} points, "
                 f"{len(self.phases)} phase(s); σ: {self.sigma_method}"]
        rows = [[p.name, f"{p.start}–{p.stop - 1}", len(p.baseline), p.center, p.sigma,
                 p.lcl, p.ucl, "yes" if p.known else "no"] for p in self.phases]
        lines.append(format_table(["phase", "points", "baseline n", "centre", "sigma", "LCL",
                                   "UCL", "known"], rows))
        if self.signals:
            lines.append("signals:")
            for s in self.signals:
                pts = ", ".join(str(p) for p in s.points[:20])
                more = " …" if len(s.points) > 20 else ""
                lines.append(f"  {s.rule} ({s.chart}): {s.description}: points {pts}{more}")
        else:
            lines.append("no signals")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


# ------------------------------------------------------------------ input handling
class _Where:
    """Turns an observation index into a file row for error messages."""

    def __init__(self, file: str | None, rows: Sequence[int] | None,
                 names: Mapping[str, str] | None) -> None:
        self.file, self.rows, self.names = file, rows, dict(names or {})

    def col(self, role: str) -> str:
        return self.names.get(role, role)

    def row(self, i: int | None) -> int | None:
        if i is None:
            return None
        return int(self.rows[i]) if self.rows is not None else int(i) + 1

    def error(self, message: str, i: int | None, role: str, expected: str | None = None,
              found: object = None) -> QbdInputError:
        return QbdInputError(message, file=self.file, row=self.row(i), column=self.col(role),
                             expected=expected, found=found)


def _labels_in_order(labels: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    codes, uniques = pd.factorize(pd.Series(list(labels), dtype=object), sort=False)
    return codes, list(uniques)


@dataclass
class _Points:
    """Per chart point: statistic inputs gathered from the observations."""

    labels: list[str]
    first_obs: np.ndarray  # index of the first observation of each point
    sizes: np.ndarray
    mean: np.ndarray | None = None
    rng: np.ndarray | None = None
    sd: np.ndarray | None = None
    counts: np.ndarray | None = None


def _gather(values: np.ndarray, subgroups: Sequence[Any] | None, labels: Sequence[Any] | None,
            sizes: np.ndarray | None, chart: str, where: _Where) -> _Points:
    n_obs = values.shape[0]
    if chart in ATTRIBUTE:
        if subgroups is not None:
            raise where.error("attribute charts take one count per row", None, "subgroup",
                              expected="no subgroup column for p/np/c/u charts")
        lab = [str(x) for x in (labels if labels is not None else range(1, n_obs + 1))]
        if chart in ("p", "np", "u"):
            if sizes is None:
                raise where.error("missing subgroup sizes", None, "size",
                                  expected=f"a size column for a {chart} chart")
            sz = np.asarray(sizes, float)
        else:
            sz = np.ones(n_obs) if sizes is None else np.asarray(sizes, float)
        for i in range(n_obs):
            v = values[i]
            if not math.isfinite(v) or v < 0 or v != round(v):
                raise where.error("not a count", i, "value",
                                  expected="a whole number ≥ 0", found=v)
            if not math.isfinite(sz[i]) or sz[i] <= 0:
                raise where.error("not a subgroup size", i, "size",
                                  expected="a number > 0", found=sz[i])
            if chart in ("p", "np") and v > sz[i]:
                raise where.error("more nonconforming units than inspected", i, "value",
                                  expected=f"a count ≤ the size {sz[i]:g}", found=v)
        return _Points(labels=lab, first_obs=np.arange(n_obs), sizes=sz,
                       counts=values.astype(float))
    for i in range(n_obs):
        if not math.isfinite(values[i]):
            raise where.error("not a number", i, "value", expected="a number", found=values[i])
    if subgroups is None:
        lab = [str(x) for x in (labels if labels is not None else range(1, n_obs + 1))]
        one = np.ones(n_obs)
        return _Points(labels=lab, first_obs=np.arange(n_obs), sizes=one, mean=values.copy(),
                       rng=np.zeros(n_obs), sd=np.full(n_obs, np.nan))
    codes, uniques = _labels_in_order(subgroups)
    if chart == "imr":
        seen = np.bincount(codes)
        dup = int(np.flatnonzero(seen > 1)[0]) if (seen > 1).any() else None
        if dup is not None:
            i = int(np.flatnonzero(codes == dup)[1])
            raise where.error("an I-MR chart takes one value per subgroup", i, "subgroup",
                              expected="one row per batch (use --type xbar-r for subgroups)",
                              found=uniques[dup])
    frame = pd.DataFrame({"g": codes, "x": values})
    grouped = frame.groupby("g", sort=True)["x"]
    mean = grouped.mean().to_numpy()
    n = grouped.size().to_numpy().astype(float)
    rng = (grouped.max() - grouped.min()).to_numpy()
    sd = grouped.std(ddof=1).to_numpy()
    first = frame.reset_index().groupby("g", sort=True)["index"].min().to_numpy()
    return _Points(labels=[str(u) for u in uniques], first_obs=first, sizes=n, mean=mean,
                   rng=rng, sd=sd)


def _phase_slices(phases: Sequence[Any] | None, pts: _Points, where: _Where
                  ) -> list[tuple[str, int, int]]:
    m = len(pts.labels)
    if phases is None:
        return [("1", 0, m)]
    per_point = [phases[int(i)] for i in pts.first_obs]
    out: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    start = 0
    for i in range(1, m + 1):
        if i == m or str(per_point[i]) != str(per_point[start]):
            name = str(per_point[start])
            if name in seen:
                raise where.error("a phase starts again after another phase", int(
                    pts.first_obs[start]), "phase", expected="each phase in one contiguous run",
                    found=name)
            seen.add(name)
            out.append((name, start, i))
            start = i
    return out


# ------------------------------------------------------------------ estimates
def _sigma_individuals(x: np.ndarray) -> tuple[float, float]:
    """(σ̂ = MR̄/d₂(2), MR̄) of consecutive baseline values."""
    mr = np.abs(np.diff(x))
    mrbar = float(mr.mean()) if mr.size else math.nan
    return mrbar / d2(2), mrbar


def _sigma_subgroups(pts: _Points, idx: np.ndarray, chart: str, method: str | None
                     ) -> tuple[float, str]:
    n = pts.sizes[idx]
    if chart == "xbar-s" or method in ("s", "pooled"):
        s = pts.sd[idx]
        if method == "pooled":
            w = n - 1.0
            sp = math.sqrt(float(np.sum(w * s * s) / np.sum(w)))
            return sp / float(c4(np.sum(w) + 1.0)), "pooled s_p/c₄"
        return float(np.mean(s / c4(n))), ("S̄/c₄" if np.all(n == n[0]) else "mean Sᵢ/c₄(nᵢ)")
    r = pts.rng[idx]
    return float(np.mean(r / d2_array(n))), ("R̄/d₂" if np.all(n == n[0]) else
                                              "mean Rᵢ/d₂(nᵢ)")


# ------------------------------------------------------------------ main entry
def control_chart(values: Sequence[float] | np.ndarray, *, chart: str = "imr",
                  subgroups: Sequence[Any] | None = None, sizes: Sequence[float] | None = None,
                  phases: Sequence[Any] | None = None, labels: Sequence[Any] | None = None,
                  baseline: int | None = None, exclude: Sequence[int] = (),
                  rules: str | Sequence[str] | None = "nelson", center: float | None = None,
                  sigma: float | None = None, lam: float = 0.2, k: float = 0.5, h: float = 5.0,
                  nsigmas: float = 3.0, sigma_method: str | None = None,
                  value_name: str = "value", file: str | None = None,
                  rows: Sequence[int] | None = None, names: Mapping[str, str] | None = None
                  ) -> ChartResult:
    """Compute a control chart (see the module docstring for every formula).

    ``values``: one observation per row (variables charts; rows with the same ``subgroups``
    label form one subgroup, in order of first appearance) or one count per row (p/np/c/u,
    with ``sizes``). ``phases``: a phase label per row (contiguous runs). ``labels``: point
    labels (e.g. batch ids) when there are no subgroups. ``baseline``: number of points per
    phase for the limits; ``exclude``: 0-based points left out of the limits. ``file``,
    ``rows`` (file row per observation) and ``names`` (role → column) make input errors
    name the file, row and column.
    """
    where = _Where(file, rows, names)
    chart = str(chart).strip().lower().replace("_", "-")
    chart = {"xbar": "xbar-r", "i-mr": "imr", "xmr": "imr", "individuals": "imr"}.get(chart, chart)
    if chart not in CHART_TYPES:
        raise QbdInputError("unknown chart type", column="type", expected=" | ".join(CHART_TYPES),
                            found=chart)
    if not nsigmas > 0:
        raise QbdInputError("nsigmas out of range", column="nsigmas", expected="> 0",
                            found=nsigmas)
    if chart == "ewma" and not 0 < lam <= 1:
        raise QbdInputError("EWMA weight out of range", column="lambda", expected="0 < λ ≤ 1",
                            found=lam)
    if chart == "cusum" and not (k >= 0 and h > 0):
        raise QbdInputError("CUSUM parameters out of range", column="k/h",
                            expected="k ≥ 0 and h > 0", found=f"k={k}, h={h}")
    if sigma is not None and not sigma > 0:
        raise QbdInputError("sigma out of range", column="sigma", expected="a number > 0",
                            found=sigma)
    if sigma is not None and chart in ATTRIBUTE:
        raise QbdInputError("a known sigma does not apply to attribute charts", column="sigma",
                            expected="no --sigma for p/np/c/u (σ follows from the centre)",
                            found=sigma)
    if chart in ("p",) and center is not None and not 0 < center < 1:
        raise QbdInputError("centre out of range", column="center",
                            expected="a proportion 0 < p < 1", found=center)
    rule_ids = rules_mod.parse_rules(rules if not isinstance(rules, str) or rules else "none")
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1:
        raise QbdInputError("values must be one column", column=where.col("value"))
    if subgroups is not None and len(subgroups) != vals.size:
        raise QbdInputError("subgroup labels and values differ in length",
                            column=where.col("subgroup"))
    pts = _gather(vals, subgroups, labels, None if sizes is None else np.asarray(sizes, float),
                  chart, where)
    m = len(pts.labels)
    if m < MIN_POINTS:
        raise where.error("too few points for a control chart", None, "value",
                          expected=f"at least {MIN_POINTS} points", found=m)
    if chart in ("xbar-r", "xbar-s") and np.any(pts.sizes < 2):
        i = int(np.flatnonzero(pts.sizes < 2)[0])
        raise where.error("subgroup of one observation", int(pts.first_obs[i]), "subgroup",
                          expected=f"≥ 2 observations per subgroup for {chart} (use imr)",
                          found=pts.labels[i])
    excl = sorted({int(e) for e in exclude})
    for e in excl:
        if not 0 <= e < m:
            raise QbdInputError("excluded point out of range", column="exclude",
                                expected=f"0-based point indices 0…{m - 1}", found=e)
    if baseline is not None and baseline < MIN_POINTS:
        raise QbdInputError("baseline shorter than the minimum", column="baseline",
                            expected=f"at least {MIN_POINTS} points", found=baseline)
    slices = _phase_slices(phases, pts, where)

    stat = np.full(m, np.nan)
    stat_lower = np.full(m, np.nan) if chart == "cusum" else None
    cl = np.full(m, np.nan)
    sd_stat = np.full(m, np.nan)  # σ of the plotted statistic (zones)
    lcl = np.full(m, np.nan)
    ucl = np.full(m, np.nan)
    disp = None
    if chart in ("imr", "xbar-r", "xbar-s"):
        disp = {k_: np.full(m, np.nan) for k_ in ("stat", "cl", "lcl", "ucl")}
    starts = np.zeros(m, dtype=int)
    phase_out: list[Phase] = []
    notes: list[str] = []
    excl_set = set(excl)
    L = float(nsigmas)
    last_sigma: float | None = None
    last_method = ""
    for name, a, b in slices:
        starts[a:b] = a
        idx = np.arange(a, b)
        base_end = b if baseline is None else min(b, a + int(baseline))
        base = np.array([i for i in range(a, base_end) if i not in excl_set], dtype=int)
        if base.size < MIN_POINTS:
            raise QbdInputError("baseline shorter than the minimum", column="baseline",
                                expected=f"at least {MIN_POINTS} points in phase {name} after "
                                         "exclusions", found=int(base.size))
        if base.size < PRELIMINARY_BELOW and center is None and sigma is None:
            notes.append(f"phase {name}: limits from {base.size} baseline points are "
                         f"preliminary (fewer than {PRELIMINARY_BELOW})")
        n_i = pts.sizes[idx]
        ph_sigma: float | None = None
        method = ""
        if chart in ATTRIBUTE:
            cnt = pts.counts
            if chart == "np" and np.unique(pts.sizes[idx]).size > 1:
                j = int(idx[np.flatnonzero(pts.sizes[idx] != pts.sizes[a])[0]])
                raise where.error("np chart needs equal subgroup sizes", j, "size",
                                  expected=f"size {pts.sizes[a]:g} as in the first row "
                                           "(use a p chart for varying sizes)",
                                  found=pts.sizes[j])
            if chart in ("p", "np"):
                pbar = float(cnt[base].sum() / pts.sizes[base].sum())
                if center is not None:
                    pbar = center / pts.sizes[a] if chart == "np" else float(center)
                if chart == "p":
                    stat[idx] = cnt[idx] / n_i
                    cl[idx] = pbar
                    sd_stat[idx] = np.sqrt(pbar * (1 - pbar) / n_i)
                    method = "√(p̄(1−p̄)/nᵢ)"
                else:
                    stat[idx] = cnt[idx]
                    cl[idx] = pbar * n_i
                    sd_stat[idx] = np.sqrt(n_i * pbar * (1 - pbar))
                    method = "√(np̄(1−p̄))"
            elif chart == "c":
                cbar = float(cnt[base].mean()) if center is None else float(center)
                stat[idx] = cnt[idx]
                cl[idx] = cbar
                sd_stat[idx] = math.sqrt(cbar)
                method = "√c̄"
            else:  # u
                ubar = float(cnt[base].sum() / pts.sizes[base].sum()) if center is None else \
                    float(center)
                stat[idx] = cnt[idx] / n_i
                cl[idx] = ubar
                sd_stat[idx] = np.sqrt(ubar / n_i)
                method = "√(ū/nᵢ)"
            lo = cl[idx] - L * sd_stat[idx]
            hi = cl[idx] + L * sd_stat[idx]
            lcl[idx] = np.maximum(lo, 0.0)
            ucl[idx] = np.minimum(hi, 1.0) if chart == "p" else hi
            ph_center = float(cl[a])
        else:
            means = pts.mean
            xb = means[base]
            grand = float(np.sum(pts.sizes[base] * xb) / np.sum(pts.sizes[base]))
            ph_center = grand if center is None else float(center)
            if sigma is not None:
                ph_sigma, method = float(sigma), "known σ"
            elif np.all(pts.sizes[idx] == 1):
                ph_sigma, _ = _sigma_individuals(xb)
                method = "MR̄/d₂"
            else:
                ph_sigma, method = _sigma_subgroups(pts, base, chart, sigma_method)
            if not (ph_sigma is not None and math.isfinite(ph_sigma) and ph_sigma > 0):
                raise where.error("no variation in the baseline", int(pts.first_obs[a]),
                                  "value", expected="values that vary within the baseline",
                                  found=f"σ̂ = {ph_sigma}")
            se = ph_sigma / np.sqrt(n_i)
            if chart in ("imr", "xbar-r", "xbar-s"):
                stat[idx] = means[idx]
                cl[idx] = ph_center
                sd_stat[idx] = se
                lcl[idx] = ph_center - L * se
                ucl[idx] = ph_center + L * se
                assert disp is not None
                if chart == "imr":
                    mr = np.full(b - a, np.nan)
                    mr[1:] = np.abs(np.diff(means[idx]))
                    disp["stat"][idx] = mr
                    disp["cl"][idx] = d2(2) * ph_sigma
                    disp["ucl"][idx] = (d2(2) + L * d3(2)) * ph_sigma
                    disp["lcl"][idx] = max(0.0, (d2(2) - L * d3(2)) * ph_sigma)
                elif chart == "xbar-r":
                    dd2, dd3 = d2_array(n_i), d3_array(n_i)
                    disp["stat"][idx] = pts.rng[idx]
                    disp["cl"][idx] = dd2 * ph_sigma
                    disp["ucl"][idx] = (dd2 + L * dd3) * ph_sigma
                    disp["lcl"][idx] = np.maximum(0.0, (dd2 - L * dd3) * ph_sigma)
                else:
                    cc = np.asarray(c4(n_i), float)
                    disp["stat"][idx] = pts.sd[idx]
                    disp["cl"][idx] = cc * ph_sigma
                    disp["ucl"][idx] = cc * ph_sigma + L * ph_sigma * np.sqrt(1 - cc * cc)
                    disp["lcl"][idx] = np.maximum(0.0, cc * ph_sigma - L * ph_sigma *
                                                  np.sqrt(1 - cc * cc))
            elif chart == "ewma":
                z = ph_center
                for j, i in enumerate(idx, start=1):
                    z = lam * means[i] + (1 - lam) * z
                    stat[i] = z
                    w = se[j - 1] * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * j)))
                    sd_stat[i] = w
                cl[idx] = ph_center
                lcl[idx] = ph_center - L * sd_stat[idx]
                ucl[idx] = ph_center + L * sd_stat[idx]
            else:  # cusum
                assert stat_lower is not None
                cp = cm = 0.0
                for j, i in enumerate(idx):
                    kk = k * se[j]
                    cp = max(0.0, means[i] - (ph_center + kk) + cp)
                    cm = max(0.0, (ph_center - kk) - means[i] + cm)
                    stat[i], stat_lower[i] = cp, -cm
                cl[idx] = 0.0
                ucl[idx] = h * se
                lcl[idx] = -h * se
                sd_stat[idx] = se
        const = (np.allclose(lcl[idx], lcl[a]) and np.allclose(ucl[idx], ucl[a])
                 and chart not in ("ewma",))
        phase_out.append(Phase(
            name=name, start=int(a), stop=int(b), baseline=[int(i) for i in base],
            excluded=[e for e in excl if a <= e < b], center=float(ph_center),
            sigma=None if ph_sigma is None else float(ph_sigma), sigma_method=method,
            lcl=float(lcl[a]) if const else None, ucl=float(ucl[a]) if const else None,
            known=center is not None or sigma is not None))
        last_sigma, last_method = ph_sigma, method

    signals: list[Signal] = []
    if chart == "ewma":
        flag = (stat > ucl) | (stat < lcl)
        signals += _signals({"ewma_limit": flag[None, :]}, "location",
                            {"ewma_limit": "EWMA beyond its control limits"})
    elif chart == "cusum":
        assert stat_lower is not None
        signals += _signals({"cusum_upper": (stat > ucl)[None, :],
                             "cusum_lower": (stat_lower < lcl)[None, :]}, "location",
                            {"cusum_upper": "upper cumulative sum C⁺ beyond H",
                             "cusum_lower": "lower cumulative sum C⁻ beyond H"})
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            zz = (stat - cl) / sd_stat
        beyond = (stat > ucl) | (stat < lcl)
        flags = rules_mod.evaluate(stat, zz, beyond, rule_ids, starts)
        signals += _signals(flags, "location", rules_mod.RULES)
        if disp is not None:
            one = [r for r in rule_ids if r in ("nelson1", "we1")] or ["nelson1"]
            with np.errstate(invalid="ignore"):
                dflag = (disp["stat"] > disp["ucl"]) | (disp["stat"] < disp["lcl"])
            signals += _signals({one[0]: dflag[None, :]}, "dispersion", rules_mod.RULES)

    panel = None
    if disp is not None:
        dtype = {"imr": "mr", "xbar-r": "r", "xbar-s": "s"}[chart]
        panel = Panel(type=dtype, statistic=_lst(disp["stat"]), center_line=_lst(disp["cl"]),
                      lcl=_lst(disp["lcl"]), ucl=_lst(disp["ucl"]),
                      signals=[s for s in signals if s.chart == "dispersion"])
    params: dict[str, float] = {}
    if chart == "ewma":
        params["lambda"] = float(lam)
    if chart == "cusum":
        params.update(k=float(k), h=float(h))
    return ChartResult(
        type=chart, center=float(phase_out[-1].center), lcl=_lst(lcl), ucl=_lst(ucl),
        statistic=_lst(stat), signals=signals, phases=phase_out, center_line=_lst(cl),
        sigma=None if last_sigma is None else float(last_sigma), sigma_method=last_method,
        nsigmas=L, rules=rule_ids if chart not in ("ewma", "cusum") else [],
        labels=pts.labels, sizes=[int(s) if float(s).is_integer() else s for s in pts.sizes],
        value_name=value_name, dispersion=panel,
        statistic_lower=None if stat_lower is None else _lst(stat_lower), parameters=params,
        notes=notes)


def _lst(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, float)]


def _signals(flags: Mapping[str, np.ndarray], chart: str, texts: Mapping[str, str]
             ) -> list[Signal]:
    out = []
    for rule, flag in flags.items():
        pts = np.flatnonzero(np.asarray(flag)[0])
        if pts.size:
            out.append(Signal(rule=rule, points=[int(p) for p in pts], chart=chart,
                              description=texts.get(rule, rule)))
    return out
