"""Design of experiments (DoE) use cases: design, analysis, model comparison, optimization,
probabilistic design space and CPP re-assessment, each from run sheets and factor files.

One function per use case, each taking a request of everything the user chose (registered as
record kinds ``doe.design``, ``doe.analysis``, ``doe.compare``, ``doe.optimize``,
``doe.design_space`` and ``doe.reassess``); ``evaluate``, ``augment`` and ``predict`` are use
cases without a record kind. The CLI, the web application and the demo call these; nothing
else reads DoE files.

**Factor definitions travel with the run sheet** (issue 9): an XLSX run sheet carries them in
its ``factors`` sheet; a CSV in its sidecar ``<stem>.factors.yaml`` (written by ``doe design``).
A request names the definitions file explicitly (``factors_file``; the CLI fills it with the
sidecar beside a CSV, :func:`sidecar_for`), so a stored record keeps the file and re-runs
identically. Without definitions each factor is coded by its observed min/max and the result
says so (``coding``, ``notes``). Every result states the coding: centre and half-range per
factor, and where they came from.

Results name input files by file name only (never a full path), so a re-run from the stored
bytes gives byte-identical JSON.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from qbdkit.core.doe.analysis import (
    Analysis,
    CppAssessment,
    DesignSpaceResult,
    FactorSpec,
    OptimizationResult,
    Prediction,
)
from qbdkit.core.doe.analysis.compare import ModelSelection
from qbdkit.core.doe.design import Design
from qbdkit.core.doe.design.evaluate import DesignEvaluation
from qbdkit.core.doe.design.runsheet import Definitions
from qbdkit.errors import QbdInputError
from qbdkit.io import read_table
from qbdkit.io.tables import Table, is_blank
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

RUN_SHEET_TYPES = (".xlsx", ".csv")


# ---------------------------------------------------------------------------------------------
# factor definitions and run sheets
# ---------------------------------------------------------------------------------------------

def sidecar_for(run_sheet: str | Path) -> Path | None:
    """The factor-definitions sidecar beside a CSV run sheet (``runs.factors.yaml``) when it
    exists; None for a workbook (its ``factors`` sheet serves) or when there is none. For the
    CLI: a request names the file explicitly so that a stored record keeps it."""
    from qbdkit.core.doe.design.runsheet import sidecar_path

    p = Path(run_sheet)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    side = sidecar_path(p)
    return side if side.is_file() else None


def _label(origin: str) -> str:
    """``/tmp/x/runs.xlsx:factors`` → ``runs.xlsx:factors`` (results never hold full paths)."""
    base, sep, sheet = origin.rpartition(":")
    if sep and sheet in ("factors", "responses"):
        return Path(base).name + ":" + sheet
    return Path(origin).name


def definitions_for(run_sheet: Path | None, factors_file: Path | None) -> Definitions | None:
    """The definitions file given, else the run sheet's own ``factors`` sheet, else None."""
    from qbdkit.core.doe.design.runsheet import read_definitions, sheet_definitions

    if factors_file is not None:
        return read_definitions(factors_file)
    return None if run_sheet is None else sheet_definitions(run_sheet)


def _specs(defs: Definitions | None) -> list[FactorSpec]:
    out = []
    for f in (defs.factors if defs else []):
        if f["type"] == "categorical":
            out.append(FactorSpec(f["name"], "categorical", unit=f.get("unit") or "",
                                  levels=tuple(str(v) for v in f.get("levels") or ())))
        else:
            out.append(FactorSpec(f["name"], "numeric", f["low"], f["high"], f.get("unit") or ""))
    return out


@dataclass(frozen=True)
class _Sheet:
    table: Table
    defs: Definitions | None
    specs: list[FactorSpec]     # definitions of the factors present in the run sheet
    name: str                   # file name (for results)
    origin: str | None          # where the definitions came from (file name[:sheet])


def _load(file: Path, factors_file: Path | None) -> _Sheet:
    table = read_table(file)
    defs = definitions_for(file, factors_file)
    specs = [s for s in _specs(defs) if s.name in table.columns]
    if defs is not None and not specs:
        raise QbdInputError("no factor of the definitions is a column of the run sheet",
                            file=table.file, row=1, column="factors",
                            expected=", ".join(f["name"] for f in defs.factors),
                            found=", ".join(table.columns))
    return _Sheet(table, defs, specs, Path(file).name,
                  None if defs is None else _label(defs.origin))


def _factor_specs(sheet: _Sheet, names: list[str] | None) -> list[FactorSpec | str] | None:
    """The factors the user named (with their definitions when known), else the defined ones."""
    if names:
        by_name = {s.name: s for s in sheet.specs}
        return [by_name.get(n, n) for n in names]
    return list(sheet.specs) or None


def _default_responses(sheet: _Sheet) -> tuple[list[str], list[str]]:
    """The response columns the run sheet was made with that hold values; notes on the others."""
    if sheet.defs is None:
        return [], []
    names, notes = [], []
    for r in sheet.defs.responses:
        name = r["name"]
        if name not in sheet.table.columns:
            notes.append(f"response {name} of the run sheet's definitions is not a column")
        elif all(is_blank(v) for v in sheet.table.frame[name].tolist()):
            notes.append(f"response {name} has no values yet and is not analysed")
        else:
            names.append(name)
    return names, notes


