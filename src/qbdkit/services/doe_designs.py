"""DoE use cases for mixture and split-plot experiments (issue 17): design and analysis.

Record kinds ``doe.mixture`` (mixture design: simplex lattice, simplex centroid, extreme vertices,
D-optimal), ``doe.mixture_analysis`` (Scheffé model fits), ``doe.split_plot`` (split-plot design
for hard-to-change factors) and ``doe.split_plot_analysis`` (REML fit with the whole plot as a
random effect). The CLI reaches them through ``qbdkit doe design --type mixture-…|split-plot`` and
``qbdkit doe analyze --model scheffe-… | --whole-plot COL``; nothing else reads their files.

Components of a mixture come from a factors file like any design's (YAML ``factors:`` with
``low``/``high`` in the units of the total, ``constraints:`` in the same units); a run sheet
written by ``doe design --out`` keeps them in its factors sheet / sidecar.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from qbdkit.core.doe.analysis.mixture import MixtureAnalysis, analyze_mixture
from qbdkit.core.doe.analysis.splitplot import SplitPlotAnalysis, analyze_split_plot
from qbdkit.core.doe.design.classical import DesignError
from qbdkit.core.doe.design.mixture import ROW_TOL, MixtureDesign, make_mixture_design
from qbdkit.core.doe.design.splitplot import SplitPlotDesign, split_plot_design
from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register


class MixtureDesignRequest(Request):
    """``qbdkit doe design --type mixture-lattice|mixture-centroid|extreme-vertices|mixture-optimal``."""

    factors_file: Path | None = input_file(
        None, description="components: YAML (factors: name, low, high; constraints:) or CSV/XLSX")
    factor_defs: list[dict] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    type: str
    model: str | None = None
    degree: int | None = None
    runs: int | None = None
    total: float = 1.0
    center: int = 0
    replicates: int = 1
    faces: bool = False
    seed: int = 1
    starts: int | None = None
    randomize: bool = True
    responses: list[str] = Field(default_factory=list)


class MixtureAnalysisRequest(Request):
    """``qbdkit doe analyze RUNS --model scheffe-quadratic``."""

    file: Path = input_file(description="filled mixture run sheet (CSV/XLSX)")
    factors_file: Path | None = input_file(None, description="component definitions (sidecar)")
    responses: list[str] = Field(default_factory=list)
    model: str = "quadratic"
    factors: list[str] | None = None
    total: float | None = None
    pseudo: bool = False


class SplitPlotRequest(Request):
    """``qbdkit doe design --type split-plot --hard-to-change A,B``."""

    factors_file: Path | None = input_file(None, description="factors: YAML or CSV/XLSX")
    factor_defs: list[dict] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    hard: list[str] = Field(default_factory=list)
    whole_plots: int | None = None
    replicates: int = 1
    seed: int = 1
    randomize: bool = True
    responses: list[str] = Field(default_factory=list)


class SplitPlotAnalysisRequest(Request):
    """``qbdkit doe analyze RUNS --whole-plot COLUMN``."""

    file: Path = input_file(description="filled split-plot run sheet (CSV/XLSX)")
    factors_file: Path | None = input_file(None, description="factor definitions (sidecar)")
    responses: list[str] = Field(default_factory=list)
    model: str = "interaction"
    factors: list[str] | None = None
    whole_plot: str = "block"


def mixture_design(req: MixtureDesignRequest, ctx: Context | None = None) -> MixtureDesign:
    """Generate a mixture design from the components (and constraints) of a factors file."""
    from qbdkit.services.doe import DesignRequest, _space

    space = _space(DesignRequest(factors_file=req.factors_file, factor_defs=req.factor_defs,
                                 select=req.select, type=req.type))
    if not space.all_numeric:
        raise QbdInputError("mixture components must be numeric", file=_name(req.factors_file),
                            column="type", expected="numeric components with low/high",
                            found=", ".join(f.name for f in space.factors if not f.is_numeric))
    comps = [{"name": f.name, "low": f.low, "high": f.high, "unit": f.unit} for f in space.factors]
    try:
        design = make_mixture_design(
            comps, req.type, degree=req.degree, model=req.model, runs=req.runs,
            constraints=[c.text for c in space.constraints], total=req.total,
            replicates=req.replicates, center=req.center, faces=req.faces, seed=req.seed,
            randomize=req.randomize, starts=req.starts)
    except DesignError as exc:
        raise QbdInputError(str(exc), file=_name(req.factors_file), column="--type " + req.type) from None
    clash = [r for r in req.responses if r in space.names or r in ("run", "std_order")]
    if clash:
        raise QbdInputError("response name clashes with a column", column=clash[0],
                            expected="a name different from the components and run/std_order",
                            found=clash[0])
    import dataclasses

    return dataclasses.replace(design, responses=[{"name": n} for n in req.responses])


def _name(p: Path | None) -> str | None:
    return None if p is None else str(p)


def mixture_analysis(req: MixtureAnalysisRequest, ctx: Context | None = None) -> MixtureAnalysis:
    """Fit a Scheffé model per response; the components are the run sheet's defined factors
    (or ``factors``); the total is given or read from the rows (1 or 100)."""
    import numpy as np

    from qbdkit.services.doe import _default_responses, _load

    sheet = _load(req.file, req.factors_file)
    frame = sheet.table.frame
    comps = list(req.factors or [s.name for s in sheet.specs])
    if not comps:
        raise QbdInputError("which columns are the mixture components?", file=sheet.name,
                            column="--factors", expected="--factors A,B,C or the run sheet's "
                            "factor definitions (sidecar / factors sheet)", found="neither")
    missing = [c for c in comps if c not in frame.columns]
    if missing:
        raise QbdInputError("component not a column of the run sheet", file=sheet.name,
                            column=missing[0], expected=", ".join(map(str, frame.columns)),
                            found=missing[0])
    responses = list(req.responses)
    notes: list[str] = []
    if not responses:
        responses, notes = _default_responses(sheet)
    if not responses:
        raise QbdInputError("no response to analyse", file=sheet.name, column="--response",
                            expected="-r RESPONSE (a filled column)", found="none given")
    rows = [sheet.table.row_of(i) for i in range(len(frame))]
    total = req.total
    if total is None:
        try:
            sums = frame[comps].astype(float).sum(axis=1).to_numpy()
        except (TypeError, ValueError):
            sums = np.array([np.nan])
        total = 100.0 if np.nanmedian(sums) > 10 else 1.0
    low = None
    if req.pseudo:
        by = {s.name: s for s in sheet.specs}
        low = [float(by[c].low) if c in by and by[c].low is not None else 0.0 for c in comps]
    result = analyze_mixture(frame, comps, responses, req.model, total=total, low=low,
                             pseudo=req.pseudo, file=sheet.name, rows=rows)
    import dataclasses

    return dataclasses.replace(result, notes=[*notes, *result.notes])


def split_plot(req: SplitPlotRequest, ctx: Context | None = None) -> SplitPlotDesign:
    """Generate a split-plot design: whole plots over the hard-to-change factors."""
    import dataclasses

    from qbdkit.services.doe import DesignRequest, _space

    space = _space(DesignRequest(factors_file=req.factors_file, factor_defs=req.factor_defs,
                                 select=req.select, type="split-plot"))
    try:
        design = split_plot_design(space, req.hard, replicates=req.replicates,
                                   whole_plots=req.whole_plots, seed=req.seed,
                                   randomize=req.randomize)
    except DesignError as exc:
        raise QbdInputError(str(exc), file=_name(req.factors_file),
                            column="--hard-to-change", expected="names of the factors file",
                            found=", ".join(req.hard) or "none") from None
    clash = [r for r in req.responses if r in space.names or r in ("run", "std_order", "block")]
    if clash:
        raise QbdInputError("response name clashes with a column", column=clash[0],
                            expected="a name different from the factors and run/std_order/block",
                            found=clash[0])
    return dataclasses.replace(design, responses=[{"name": n} for n in req.responses])


def split_plot_analysis(req: SplitPlotAnalysisRequest, ctx: Context | None = None
                        ) -> SplitPlotAnalysis:
    """REML fit per response with the whole plot random; numeric factors coded −1…+1 from
    their definitions (or min/max) for a named model, raw columns for a formula."""
    import dataclasses

    import numpy as np

    from qbdkit.services.doe import _default_responses, _load

    sheet = _load(req.file, req.factors_file)
    frame = sheet.table.frame.copy()
    if req.whole_plot not in frame.columns:
        raise QbdInputError("whole-plot column not in the run sheet", file=sheet.name,
                            column="--whole-plot", expected=", ".join(map(str, frame.columns)),
                            found=req.whole_plot)
    responses = list(req.responses)
    notes: list[str] = []
    if not responses:
        responses, notes = _default_responses(sheet)
    if not responses:
        raise QbdInputError("no response to analyse", file=sheet.name, column="--response",
                            expected="-r RESPONSE (a filled column)", found="none given")
    factors: list[tuple[str, bool]] = []
    if "~" not in req.model:
        by = {s.name: s for s in sheet.specs}
        names = list(req.factors or [s.name for s in sheet.specs])
        for n in names:
            if n not in frame.columns:
                raise QbdInputError("factor not a column of the run sheet", file=sheet.name,
                                    column=n, expected=", ".join(map(str, frame.columns)), found=n)
            spec = by.get(n)
            numeric = spec.type == "numeric" if spec is not None else \
                bool(frame[n].map(_is_number).all())
            if numeric:
                col = frame[n].astype(float)
                lo, hi = (spec.low, spec.high) if spec is not None else (col.min(), col.max())
                if hi == lo:
                    raise QbdInputError("factor does not vary", file=sheet.name, column=n,
                                        expected="two or more levels", found=f"{lo:g} everywhere")
                frame[n] = (col - (lo + hi) / 2) / ((hi - lo) / 2)
            factors.append((n, numeric))
        notes.append("numeric factors coded −1…+1 "
                     + ("from their definitions" if sheet.specs else "from their observed min/max"))
    for r in responses:
        if r in frame.columns:
            frame[r] = frame[r].map(lambda v: np.nan if v is None or (isinstance(v, str) and not v.strip())
                                    else v).astype(float)
    result = analyze_split_plot(frame, responses, req.whole_plot, model=req.model,
                                factors=factors, file=sheet.name)
    return dataclasses.replace(result, notes=[*notes, *result.notes])


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _mixture_example(folder: Path) -> MixtureDesignRequest:
    path = Path(folder) / "buffer.yaml"
    path.write_text("factors:\n"
                    "- {name: Sucrose, low: 0.2, high: 0.6}\n"
                    "- {name: Trehalose, low: 0.1, high: 0.5}\n"
                    "- {name: Mannitol, low: 0.1, high: 0.4}\n"
                    "constraints:\n- Sucrose + Trehalose <= 0.8\n", encoding="utf-8")
    return MixtureDesignRequest(factors_file=path, type="extreme-vertices", center=2, seed=5,
                                responses=["Aggregate (%)"])


def _mixture_analysis_example(folder: Path) -> MixtureAnalysisRequest:
    """Cornell's yarn elongation data ({3, 2} simplex lattice, §2.7)."""
    runs = Path(folder) / "yarn.csv"
    data = [(1, 0, 0, 11.0), (1, 0, 0, 12.4), (.5, .5, 0, 15.0), (.5, .5, 0, 14.8), (.5, .5, 0, 16.1),
            (0, 1, 0, 8.8), (0, 1, 0, 10.0), (0, .5, .5, 10.0), (0, .5, .5, 9.7), (0, .5, .5, 11.8),
            (0, 0, 1, 16.8), (0, 0, 1, 16.0), (.5, 0, .5, 17.7), (.5, 0, .5, 16.4), (.5, 0, .5, 16.6)]
    lines = ["run,Polyethylene,Polystyrene,Polypropylene,Elongation"]
    lines += [f"{i + 1},{a},{b},{c},{y}" for i, (a, b, c, y) in enumerate(data)]
    runs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return MixtureAnalysisRequest(file=runs, responses=["Elongation"], model="scheffe-quadratic",
                                  factors=["Polyethylene", "Polystyrene", "Polypropylene"])


