"""From a filled run sheet to the multi-response model used by the design space and optimizer.

:func:`multiresponse_model` takes a data frame (the DoE service reads the run
sheet and its factor definitions, contract C) and returns a :class:`MultiResponseModel`: the Peterson posterior of
the responses (one model matrix shared by all responses, fitted on the rows
where every factor and every response is present), a function mapping factor
settings (actual units) to model rows, the factor names and studied ranges.

Factor columns follow the DoE-analysis rule (:mod:`.analyze`): the ``factors``
sheet, else the columns that look designed. Keyword models (linear,
interaction, quadratic) are built in coded units here (:mod:`.space_model`,
fast for millions of grid points); a formula is handed to the DoE-fit code
(:func:`.fit.fit_response`, patsy, the user's column names) and its
``design_matrix`` gives the model rows, so formulas mean the same in
``doe analyze``, ``doe optimize`` and ``doe design-space``.

Categorical factors (text levels, or ``categorical`` in the factors sheet) are
fitted through the DoE-fit code too (``C(…)`` terms) and held at one level
(``levels``, e.g. ``--setpoint Resin=B``; default the first level) wherever the
model is evaluated; ``doe optimize`` tries every level combination.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qbdkit.core.doe.analysis.analyze import find_column, guess_factors
from qbdkit.core.doe.analysis.fit import KEYWORD_MODELS, FactorSpec, fit_response
from qbdkit.core.doe.analysis.posterior import MultiResponsePosterior, fit_posterior
from qbdkit.core.doe.analysis.space_model import SurfaceModel
from qbdkit.core.numbers import parse_number
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import is_blank


@dataclass(frozen=True)
class MultiResponseModel:
    """The fitted multi-response model and what the design space needs to evaluate it."""

    posterior: MultiResponsePosterior
    rows: Callable[[np.ndarray], np.ndarray]
    factors: list[str]
    studied: dict[str, tuple[float, float]]
    dropped_rows: list[int]
    observed: dict[str, tuple[float, float]]
    design: np.ndarray
    file: str | None = None
    notes: list[str] = field(default_factory=list)
    fixed_levels: dict[str, str] = field(default_factory=dict)
    coding: list[dict] = field(default_factory=list)
    """Per numeric factor ``{factor, low, high, centre, half_range, unit, from}``."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted means (N×r) at settings ``x`` (N×k, actual units)."""
        return self.posterior.mean(self.rows(np.atleast_2d(np.asarray(x, dtype=float))))


def _numeric(frame: pd.DataFrame, col: str, file: str | None, rows: Sequence[int] | None,
             problems: list[Problem]) -> np.ndarray:
    out = np.full(len(frame), np.nan)
    for i, v in enumerate(frame[col].tolist()):
        if is_blank(v):
            continue
        try:
            out[i] = parse_number(v)
        except (TypeError, ValueError):
            problems.append(Problem("not a number", file, rows[i] if rows else i + 2, col,
                                    "a number", v))
    return out


def _is_number(v: str) -> bool:
    try:
        parse_number(v)
    except ValueError:
        return False
    return True


def _looks_categorical(frame: pd.DataFrame, col: str) -> str | None:
    """The first text cell when most non-blank cells of ``col`` are not numbers, else None."""
    values = [v for v in frame[col].tolist() if not is_blank(v)]
    text = [v for v in values if isinstance(v, str) and not _is_number(v)]
    return str(text[0]) if values and len(text) > len(values) / 2 else None


def _label(v: object) -> str:
    """A categorical level as text (1, 1.0 and "1" are the same level)."""
    try:
        f = float(str(v).strip())
    except ValueError:
        return str(v).strip()
    return str(int(f)) if f.is_integer() else str(f)