def write_run_sheets(design: Design, out: Path, responses: list[str] | None = None) -> list[Path]:
    """Write the run sheet ``out`` (.xlsx: with a .csv copy; .csv: with its
    ``<stem>.factors.yaml`` sidecar); returns the files written."""
    from qbdkit.core.doe.design.runsheet import write_run_sheet

    check_out(out)
    responses = list(responses or [])
    written = write_run_sheet(design, out, responses)
    if out.suffix.lower() == ".xlsx":
        written += write_run_sheet(design, out.with_suffix(".csv"), responses)
    return written


def check_out(out: Path | None) -> None:
    """A run sheet can be written to ``out`` (type and folder), checked before any work."""
    if out is None:
        return
    if out.suffix.lower() not in RUN_SHEET_TYPES:
        raise QbdInputError("unsupported run-sheet type", file=str(out), column="--out",
                            expected=".xlsx or .csv", found=out.suffix or "(none)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise QbdInputError("output folder does not exist", file=str(out), column="--out",
                            expected="an existing folder", found=str(parent))


# ---------------------------------------------------------------------------------------------
# requests
# ---------------------------------------------------------------------------------------------

class DesignRequest(Request):
    """``qbdkit doe design``: factors from a file, or explicit definitions (from a project)."""

    factors_file: Path | None = input_file(
        None, description="factors: YAML (factors:, constraints:, disallowed:) or CSV/XLSX")
    factor_defs: list[dict] = Field(default_factory=list,
                                    description="explicit factor definitions (name, low, high, "
                                                "unit, type, levels), e.g. from a project")
    select: list[str] = Field(default_factory=list)
    type: str
    model: str | None = None
    runs: int | None = None
    resolution: int | None = None
    center: int | None = None
    blocks: int = 1
    replicates: int = 1
    alpha: str | float = "rotatable"
    ccd: str = "circumscribed"
    fake: int = 0
    generators: list[str] | None = None
    seed: int = 1
    starts: int | None = None
    randomize: bool = True
    responses: list[str] = Field(default_factory=list)
    response_defs: list[dict] = Field(default_factory=list)
    parameters: dict[str, str] = Field(default_factory=dict)
    source: dict | None = None


class _RunSheetRequest(Request):
    file: Path = input_file(description="filled run sheet (CSV/XLSX)")
    factors_file: Path | None = input_file(
        None, description="factor definitions: the run sheet's sidecar (runs.factors.yaml) or a "
                          "factors file; an XLSX run sheet's own factors sheet is used otherwise")


class AnalysisRequest(_RunSheetRequest):
    """``qbdkit doe analyze``."""

    responses: list[str] = Field(default_factory=list)
    model: str = "quadratic"
    coding: str = "coded"
    factors: list[str] | None = None
    reduce: bool = False
    alpha: float = 0.05
    anova_type: str = "III"
    transforms: dict[str, str] = Field(default_factory=dict)
    canonical: bool = False
    ridge: bool = False
    steepest: bool = False


class PredictRequest(AnalysisRequest):
    """``qbdkit doe predict``: settings as ``{factor: value}`` rows (actual units)."""

    settings: list[dict[str, Any]] = Field(default_factory=list)
    points: Path | None = input_file(None, description="settings, one per row (CSV/XLSX)")


class CompareRequest(_RunSheetRequest):
    """``qbdkit doe compare``: candidate models side by side, optionally stepwise selection."""

    response: str
    models: list[str] = Field(default_factory=list)
    stepwise: str | None = None
    criterion: str = "p"
    scope: str | None = None
    alpha_enter: float = 0.05
    alpha_remove: float = 0.10
    coding: str = "coded"
    factors: list[str] | None = None


class OptimizeRequest(_RunSheetRequest):
    """``qbdkit doe optimize``: Derringer–Suich desirability over the studied region."""

    goals: list[str]
    model: str = "quadratic"
    constraints: list[str] = Field(default_factory=list)
    sphere: float | None = None
    starts: int = 20
    seed: int = 0
    confidence: float = 0.95


class DesignSpaceRequest(_RunSheetRequest):
    """``qbdkit doe design-space``: Peterson's probabilistic design space, PAR and NOR."""

    specs: list[str] = Field(default_factory=list)
    responses: list[str] = Field(default_factory=list)
    model: str = "quadratic"
    factors: list[str] | None = None
    grid: int = 41
    draws: int = 5000
    min_probability: float = 0.9
    setpoint: dict[str, str] = Field(default_factory=dict)
    noise: dict[str, float] = Field(default_factory=dict)
    control_sd: dict[str, float] = Field(default_factory=dict)
    nor_k: float = 3.0
    seed: int = 0


