"""Process capability: Cp, Cpl, Cpu, Cpk, Cpm, Pp, Ppl, Ppu, Ppk with confidence intervals,
within vs overall σ, expected ppm outside the specification, and non-normal data.

Terms: LSL/USL lower/upper specification limit, T the target, x̄ the mean, σ_w the
within-subgroup σ (from the control chart: R̄/d₂, S̄/c₄, pooled, MR̄/d₂ for individuals),
σ_o the overall sample standard deviation (n − 1 divisor), n the number of observations.

Formulas (Montgomery, *Introduction to SQC*, 7th ed., §8.3; Kotz & Johnson 1993):

* Cp = (USL − LSL)/6σ_w; Cpu = (USL − x̄)/3σ_w; Cpl = (x̄ − LSL)/3σ_w; Cpk = min(Cpl, Cpu);
  Pp, Ppu, Ppl, Ppk the same with σ_o; Cpm = Cp/√(1 + ((x̄ − T)/σ_w)²) (Chan, Cheng &
  Spiring 1988, as qcc computes it; Ppm with σ_o).
* Intervals, 100(1 − α) % two-sided:
  - Cp, Pp: chi-square, Cp·√(χ²_{α/2,n−1}/(n−1)) … Cp·√(χ²_{1−α/2,n−1}/(n−1))
    (Montgomery eq. 8.20);
  - Cpk, Cpl, Cpu, Ppk, …: Bissell (1990, Applied Statistics 39:331–340) normal
    approximation Ĉ ± z_{1−α/2}·√(1/(9n) + Ĉ²/(2(n−1)));
  - Cpm: chi-square with Boyles' (1991, JQT 23:17–26) degrees of freedom
    ν = n(1 + δ²)/(1 + 2δ²), δ = (x̄ − T)/σ.
* Expected ppm: 10⁶·Φ((LSL − x̄)/σ) below, 10⁶·(1 − Φ((USL − x̄)/σ)) above, with σ_w
  ("within") and σ_o ("overall"); observed ppm from the data.
* Non-normal data, ``method``:
  - ``"boxcox"``: Box & Cox (1964) transform y = (x^λ − 1)/λ (log x for λ = 0), λ by
    maximum likelihood (``scipy.stats.boxcox``), data and limits transformed, the indices
    computed on y (within σ of y from the same chart rule) — Minitab's Box–Cox capability;
  - ``"percentile"``: ISO 22514-2 / Clements (1989) percentile method with the empirical
    0.135 %, 50 % and 99.865 % quantiles (q_l, q_m, q_u): Pp = (USL − LSL)/(q_u − q_l),
    Ppu = (USL − q_m)/(q_u − q_m), Ppl = (q_m − LSL)/(q_m − q_l); it needs many points
    (a note says so below 1 000) and gives no within-σ indices or intervals.
  A Shapiro–Wilk normality p-value is reported for the data used (n ≤ 5 000).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from qbdkit.core.result import Result, format_table
from qbdkit.core.spc.constants import c4, d2, d2_array
from qbdkit.errors import QbdInputError

METHODS = ("normal", "boxcox", "percentile")
SIGMA_WITHIN = ("auto", "mr", "r", "s", "pooled", "overall")


@dataclass(frozen=True)
class CapabilityResult(Result):
    """Capability indices (None where a limit is missing), ``ci`` {index: [lo, hi]},
    ``ppm`` {"expected_within": {"below","above","total"}, "expected_overall": …,
    "observed": …}."""

    n: int
    mean: float
    lsl: float | None
    usl: float | None
    target: float | None
    sigma_within: float | None
    sigma_within_method: str
    sigma_overall: float
    cp: float | None
    cpl: float | None
    cpu: float | None
    cpk: float | None
    cpm: float | None
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float | None
    ppm_index: float | None
    ci: dict[str, list[float | None]]
    confidence: float
    ci_methods: dict[str, str]
    ppm: dict[str, dict[str, float | None]]
    method: str = "normal"
    boxcox_lambda: float | None = None
    normality_p: float | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rows = []
        for key, label in (("cp", "Cp"), ("cpl", "Cpl"), ("cpu", "Cpu"), ("cpk", "Cpk"),
                           ("cpm", "Cpm"), ("pp", "Pp"), ("ppl", "Ppl"), ("ppu", "Ppu"),
                           ("ppk", "Ppk")):
            lo, hi = (self.ci.get(key) or [None, None])
            rows.append([label, getattr(self, key), lo, hi, self.ci_methods.get(key, "")])
        conf = f"{100 * self.confidence:g} %"
        head = (f"capability ({self.method}): n = {self.n}, mean = {self.mean:.6g}, "
                f"σ within = {_fmt(self.sigma_within)} ({self.sigma_within_method}), "
                f"σ overall = {self.sigma_overall:.6g}; LSL = {_fmt(self.lsl)}, "
                f"USL = {_fmt(self.usl)}, target = {_fmt(self.target)}")
        if self.boxcox_lambda is not None:
            head += f"; Box–Cox λ = {self.boxcox_lambda:.4g}"
        ppm = self.ppm.get("expected_overall", {}).get("total")
        lines = [head, format_table(["index", "value", f"{conf} lower", f"{conf} upper",
                                     "interval"], rows),
                 f"expected ppm outside (overall σ): {_fmt(ppm)}"]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.6g}"


def _opt(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def sigma_within_estimate(values: np.ndarray, subgroups: Sequence[Any] | None,
                          how: str = "auto") -> tuple[float, str]:
    """Within σ: individuals MR̄/d₂; subgroups mean Rᵢ/d₂(nᵢ) (``"r"``, the default),
    S̄/c₄ (``"s"``) or pooled s_p/c₄(Σ(nᵢ−1)+1) (``"pooled"``); ``"overall"`` the sample SD."""
    x = np.asarray(values, float)
    if how == "overall":
        return float(np.std(x, ddof=1)), "overall s"
    if subgroups is None or how == "mr":
        mr = np.abs(np.diff(x))
        return float(mr.mean()) / d2(2), "MR̄/d₂"
    import pandas as pd

    g = pd.DataFrame({"g": pd.factorize(pd.Series(list(subgroups), dtype=object))[0], "x": x})
    grp = g.groupby("g")["x"]
    n = grp.size().to_numpy().astype(float)
    if np.any(n < 2):
        return float(np.mean(np.abs(np.diff(grp.mean().to_numpy())))) / d2(2), \
            "MR̄/d₂ of subgroup means"
    if how == "s":
        return float(np.mean(grp.std(ddof=1).to_numpy() / c4(n))), "S̄/c₄"
    if how == "pooled":
        w = n - 1
        s = grp.std(ddof=1).to_numpy()
        return math.sqrt(float(np.sum(w * s * s) / np.sum(w))) / float(c4(np.sum(w) + 1)), \
            "pooled s_p/c₄"
    r = (grp.max() - grp.min()).to_numpy()
    return float(np.mean(r / d2_array(n))), "R̄/d₂"


def _chi2_ci(value: float | None, df: float, alpha: float) -> list[float | None]:
    if value is None or not df > 0:
        return [None, None]
    lo, hi = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], df)
    return [float(value * math.sqrt(lo / df)), float(value * math.sqrt(hi / df))]


def _bissell_ci(value: float | None, n: int, alpha: float) -> list[float | None]:
    if value is None or n < 2:
        return [None, None]
    z = float(stats.norm.ppf(1 - alpha / 2))
    se = math.sqrt(1.0 / (9.0 * n) + value * value / (2.0 * (n - 1)))
    return [float(value - z * se), float(value + z * se)]


def _indices(mean: float, sd: float | None, lsl: float | None, usl: float | None
             ) -> tuple[float | None, float | None, float | None, float | None]:
    if sd is None or not sd > 0:
        return None, None, None, None
    p = (usl - lsl) / (6 * sd) if lsl is not None and usl is not None else None
    pu = (usl - mean) / (3 * sd) if usl is not None else None
    pl = (mean - lsl) / (3 * sd) if lsl is not None else None
    pk = min(v for v in (pl, pu) if v is not None)
    return p, pl, pu, pk


def _ppm(mean: float, sd: float | None, lsl: float | None, usl: float | None
         ) -> dict[str, float | None]:
    if sd is None or not sd > 0:
        return {"below": None, "above": None, "total": None}
    below = 1e6 * float(stats.norm.cdf((lsl - mean) / sd)) if lsl is not None else 0.0
    above = 1e6 * float(stats.norm.sf((usl - mean) / sd)) if usl is not None else 0.0
    return {"below": below, "above": above, "total": below + above}


def capability(values: Sequence[float] | np.ndarray, *, lsl: float | None = None,
               usl: float | None = None, target: float | None = None,
               subgroups: Sequence[Any] | None = None, sigma_within: str = "auto",
               confidence: float = 0.95, method: str = "normal") -> CapabilityResult:
    """Capability of ``values`` against the specification (see the module docstring).

    ``subgroups`` (labels per value) select the within-σ estimate (R̄/d₂ by default;
    without subgroups MR̄/d₂ of consecutive values). ``target`` defaults to the middle of a
    two-sided specification (Cpm then measures off-centring from it).
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise QbdInputError("too few values for capability", column="value",
                            expected="at least 2 numbers", found=int(x.size))
    if not np.all(np.isfinite(x)):
        raise QbdInputError("not a number", column="value", expected="finite numbers")
    if lsl is None and usl is None:
        raise QbdInputError("no specification limit", column="lsl/usl",
                            expected="LSL, USL or both")
    if lsl is not None and usl is not None and not lsl < usl:
        raise QbdInputError("specification limits in the wrong order", column="lsl/usl",
                            expected="LSL < USL", found=f"LSL {lsl:g} ≥ USL {usl:g}")
    if not 0 < confidence < 1:
        raise QbdInputError("confidence out of range", column="confidence",
                            expected="0 < confidence < 1", found=confidence)
    method = str(method).lower().replace("-", "")
    if method not in METHODS:
        raise QbdInputError("unknown capability method", column="method",
                            expected=" | ".join(METHODS), found=method)
    if sigma_within not in SIGMA_WITHIN:
        raise QbdInputError("unknown within-sigma estimate", column="sigma_within",
                            expected=" | ".join(SIGMA_WITHIN), found=sigma_within)
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2.0
    notes: list[str] = []
    lam: float | None = None
    lo_s, hi_s, tgt = lsl, usl, target
    data = x
    if method == "boxcox":
        if np.any(x <= 0) or (lsl is not None and lsl <= 0) or (usl is not None and usl <= 0):
            raise QbdInputError("Box–Cox needs positive data and limits", column="value",
                                expected="values and specification limits > 0",
                                found=f"min {x.min():g}")
        data, lam = stats.boxcox(x)
        lam = float(lam)

        def tr(v: float | None) -> float | None:
            if v is None:
                return None
            return float(stats.boxcox(np.array([v]), lmbda=lam)[0])

        lo_s, hi_s, tgt = tr(lsl), tr(usl), tr(target)
        notes.append(f"indices on the Box–Cox scale, λ = {lam:.4g} (maximum likelihood)")
    n = int(data.size)
    mean = float(np.mean(data))
    s_o = float(np.std(data, ddof=1))
    if sigma_within == "auto":
        sigma_within = "r" if subgroups is not None else "mr"
    s_w, s_w_method = sigma_within_estimate(data, subgroups, sigma_within)
    normality_p = float(stats.shapiro(data).pvalue) if 3 <= n <= 5000 else None
    alpha = 1 - confidence
    if method == "percentile":
        ql, qm, qu = (float(q) for q in np.quantile(x, [0.00135, 0.5, 0.99865]))
        pp = (usl - lsl) / (qu - ql) if lsl is not None and usl is not None else None
        ppu = (usl - qm) / (qu - qm) if usl is not None else None
        ppl = (qm - lsl) / (qm - ql) if lsl is not None else None
        ppk = min(v for v in (ppl, ppu) if v is not None)
        if n < 1000:
            notes.append(f"percentile method on {n} values: the 0.135 %/99.865 % quantiles "
                         "are poorly determined below ~1 000 values")
        obs = _observed_ppm(x, lsl, usl)
        return CapabilityResult(
            n=n, mean=float(np.mean(x)), lsl=lsl, usl=usl, target=target, sigma_within=None,
            sigma_within_method="—", sigma_overall=float(np.std(x, ddof=1)), cp=None, cpl=None,
            cpu=None, cpk=None, cpm=None, pp=_opt(pp), ppl=_opt(ppl), ppu=_opt(ppu),
            ppk=_opt(ppk), ppm_index=None, ci={}, confidence=confidence,
            ci_methods={"pp": "none (percentile method)"},
            ppm={"observed": obs}, method="percentile", normality_p=normality_p,
            notes=[*notes, "ISO 22514-2 percentile method: Pp = (USL−LSL)/(X99.865−X0.135), "
                           "Ppk from the median"])
    cp, cpl, cpu, cpk = _indices(mean, s_w, lo_s, hi_s)
    pp, ppl, ppu, ppk = _indices(mean, s_o, lo_s, hi_s)
    cpm = ppm_i = None
    ci: dict[str, list[float | None]] = {}
    if tgt is not None:
        if cp is not None:
            cpm = cp / math.sqrt(1 + ((mean - tgt) / s_w) ** 2)
        if pp is not None:
            ppm_i = pp / math.sqrt(1 + ((mean - tgt) / s_o) ** 2)
    ci["cp"] = _chi2_ci(cp, n - 1, alpha)
    ci["pp"] = _chi2_ci(pp, n - 1, alpha)
    for key, val in (("cpl", cpl), ("cpu", cpu), ("cpk", cpk), ("ppl", ppl), ("ppu", ppu),
                     ("ppk", ppk)):
        ci[key] = _bissell_ci(val, n, alpha)
    if cpm is not None and s_w:
        dlt = (mean - tgt) / s_w
        ci["cpm"] = _chi2_ci(cpm, n * (1 + dlt * dlt) / (1 + 2 * dlt * dlt), alpha)
    if ppm_i is not None:
        dlt = (mean - tgt) / s_o
        ci["ppm"] = _chi2_ci(ppm_i, n * (1 + dlt * dlt) / (1 + 2 * dlt * dlt), alpha)
    ci_methods = {"cp": "chi-square", "pp": "chi-square", "cpm": "chi-square (Boyles 1991)",
                  "ppm": "chi-square (Boyles 1991)"}
    ci_methods.update({k: "Bissell (1990)" for k in ("cpl", "cpu", "cpk", "ppl", "ppu", "ppk")})
    if normality_p is not None and normality_p < 0.05 and method == "normal":
        notes.append(f"data look non-normal (Shapiro–Wilk p = {normality_p:.3g}): consider "
                     "method boxcox or percentile")
    return CapabilityResult(
        n=n, mean=mean, lsl=lsl, usl=usl, target=target, sigma_within=_opt(s_w),
        sigma_within_method=s_w_method, sigma_overall=s_o, cp=_opt(cp), cpl=_opt(cpl),
        cpu=_opt(cpu), cpk=_opt(cpk), cpm=_opt(cpm), pp=_opt(pp), ppl=_opt(ppl),
        ppu=_opt(ppu), ppk=_opt(ppk), ppm_index=_opt(ppm_i),
        ci={k: v for k, v in ci.items()}, confidence=confidence, ci_methods=ci_methods,
        ppm={"expected_within": _ppm(mean, s_w, lo_s, hi_s),
             "expected_overall": _ppm(mean, s_o, lo_s, hi_s),
             "observed": _observed_ppm(x, lsl, usl)},
        method=method, boxcox_lambda=lam, normality_p=normality_p, notes=notes)


def _observed_ppm(x: np.ndarray, lsl: float | None, usl: float | None) -> dict[str, float | None]:
    below = 1e6 * float(np.mean(x < lsl)) if lsl is not None else 0.0
    above = 1e6 * float(np.mean(x > usl)) if usl is not None else 0.0
    return {"below": below, "above": above, "total": below + above}