def multiresponse_model(frame: pd.DataFrame, responses: Sequence[str], model: str = "quadratic", *,
                        factors: Sequence[FactorSpec | str] | None = None,
                        levels: Mapping[str, object] | None = None,
                        file: str | None = None, rows: Sequence[int] | None = None
                        ) -> MultiResponseModel:
    """Fit ``responses`` jointly (module docstring). Raises one QbdInputError listing every
    bad cell or unknown column.

    Categorical factors (text levels, or ``type: categorical`` in the factors sheet) are
    held at one level everywhere the model is evaluated: ``levels[name]`` (e.g. from
    ``--setpoint Resin=B``), else their first level; the grid, PAR, NOR and optimizer
    range over the numeric factors.
    """
    columns = [str(c) for c in frame.columns]
    if not responses:
        raise QbdInputError("no response given", file=file, column="--response",
                            expected="--response NAME or a --spec/--goal naming a response")
    resp = [find_column(columns, r, "response", file) for r in responses]
    specs: dict[str, FactorSpec] = {}
    if factors:
        for f in factors:
            fs = f if isinstance(f, FactorSpec) else FactorSpec(str(f))
            name = find_column(columns, fs.name, "factor", file)
            specs[name] = FactorSpec(name, fs.type, fs.low, fs.high, fs.unit, fs.levels)
    elif model in KEYWORD_MODELS:
        names = guess_factors(frame, resp)
        if not names:
            raise QbdInputError("no factor columns found", file=file, row=1,
                                expected="factor columns with a few designed settings, or a "
                                         "factors sheet", found=", ".join(columns))
        specs = {n: FactorSpec(n) for n in names}
    for name, fs in list(specs.items()):
        if fs.type != "categorical" and _looks_categorical(frame, name) is not None:
            specs[name] = FactorSpec(name, "categorical", unit=fs.unit)
    given = {n for n, fs in specs.items() if fs.low is not None and fs.high is not None}
    fit = None
    if model not in KEYWORD_MODELS or any(fs.type == "categorical" for fs in specs.values()):
        formula = model if model in KEYWORD_MODELS or "~" in model else f"~ {model}"
        fit = fit_response(frame, resp[0], formula, factors=list(specs.values()) or None,
                           file=file, rows=rows)
        specs = {fs.name: fs for fs in fit.factors}
    categorical = {n: fs for n, fs in specs.items() if fs.type == "categorical"}
    fnames = [n for n in specs if n not in categorical]
    fixed: dict[str, str] = {}
    problems: list[Problem] = []
    for name, fs in categorical.items():
        known = [_label(v) for v in fs.levels] or sorted(
            {_label(v) for v in frame[name].tolist() if not is_blank(v)})
        wanted = _label(levels[name]) if levels and name in levels else known[0]
        if wanted not in known:
            problems.append(Problem("unknown level of a categorical factor", file, None, name,
                                    "one of " + ", ".join(known), wanted))
        fixed[name] = wanted
    xcols = {f: _numeric(frame, f, file, rows, problems) for f in fnames}
    ycols = {r: _numeric(frame, r, file, rows, problems) for r in resp}
    if problems:
        raise QbdInputError(problems=problems)
    x = np.column_stack([xcols[f] for f in fnames]) if fnames else np.zeros((len(frame), 0))
    y = np.column_stack([ycols[r] for r in resp])
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1)
    for name in categorical:
        ok &= np.array([not is_blank(v) for v in frame[name].tolist()])
    dropped = [rows[i] if rows else i + 2 for i in np.flatnonzero(~ok)]
    if not ok.any():
        raise QbdInputError("no run has a value for every factor and response", file=file,
                            column=", ".join(resp),
                            expected="the run sheet filled in with the measured responses",
                            found="empty cells")
    x, y = x[ok], y[ok]
    studied: dict[str, tuple[float, float]] = {}
    for j, f in enumerate(fnames):
        fs = specs[f]
        if fs.low is not None and fs.high is not None:
            studied[f] = (float(fs.low), float(fs.high))
        elif len(x):
            studied[f] = (float(x[:, j].min()), float(x[:, j].max()))
        if f in studied and not studied[f][1] > studied[f][0]:
            raise QbdInputError("factor has a single setting", file=file, column=f,
                                expected="at least two settings", found=studied[f][0])
    if fit is None:
        sm = SurfaceModel(tuple(fnames), tuple(studied[f][0] for f in fnames),
                          tuple(studied[f][1] for f in fnames), model)
        rowfun: Callable[[np.ndarray], np.ndarray] = sm.rows
        terms = sm.terms
        z = rowfun(x)
    else:
        the_fit = fit

        def rowfun(xx: np.ndarray) -> np.ndarray:
            xx = np.asarray(xx, dtype=float)
            lead = xx.shape[:-1]
            flat = xx.reshape(-1, xx.shape[-1])
            new = pd.DataFrame(flat, columns=fnames)
            for name, level in fixed.items():
                new[name] = level
            m = the_fit.design_matrix(new)
            return m.reshape(*lead, m.shape[-1])

        terms = tuple(fit.terms)
        data = pd.DataFrame(x, columns=fnames)
        for name in categorical:
            data[name] = [_label(v) for v in np.asarray(frame[name].tolist(), dtype=object)[ok]]
        z = fit.design_matrix(data)
    post = fit_posterior(z, y, terms=terms, responses=resp, file=file)
    notes = []
    observed_only = [f for f in fnames if f not in given]
    if observed_only:
        notes.append(
            "no factor definitions (run-sheet factors sheet or runs.factors.yaml) for "
            + ", ".join(observed_only) + ": the studied range (model coding, grid and PAR) is the "
            "observed min/max (" + "; ".join(f"{f}: {studied[f][0]:g}–{studied[f][1]:g}"
                                              for f in observed_only)
            + "); if the design's low/high differ (e.g. a CCD's axial runs), the PAR may lie "
              "outside the designed low–high")
    coding = [{"factor": f, "low": studied[f][0], "high": studied[f][1],
               "centre": (studied[f][0] + studied[f][1]) / 2,
               "half_range": (studied[f][1] - studied[f][0]) / 2, "unit": specs[f].unit,
               "from": "observed min/max" if f in observed_only else "factor definitions"}
              for f in fnames]
    if dropped:
        notes.append(f"{len(dropped)} run(s) with a missing factor or response value were left out "
                     f"(rows {', '.join(map(str, dropped))})")
    for name, level in fixed.items():
        notes.append(f"categorical factor {name} held at level {level!r}")
    observed = {r: (float(y[:, j].min()), float(y[:, j].max())) for j, r in enumerate(resp)}
    return MultiResponseModel(post, rowfun, fnames, studied, dropped, observed, x, file, notes,
                              fixed, coding)


def categorical_levels(frame: pd.DataFrame, names: Sequence[str],
                       factors: Sequence[FactorSpec] = ()) -> dict[str, list[str]]:
    """Levels of the categorical factors ``names``: from their definitions when given, else the
    distinct values of the column."""
    sheet = {s.name: s for s in factors}
    out = {}
    for n in names:
        fs = sheet.get(n)
        if fs is not None and fs.levels:
            out[n] = [_label(v) for v in fs.levels]
        else:
            out[n] = sorted({_label(v) for v in frame[n].tolist() if not is_blank(v)})
    return out