class ReassessRequest(_RunSheetRequest):
    """``qbdkit doe reassess``: each parameter's effect as % of each specification → class."""

    specs: list[str] = Field(default_factory=list)
    performance: list[str] = Field(default_factory=list)
    model: str = "quadratic"
    coding: str = "coded"
    factors: list[str] | None = None
    reduce: bool = False
    alpha: float = 0.05
    setpoint: dict[str, float] = Field(default_factory=dict)
    relevant: float = 10.0
    high_risk: float = 25.0


class EvaluateRequest(Request):
    """``qbdkit doe evaluate``: efficiencies, VIF, aliases, power of any design."""

    file: Path = input_file(description="run sheet (CSV/XLSX), ours or made elsewhere")
    factors_file: Path | None = input_file(None, description="factor definitions")
    model: str = "linear"
    effect_size: float = 1.0
    sigma: float = 1.0
    significance: float = 0.05
    responses: list[str] = Field(default_factory=list)


class AugmentRequest(Request):
    """``qbdkit doe augment``: add runs to an existing design."""

    file: Path = input_file(description="existing run sheet")
    factors_file: Path | None = input_file(None, description="factor definitions")
    how: str
    runs: int | None = None
    model: str = "quadratic"
    criterion: str = "D"
    alpha: float = 1.0
    center: int = 2
    factor: str | None = None
    seed: int = 1


# ---------------------------------------------------------------------------------------------
# use cases
# ---------------------------------------------------------------------------------------------

def _space(req: DesignRequest):
    from qbdkit.core.doe.design import make_space, read_factors

    if (req.factors_file is None) == (not req.factor_defs):
        raise QbdInputError("give the factors", column="--factors",
                            expected="exactly one of --factors FILE, --project P (the project's "
                                     "potential CPPs) or --from-folder DIR",
                            found="both" if req.factors_file is not None else "neither")
    if req.factors_file is not None:
        space = read_factors(req.factors_file)
    else:
        space = make_space([{k: v for k, v in f.items() if k != "parameter"}
                            for f in req.factor_defs], source="factor definitions")
    if req.select:
        unknown = [n for n in req.select if n not in space.names]
        if unknown:
            raise QbdInputError("unknown factor", file=space.source or None, column="--select",
                                expected=" / ".join(space.names), found=", ".join(unknown))
        space = make_space([f for f in space.factors if f.name in req.select],
                           [c.text for c in space.constraints
                            if all(a == 0 or n in req.select
                                   for a, n in zip(c.coef, space.names, strict=True))],
                           source=space.source)
    return space


def design(req: DesignRequest, ctx: Context | None = None) -> Design:
    """Generate and evaluate a design; the result carries the response definitions, the
    project parameter of each factor and the source of the factors."""
    from qbdkit.core.doe.design import DesignError, make_design

    space = _space(req)
    try:
        result = make_design(space, req.type, model=req.model, runs=req.runs,
                             resolution=req.resolution, center=req.center, blocks=req.blocks,
                             replicates=req.replicates, alpha=_alpha(req.alpha), ccd=req.ccd,
                             seed=req.seed, randomize=req.randomize, fake=req.fake,
                             starts=req.starts, generators=req.generators)
    except DesignError as exc:
        raise QbdInputError(str(exc), file=None if req.factors_file is None
                            else str(req.factors_file), column="--type " + req.type) from None
    responses = [dict(r) for r in req.response_defs]
    known = {r["name"] for r in responses}
    responses += [{"name": n} for n in req.responses if n not in known]
    clash = [r["name"] for r in responses if r["name"] in space.names or r["name"] in (
        "run", "std_order", "block")]
    if clash:
        raise QbdInputError("response name clashes with a column", column=clash[0],
                            expected="a name different from the factors and run/std_order/block",
                            found=clash[0])
    params = {k: v for k, v in req.parameters.items() if k in space.names}
    return dataclasses.replace(result, responses=responses, parameters=params,
                               source=None if req.source is None else dict(req.source))


def _alpha(value: str | float) -> str | float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return value


def analysis(req: AnalysisRequest, ctx: Context | None = None) -> Analysis:
    """Fit a model per response (coefficients, ANOVA, R², Q², lack of fit, diagnostics,
    curvature, and on request canonical / ridge / steepest-ascent analysis)."""
    from qbdkit.core.doe.analysis import analyze

    sheet = _load(req.file, req.factors_file)
    responses = list(req.responses)
    notes: list[str] = []
    if not responses and "~" not in req.model:
        responses, notes = _default_responses(sheet)
    _refuse_mixture(sheet, _factor_specs(sheet, req.factors), req.model)
    result = analyze(sheet.table, responses, req.model, coding=req.coding,
                     factors=_factor_specs(sheet, req.factors), reduce=req.reduce,
                     alpha=req.alpha, anova_type=req.anova_type, transforms=req.transforms,
                     file=sheet.name, canonical=req.canonical, ridge=req.ridge,
                     steepest=req.steepest, definitions=sheet.origin)
    for fit in result.responses:
        if fit.dropped_rows:
            notes.append(f"{fit.response}: {len(fit.dropped_rows)} row(s) without a response "
                         f"value dropped (rows {', '.join(map(str, fit.dropped_rows))}); fitted "
                         f"on {fit.nobs} runs")
    defs = sheet.defs
    return dataclasses.replace(
        result, notes=(*notes, *result.notes),
        parameters={} if defs is None else dict(defs.parameters),
        source=None if defs is None or defs.source is None else dict(defs.source))


