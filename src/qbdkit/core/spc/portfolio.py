"""I-MR charts, run rules and capability for many parameters at once (numpy, no Python loop
over parameters) — the engine of a portfolio CPV review.

``X`` is parameters × batches with NaN for a missing result. Each row is packed to the left
(its observed values in order, NaN after), so a missing batch neither breaks the moving
range nor hides a run. Limits use the first ``baseline`` observed values of each row (all
if None): centre x̄, σ̂ = MR̄/d₂(2), limits x̄ ± Lσ̂, MR chart UCL = (d₂ + L·d₃)MR̄/d₂ —
the same formulas as :func:`qbdkit.core.spc.charts.control_chart` with ``chart="imr"``
(the tests check the two agree). Capability uses σ̂ (within) and the sample SD (overall)
of all observed values, Cpk/Ppk as in :mod:`qbdkit.core.spc.capability`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from qbdkit.core.spc import rules as rules_mod
from qbdkit.core.spc.constants import d2, d3


@dataclass(frozen=True)
class PortfolioCharts:
    """Arrays for P parameters × N batches (positions of the *input* columns)."""

    center: np.ndarray      # (P,)
    sigma: np.ndarray       # (P,) MR̄/d₂
    lcl: np.ndarray         # (P,)
    ucl: np.ndarray         # (P,)
    mr_ucl: np.ndarray      # (P,)
    n: np.ndarray           # (P,) observed values
    flags: dict[str, np.ndarray]  # rule → (P, N) bool, incl. "mr" (moving range beyond UCL)
    mean: np.ndarray        # (P,) all observed values
    sd: np.ndarray          # (P,) overall, ddof 1
    cpk: np.ndarray         # (P,) NaN without a limit
    ppk: np.ndarray
    cp: np.ndarray
    pp: np.ndarray


def center_est(base_vals: np.ndarray) -> np.ndarray:
    """Mean of each row's baseline values (NaN outside the baseline)."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row without values → NaN
        return np.nanmean(base_vals, axis=1)


def pack_left(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(packed, order): ``packed[i, j] = X[i, order[i, j]]``, observed values first."""
    order = np.argsort(np.isnan(X), axis=1, kind="stable")
    return np.take_along_axis(X, order, axis=1), order


def imr_portfolio(X: np.ndarray, *, baseline: int | None = None,
                  rules: str | list[str] | None = "nelson", nsigmas: float = 3.0,
                  lsl: np.ndarray | None = None, usl: np.ndarray | None = None,
                  center: np.ndarray | None = None, sigma: np.ndarray | None = None
                  ) -> PortfolioCharts:
    """I-MR limits, run-rule flags and Cp/Cpk/Pp/Ppk of every row of ``X``.

    ``center`` / ``sigma`` (per row, NaN = estimate): known or handed-over values used
    instead of the baseline estimates, as ``control_chart(center=, sigma=)`` does; the
    within σ of Cp/Cpk is then the given σ too.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError("X must be parameters × batches")
    P, N = X.shape
    rule_ids = rules_mod.parse_rules(rules)
    packed, order = pack_left(X)
    n_obs = np.sum(~np.isnan(packed), axis=1)
    nb = n_obs if baseline is None else np.minimum(n_obs, int(baseline))
    col = np.arange(N)
    in_base = col[None, :] < nb[:, None]
    base_vals = np.where(in_base, packed, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mr = np.abs(np.diff(packed, axis=1))                       # (P, N−1)
        mr_base = np.where(in_base[:, 1:], mr, np.nan)
        mrbar = np.nanmean(mr_base, axis=1)
    sigma_hat = mrbar / d2(2)
    if center is not None:
        given = np.asarray(center, dtype=float)
        center = np.where(np.isfinite(given), given, center_est(base_vals))
    else:
        center = center_est(base_vals)
    if sigma is not None:
        given = np.asarray(sigma, dtype=float)
        sigma = np.where(np.isfinite(given), given, sigma_hat)
    else:
        sigma = sigma_hat
    L = float(nsigmas)
    lcl, ucl = center - L * sigma, center + L * sigma
    mr_ucl = (d2(2) + L * d3(2)) * sigma
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (packed - center[:, None]) / sigma[:, None]
        beyond = (packed > ucl[:, None]) | (packed < lcl[:, None])
    flags_packed = rules_mod.evaluate(packed, z, beyond, rule_ids, None)
    mr_full = np.full((P, N), np.nan)
    mr_full[:, 1:] = mr
    with np.errstate(invalid="ignore"):
        flags_packed["mr"] = mr_full > mr_ucl[:, None]
    # back to the input columns
    flags: dict[str, np.ndarray] = {}
    for rule, f in flags_packed.items():
        out = np.zeros((P, N), dtype=bool)
        np.put_along_axis(out, order, f, axis=1)
        flags[rule] = out
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(packed, axis=1)
        sd = np.nanstd(packed, axis=1, ddof=1)
    lo = np.full(P, np.nan) if lsl is None else np.asarray(lsl, float)
    hi = np.full(P, np.nan) if usl is None else np.asarray(usl, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        cpu, cpl = (hi - mean) / (3 * sigma), (mean - lo) / (3 * sigma)
        ppu, ppl = (hi - mean) / (3 * sd), (mean - lo) / (3 * sd)
        cpk = np.fmin(cpu, cpl)
        ppk = np.fmin(ppu, ppl)
        cp = (hi - lo) / (6 * sigma)
        pp = (hi - lo) / (6 * sd)
    return PortfolioCharts(center=center, sigma=sigma, lcl=lcl, ucl=ucl, mr_ucl=mr_ucl,
                           n=n_obs, flags=flags, mean=mean, sd=sd, cpk=cpk, ppk=ppk, cp=cp,
                           pp=pp)
