"""From a filled run sheet to the multi-response model used by the design space and optimizer.

:func:`multiresponse_model` takes a data frame (or :func:`load_multiresponse` a
file: the first sheet, with the ``factors`` sheet of contract C coding the
factors) and returns a :class:`MultiResponseModel`: the Peterson posterior of
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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qbdkit.core.doe.analysis.analyze import find_column, guess_factors, read_factor_sheet
from qbdkit.core.doe.analysis.fit import KEYWORD_MODELS, FactorSpec, fit_response
from qbdkit.core.doe.analysis.posterior import MultiResponsePosterior, fit_posterior
from qbdkit.core.doe.analysis.space_model import SurfaceModel
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import Table, is_blank, read_table


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
            out[i] = float(str(v).strip().replace(",", "")) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            problems.append(Problem("not a number", file, rows[i] if rows else i + 2, col,
                                    "a number", v))
    return out


def _is_number(v: str) -> bool:
    try:
        float(v.strip().replace(",", ""))
    except ValueError:
        return False
    return True


def multiresponse_model(frame: pd.DataFrame, responses: Sequence[str], model: str = "quadratic", *,
                        factors: Sequence[FactorSpec | str] | None = None,
                        file: str | None = None, rows: Sequence[int] | None = None
                        ) -> MultiResponseModel:
    """Fit ``responses`` jointly (module docstring). Raises one QbdInputError listing every
    bad cell, unknown column or categorical factor."""
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
    problems: list[Problem] = []
    formula_fit = None
    if model not in KEYWORD_MODELS:
        formula = model if "~" in model else f"~ {model}"
        formula_fit = fit_response(frame, resp[0], formula, factors=list(specs.values()) or None,
                                   file=file, rows=rows)
        for fs in formula_fit.factors:
            if fs.type == "categorical":
                problems.append(Problem("the design space and optimizer need numeric factors",
                                        file, None, fs.name, "a numeric factor",
                                        "categorical"))
        specs = {fs.name: fs for fs in formula_fit.factors}
    for name, fs in specs.items():
        if fs.type == "categorical":
            problems.append(Problem("the design space and optimizer need numeric factors", file,
                                    None, name, "a numeric factor", "categorical"))
    if problems:
        raise QbdInputError(problems=problems)
    fnames = list(specs)
    for f in fnames:
        values = [v for v in frame[f].tolist() if not is_blank(v)]
        text = [v for v in values if isinstance(v, str) and not _is_number(v)]
        if values and len(text) > len(values) / 2:
            problems.append(Problem("the design space and optimizer need numeric factors", file,
                                    None, f, "a numeric factor", f"categorical ({text[0]!r}, …)"))
    if problems:
        raise QbdInputError(problems=problems)
    xcols = {f: _numeric(frame, f, file, rows, problems) for f in fnames}
    ycols = {r: _numeric(frame, r, file, rows, problems) for r in resp}
    if problems:
        raise QbdInputError(problems=problems)
    x = np.column_stack([xcols[f] for f in fnames]) if fnames else np.zeros((len(frame), 0))
    y = np.column_stack([ycols[r] for r in resp])
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1)
    dropped = [rows[i] if rows else i + 2 for i in np.flatnonzero(~ok)]
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
    if formula_fit is None:
        sm = SurfaceModel(tuple(fnames), tuple(studied[f][0] for f in fnames),
                          tuple(studied[f][1] for f in fnames), model)
        rowfun: Callable[[np.ndarray], np.ndarray] = sm.rows
        terms = sm.terms
    else:
        fit = formula_fit

        def rowfun(xx: np.ndarray) -> np.ndarray:
            xx = np.asarray(xx, dtype=float)
            lead = xx.shape[:-1]
            flat = xx.reshape(-1, xx.shape[-1])
            m = fit.design_matrix(pd.DataFrame(flat, columns=fnames))
            return m.reshape(*lead, m.shape[-1])

        terms = tuple(fit.terms)
    z = rowfun(x)
    post = fit_posterior(z, y, terms=terms, responses=resp, file=file)
    notes = []
    if dropped:
        notes.append(f"{len(dropped)} run(s) with a missing factor or response value were left out "
                     f"(rows {', '.join(map(str, dropped))})")
    observed = {r: (float(y[:, j].min()), float(y[:, j].max())) for j, r in enumerate(resp)}
    return MultiResponseModel(post, rowfun, fnames, studied, dropped, observed, x, file, notes)


def load_multiresponse(path: str | Path | Table, responses: Sequence[str], model: str = "quadratic",
                       *, factors: Sequence[str] | None = None) -> MultiResponseModel:
    """Read a run sheet (contract C) or any CSV/XLSX and fit :func:`multiresponse_model`."""
    table = path if isinstance(path, Table) else read_table(path)
    sheet = None if isinstance(path, Table) else read_factor_sheet(path)
    specs: list[FactorSpec | str] | None = None
    if sheet:
        by_name = {s.name: s for s in sheet}
        if factors:
            specs = [by_name.get(f, f) for f in factors]
        else:
            specs = [s for s in sheet if s.name in table.columns]
    elif factors:
        specs = list(factors)
    return multiresponse_model(table.frame, responses, model, factors=specs, file=table.file,
                               rows=table.rows)
