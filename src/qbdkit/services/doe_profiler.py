"""The prediction profiler and response contours of a fitted DoE model (issue 15).

As JMP's Prediction Profiler shows it: one panel per factor, the predicted response and its
interval across the factor's studied range with every other factor held at the current
settings, and — when desirability goals are given — the overall desirability along the same
line. Moving a factor's current setting moves the other panels.

For a setting x₀ (actual units, model row ``x₀``) the trace is ŷ = x₀ᵀb with the confidence
interval ŷ ∓ t(1 − α/2; ν)·s·√(x₀ᵀ(XᵀX)⁻¹x₀), or the prediction interval with
√(1 + x₀ᵀ(XᵀX)⁻¹x₀) (Montgomery, *Design and Analysis of Experiments*, 8th ed., §10.6) —
computed by :meth:`qbdkit.core.doe.analysis.fit.FitResult.predict`, never here. Desirability
is Derringer–Suich (:mod:`qbdkit.core.doe.analysis.optimize`: :func:`parse_goal`,
:func:`overall_desirability`).

A stored ``doe.analysis`` record holds the request and its input files, not the fitted
matrices; :func:`fitted_analysis` re-fits it once from the stored bytes
(:func:`qbdkit.services.records.stored_request`) and keeps the fit in a small in-memory cache
keyed by the record's SHA-256 (a record version never changes), so moving a slider is one
matrix product per panel.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import OrderedDict
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from qbdkit.core.doe.analysis import Analysis
from qbdkit.core.doe.analysis.fit import FactorSpec, FitResult
from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context

#: fitted analyses kept in memory (record SHA-256 → Analysis)
CACHE_SIZE = 16
_cache: OrderedDict[str, Analysis] = OrderedDict()
_cache_lock = threading.Lock()
#: the record SHA-256s being fitted now, each with the lock its waiters queue on
_fitting: dict[str, threading.Lock] = {}


class ProfilerRequest(BaseModel):
    """What the profiler shows: current settings (actual units; a factor not given sits at the
    centre of its studied range, a categorical one at its first level), the number of points
    per trace, the interval and the desirability goals (``"Y:max=L,T"`` … as ``doe optimize``)."""

    settings: dict[str, float | str] = Field(default_factory=dict)
    points: int = Field(41, ge=2, le=201)
    alpha: float = Field(0.05, gt=0, lt=1)
    interval: Literal["confidence", "prediction"] = "confidence"
    goals: list[str] = Field(default_factory=list)
    responses: list[str] = Field(default_factory=list, description="default: every response")


class Trace(BaseModel):
    mean: list[float | None]
    lower: list[float | None]
    upper: list[float | None]


class FactorPanel(BaseModel):
    factor: str
    type: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    current: float | str
    x: list[float | str]
    responses: dict[str, Trace]
    desirability: list[float] | None = None


class AtCurrent(BaseModel):
    mean: float | None
    lower: float | None
    upper: float | None
    desirability: float | None = None


class Profile(BaseModel):
    """Traces per factor and the prediction at the current settings."""

    responses: list[str]
    settings: dict[str, float | str]
    alpha: float
    interval: str
    panels: list[FactorPanel]
    current: dict[str, AtCurrent]
    desirability: float | None = None
    goals: list[str] = Field(default_factory=list)


def _finite(values: Any) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(float(v)) else None
            for v in np.asarray(values, dtype=float)]


def _ranges(analysis: Analysis) -> dict[str, FactorSpec]:
    """Each factor with its studied range: the factor definitions, else the coding used."""
    coding = {c["factor"]: c for c in analysis.coding}
    out: dict[str, FactorSpec] = {}
    for f in analysis.factors:
        if f.type == "numeric" and (f.low is None or f.high is None) and f.name in coding:
            c = coding[f.name]
            f = dataclasses.replace(f, low=float(c["low"]), high=float(c["high"]),
                                    unit=f.unit or c.get("unit") or "")
        out[f.name] = f
    return out


def _settings(factors: dict[str, FactorSpec], given: dict[str, float | str]) -> dict[str, Any]:
    from qbdkit.core.doe.analysis.analyze import find_column

    names = list(factors)
    out: dict[str, Any] = {}
    for f in factors.values():
        out[f.name] = f.levels[0] if f.type != "numeric" else (float(f.low) + float(f.high)) / 2
    for name, value in given.items():
        try:
            col = find_column(names, str(name), "factor", None)
        except QbdInputError:
            raise QbdInputError("unknown factor in the settings", column="settings",
                                expected="one of " + ", ".join(names), found=name) from None
        f = factors[col]
        if f.type == "numeric":
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise QbdInputError("setting is not a number", column=col,
                                    expected="a number (actual units)", found=value) from None
            if not math.isfinite(v):
                raise QbdInputError("setting must be finite", column=col, found=value)
            out[col] = v
        else:
            if str(value) not in f.levels:
                raise QbdInputError("unknown level", column=col,
                                    expected="one of " + ", ".join(f.levels), found=value)
            out[col] = str(value)
    return out


def _goals(fits: list[FitResult], texts: list[str]) -> list[Any]:
    from qbdkit.core.doe.analysis.optimize import parse_goal

    responses = [f.response for f in fits]
    observed = {}
    for f in fits:
        if f.transform is None and len(f.fitted):
            y = np.asarray(f.fitted, dtype=float) + np.asarray(f.resid, dtype=float)
            observed[f.response] = (float(np.min(y)), float(np.max(y)))
    return [parse_goal(g, responses, observed) for g in texts]


def _fits(analysis: Analysis, wanted: list[str]) -> list[FitResult]:
    if not wanted:
        return list(analysis.responses)
    from qbdkit.core.doe.analysis.analyze import find_column

    names = [r.response for r in analysis.responses]
    out = []
    for w in wanted:
        try:
            out.append(analysis.fit(find_column(names, w, "response", None)))
        except QbdInputError:
            raise QbdInputError("unknown response", column="responses",
                                expected="one of " + ", ".join(names), found=w) from None
    return out


def _predict(fit: FitResult, frame: pd.DataFrame, interval: str, alpha: float) -> Trace:
    p = fit.predict(frame, interval, alpha)
    return Trace(mean=_finite(p["mean"]), lower=_finite(p["lower"]), upper=_finite(p["upper"]))


def profile(analysis: Analysis, req: ProfilerRequest) -> Profile:
    """The profiler of a fitted ``analysis`` (not a detached, stored one) for ``req``."""
    factors = _ranges(analysis)
    fits = _fits(analysis, list(req.responses))
    current = _settings(factors, dict(req.settings))
    goals = _goals(list(analysis.responses), list(req.goals)) if req.goals else []
    goal_fits = [analysis.fit(g.response) for g in goals]
    panels: list[FactorPanel] = []
    for f in factors.values():
        if f.type == "numeric":
            xs: list[Any] = list(np.linspace(float(f.low), float(f.high), req.points))
            if not any(math.isclose(x, current[f.name]) for x in xs):
                xs = sorted([*xs, current[f.name]])
        else:
            xs = list(f.levels)
        frame = pd.DataFrame([{**current, f.name: x} for x in xs])
        traces = {fit.response: _predict(fit, frame, req.interval, req.alpha) for fit in fits}
        d = None
        if goals:
            from qbdkit.core.doe.analysis.optimize import overall_desirability

            y = np.column_stack([np.asarray(g.predict(frame)["mean"], dtype=float)
                                 for g in goal_fits])
            d = [float(v) for v in overall_desirability(goals, y)]
        panels.append(FactorPanel(
            factor=f.name, type=f.type, unit=f.unit or "",
            low=None if f.type != "numeric" else float(f.low),
            high=None if f.type != "numeric" else float(f.high), current=current[f.name],
            x=[float(x) if f.type == "numeric" else x for x in xs], responses=traces,
            desirability=d))
    here = pd.DataFrame([current])
    at: dict[str, AtCurrent] = {}
    for fit in fits:
        tr = _predict(fit, here, req.interval, req.alpha)
        at[fit.response] = AtCurrent(mean=tr.mean[0], lower=tr.lower[0], upper=tr.upper[0])
    overall = None
    if goals:
        from qbdkit.core.doe.analysis.optimize import overall_desirability

        y = np.array([[float(g.predict(here)["mean"].iloc[0]) for g in goal_fits]])
        for goal in goals:
            if goal.response in at:
                val = at[goal.response].mean
                at[goal.response].desirability = None if val is None else float(
                    goal.desirability(np.array([val]))[0])
        overall = float(overall_desirability(goals, y)[0])
    return Profile(responses=[f.response for f in fits], settings=current, alpha=req.alpha,
                   interval=req.interval, panels=panels, current=at, desirability=overall,
                   goals=list(req.goals))


def contour(analysis: Analysis, response: str, x: str, y: str, *,
            settings: dict[str, float | str] | None = None, points: int = 41
            ) -> dict[str, Any]:
    """Predicted ``response`` over a ``points`` × ``points`` grid of factors ``x`` and ``y``
    (studied ranges), the others at ``settings``: ``{x, y, z[i_y][i_x], …}``."""
    factors = _ranges(analysis)
    fit = _fits(analysis, [response])[0]
    from qbdkit.core.doe.analysis.analyze import find_column

    names = list(factors)
    fx, fy = (factors[find_column(names, n, "factor", None)] for n in (x, y))
    if fx.name == fy.name or fx.type != "numeric" or fy.type != "numeric":
        raise QbdInputError("a contour needs two different numeric factors", column="factors",
                            expected="two of " + ", ".join(n for n, f in factors.items()
                                                           if f.type == "numeric"),
                            found=f"{x}, {y}")
    if not 2 <= points <= 201:
        raise QbdInputError("grid out of range", column="points", expected="2–201", found=points)
    current = _settings(factors, dict(settings or {}))
    xs = np.linspace(float(fx.low), float(fx.high), points)
    ys = np.linspace(float(fy.low), float(fy.high), points)
    gx, gy = np.meshgrid(xs, ys)
    frame = pd.DataFrame([{**current, fx.name: a, fy.name: b}
                          for a, b in zip(gx.ravel(), gy.ravel(), strict=True)])
    z = np.asarray(fit.predict(frame)["mean"], dtype=float).reshape(gx.shape)
    return {"response": fit.response, "x": fx.name, "y": fy.name, "x_unit": fx.unit,
            "y_unit": fy.unit, "xs": xs.tolist(), "ys": ys.tolist(),
            "z": [_finite(row) for row in z], "settings": current}


def fitted_analysis(project: str, key: str, version: int | None = None, *,
                    ctx: Context) -> tuple[dict[str, Any], Analysis]:
    """``({project, kind, key, version, sha256}, fitted Analysis)`` of stored
    ``doe.analysis/key`` (re-fitted from its stored inputs; cached by the record's SHA-256).
    Needs the right to read the project."""
    from qbdkit.services.doe import analysis as run_analysis
    from qbdkit.services.records import record_stamp, stored_request

    number, sha = record_stamp(project, "doe.analysis", key, version, user=ctx.user,
                               url=ctx.url)
    record = {"project": project, "kind": "doe.analysis", "key": key, "version": number,
              "sha256": sha}
    with _cache_lock:
        hit = _cache.get(sha)
        if hit is not None:
            _cache.move_to_end(sha)
            return record, hit
        # one fit per record at a time: requests arriving meanwhile wait for it instead of
        # each fitting again (under load, a fit that every waiting request repeated kept the
        # cache empty: 50 users' profiler requests spent a fifth of the server's time there)
        flight = _fitting.setdefault(sha, threading.Lock())
    with flight:
        with _cache_lock:
            hit = _cache.get(sha)
        if hit is not None:
            return record, hit
        try:
            with stored_request(project, "doe.analysis", key, number, ctx=ctx) as (_, req):
                fitted = run_analysis(req.model_copy(update={"canonical": False, "ridge": False,
                                                             "steepest": False}), ctx)
            with _cache_lock:
                _cache[sha] = fitted
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
        finally:
            with _cache_lock:
                _fitting.pop(sha, None)
    return record, fitted


def profile_record(project: str, key: str, req: ProfilerRequest, version: int | None = None, *,
                   ctx: Context) -> Profile:
    """The profiler of stored record ``doe.analysis/key``."""
    return profile(fitted_analysis(project, key, version, ctx=ctx)[1], req)


def contour_record(project: str, key: str, response: str, x: str, y: str, *,
                   settings: dict[str, float | str] | None = None, points: int = 41,
                   version: int | None = None, ctx: Context) -> dict[str, Any]:
    """:func:`contour` of stored record ``doe.analysis/key``."""
    return contour(fitted_analysis(project, key, version, ctx=ctx)[1], response, x, y,
                   settings=settings, points=points)