def _refuse_mixture(sheet: _Sheet, specs: list | None, model: str) -> None:
    """Factors that add to the same total (1 or 100) in every row are mixture components: an
    ordinary polynomial with an intercept cannot be fitted to them, so say what can."""
    if specs is None or "~" in model:
        return
    names = [s if isinstance(s, str) else s.name for s in specs]
    frame = sheet.table.frame
    if len(names) < 2 or any(n not in frame.columns for n in names):
        return
    try:
        sums = frame[names].astype(float).sum(axis=1)
    except (TypeError, ValueError):
        return
    if len(sums) < 2 or sums.isna().any():
        return
    for total in (1.0, 100.0):
        if bool(((sums - total).abs() <= 1e-6 * total).all()):
            raise QbdInputError(
                f"the factors add to {total:g} in every row: a mixture, whose components cannot "
                "take an ordinary polynomial with an intercept", file=sheet.name, column="--model",
                expected="--model scheffe-linear | scheffe-quadratic | scheffe-special-cubic | "
                         "scheffe-cubic", found=model)


def predict(req: PredictRequest, ctx: Context | None = None) -> Prediction:
    """Predicted means with confidence and prediction intervals at the given settings."""
    from qbdkit.core.doe.analysis import predict as predict_core

    fitted = analysis(req.model_copy(update={"canonical": False, "ridge": False,
                                             "steepest": False}), ctx)
    if req.points is not None:
        if req.settings:
            raise QbdInputError("give either --at or --points, not both", column="at")
        settings = read_table(req.points).frame
    elif req.settings:
        settings = pd.DataFrame(req.settings)
    else:
        raise QbdInputError("no setting given", column="at",
                            expected='--at "FACTOR=value" for every factor, or --points FILE')
    return predict_core(fitted.responses, settings, alpha=req.alpha)


def compare(req: CompareRequest, ctx: Context | None = None) -> ModelSelection:
    """Candidate models side by side (R², R²adj, Q²/PRESS, RMSE, AICc, BIC, lack of fit) and,
    with ``stepwise``, hierarchical stepwise selection by p-value or AICc."""
    from qbdkit.core.doe.analysis.analyze import find_block, find_column
    from qbdkit.core.doe.analysis.compare import compare_models, stepwise
    from qbdkit.core.doe.analysis.fit import KEYWORD_MODELS

    sheet = _load(req.file, req.factors_file)
    table = sheet.table
    response = find_column(table.columns, req.response, "response", table.file)
    factors = _factor_specs(sheet, req.factors)
    models = list(dict.fromkeys(req.models))
    if not models and req.stepwise is None:
        raise QbdInputError("no models to compare", column="--models",
                            expected="two or more models (linear, interaction, quadratic, "
                                     "formulas) or --stepwise")
    from qbdkit.core.doe.analysis.analyze import check_run_ids, guess_factors

    check_run_ids(table.frame, table.rows, table.file)
    if factors is None:
        factors = guess_factors(table.frame, [response]) or None
    block = find_block(table.frame, [response], factors)
    comparison = None
    if models:
        comparison = compare_models(table.frame, response, models, factors=factors,
                                    coding=req.coding, block=block, file=table.file)
    selection = None
    if req.stepwise is not None:
        scope = req.scope or next((m for m in ("quadratic", "interaction", "linear")
                                   if m in models), "quadratic")
        if scope not in KEYWORD_MODELS:
            raise QbdInputError("unknown stepwise scope", column="--scope",
                                expected=" | ".join(KEYWORD_MODELS), found=scope)
        selection = stepwise(table.frame, response, scope=scope, factors=factors,
                             direction=req.stepwise, criterion=req.criterion,
                             alpha_enter=req.alpha_enter, alpha_remove=req.alpha_remove,
                             coding=req.coding)
    return ModelSelection(response=response, comparison=comparison, stepwise=selection,
                          notes=_coding_notes(sheet, factors))


def _coding_notes(sheet: _Sheet, factors: Any) -> list[str]:
    if sheet.defs is not None:
        return []
    return ["no factor definitions (run-sheet factors sheet or runs.factors.yaml): factors coded "
            "by their observed min/max"]


def _multiresponse(sheet: _Sheet, responses: list[str], model: str, *,
                   levels: dict[str, Any] | None = None):
    from qbdkit.core.doe.analysis.space_fit import multiresponse_model

    return multiresponse_model(sheet.table.frame, responses, model,
                               factors=list(sheet.specs) or None, levels=levels,
                               file=sheet.table.file, rows=sheet.table.rows)


