"""Design evaluation: efficiencies, VIFs, correlations, aliasing, word-length pattern, power, FDS.

Definitions (X = model matrix in coded units, n runs, p columns; JMP *Design Evaluation*
documentation, "Design Diagnostics"; Goos & Jones, *Optimal Design of Experiments*, 2011, ch. 2):

- D-efficiency = 100 · |X'X|^(1/p) / n
- A-efficiency = 100 · p / (n · trace((X'X)^-1))
- G-efficiency = 100 · sqrt(p / n) / σ_M, σ_M = max over the design region of
  sqrt(f(x)'(X'X)^-1 f(x)); the maximum is taken over the design points, the 3^k grid (numeric
  factors; ≤ 3^8 points) or 4096 seeded random feasible points, whichever applies — so the value
  is an upper bound on the exact G-efficiency.
- VIF_j = 1 / (1 − R_j²), R_j² from regressing column j on the other model columns (the diagonal
  of the inverse correlation matrix of the non-intercept columns; Montgomery, Peck & Vining,
  *Introduction to Linear Regression Analysis*, §9.4).
- Alias matrix A = (X₁'X₁)^-1 X₁'X₂ for the model X₁ and the two-factor interactions X₂ not in it
  (Montgomery, *Design and Analysis of Experiments*, §8.7 / Myers et al. *RSM* §5.?):
  E[b₁] = β₁ + A β₂.
- Generalized word-length pattern for two-level designs coded ±1: A_l = Σ_{|S|=l} (J_S / n)²,
  J_S = Σ_i Π_{j∈S} x_ij (Xu & Wu 2001, *Ann. Statist.* 29:1066); for a regular fraction this is
  the ordinary count of defining words of length l.
- Power of the test of a term: noncentral F with df (term df, n − p) and noncentrality
  λ = β'(C_tt)^-1 β / σ², C_tt the term's block of (X'X)^-1 and every coefficient of the term
  equal to the effect size (JMP's "anticipated coefficient"; Goos & Jones 2011 §2.3).
- Fraction-of-design-space curve: quantiles of the relative prediction variance
  f(x)'(X'X)^-1 f(x) over uniform random points of the (constrained) region
  (Zahran, Anderson-Cook & Myers 2003, *J. Quality Technology* 35:377).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import stats

from qbdkit.core.doe.design.factors import FactorSpace
from qbdkit.core.doe.design.model import Model, build_model, named_terms
from qbdkit.core.result import Result, format_table


@dataclass(frozen=True)
class DesignEvaluation(Result):
    """Everything we say about a design under one model."""

    model: str
    n_runs: int
    n_parameters: int
    columns: list[str]
    d_efficiency: float | None
    a_efficiency: float | None
    g_efficiency: float | None
    vif: dict[str, float | None]
    max_vif: float | None
    power: dict[str, float | None]
    correlation_labels: list[str]
    correlation: list[list[float | None]]
    aliases: dict[str, dict[str, float]]
    word_length_pattern: list[float] | None
    resolution: int | None
    fds_fraction: list[float]
    fds_variance: list[float | None]
    effect_size: float
    sigma: float
    alpha: float
    estimable: bool

    def summary(self) -> str:
        lines = [f"Design evaluation: {self.n_runs} runs, model {self.model} ({self.n_parameters} parameters)"]
        if not self.estimable:
            lines.append("  the model is NOT estimable with this design (X'X singular)")
        lines.append(f"  D-efficiency {_f(self.d_efficiency)}  A-efficiency {_f(self.a_efficiency)}  "
                     f"G-efficiency {_f(self.g_efficiency)}  max VIF {_f(self.max_vif)}")
        if self.word_length_pattern is not None:
            res = self.resolution if self.resolution is not None else "full (no words)"
            wlp = ", ".join(f"{v:g}" for v in self.word_length_pattern)
            lines.append(f"  word-length pattern (3, 4, …): ({wlp}); resolution {res}")
        rows = [[c, self.vif.get(c), self.power.get(c)] for c in self.power]
        lines.append(format_table(["term", "VIF", f"power (effect {self.effect_size:g}σ)"], rows))
        if self.aliases:
            lines.append("Aliases (coefficient of the 2FI in the expectation of the estimate):")
            for k, v in self.aliases.items():
                lines.append(f"  {k} = " + " ".join(f"{c:+.3g}·{t}" for t, c in v.items()))
        return "\n".join(lines)


def _f(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def information(x: np.ndarray) -> np.ndarray:
    return x.T @ x


def d_efficiency(x: np.ndarray) -> float | None:
    n, p = x.shape
    sign, logdet = np.linalg.slogdet(x.T @ x)
    if sign <= 0 or n < p:
        return None
    return float(100.0 * np.exp(logdet / p) / n)


def a_efficiency(x: np.ndarray) -> float | None:
    n, p = x.shape
    inv = _inv(x)
    if inv is None:
        return None
    return float(100.0 * p / (n * np.trace(inv)))


def _inv(x: np.ndarray) -> np.ndarray | None:
    m = x.T @ x
    if x.shape[0] < x.shape[1] or np.linalg.matrix_rank(m, tol=1e-9 * max(1.0, np.abs(m).max())) < m.shape[0]:
        return None
    return np.linalg.inv(m)


def region_points(space: FactorSpace, n_random: int = 4096, seed: int = 20240601) -> np.ndarray:
    """Points covering the design region (coded): the 3-level grid when small, plus random points."""
    rng = np.random.default_rng(seed)
    k = space.k
    levels = []
    for f in space.factors:
        levels.append([-1.0, 0.0, 1.0] if f.is_numeric else list(range(f.n_levels)))
    pts = []
    if np.prod([len(v) for v in levels]) <= 6561:
        pts.append(np.array(list(itertools.product(*levels)), dtype=float))
    rnd = np.empty((n_random, k))
    for j, f in enumerate(space.factors):
        rnd[:, j] = rng.uniform(-1, 1, n_random) if f.is_numeric else rng.integers(0, f.n_levels, n_random)
    pts.append(rnd)
    allp = np.vstack(pts)
    if space.constrained:
        allp = allp[space.feasible(allp)]
    return allp


def prediction_variance(model: Model, inv: np.ndarray, coded: np.ndarray) -> np.ndarray:
    f = model.matrix(coded)
    return np.einsum("ij,jk,ik->i", f, inv, f)


def vifs(x: np.ndarray, columns: list[str]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    idx = [i for i, c in enumerate(columns) if c != "Intercept"]
    if not idx:
        return out
    z = x[:, idx]
    sd = z.std(axis=0)
    if np.any(sd < 1e-12):
        return {columns[i]: None for i in idx}
    r = np.corrcoef(z, rowvar=False)
    r = np.atleast_2d(r)
    try:
        if np.linalg.cond(r) > 1e12:
            raise np.linalg.LinAlgError
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        return {columns[i]: None for i in idx}
    for a, i in enumerate(idx):
        out[columns[i]] = float(inv[a, a])
    return out


def correlation_map(space: FactorSpace, coded: np.ndarray, model: Model) -> tuple[list[str], np.ndarray]:
    """Absolute correlations among the model terms plus all main effects, 2FIs and (numeric) squares."""
    full = build_model(space, "quadratic")
    terms = list(model.terms[1:]) + [t for t in full.terms[1:] if t not in model.terms]
    m = Model(space, tuple([(), *terms]))
    x = m.matrix(coded)[:, 1:]
    labels = m.columns[1:]
    sd = x.std(axis=0)
    xc = x - x.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc.T @ xc) / (len(x) * np.outer(sd, sd))
    r = np.where(np.outer(sd, sd) > 1e-12, np.abs(r), np.nan)
    return labels, r


def alias_matrix(space: FactorSpace, coded: np.ndarray, model: Model) -> dict[str, dict[str, float]]:
    """Non-zero entries of A = (X₁'X₁)^-1 X₁'X₂ for the 2FIs not in the model."""
    inv = _inv(model.matrix(coded))
    if inv is None:
        return {}
    x1 = model.matrix(coded)
    twofi = [t for t in named_terms(space, "interaction") if len(t) == 2 and t not in model.terms]
    if not twofi:
        return {}
    m2 = Model(space, tuple(twofi))
    x2 = m2.matrix(coded)
    a = inv @ x1.T @ x2
    out: dict[str, dict[str, float]] = {}
    for i, c in enumerate(model.columns):
        row = {m2.columns[j]: round(float(a[i, j]), 6) for j in range(a.shape[1]) if abs(a[i, j]) > 1e-8}
        if row:
            out[c] = row
    return out


def generalized_wlp(coded: np.ndarray, max_subsets: int = 300_000) -> list[float] | None:
    """Generalized word-length pattern ``[A_3, …]`` of a ±1 two-level design (None otherwise).

    Lengths are computed while the number of factor subsets stays below ``max_subsets``.
    """
    d = np.asarray(coded, dtype=float)
    if d.ndim != 2 or d.size == 0 or not np.all(np.isin(d, (-1.0, 1.0))):
        return None
    n, k = d.shape
    out = []
    total = 0
    for length in range(3, k + 1):
        subsets = list(itertools.combinations(range(k), length))
        total += len(subsets)
        if total > max_subsets:
            break
        acc = 0.0
        for chunk in range(0, len(subsets), 4096):
            idx = np.array(subsets[chunk: chunk + 4096])
            prod = np.prod(d[:, idx], axis=2)  # n × s
            j = prod.sum(axis=0) / n
            acc += float((j**2).sum())
        out.append(round(acc, 9))
    return out


def resolution_of(wlp: list[float] | None) -> int | None:
    """Smallest length with a non-zero (generalized) word count; None when there is none."""
    if wlp is None:
        return None
    for i, a in enumerate(wlp):
        if a > 1e-9:
            return i + 3
    return None


def term_power(model: Model, inv: np.ndarray | None, n: int, effect_size: float = 1.0,
               sigma: float = 1.0, alpha: float = 0.05) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    df2 = n - model.p
    for label, sl in model.term_slices():
        if label == "Intercept":
            continue
        if inv is None or df2 <= 0:
            out[label] = None
            continue
        c = inv[sl, sl]
        beta = np.full(c.shape[0], effect_size)
        lam = float(beta @ np.linalg.solve(c, beta)) / sigma**2
        df1 = c.shape[0]
        fcrit = stats.f.ppf(1 - alpha, df1, df2)
        out[label] = float(stats.ncf.sf(fcrit, df1, df2, lam))
    return out


def fds_curve(model: Model, inv: np.ndarray | None, space: FactorSpace, n_points: int = 2000,
              seed: int = 7) -> tuple[list[float], list[float | None]]:
    frac = [i / 20 for i in range(21)]
    if inv is None:
        return frac, [None] * len(frac)
    rng = np.random.default_rng(seed)
    k = space.k
    pts = np.empty((n_points * 2, k))
    for j, f in enumerate(space.factors):
        pts[:, j] = rng.uniform(-1, 1, len(pts)) if f.is_numeric else rng.integers(0, f.n_levels, len(pts))
    if space.constrained:
        pts = pts[space.feasible(pts)]
    pts = pts[:n_points]
    v = prediction_variance(model, inv, pts)
    q = np.quantile(v, frac)
    return frac, [float(x) for x in q]


def evaluate_design(space: FactorSpace, coded: np.ndarray, model: str | Model = "linear", *,
                    effect_size: float = 1.0, sigma: float = 1.0, alpha: float = 0.05) -> DesignEvaluation:
    """Evaluate a coded design (n × k; categorical columns as level index) under ``model``."""
    mdl = build_model(space, model)
    coded = np.asarray(coded, dtype=float)
    x = mdl.matrix(coded)
    n, p = x.shape
    inv = _inv(x)
    estimable = inv is not None
    g_eff = None
    if inv is not None:
        pts = np.vstack([coded, region_points(space)])
        vmax = float(prediction_variance(mdl, inv, pts).max())
        g_eff = float(100.0 * np.sqrt(p / n) / np.sqrt(vmax))
    vif = vifs(x, mdl.columns)
    finite = [v for v in vif.values() if v is not None]
    max_vif = max(finite) if finite and len(finite) == len(vif) else None
    labels, corr = correlation_map(space, coded, mdl)
    two_level = space.all_numeric and np.all(np.isin(coded, (-1.0, 1.0)))
    factorial = coded[np.all(np.isin(coded, (-1.0, 1.0)), axis=1)] if space.all_numeric else None
    wlp = None
    if (space.all_numeric and factorial is not None and len(factorial) >= 4 and space.k >= 3
            and (two_level or len(factorial) >= 2 ** min(space.k, 3))):
        wlp = generalized_wlp(factorial)
    frac, var = fds_curve(mdl, inv, space)
    return DesignEvaluation(
        model=mdl.text or "custom",
        n_runs=n,
        n_parameters=p,
        columns=mdl.columns,
        d_efficiency=d_efficiency(x) if estimable else None,
        a_efficiency=a_efficiency(x) if estimable else None,
        g_efficiency=g_eff,
        vif=vif,
        max_vif=max_vif,
        power=term_power(mdl, inv, n, effect_size, sigma, alpha),
        correlation_labels=labels,
        correlation=[[None if np.isnan(v) else round(float(v), 6) for v in row] for row in corr],
        aliases=alias_matrix(space, coded, mdl),
        word_length_pattern=wlp,
        resolution=resolution_of(wlp),
        fds_fraction=frac,
        fds_variance=var,
        effect_size=effect_size,
        sigma=sigma,
        alpha=alpha,
        estimable=estimable,
    )