def _split_plot_example(folder: Path) -> SplitPlotRequest:
    path = Path(folder) / "bioreactor.yaml"
    path.write_text("factors:\n"
                    "- {name: Temperature, low: 35, high: 37, unit: °C}\n"
                    "- {name: pH, low: 6.8, high: 7.2}\n"
                    "- {name: Feed, low: 2, high: 4, unit: '%'}\n", encoding="utf-8")
    return SplitPlotRequest(factors_file=path, hard=["Temperature", "pH"], replicates=2, seed=2,
                            responses=["Titer (g/L)"])


def _split_plot_analysis_example(folder: Path) -> SplitPlotAnalysisRequest:
    """Montgomery DAE 8th ed. Table 14.16 (paper strength: pulp whole plots, temperature)."""
    runs = Path(folder) / "paper.csv"
    data = {1: {1: [30, 35, 37, 36], 2: [34, 41, 38, 42], 3: [29, 26, 33, 36]},
            2: {1: [28, 32, 40, 41], 2: [31, 36, 42, 40], 3: [31, 30, 32, 40]},
            3: {1: [31, 37, 41, 40], 2: [35, 40, 39, 44], 3: [32, 34, 39, 45]}}
    lines = ["Rep,Pulp,Temperature,WholePlot,Strength"]
    for r, d in data.items():
        for p, values in d.items():
            lines += [f"{r},{p},{t},{(r - 1) * 3 + p},{y}" for t, y in zip((200, 225, 250, 275), values,
                                                                          strict=True)]
    runs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return SplitPlotAnalysisRequest(file=runs, responses=["Strength"], whole_plot="WholePlot",
                                    model="Strength ~ C(Rep) + C(Pulp) * C(Temperature)")


register(Kind("doe.split_plot", SplitPlotRequest, split_plot, SplitPlotDesign,
              title={"en": "Split-plot design", "zh": "裂区设计"}, stage="doe",
              example=_split_plot_example))
register(Kind("doe.split_plot_analysis", SplitPlotAnalysisRequest, split_plot_analysis,
              SplitPlotAnalysis, title={"en": "Split-plot analysis (REML)", "zh": "裂区分析（REML）"},
              stage="doe", example=_split_plot_analysis_example))
register(Kind("doe.mixture", MixtureDesignRequest, mixture_design, MixtureDesign,
              title={"en": "Mixture design", "zh": "混料设计"}, stage="doe",
              example=_mixture_example))
register(Kind("doe.mixture_analysis", MixtureAnalysisRequest, mixture_analysis, MixtureAnalysis,
              title={"en": "Mixture analysis (Scheffé models)", "zh": "混料分析（Scheffé 模型）"},
              stage="doe", example=_mixture_analysis_example))

__all__ = ["ROW_TOL", "MixtureAnalysisRequest", "MixtureDesignRequest", "SplitPlotAnalysisRequest",
           "SplitPlotRequest", "mixture_analysis", "mixture_design", "split_plot",
           "split_plot_analysis"]