def multiresponse_from_file(file: Path, responses: list[str], model: str = "quadratic", *,
                            factors_file: Path | None = None, levels: dict[str, Any] | None = None):
    """The multi-response model of a run sheet (its factor definitions: ``factors_file``, else
    the XLSX factors sheet, else the sidecar beside a CSV) — for reports and notebooks."""
    sheet = _load(Path(file), factors_file if factors_file is not None else sidecar_for(file))
    return _multiresponse(sheet, list(responses), model, levels=levels)


def _goal_name(text: str) -> str:
    head = text.split(";", 1)[0].replace("：", ":")
    if ":" not in head:
        raise QbdInputError(f"cannot read goal {text!r}", column="--goal",
                            expected="NAME:max, NAME:min or NAME:target=T,L,U", found=text)
    return head.rsplit(":", 1)[0].strip()


def optimize(req: OptimizeRequest, ctx: Context | None = None) -> OptimizationResult:
    """Derringer–Suich desirability optimum over the studied region, with CI and PI; categorical
    factors are optimized at every combination of their levels."""
    from qbdkit.core.doe.analysis.optimize import (
        optimize_desirability,
        parse_constraint,
        parse_goal,
    )
    from qbdkit.core.doe.analysis.space_fit import categorical_levels

    if req.starts < 1:
        raise QbdInputError("too few starts", column="--starts", expected="≥ 1", found=req.starts)
    if not 0 < req.confidence < 1:
        raise QbdInputError("confidence out of range", column="--confidence",
                            expected="0 < confidence < 1", found=req.confidence)
    if not req.goals:
        raise QbdInputError("no goal given", column="--goal", expected='--goal "Y:max" …')
    names = [_goal_name(t) for t in req.goals]
    if len(set(names)) != len(names):
        raise QbdInputError("a response has two goals", column="--goal", found=", ".join(names))
    sheet = _load(req.file, req.factors_file)
    mr = _multiresponse(sheet, names, req.model)
    combos = [dict(mr.fixed_levels)]
    if mr.fixed_levels:
        known = categorical_levels(sheet.table.frame, list(mr.fixed_levels), sheet.specs)
        combos = [dict(zip(known, c, strict=True)) for c in product(*known.values())]
        if len(combos) > 64:
            raise QbdInputError("too many combinations of categorical levels to optimize over",
                                column="--goal", expected="at most 64", found=len(combos))
    best = None
    for levels in combos:
        m = _multiresponse(sheet, names, req.model, levels=levels) if mr.fixed_levels else mr
        goals = [parse_goal(g, list(m.posterior.responses), m.observed) for g in req.goals]
        cons = [parse_constraint(c, m.factors) for c in req.constraints]
        idx = [list(m.posterior.responses).index(g.response) for g in goals]
        res = optimize_desirability(
            lambda x, m=m, idx=idx: m.predict(x)[:, idx], goals, factors=m.factors,
            bounds=m.studied, constraints=cons, sphere_radius=req.sphere, candidates=m.design,
            starts=req.starts, seed=req.seed, posterior=m.posterior, rows=m.rows,
            confidence=req.confidence)
        if levels:
            res = dataclasses.replace(res, setting={**res.setting, **levels})
        if best is None or res.desirability > best.desirability:
            best = res
    assert best is not None
    notes = [n for n in mr.notes if not n.startswith("categorical factor")]
    if mr.fixed_levels:
        notes.append("categorical factors optimized over every level: "
                     + ", ".join(f"{k} = {best.setting[k]!r}" for k in mr.fixed_levels))
    return dataclasses.replace(best, notes=[*notes, *best.notes])


def _pairs(values: dict[str, Any], option: str, factors: list[str]) -> dict[str, float]:
    """``{name: value}`` with each name matched to a factor (case/space-insensitive)."""
    from qbdkit.core.doe.analysis.analyze import find_column

    out: dict[str, float] = {}
    for name, value in values.items():
        try:
            f = find_column(factors, str(name).strip(), "factor", None)
        except QbdInputError:
            raise QbdInputError(f"unknown factor in {option}", column=option,
                                expected="one of " + ", ".join(factors),
                                found=str(name).strip()) from None
        try:
            out[f] = float(value)
        except (TypeError, ValueError):
            raise QbdInputError(f"cannot read {option} value", column=option, expected="a number",
                                found=value) from None
        if not math.isfinite(out[f]):
            raise QbdInputError(f"{option} value must be finite", column=option, found=value)
    # in factor order: a stored request's mappings come back with sorted keys
    return {f: out[f] for f in factors if f in out}


def _raw_pairs(values: dict[str, str], option: str, columns: list[str]) -> dict[str, str]:
    from qbdkit.core.doe.analysis.analyze import find_column

    out: dict[str, str] = {}
    for name, value in values.items():
        try:
            out[find_column(columns, str(name).strip(), "factor", None)] = str(value).strip()
        except QbdInputError:
            raise QbdInputError(f"unknown factor in {option}", column=option,
                                expected="one of the columns: " + ", ".join(columns),
                                found=str(name).strip()) from None
    return {c: out[c] for c in columns if c in out}


