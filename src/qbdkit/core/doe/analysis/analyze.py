"""Analyse a filled DoE run sheet: one fitted model per response.

:func:`analyze` fits every requested response with :func:`~.fit.fit_response`
(optionally reduced with :func:`~.fit.reduce_model`) and returns one
:class:`Analysis` whose ``to_dict()`` is the JSON of ``qbdkit doe analyze``:
``{"responses": [{"name", "terms": [{"term","coef","se","t","p",…}], "anova":
[{"source","df","ss","ms","f","p"}], "r2", "r2_adj", "q2", "rmse",
"residual_df", "lack_of_fit": {"f","p",…} | null, …}]}``.

Which columns are factors (for the keyword models), in this order: the
``factors`` argument (the service passes the run sheet's factor definitions: its
``factors`` sheet or ``runs.factors.yaml`` sidecar, contract C); otherwise every
column that is not a response, not bookkeeping (``run``, ``std_order``, ``block`` …),
not entirely blank and looks designed — at most max(5, n/2) distinct settings, as DoE
factors have a few levels while measured responses are mostly distinct. Pass
``factors`` when that guess is wrong.

Coding: every result states it (``coding``: centre and half-range per numeric factor,
and where low/high came from). A factor without a given low/high is coded by its
observed min/max, and a note says so — for a central composite design with axial
points outside low–high that makes every coded coefficient about α times too large.

Options (issue 17): ``canonical`` adds the canonical analysis of each second-order fit,
``ridge`` the ridge analysis (maximum), ``steepest`` the path of steepest ascent
(:mod:`.rsm`); the curvature test from centre points (:mod:`.curvature`) is added
whenever the runs are a two-level design with centre points.

This module reads no files: the DoE service (:mod:`qbdkit.services.doe`) reads the run
sheet and its factor definitions and calls :func:`analyze`.

A ``block`` column with two or more blocks (contract C) adds a sum-to-zero block
effect to the keyword models (see :func:`~.fit.fit_response`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qbdkit.core.doe.analysis.curvature import CurvatureTest, curvature_test
from qbdkit.core.doe.analysis.fit import (
    BOOKKEEPING,
    KEYWORD_MODELS,
    FactorSpec,
    FitResult,
    fit_response,
    power_transform,
    reduce_model,
)
from qbdkit.core.doe.analysis.rsm import (
    CanonicalAnalysis,
    Path,
    canonical_analysis,
    ridge_analysis,
    steepest_ascent,
)
from qbdkit.core.result import Result, format_table, to_jsonable
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io.tables import Table, is_blank, normalize_name


@dataclass(frozen=True, eq=False)
class Analysis(Result):
    """Fitted models of every analysed response, the coding used and the optional
    response-surface analyses (module docstring)."""

    responses: tuple[FitResult, ...]
    factors: tuple[FactorSpec, ...]
    file: str | None = None
    reduced: bool = False
    alpha: float = 0.05
    actual: tuple[FitResult | None, ...] = ()
    coding: tuple[dict, ...] = ()
    """Per numeric factor: ``{factor, low, high, centre, half_range, unit, from}``; ``from`` is
    where low/high came from (the factor definitions, or ``observed min/max``)."""
    notes: tuple[str, ...] = ()
    canonical: dict[str, CanonicalAnalysis] = field(default_factory=dict)
    ridge: dict[str, Path] = field(default_factory=dict)
    steepest: dict[str, Path] = field(default_factory=dict)
    curvature: dict[str, CurvatureTest] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    """Factor → project parameter (``unit_operation/parameter``), from the factor definitions."""
    source: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        out = []
        for i, r in enumerate(self.responses):
            d = r.to_dict()
            act = self.actual[i] if i < len(self.actual) else None
            if act is not None:
                # the same model in actual units (as MODDE/JMP/Design-Expert print both)
                d["terms_actual"] = to_jsonable(
                    [{"term": t["term"], "coef": t["coef"], "se": t["se"]} for t in act.term_rows()])
            for key in ("canonical", "ridge", "steepest", "curvature"):
                extra = getattr(self, key).get(r.response)
                if extra is not None:
                    d[key] = extra.to_dict()
            out.append(d)
        first = self.canonical.get(self.responses[0].response) if self.responses else None
        return to_jsonable({
            "file": self.file,
            "factors": [f.to_dict() for f in self.factors],
            "coding": list(self.coding),
            "reduced": self.reduced,
            "alpha": self.alpha,
            "responses": out,
            # the first response's canonical analysis at the top level (issue 17's JSON shape);
            # every response's is under responses[i].canonical
            "canonical": None if first is None else first.to_dict(),
            "notes": list(self.notes),
            "parameters": dict(self.parameters),
            "source": self.source,
        })

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Analysis:
        """Rebuild from :meth:`to_dict` (detached fits, see :meth:`FitResult.from_dict`)."""
        fits, actual = [], []
        extras: dict[str, dict[str, Any]] = {"canonical": {}, "ridge": {}, "steepest": {},
                                             "curvature": {}}
        kinds = {"canonical": CanonicalAnalysis, "ridge": Path, "steepest": Path,
                 "curvature": CurvatureTest}
        for r in d["responses"]:
            fit = FitResult.from_dict(r)
            fits.append(fit)
            for key, kind in kinds.items():
                if r.get(key) is not None:
                    extras[key][fit.response] = kind.from_dict(r[key])
            rows = r.get("terms_actual")
            if rows is None:
                actual.append(None)
                continue
            nan = [float("nan") if t["coef"] is None else t["coef"] for t in rows]
            se = [float("nan") if t["se"] is None else t["se"] for t in rows]
            actual.append(FitResult.from_dict({
                **r, "coding": "actual", "terms": [{"term": t["term"], "coef": c, "se": s_, "t": None,
                                                    "p": None, "vif": None}
                                                   for t, c, s_ in zip(rows, nan, se, strict=True)]}))
        return cls(tuple(fits), tuple(FactorSpec.from_dict(f) for f in d["factors"]), d.get("file"),
                   bool(d.get("reduced", False)), float(d.get("alpha", 0.05)), tuple(actual),
                   tuple(d.get("coding") or ()), tuple(d.get("notes") or ()), **extras,
                   parameters=dict(d.get("parameters") or {}), source=d.get("source"))

    def summary(self) -> str:
        parts = []
        if self.coding:
            parts.append("Coding (coded = (actual − centre) / half-range):\n" + format_table(
                ["factor", "low", "high", "centre", "half-range", "from"],
                [[c["factor"], c["low"], c["high"], c["centre"], c["half_range"], c["from"]]
                 for c in self.coding]))
        from qbdkit.core.doe.analysis.fit import influence_table

        for i, r in enumerate(self.responses):
            block = [r.summary(), f"equation ({r.coding} units): "
                     + equation(r.response, r.term_rows())]
            act = self.actual[i] if i < len(self.actual) else None
            if act is not None:
                block.append("equation (actual units): " + equation(r.response, act.term_rows()))
            flagged = influence_table(r) if len(r.diagnostics) else None
            if flagged is not None and len(flagged):
                block.append("Outliers and influential runs:\n" + format_table(
                    ["run", "residual", "ext. studentized", "leverage", "Cook's D", "DFFITS",
                     "flags"], flagged.values.tolist()))
            for key in ("curvature", "canonical", "ridge", "steepest"):
                extra = getattr(self, key).get(r.response)
                if extra is not None:
                    block.append(extra.summary())
            parts.append("\n".join(block))
        parts += [f"note: {n}" for n in self.notes]
        return "\n\n".join(parts)

    def fit(self, response: str) -> FitResult:
        for r in self.responses:
            if r.response == response:
                return r
        raise KeyError(response)


def _pretty_term(term: str) -> str:
    import re

    t = term.replace("`", "")
    m = re.fullmatch(r"I\((.+?)\s*\*\*\s*2\)", t)
    if m:
        return f"{m.group(1).strip()}²"
    return t.replace(":", "·")


def equation(response: str, rows: Sequence[dict], *, digits: int = 4) -> str:
    """The fitted model as one line, ``Y = b0 + b1·A − b12·A·B − b11·A²``, from coefficient
    rows ``{term, coef}`` (coded or actual units, whichever the rows are)."""
    parts: list[str] = []
    for r in rows:
        c = r.get("coef")
        if c is None or (isinstance(c, float) and c != c):
            continue
        text = format(abs(float(c)), f".{digits}g")
        term = "" if r["term"] == "Intercept" else "·" + _pretty_term(str(r["term"]))
        if not parts:
            parts.append(("−" if c < 0 else "") + text + term)
        else:
            parts.append(("− " if c < 0 else "+ ") + text + term)
    return f"{response} = " + (" ".join(parts) if parts else "0")


def find_column(columns: Sequence[str], name: str, what: str, file: str | None) -> str:
    """``name`` as written, else a case/space-insensitive match; else an error listing the columns."""
    if name in columns:
        return name
    matches = [c for c in columns if normalize_name(c) == normalize_name(name)]
    if len(matches) == 1:
        return matches[0]
    raise QbdInputError(f"{what} column not found", file=file, row=1, column=name,
                        expected="one of the columns", found=", ".join(columns))


def guess_factors(frame: pd.DataFrame, responses: Sequence[str]) -> list[str]:
    """Designed-factor columns by the rule in the module docstring."""
    n = len(frame)
    out: list[str] = []
    for c in frame.columns:
        c = str(c)
        if c in responses or normalize_name(c) in BOOKKEEPING or c.strip() in BOOKKEEPING:
            continue
        vals = [v for v in frame[c].tolist() if not is_blank(v)]
        if not vals:
            continue
        distinct = len({str(v) for v in vals})
        if distinct <= max(5, n // 2) and distinct < n:
            out.append(c)
    return out


def analyze(
    data: pd.DataFrame | Table,
    responses: Sequence[str] = (),
    model: str = "quadratic",
    *,
    coding: str = "coded",
    factors: Sequence[FactorSpec | str] | None = None,
    reduce: bool = False,
    alpha: float = 0.05,
    anova_type: str = "III",
    transforms: Mapping[str, float | str | None] | None = None,
    file: str | None = None,
    canonical: bool = False,
    ridge: bool = False,
    steepest: bool = False,
    definitions: str | None = None,
) -> Analysis:
    """Fit each response (see module docstring); raise one error listing every bad input.

    ``definitions`` names where the factors' low/high came from (e.g. ``runs.factors.yaml``),
    for the ``coding`` table; factors without low/high are coded by their observed min/max.
    """
    if isinstance(data, Table):
        frame, rows, file = data.frame, data.rows, file or data.file
    else:
        frame, rows = data, None
    if not 0 < alpha < 1:
        raise QbdInputError("alpha out of range", column="alpha", expected="0 < alpha < 1", found=alpha)
    columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise QbdInputError("no data rows", file=file, row=2, expected="one row per run",
                            found="only a header")
    resp = list(dict.fromkeys(find_column(columns, r, "response", file) for r in responses))
    if not resp:
        if model in KEYWORD_MODELS or model.split("~", 1)[0].strip() == "":
            raise QbdInputError("no response given", column="response",
                                expected="--response NAME, or a formula 'NAME ~ …'",
                                found=", ".join(columns))
        lhs = model.split("~", 1)[0].strip().strip("`")
        resp = [lhs if lhs in columns else None]  # type: ignore[list-item]
    specs: list[FactorSpec | str] | None = None
    if factors:
        specs = [f if isinstance(f, FactorSpec) else FactorSpec(find_column(columns, f, "factor", file))
                 for f in factors]
        for s in specs:
            if isinstance(s, FactorSpec):
                find_column(columns, s.name, "factor", file)
    elif model in KEYWORD_MODELS:
        names = guess_factors(frame, [r for r in resp if r])
        if not names:
            raise QbdInputError("no factor columns found", file=file, row=1,
                                expected="factor columns with a few designed settings, or --factors",
                                found=", ".join(columns))
        specs = names
    check_run_ids(frame, rows, file)
    transforms = {find_column(columns, k, "transform", file): v for k, v in (transforms or {}).items()}
    block = find_block(frame, [r for r in resp if r], specs) if model in KEYWORD_MODELS else None
    fits: list[FitResult] = []
    studied: dict[str, FactorSpec] = {}
    problems: list[Problem] = []
    for r in resp:
        lam = transforms.get(r) if r is not None else None
        try:
            fit = fit_response(frame, r, model, coding=coding, factors=specs, anova_type=anova_type,
                               transform=lam, file=file, rows=rows, block=block)
            for fs in fit.factors:
                studied.setdefault(fs.name, fs)
            if reduce:
                fit = reduce_model(fit, frame, alpha=alpha, file=file, rows=rows)
        except QbdInputError as exc:
            problems += exc.problems
            continue
        fits.append(fit)
    if problems:
        raise QbdInputError(problems=_unique(problems))
    actual: list[FitResult | None] = []
    for fit in fits:
        if coding != "coded" or not fit._spec.numeric:
            actual.append(None)
            continue
        actual.append(fit_response(frame, fit.response, "~ " + fit.quoted_rhs(), coding="actual",
                                   factors=list(fit.factors), anova_type=anova_type,
                                   transform=fit.transform, file=file, rows=rows, block=block))
    given = {f.name for f in (specs or []) if isinstance(f, FactorSpec) and f.type != "categorical"
             and f.low is not None and f.high is not None}
    coding_rows, notes = _coding(list(studied.values()), given, definitions, coding)
    rsm = _rsm(fits, canonical=canonical, ridge=ridge, steepest=steepest)
    curv = {}
    if coding == "coded":
        for fit in fits:
            test = _curvature(frame, fit, list(studied.values()), alpha)
            if test is not None:
                curv[fit.response] = test
    return Analysis(tuple(fits), tuple(studied.values()), file, reduce, alpha, tuple(actual),
                    tuple(coding_rows), tuple(notes), *rsm, curv)


def _coding(factors: list[FactorSpec], given: set[str], definitions: str | None,
            coding: str) -> tuple[list[dict], list[str]]:
    """The coding table and, when some factor had no low/high, the note naming it."""
    rows = []
    observed = []
    for f in factors:
        if f.type == "categorical" or f.low is None or f.high is None:
            continue
        source = (definitions or "factor definitions") if f.name in given else "observed min/max"
        rows.append({"factor": f.name, "low": f.low, "high": f.high, "centre": f.center,
                     "half_range": f.half_range, "unit": f.unit, "from": source})
        if f.name not in given:
            observed.append(f)
    notes = []
    if observed and coding == "coded":
        notes.append(
            "no factor definitions (run-sheet factors sheet or runs.factors.yaml) for "
            + ", ".join(f.name for f in observed) + ": coded by the observed min/max ("
            + "; ".join(f"{f.name}: centre {f.center:g}, half-range {f.half_range:g}"
                        for f in observed)
            + "); if the design's low/high differ (e.g. a CCD's axial runs), give the run "
              "sheet's definitions, else coded coefficients are scaled accordingly")
    return rows, notes


def _rsm(fits: Sequence[FitResult], *, canonical: bool, ridge: bool, steepest: bool
         ) -> tuple[dict, dict, dict]:
    can: dict[str, CanonicalAnalysis] = {}
    rid: dict[str, Path] = {}
    ste: dict[str, Path] = {}
    problems: list[Problem] = []
    for fit in fits:
        for wanted, store, fn in ((canonical, can, canonical_analysis),
                                  (ridge, rid, ridge_analysis), (steepest, ste, steepest_ascent)):
            if not wanted:
                continue
            try:
                store[fit.response] = fn(fit)
            except QbdInputError as exc:
                problems += [Problem(f"{fit.response}: {p.message}", p.file, p.row, p.column,
                                     p.expected, p.found) for p in exc.problems]
    if problems:
        raise QbdInputError(problems=problems)
    return can, rid, ste


def _curvature(frame: pd.DataFrame, fit: FitResult, factors: list[FactorSpec],
               alpha: float) -> CurvatureTest | None:
    """The centre-point curvature test over every studied factor, on the rows with a response
    (the fit's transform applied); None with a categorical factor or a block column."""
    numeric = [f for f in factors if f.type != "categorical"]
    if not numeric or len(numeric) != len(factors) or (fit._spec is not None
                                                        and fit._spec.block is not None):
        return None
    data = frame.reset_index(drop=True)
    y = pd.to_numeric(data[fit.response], errors="coerce").to_numpy(dtype=float)
    cols = []
    for f in numeric:
        x = pd.to_numeric(data[f.name], errors="coerce").to_numpy(dtype=float)
        cols.append(f.code(x))
    coded = np.column_stack(cols)
    ok = np.isfinite(y)
    if fit.transform is not None:
        if np.any(y[ok] <= 0):
            return None
        y = y.copy()
        y[ok] = np.asarray(power_transform(y[ok], fit.transform), dtype=float)
    return curvature_test(coded[ok], y[ok], fit.response, alpha=alpha)


#: run-sheet columns that identify a run: each value once (a replicate is a run of its own);
#: ``std_order`` is not among them (software repeats it for replicates)
RUN_ID_COLUMNS = ("run", "run_id", "runid", "run_no", "run_order", "runorder", "运行", "运行顺序",
                  "序号", "试验号", "实验号", "编号")


def check_run_ids(frame: pd.DataFrame, rows: Sequence[int] | None, file: str | None) -> None:
    """Refuse repeated run identifiers, naming each repeat and its first row (the one rule of
    issue 17 shared with ``sdm``, ``mvda``, ``validate`` and ``risk``): a repeated id is a
    copied row, which would change n, pure error and every p-value."""
    for c in frame.columns:
        if normalize_name(str(c)) not in RUN_ID_COLUMNS and str(c).strip() not in RUN_ID_COLUMNS:
            continue
        seen: dict[str, int] = {}
        problems: list[Problem] = []
        for i, v in enumerate(frame[c].tolist()):
            if is_blank(v):
                continue
            key = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
            row = rows[i] if rows is not None else i + 2
            if key in seen:
                problems.append(Problem(f"duplicate run id (also on row {seen[key]})", file, row,
                                        str(c), expected="a unique run id (a replicate is a run "
                                                         "with its own id)", found=key))
            else:
                seen[key] = row
        if problems:
            raise QbdInputError(problems=problems[:20])


def find_block(frame: pd.DataFrame, responses: Sequence[str],
               factors: Sequence[FactorSpec | str] | None) -> str | None:
    """The run sheet's ``block`` column (contract C; also 区组), when it has two or more blocks."""
    chosen = {f.name if isinstance(f, FactorSpec) else str(f) for f in factors or ()}
    for c in frame.columns:
        c = str(c)
        if normalize_name(c) in ("block", "区组") and c not in chosen and c not in responses:
            vals = {str(v) for v in frame[c].tolist() if not is_blank(v)}
            return c if len(vals) >= 2 else None
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out