def _spec_texts(sheet: _Sheet, given: list[str]) -> tuple[list[str], list[str]]:
    """The specifications given, else those of the run sheet's response definitions (the
    project's acceptance criteria); with a note naming their origin."""
    if given:
        return list(given), []
    out = []
    for r in (sheet.defs.responses if sheet.defs else []):
        if r.get("kind") == "performance" or r["name"] not in sheet.table.columns:
            continue
        lo, hi = r.get("low"), r.get("high")
        if lo is not None and hi is not None:
            out.append(f"{lo!r}<={r['name']}<={hi!r}")
        elif lo is not None:
            out.append(f"{r['name']}>={lo!r}")
        elif hi is not None:
            out.append(f"{r['name']}<={hi!r}")
    if not out:
        raise QbdInputError("no specification given", column="--spec",
                            expected='--spec "CQA<=limit" (or a run sheet whose responses carry '
                                     "acceptance criteria)")
    return out, [f"specifications from the run sheet's response definitions ({sheet.origin}): "
                 + "; ".join(out)]


def design_space(req: DesignSpaceRequest, ctx: Context | None = None) -> DesignSpaceResult:
    """Probabilistic design space (Peterson) with Monte Carlo error, PAR, box and NOR, and the
    per-parameter proposal (set point, NOR, PAR) a project can accept."""
    from qbdkit.core.doe.analysis.analyze import find_column
    from qbdkit.core.doe.analysis.space import combine_specs, parse_spec, propose
    from qbdkit.core.doe.analysis.space import design_space as core_space

    sheet = _load(req.file, req.factors_file)
    columns = sheet.table.columns
    spec_texts, notes = _spec_texts(sheet, list(req.specs))
    parsed = [parse_spec(s, None) for s in spec_texts]
    unknown = []
    for sp in parsed:
        try:
            find_column(columns, sp.response, "response", sheet.table.file)
        except QbdInputError:
            unknown.append(sp.response)
    if unknown:
        raise QbdInputError("specification on an unknown response", file=sheet.table.file,
                            column="--spec", expected="one of the columns: " + ", ".join(columns),
                            found=", ".join(unknown))
    if req.grid > 401:
        raise QbdInputError("grid too fine", column="--grid", expected="2–401 points per factor",
                            found=req.grid)
    names = list(dict.fromkeys([*req.responses, *(sp.response for sp in parsed)]))
    raw = _raw_pairs(req.setpoint, "--setpoint", columns)
    mr = _multiresponse(sheet, names, req.model, levels=raw)
    numeric_sp = {k: v for k, v in raw.items() if k not in mr.fixed_levels}
    specs = combine_specs([parse_spec(s, list(mr.posterior.responses)) for s in spec_texts])
    grid_factors = None
    if req.factors:
        grid_factors = []
        for n in req.factors:
            try:
                grid_factors.append(find_column(mr.factors, n, "factor", None))
            except QbdInputError:
                raise QbdInputError("unknown factor", column="--factors",
                                    expected="one of " + ", ".join(mr.factors), found=n) from None

    def progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.report(done / max(total, 1), "design space")

    res = core_space(mr.posterior, mr.rows, model_factors=mr.factors, studied=mr.studied,
                     specs=specs, factors=grid_factors,
                     setpoint=_pairs(numeric_sp, "--setpoint", mr.factors), grid=req.grid,
                     draws=req.draws, min_probability=req.min_probability, seed=req.seed,
                     noise_sd=_pairs(req.noise, "--noise", mr.factors),
                     control_sd=_pairs(req.control_sd, "--control-sd", mr.factors) or None,
                     nor_k=req.nor_k, progress=progress)
    params = {} if sheet.defs is None else {k: v for k, v in sheet.defs.parameters.items()
                                             if k in mr.factors}
    units = {c["factor"]: c.get("unit") or "" for c in mr.coding}
    res = dataclasses.replace(res, notes=[*notes, *mr.notes, *res.notes], coding=list(mr.coding),
                              parameters=params)
    return dataclasses.replace(res, proposal=propose(res, params, units))


def project_setpoints(req: DesignSpaceRequest, project: str, *, url: str | None = None
                      ) -> tuple[DesignSpaceRequest, list[str]]:
    """``req`` with the set point of every factor that studies a project parameter (per the run
    sheet's definitions) and has none given taken from the stored project; and notes saying so.
    Called before the run, so the stored request holds the set points it used."""
    from qbdkit.model import Project as ProjectModel
    from qbdkit.services.doe_project import resolve_parameter
    from qbdkit.services.projects import project_document

    defs = definitions_for(req.file, req.factors_file)
    if defs is None or not defs.parameters:
        return req, []
    given = {str(k).strip().casefold() for k in req.setpoint}
    stored = project_document(project, url=url)
    model = ProjectModel.model_validate(stored["document"])
    added: dict[str, str] = {}
    for factor, ref in defs.parameters.items():
        if factor.casefold() in given:
            continue
        try:
            _uo, prm = resolve_parameter(model, ref, factor)
        except QbdInputError:
            continue
        if isinstance(prm.set_point, int | float) and not isinstance(prm.set_point, bool):
            added[factor] = repr(float(prm.set_point))
    if not added:
        return req, []
    return req.model_copy(update={"setpoint": {**req.setpoint, **added}}), [
        f"set points from project {project} v{stored['version']}: "
        + ", ".join(f"{k} = {v}" for k, v in added.items())]


def reassess(req: ReassessRequest, ctx: Context | None = None) -> CppAssessment:
    """CPP re-assessment: each parameter's effect as % of each specification, its significance
    and class (CPP / WC-CPP / KPP / GPP), with the project parameter each factor studies."""
    from qbdkit.core.doe.analysis import parse_specification, reassess_parameters

    sheet = _load(req.file, req.factors_file)
    cqa_texts, notes = (list(req.specs), []) if (req.specs or req.performance) else \
        _spec_texts(sheet, [])
    specs = [parse_specification(s, "cqa") for s in cqa_texts] + \
            [parse_specification(s, "performance") for s in req.performance]
    if not specs:
        raise QbdInputError("no specification given", column="spec",
                            expected='--spec "CQA<=limit" (and/or --performance)')
    responses = list(dict.fromkeys(s.response for s in specs))
    fitted = analysis(AnalysisRequest(file=req.file, factors_file=req.factors_file,
                                      responses=responses, model=req.model, coding=req.coding,
                                      factors=req.factors, reduce=req.reduce, alpha=req.alpha),
                      ctx)
    found = dict(zip(responses, (f.response for f in fitted.responses), strict=True))
    specs = [type(s)(found[s.response], s.lower, s.upper, s.kind) for s in specs]
    result = reassess_parameters(fitted.responses, specs, setpoint=dict(req.setpoint),
                                 factors=fitted.factors, alpha=req.alpha,
                                 relevant=req.relevant, high_risk=req.high_risk)
    return dataclasses.replace(result, parameters=dict(fitted.parameters),
                               notes=(*notes, *fitted.notes), coding=fitted.coding)


def evaluate(req: EvaluateRequest, ctx: Context | None = None) -> DesignEvaluation:
    """Evaluate any design: efficiencies, VIF, aliases, word-length pattern, power, FDS."""
    from qbdkit.core.doe.design import evaluate_design
    from qbdkit.core.doe.design.runsheet import read_run_sheet

    if req.sigma <= 0:
        raise QbdInputError("sigma must be positive", column="--sigma", expected="> 0",
                            found=req.sigma)
    if not 0 < req.significance < 1:
        raise QbdInputError("significance level out of range", column="--significance",
                            expected="between 0 and 1", found=req.significance)
    defs = definitions_for(None, req.factors_file)
    space, coded, _ = read_run_sheet(req.file, None if defs is None else defs.space(),
                                     exclude=req.responses)
    try:
        return evaluate_design(space, coded, req.model, effect_size=req.effect_size,
                               sigma=req.sigma, alpha=req.significance)
    except ValueError as exc:
        raise QbdInputError(str(exc), file=str(req.file), column="--model",
                            found=req.model) from None


def augment(req: AugmentRequest, ctx: Context | None = None) -> Design:
    """Add runs to an existing design (the existing runs become block 1)."""
    from qbdkit.core.doe.design import DesignError
    from qbdkit.core.doe.design.augment import augment as core_augment
    from qbdkit.core.doe.design.make import design_from_coded
    from qbdkit.core.doe.design.runsheet import read_run_sheet

    defs = definitions_for(None, req.factors_file)
    space, coded, _ = read_run_sheet(req.file, None if defs is None else defs.space())
    if req.factor is not None and req.factor not in space.names:
        raise QbdInputError("unknown factor", column="--factor",
                            expected=" / ".join(space.names), found=req.factor)
    try:
        new, blocks = core_augment(space, coded, req.how, runs=req.runs, model=req.model,
                                   criterion=req.criterion, seed=req.seed, alpha=req.alpha,
                                   center=req.center, factor=req.factor)
        result = design_from_coded(space, new, f"augmented ({req.how})", model=req.model,
                                   blocks=blocks, seed=req.seed)
    except DesignError as exc:
        raise QbdInputError(str(exc), file=str(req.file), column="--how " + req.how) from None
    if defs is not None:
        result = dataclasses.replace(result, responses=list(defs.responses),
                                     parameters=dict(defs.parameters), source=defs.source)
    return result


# ---------------------------------------------------------------------------------------------
# examples (the kind contract: small realistic inputs that re-run identically)
# ---------------------------------------------------------------------------------------------

#: Montgomery, *Design and Analysis of Experiments*, 8th ed., Example 11.2 (Table 11.6): a
#: rotatable central composite design, yield of a chemical process against reaction time
#: (80–90 min) and temperature (170–180 °F); α = √2 → axial at 77.93/92.07 and 167.93/182.07.
MONTGOMERY_11_2 = [
    (80, 170, 76.5), (80, 180, 77.0), (90, 170, 78.0), (90, 180, 79.5),
    (85, 175, 79.9), (85, 175, 80.3), (85, 175, 80.0), (85, 175, 79.7), (85, 175, 79.8),
    (92.07, 175, 78.4), (77.93, 175, 75.6), (85, 182.07, 78.5), (85, 167.93, 77.0),
]


def _example_run_sheet(folder: Path) -> tuple[Path, Path]:
    """Montgomery Example 11.2 as a filled CSV run sheet with its factor-definitions sidecar."""
    folder = Path(folder)
    runs = folder / "ccd_runs.csv"
    lines = ["run,Time (min),Temperature (°F),Yield (%)"]
    lines += [f"{i + 1},{t},{temp},{y}" for i, (t, temp, y) in enumerate(MONTGOMERY_11_2)]
    runs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    side = folder / "ccd_runs.factors.yaml"
    side.write_text(
        "factors:\n"
        "- {name: Time (min), type: numeric, low: 80, high: 90, unit: min}\n"
        "- {name: Temperature (°F), type: numeric, low: 170, high: 180, unit: °F}\n"
        "responses:\n- {name: Yield (%), low: 78}\n", encoding="utf-8")
    return runs, side


def _design_example(folder: Path) -> DesignRequest:
    path = Path(folder) / "factors.yaml"
    path.write_text("factors:\n"
                    "- {name: Temperature, low: 35, high: 37, unit: °C}\n"
                    "- {name: pH, low: 6.8, high: 7.2}\n"
                    "- {name: Feed, low: 2, high: 4, unit: '%'}\n", encoding="utf-8")
    return DesignRequest(factors_file=path, type="ccd", alpha="face", center=3, seed=7,
                         responses=["Titer (g/L)"],
                         response_defs=[{"name": "Aggregate (%)", "high": 3.0}])


def _analysis_example(folder: Path) -> AnalysisRequest:
    runs, side = _example_run_sheet(folder)
    return AnalysisRequest(file=runs, factors_file=side, canonical=True, ridge=True)


def _compare_example(folder: Path) -> CompareRequest:
    runs, side = _example_run_sheet(folder)
    return CompareRequest(file=runs, factors_file=side, response="Yield (%)",
                          models=["linear", "interaction", "quadratic"], stepwise="backward")


def _optimize_example(folder: Path) -> OptimizeRequest:
    runs, side = _example_run_sheet(folder)
    return OptimizeRequest(file=runs, factors_file=side, goals=["Yield (%):max=78,81"],
                           starts=4, seed=3)


def _design_space_example(folder: Path) -> DesignSpaceRequest:
    runs, side = _example_run_sheet(folder)
    return DesignSpaceRequest(file=runs, factors_file=side, specs=["Yield (%)>=78"], grid=9,
                              draws=400, min_probability=0.8, seed=11,
                              control_sd={"Time (min)": 0.5, "Temperature (°F)": 0.5})


def _reassess_example(folder: Path) -> ReassessRequest:
    runs, side = _example_run_sheet(folder)
    return ReassessRequest(file=runs, factors_file=side, specs=["Yield (%)>=78"])


# ---------------------------------------------------------------------------------------------
# registration (record kinds); ``accepts`` say what accepting a record changes in the project
# ---------------------------------------------------------------------------------------------

def _accept_design_space(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Set point, NOR (when proposed) and PAR of each parameter of a design-space record."""
    out = []
    for p in result.get("proposal") or []:
        ref = p.get("parameter") or p["factor"]
        for field_name in ("set_point", "nor", "par"):
            value = p.get(field_name)
            if value is not None:
                out.append({"factor": p["factor"], "parameter": ref, "field": field_name,
                            "value": value})
    return out


def _accept_reassessment(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The class after the DoE (CPP / WC-CPP / KPP / GPP) of each parameter."""
    params = result.get("parameters") or {}
    return [{"factor": c["name"], "parameter": params.get(c["name"]) or c["name"],
             "field": "classification", "value": c["cls"]} for c in result.get("classes") or []]


register(Kind("doe.design", DesignRequest, design, Design,
              title={"en": "DoE design", "zh": "试验设计"}, stage="doe", example=_design_example))
register(Kind("doe.analysis", AnalysisRequest, analysis, Analysis,
              title={"en": "DoE analysis", "zh": "试验设计分析"}, stage="doe",
              example=_analysis_example))
register(Kind("doe.compare", CompareRequest, compare, ModelSelection,
              title={"en": "DoE model comparison", "zh": "模型比较与选择"}, stage="doe",
              example=_compare_example))
register(Kind("doe.optimize", OptimizeRequest, optimize, OptimizationResult,
              title={"en": "Multi-response optimization", "zh": "多响应优化"}, stage="doe",
              example=_optimize_example))
register(Kind("doe.design_space", DesignSpaceRequest, design_space, DesignSpaceResult,
              title={"en": "Design space, PAR and NOR", "zh": "设计空间、PAR 与 NOR"},
              stage="design-space", accepts=_accept_design_space, example=_design_space_example))
register(Kind("doe.reassess", ReassessRequest, reassess, CppAssessment,
              title={"en": "CPP re-assessment", "zh": "关键工艺参数再评估"}, stage="doe",
              accepts=_accept_reassessment, example=_reassess_example))
