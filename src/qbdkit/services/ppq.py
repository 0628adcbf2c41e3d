"""Use cases of specifications (spec) and process performance qualification (ppq).

One function per use case, each taking a typed request (:class:`~qbdkit.services.base.
Request`) and returning a core result; registered as record kinds so the programme record
can store, re-run and render them:

=================  ============================  ==========================================
kind               function                      result
=================  ============================  ==========================================
``spec.tolerance`` :func:`tolerance`             ToleranceInterval / RandomEffectsInterval /
                                                 ToleranceFactor (``n`` without a file)
``spec.proposal``  :func:`spec_proposal`         SpecProposal
``ppq.protocol``   :func:`ppq_protocol`          PPQProtocol
``ppq.evaluation`` :func:`ppq_evaluate`          PPQEvaluation
``ppq.clearance``  :func:`clearance`             ClearanceResult
=================  ============================  ==========================================

Input tables (CSV/XLSX; English or Chinese headers, see the ``*_ALIASES`` maps):

* values for a tolerance interval: any column named by ``column`` (+ optional batch column);
* attributes: ``name, kind (cqa|ipc), unit_operation, lower, upper, unit, method,
  sample_point, samples_per_batch``;
* parameters: ``name, unit_operation, class (CPP|WC-CPP|KPP|GPP), set_point, nor_low,
  nor_high, par_low, par_high, unit``;
* studies (optional): ``id, owner, status (open|in progress|done|not applicable), due``;
* PPQ results: ``batch, item, value`` (long format, one row per value);
* clearance: ``step, mechanism, virus, load_titre, load_volume, output_titre,
  output_volume, below_lod`` (titres log₁₀ by default).

Bad input raises :class:`~qbdkit.errors.QbdInputError` naming file, row and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from qbdkit.errors import Problem, QbdInputError
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

__all__ = [
    "ClearanceRequest",
    "PPQEvaluateRequest",
    "PPQProtocolRequest",
    "SpecProposalRequest",
    "ToleranceRequest",
    "clearance",
    "ppq_evaluate",
    "ppq_protocol",
    "spec_proposal",
    "tolerance",
]

ATTRIBUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("attribute", "cqa", "item", "质量属性", "属性", "名称", "检测项目"),
    "kind": ("type", "类型"),
    "unit_operation": ("unit operation", "step", "工序", "单元操作", "工艺步骤"),
    "lower": ("lsl", "lower limit", "min", "下限"),
    "upper": ("usl", "upper limit", "max", "上限"),
    "unit": ("units", "单位"),
    "method": ("test", "analytical method", "检测方法", "方法"),
    "sample_point": ("sample point", "取样点"),
    "samples_per_batch": ("samples per batch", "每批样品数"),
    "criterion": ("acceptance criterion", "可接受标准", "标准"),
}
PARAMETER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("parameter", "参数", "工艺参数", "名称"),
    "unit_operation": ATTRIBUTE_ALIASES["unit_operation"],
    "class": ("classification", "category", "分类", "类别", "参数分类"),
    "set_point": ("set point", "target", "设定值", "目标值"),
    "nor_low": ("nor low", "NOR下限"),
    "nor_high": ("nor high", "NOR上限"),
    "par_low": ("par low", "PAR下限"),
    "par_high": ("par high", "PAR上限"),
    "unit": ("units", "单位"),
}
STUDY_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("study id", "编号"), "owner": ("responsible", "负责人"), "status": ("状态",),
    "due": ("due date", "计划完成", "截止日期"), "study": ("验证项目",), "content": ("验证内容",),
}
RESULT_ALIASES: dict[str, tuple[str, ...]] = {
    "batch": ("lot", "batch id", "批号", "批次"),
    "item": ("attribute", "parameter", "项目", "检测项目", "参数"),
    "value": ("result", "结果", "数值", "值"),
}
CLEARANCE_ALIASES: dict[str, tuple[str, ...]] = {
    "step": ("unit operation", "process step", "工序", "步骤"),
    "mechanism": ("机制", "清除机制"),
    "virus": ("model virus", "病毒", "指示病毒", "模型病毒"),
    "load_titre": ("load titer", "load_titer", "load log10 titre", "load_log10_titre",
                   "上样滴度"),
    "load_volume": ("load volume", "上样体积"),
    "output_titre": ("output titer", "output_titer", "output log10 titre",
                     "output_log10_titre", "product titre", "产物滴度", "收集液滴度"),
    "output_volume": ("output volume", "product volume", "产物体积", "收集液体积"),
    "below_lod": ("below lod", "<lod", "低于检测限"),
}


def _table(path: Path, required: list[str], aliases: dict[str, tuple[str, ...]],
           optional: list[str] | None = None):
    from qbdkit.io import read_table, require_columns

    return require_columns(read_table(path), required, aliases, optional or [])


def _numbers_frame(table, columns: list[str]) -> pd.DataFrame:
    """The table's frame with ``columns`` parsed as numbers (blank → NaN) and ``_row``."""
    frame = table.frame.copy()
    for col in columns:
        if col in frame.columns:
            frame[col] = [table.number(i, col, allow_blank=True) for i in range(len(frame))]
            frame[col] = frame[col].astype(float)
    frame["_row"] = [table.row_of(i) for i in range(len(frame))]
    return frame


def criterion_text(lower: float | None, upper: float | None, unit: str = "") -> str:
    from qbdkit.core.ppq import criterion_text as text

    return text(lower, upper, unit)


def _level(value: float, name: str) -> float:
    from qbdkit.core.stats.tolerance import check_level

    return check_level(value, name)


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise QbdInputError(f"unknown {name}", column=name, expected=" | ".join(allowed),
                            found=value)
    return value


def _column_values(table, column: str | None, *, batch_column: str | None = None
                   ) -> tuple[list[float], list[str] | None, list[int]]:
    """Numbers of ``column`` (blank cells skipped) with their batch and file row."""
    if column is None:
        numeric = [c for c in table.columns
                   if pd.api.types.is_numeric_dtype(table.frame[c]) and c != batch_column]
        if len(numeric) != 1:
            raise QbdInputError("which column?", file=table.file, row=1, column="column",
                                expected="the column of values (--column)",
                                found=", ".join(table.columns))
        column = numeric[0]
    for col in (column, batch_column):
        if col is not None and col not in table.columns:
            raise QbdInputError("no such column", file=table.file, row=1, column=col,
                                expected="one of " + ", ".join(table.columns), found=col)
    values, batches, rows = [], [], []
    for i in range(len(table.frame)):
        v = table.number(i, column, allow_blank=True)
        if v is None:
            continue
        if batch_column is not None:
            b = table.text(i, batch_column)
            if not b:
                raise table.error(i, batch_column, "blank batch", expected="the batch id",
                                  found="")
            batches.append(b)
        values.append(v)
        rows.append(table.row_of(i))
    if len(values) < 2:
        raise QbdInputError("fewer than 2 values", file=table.file, row=1, column=column,
                            expected="at least 2 values for a tolerance interval",
                            found=len(values))
    return values, (batches if batch_column is not None else None), rows


# --- spec.tolerance ---------------------------------------------------------------------------

class ToleranceRequest(Request):
    """A tolerance interval from a file's column, or the factor alone for ``n``.

    ``method``: ``normal`` | ``nonparametric`` | ``random-effects`` (needs
    ``batch_column``); ``factor``: ``exact`` | ``howe`` (two-sided normal only).
    """

    file: Path | None = input_file(None, description="values (CSV/XLSX)")
    column: str | None = None
    batch_column: str | None = None
    n: float | None = None
    coverage: float = 0.99
    confidence: float = 0.95
    sides: int = 2
    method: str = "normal"
    factor: str = "exact"


def tolerance(req: ToleranceRequest, ctx: Context | None = None):
    from qbdkit.core.stats.tolerance import (
        nonparametric_interval,
        normal_interval,
        random_effects_interval,
        tolerance_factor,
    )

    p, g = _level(req.coverage, "coverage"), _level(req.confidence, "confidence")
    if req.sides not in (1, 2):
        raise QbdInputError("sides must be 1 or 2", column="sides", expected="1 | 2",
                            found=req.sides)
    _choice(req.method, "method", ("normal", "nonparametric", "random-effects"))
    _choice(req.factor, "factor", ("exact", "howe"))
    if req.file is None:
        if req.n is None:
            raise QbdInputError("nothing to compute", column="file",
                                expected="a data file with --column, or --n for the factor alone",
                                found="neither")
        if req.method != "normal":
            raise QbdInputError("the factor alone is for the normal method", column="method",
                                expected="normal", found=req.method)
        return tolerance_factor(req.n, p, g, sides=req.sides, method=req.factor)
    if req.n is not None:
        raise QbdInputError("give a file or n, not both", column="n",
                            expected="no --n with a data file", found=req.n)
    method = "random-effects" if req.batch_column and req.method == "normal" else req.method
    if method == "random-effects" and not req.batch_column:
        raise QbdInputError("no batch column", column="batch_column",
                            expected="the column with the batch of each value (--batch)",
                            found="none")
    from qbdkit.io import read_table

    table = read_table(req.file)
    values, batches, _ = _column_values(table, req.column,
                                        batch_column=req.batch_column)
    if method == "random-effects":
        try:
            return random_effects_interval(values, batches, p, g, sides=req.sides)
        except QbdInputError as exc:
            prob = exc.first
            raise QbdInputError(prob.message, file=table.file, row=1,
                                column=req.batch_column if prob.column == "batch"
                                else req.column, expected=prob.expected,
                                found=prob.found) from None
    if method == "nonparametric":
        return nonparametric_interval(values, p, g, sides=req.sides)
    return normal_interval(values, p, g, sides=req.sides, method=req.factor)


# --- spec.proposal ----------------------------------------------------------------------------

class SpecProposalRequest(Request):
    """Specification proposal for one attribute (column) from release data.

    Clinical lots: a separate file (``clinical``, same column name unless
    ``clinical_column``) or a yes/no column ``clinical_flag`` in the release file.
    """

    release: Path = input_file(description="release results (CSV/XLSX)")
    column: str
    batch_column: str | None = None
    direction: str = "two-sided"
    coverage: float = 0.99
    confidence: float = 0.95
    method: str = "auto"
    clinical: Path | None = input_file(None, description="clinical lots (CSV/XLSX)")
    clinical_column: str | None = None
    clinical_flag: str | None = None
    stability: Path | None = input_file(None, description="stability results (CSV/XLSX)")
    stability_column: str | None = None
    stability_batch_column: str | None = None
    guidance_lower: float | None = None
    guidance_upper: float | None = None
    guidance_source: str = ""
    unit: str = ""
    decimals: int | None = None
    built_from: list[str] = Field(default_factory=list)


_YES = {"1", "1.0", "true", "yes", "y", "x", "是", "临床", "✓"}


def spec_proposal(req: SpecProposalRequest, ctx: Context | None = None):
    from qbdkit.core.spec import propose_specification
    from qbdkit.io import read_table

    p, g = _level(req.coverage, "coverage"), _level(req.confidence, "confidence")
    table = read_table(req.release)
    values, batches, rows = _column_values(table, req.column, batch_column=req.batch_column)
    clinical_values = clinical_lots = None
    if req.clinical is not None:
        ct = read_table(req.clinical)
        clinical_values, clinical_lots, _ = _column_values(
            ct, req.clinical_column or req.column,
            batch_column=req.batch_column if req.batch_column in ct.columns else None)
    elif req.clinical_flag is not None:
        if req.clinical_flag not in table.columns:
            raise QbdInputError("no such column", file=table.file, row=1,
                                column=req.clinical_flag,
                                expected="one of " + ", ".join(table.columns),
                                found=req.clinical_flag)
        flag_rows = {table.row_of(i) for i in range(len(table.frame))
                     if table.text(i, req.clinical_flag).strip().lower() in _YES}
        clinical_values = [v for v, r in zip(values, rows, strict=True) if r in flag_rows]
        if batches is not None:
            clinical_lots = [b for b, r in zip(batches, rows, strict=True) if r in flag_rows]
    stability_values = stability_batches = None
    if req.stability is not None:
        st = read_table(req.stability)
        sb = req.stability_batch_column or (req.batch_column if req.batch_column in st.columns
                                            else None)
        stability_values, stability_batches, _ = _column_values(
            st, req.stability_column or req.column, batch_column=sb)
    try:
        return propose_specification(
            req.column, values, release_batches=batches, direction=req.direction,
            coverage=p, confidence=g, method=req.method, clinical_values=clinical_values,
            clinical_lots=clinical_lots, guidance_lower=req.guidance_lower,
            guidance_upper=req.guidance_upper, guidance_source=req.guidance_source,
            stability_values=stability_values, stability_batches=stability_batches,
            unit=req.unit, decimals=req.decimals, built_from=req.built_from)
    except QbdInputError as exc:
        prob = exc.first
        if prob.column in ("batch", "values"):
            raise QbdInputError(prob.message, file=table.file, row=1,
                                column=req.batch_column if prob.column == "batch"
                                else req.column, expected=prob.expected,
                                found=prob.found) from None
        raise


# --- ppq.protocol / ppq.evaluation ------------------------------------------------------------

class PPQProtocolRequest(Request):
    """PPQ protocol content from the attribute and parameter tables."""

    attributes: Path = input_file(description="CQAs and IPCs with limits (CSV/XLSX)")
    parameters: Path = input_file(description="process parameters with class, NOR, PAR")
    studies: Path | None = input_file(None, description="study owners and status")
    unit_operations: list[str] | None = None
    batches: int | None = None
    target_coverage: float | None = None
    expected_ppk: float | None = None
    ppk_target: float = 1.0
    built_from: list[str] = Field(default_factory=list)


def _attributes_frame(path: Path) -> pd.DataFrame:
    t = _table(path, ["name"], ATTRIBUTE_ALIASES,
               ["kind", "unit_operation", "lower", "upper", "unit", "method", "sample_point",
                "samples_per_batch", "criterion"])
    missing = [c for c in ("lower", "upper") if c not in t.frame.columns]
    if len(missing) == 2 and "criterion" not in t.frame.columns:
        raise QbdInputError("missing column", file=t.file, row=1, column="lower/upper",
                            expected="a 'lower' and/or 'upper' limit column",
                            found=", ".join(t.columns))
    return _numbers_frame(t, ["lower", "upper", "samples_per_batch"])


def _parameters_frame(path: Path) -> pd.DataFrame:
    t = _table(path, ["name", "unit_operation", "class"], PARAMETER_ALIASES,
               ["set_point", "nor_low", "nor_high", "par_low", "par_high", "unit"])
    return _numbers_frame(t, ["set_point", "nor_low", "nor_high", "par_low", "par_high"])


def _protocol(req: PPQProtocolRequest):
    from qbdkit.core.ppq import ppq_batch_count
    from qbdkit.core.ppq import ppq_protocol as make

    studies = None
    if req.studies is not None:
        st = _table(req.studies, ["id"], STUDY_ALIASES, ["owner", "status", "due", "study",
                                                         "content"])
        studies = st.frame.assign(_row=[st.row_of(i) for i in range(len(st.frame))])
    bc = ppq_batch_count(requested=req.batches, target_coverage=req.target_coverage,
                         expected_ppk=req.expected_ppk, ppk_target=req.ppk_target)
    return make(_attributes_frame(req.attributes), _parameters_frame(req.parameters),
                unit_operations=req.unit_operations, batch_count=bc, studies=studies,
                files={"attributes": str(req.attributes), "parameters": str(req.parameters),
                       "studies": str(req.studies) if req.studies else None},
                built_from=req.built_from)


def ppq_protocol(req: PPQProtocolRequest, ctx: Context | None = None):
    return _protocol(req)


class PPQEvaluateRequest(Request):
    """Evaluate PPQ results (long table ``batch, item, value``) against the acceptance
    criteria: a ``criteria`` table (``item, kind, unit_operation, lower, upper, unit,
    criterion`` — the acceptance table of a PPQ protocol) or those derived from the
    attribute and parameter tables. ``known_batches``: the project's batches (a result for
    another batch is an input error naming its row); ``batches``: the PPQ batches evaluated
    (a result for another batch is an error too)."""

    results: Path = input_file(description="PPQ results: batch, item, value (CSV/XLSX)")
    attributes: Path | None = input_file(None, description="CQAs and IPCs with limits")
    parameters: Path | None = input_file(None, description="parameters with class, NOR, PAR")
    criteria: Path | None = input_file(None, description="acceptance criteria of a protocol")
    batches: list[str] | None = None
    known_batches: list[str] | None = None
    confidence: float = 0.95
    min_values_ppk: int = 10
    built_from: list[str] = Field(default_factory=list)


CRITERIA_ALIASES: dict[str, tuple[str, ...]] = {
    "item": ("name", "attribute", "parameter", "项目"), "kind": ("type", "类型"),
    "unit_operation": ATTRIBUTE_ALIASES["unit_operation"], "lower": ("lsl", "下限"),
    "upper": ("usl", "上限"), "unit": ("单位",), "criterion": ("acceptance criterion", "标准"),
}
CRITERIA_COLUMNS = ["item", "kind", "unit_operation", "lower", "upper", "unit", "criterion"]


def _criteria(req: PPQEvaluateRequest) -> list[dict[str, Any]]:
    if req.criteria is not None:
        t = _table(req.criteria, ["item"], CRITERIA_ALIASES,
                   ["kind", "unit_operation", "lower", "upper", "unit", "criterion"])
        frame = _numbers_frame(t, ["lower", "upper"])
        out = []
        for i, r in enumerate(frame.to_dict(orient="records")):
            lo = None if pd.isna(r.get("lower")) else float(r["lower"])
            hi = None if pd.isna(r.get("upper")) else float(r["upper"])
            if lo is None and hi is None:
                raise t.error(i, "lower/upper", "no acceptance criterion",
                              expected="a lower and/or upper limit", found="both blank")
            out.append({"item": t.text(i, "item"),
                        "kind": t.text(i, "kind") if "kind" in t.columns else "",
                        "unit_operation": t.text(i, "unit_operation")
                        if "unit_operation" in t.columns else "",
                        "lower": lo, "upper": hi,
                        "unit": t.text(i, "unit") if "unit" in t.columns else "",
                        "criterion": (t.text(i, "criterion") if "criterion" in t.columns
                                      else "") or criterion_text(lo, hi, "")})
        return out
    if req.attributes is None or req.parameters is None:
        raise QbdInputError("no acceptance criteria", column="criteria",
                            expected="a criteria table, or both the attribute and the "
                                     "parameter tables", found="neither")
    return _protocol(PPQProtocolRequest(attributes=req.attributes,
                                        parameters=req.parameters)).criteria()


def ppq_evaluate(req: PPQEvaluateRequest, ctx: Context | None = None):
    from qbdkit.core.ppq import evaluate_ppq

    g = _level(req.confidence, "confidence")
    if req.min_values_ppk < 2:
        raise QbdInputError("min_values_ppk out of range", column="min_values_ppk",
                            expected="a whole number ≥ 2", found=req.min_values_ppk)
    criteria = _criteria(req)
    t = _table(req.results, ["batch", "item", "value"], RESULT_ALIASES)
    frame = t.frame.copy()
    problems = []
    vals = []
    for i in range(len(frame)):
        try:
            v = t.number(i, "value")
        except QbdInputError as exc:
            problems.extend(exc.problems)
            v = float("nan")
        vals.append(v)
    if problems:
        raise QbdInputError(problems=problems[:20])
    frame = pd.DataFrame({"batch": [t.text(i, "batch") for i in range(len(frame))],
                          "item": [t.text(i, "item") for i in range(len(frame))],
                          "value": vals, "_row": [t.row_of(i) for i in range(len(frame))]})
    rows = frame.to_dict(orient="records")  # (itertuples renames the '_row' field)
    blank = [Problem("blank cell", t.file, int(r["_row"]), col, f"the {col}", "")
             for r in rows for col in ("batch", "item") if not r[col]]
    if blank:
        raise QbdInputError(problems=blank[:20])
    if req.known_batches is not None:
        known = set(req.known_batches)
        strangers = [Problem("result for a batch that is not in the project", t.file,
                             int(r["_row"]), "batch", "a batch of the project (add it to the "
                             "project's batch table first)", r["batch"])
                     for r in rows if r["batch"] not in known]
        if strangers:
            raise QbdInputError(problems=strangers[:20])
    return evaluate_ppq(frame, criteria, batches=req.batches, confidence=g,
                        min_values_ppk=req.min_values_ppk, file=t.file,
                        built_from=req.built_from)


# --- ppq.clearance ----------------------------------------------------------------------------

class ClearanceRequest(Request):
    """Viral clearance from a spiking-study table; ``titre_scale`` ``log10`` | ``linear``."""

    file: Path = input_file(description="spiking studies (CSV/XLSX)")
    titre_scale: str = "log10"
    replicates: str = "min"
    particles_per_ml: float | None = None
    volume_per_dose_ml: float | None = None
    retrovirus: str | None = None
    target_log10: float = -6.0


def clearance(req: ClearanceRequest, ctx: Context | None = None):
    from qbdkit.core.ppq import viral_clearance

    t = _table(req.file, ["step", "virus", "load_titre", "load_volume", "output_titre",
                          "output_volume"], CLEARANCE_ALIASES, ["mechanism", "below_lod"])
    frame = _numbers_frame(t, ["load_titre", "load_volume", "output_titre", "output_volume"])
    return viral_clearance(frame, titre_scale=req.titre_scale, replicates=req.replicates,
                           particles_per_ml=req.particles_per_ml,
                           volume_per_dose_ml=req.volume_per_dose_ml,
                           retrovirus=req.retrovirus, target_log10=req.target_log10,
                           file=t.file)


# --- on a project in the store ----------------------------------------------------------------
#
# Each reads the store, writes what it read as small tables into a temporary folder and runs
# the kind on them (see :mod:`qbdkit.services.control`): the record keeps those tables, so it
# re-runs identically after the project has changed.

#: batch kinds whose release results a specification proposal uses by default
RELEASE_KINDS = ("at-scale", "clinical", "PPQ")
STUDIES_FILES = ("ppq/studies.csv", "ppq/studies.xlsx")


def _release_guidance(model: Any, attr: Any) -> tuple[float | None, float | None, str]:
    """The guidance limit of an attribute: its first release criterion with a number in the
    project, else in the project's modality template."""
    def first(a: Any) -> Any:
        crit = [c for c in a.acceptance if (c.low is not None or c.high is not None)]
        rel = [c for c in crit if "release" in (c.stage or "").lower()]
        return (rel or crit or [None])[0]

    c = first(attr)
    if c is not None:
        return c.low, c.high, f"project: {c.stage or 'acceptance criterion'}" + (
            f" ({c.source})" if c.source else "")
    if model.template:
        from qbdkit.templates import load_template

        try:
            tmpl = load_template(model.template)
        except Exception:  # an unknown template name: no guidance
            return None, None, ""
        ta = tmpl.attribute(attr.name)
        c = first(ta) if ta is not None else None
        if c is not None:
            return c.low, c.high, f"template {model.template}: {c.stage or ''}" + (
                f" ({c.source})" if c.source else "")
    return None, None, ""


def spec_proposal_for_project(project: str, attribute: str, ctx: Context, *,
                              name: str | None = None, reason: str = "", store: bool = True,
                              kinds: list[str] | None = None, until: str | None = None,
                              direction: str | None = None, coverage: float = 0.99,
                              confidence: float = 0.95, method: str = "auto",
                              decimals: int | None = None, stability: Path | None = None,
                              stability_column: str | None = None,
                              unit_operation: str | None = None):
    """A specification proposal for ``attribute`` from the project's release results.

    Release data: the end-point results of the attribute for the batches of ``kinds``
    (default :data:`RELEASE_KINDS`) made on or before ``until``, measured in
    ``unit_operation`` when given (e.g. only drug-substance results); the clinical lots are the
    batches of kind ``clinical``. Guidance limit: the attribute's first numeric release
    criterion in the project, else in its modality template; ``direction`` follows it
    (both limits → two-sided, only an upper → upper …) unless given. Stored as
    ``spec.proposal/NAME`` (default: the attribute's name) unless ``store`` is False.
    """
    import tempfile

    from qbdkit.services.control import ProjectSnapshot, write_csv
    from qbdkit.services.records import run_and_store

    snap = ProjectSnapshot(project, ctx)
    attr = snap.model.find_attribute(attribute)
    if attr is None:
        raise QbdInputError("unknown attribute", column="attribute",
                            expected="one of " + ", ".join(a.name for a in
                                                           snap.model.quality_attributes),
                            found=attribute)
    kinds = list(kinds or RELEASE_KINDS)
    batches = snap.batches(kinds, until=until)
    kind_of = {b.id: b.kind for b in batches}
    values = snap.values(attr.name, unit_operation, set(kind_of))
    if len(values) < 2:
        raise QbdInputError("fewer than 2 release results", column=attr.name,
                            expected=f"results of at least 2 batches of kind {', '.join(kinds)}"
                            + (f" made on or before {until}" if until else "")
                            + (f" measured in {unit_operation}" if unit_operation else ""),
                            found=len(values))
    lo, hi, source = _release_guidance(snap.model, attr)
    if direction is None:
        direction = "upper" if lo is None and hi is not None else \
            "lower" if hi is None and lo is not None else "two-sided"
    built_from = [f"project {project} v{snap.version}: {len(values)} results of "
                  f"{len({b for b, _ in values})} batches ({', '.join(kinds)})"]
    with tempfile.TemporaryDirectory(prefix="qbdkit-spec-") as tmp:
        release = write_csv(Path(tmp) / "release.csv", ["batch", "kind", attr.name, "clinical"],
                            [[b, kind_of[b], v, kind_of[b] == "clinical"] for b, v in values])
        req = SpecProposalRequest(
            release=release, column=attr.name, batch_column="batch",
            clinical_flag="clinical" if any(k == "clinical" for k in kind_of.values()) else None,
            direction=direction, coverage=coverage, confidence=confidence, method=method,
            guidance_lower=lo if direction != "upper" else None,
            guidance_upper=hi if direction != "lower" else None, guidance_source=source,
            stability=stability, stability_column=stability_column, unit=attr.unit or "",
            decimals=decimals, built_from=built_from)
        if not store:
            return spec_proposal(req, ctx), None
        return run_and_store("spec.proposal", req, ctx, project=project,
                             name=name or attr.name, reason=reason)


def _strategy_problems(snap: Any, row: dict[str, Any], cs: dict[str, Any]) -> list[Problem]:
    """What a PPQ protocol cannot be made without: a criterion for every CQA, a PAR for
    every CPP, WC-CPP and KPP."""
    where = f"{snap.project}: {snap.ref(row)}"
    out = []
    for a in cs["attributes"]:
        if a["cqa"] and not any(c["element"] in ("release", "ipc", "stability")
                                for c in a["controls"]):
            out.append(Problem("CQA has no acceptance criterion", where, None, a["name"],
                               "a release, IPC or stability criterion in the project", "none"))
    for p in cs["parameters"]:
        if p["class"] in ("CPP", "WC-CPP", "KPP") and not p["par"]:
            out.append(Problem(f"{p['class']} has no PAR", where, None, p["item"],
                               "the proven acceptable range in the project", "none"))
    return out


def ppq_protocol_for_project(project: str, ctx: Context, *, name: str | None = None,
                             reason: str = "", store: bool = True, strategy: str | None = None,
                             batches: int | None = None, target_coverage: float | None = None,
                             expected_ppk: float | None = None, ppk_target: float = 1.0,
                             studies: Path | None = None):
    """The PPQ protocol generated from the project's control strategy (the approved one
    saved last, else the newest; ``strategy`` names one): its CQAs with their
    specification, its IPCs, its classified parameters with NOR/PAR; supporting studies
    from ``studies`` or the project's ``ppq/studies.csv``. Stored as ``ppq.protocol/NAME``
    (default ``protocol``) unless ``store`` is False."""
    import tempfile

    from qbdkit.core.control import ppq_tables
    from qbdkit.services.control import ProjectSnapshot, require_strategy, write_csv
    from qbdkit.services.records import run_and_store

    snap = ProjectSnapshot(project, ctx)
    row, cs = require_strategy(snap, strategy)
    problems = _strategy_problems(snap, row, cs)
    if problems:
        raise QbdInputError(problems=problems)
    built_from = [f"project {project} v{snap.version}", snap.ref(row)
                  + ("" if cs.get("passed", True) else " (consistency checks failed)")]
    attrs, params = ppq_tables(cs)
    order = list(cs["unit_operations"])
    if any(u not in order and u != "release" for u in attrs["unit_operation"]):
        order = None  # tests at steps outside the process table: order of appearance
    with tempfile.TemporaryDirectory(prefix="qbdkit-ppq-") as tmp:
        folder = Path(tmp)
        study_file = studies
        if study_file is None:
            for rel in STUDIES_FILES:
                if rel in snap.files:
                    study_file = folder / "project" / Path(rel).name
                    study_file.parent.mkdir(parents=True, exist_ok=True)
                    study_file.write_bytes(snap.files[rel])
                    built_from.append(f"project {project} v{snap.version}: {rel}")
                    break
        req = PPQProtocolRequest(
            attributes=write_csv(folder / "attributes.csv", list(attrs.columns),
                                 attrs.to_dict(orient="records")),
            parameters=write_csv(folder / "parameters.csv", list(params.columns),
                                 params.to_dict(orient="records")),
            studies=study_file, unit_operations=order, batches=batches,
            target_coverage=target_coverage, expected_ppk=expected_ppk,
            ppk_target=ppk_target, built_from=built_from)
        if not store:
            return ppq_protocol(req, ctx), None
        return run_and_store("ppq.protocol", req, ctx, project=project,
                             name=name or "protocol", reason=reason)


def ppq_evaluate_for_project(project: str, results: Path, ctx: Context, *,
                             name: str | None = None, reason: str = "", store: bool = True,
                             protocol: str | None = None, confidence: float = 0.95,
                             min_values_ppk: int = 10):
    """Evaluate PPQ ``results`` against the acceptance criteria of the project's PPQ
    protocol (the approved one saved last, else the newest; ``protocol`` names one); a
    result for a batch the project does not have is an input error naming its row. Stored
    as ``ppq.evaluation/NAME`` (default ``evaluation``) unless ``store`` is False."""
    import tempfile

    from qbdkit.services.control import ProjectSnapshot, latest_result, write_csv
    from qbdkit.services.records import run_and_store

    snap = ProjectSnapshot(project, ctx)
    found = latest_result(snap, "ppq.protocol", protocol)
    if found is None:
        raise QbdInputError("no PPQ protocol in the project", column="ppq.protocol"
                            + (f"/{protocol}" if protocol else ""),
                            expected=f"a ppq.protocol record (qbdkit ppq protocol {project})",
                            found="none")
    row, prot = found
    crit = [a for a in prot.get("acceptance", [])
            if a.get("lower") is not None or a.get("upper") is not None]
    with tempfile.TemporaryDirectory(prefix="qbdkit-ppq-") as tmp:
        req = PPQEvaluateRequest(
            results=results,
            criteria=write_csv(Path(tmp) / "criteria.csv", CRITERIA_COLUMNS, crit),
            known_batches=[b.id for b in snap.model.batches],
            confidence=confidence, min_values_ppk=min_values_ppk,
            built_from=[f"project {project} v{snap.version}", snap.ref(row)])
        if not store:
            return ppq_evaluate(req, ctx), None
        return run_and_store("ppq.evaluation", req, ctx, project=project,
                             name=name or "evaluation", reason=reason)


# --- record kinds ---------------------------------------------------------------------------

class ToleranceResult:
    """``from_dict`` for ``spec.tolerance``, whose result is one of three classes: the batch
    random-effect interval (has ``n_batches``), a tolerance interval (has ``lower``) or the
    factor alone."""

    @staticmethod
    def from_dict(d: dict):
        from qbdkit.core.stats.tolerance import (
            RandomEffectsInterval,
            ToleranceFactor,
            ToleranceInterval,
        )

        if "n_batches" in d:
            return RandomEffectsInterval.from_dict(d)
        if "lower" in d:
            return ToleranceInterval.from_dict(d)
        return ToleranceFactor.from_dict(d)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _tolerance_example(folder: Path) -> ToleranceRequest:
    """Release purity (SEC monomer %) of 8 batches in duplicate: the batch random-effect
    (Hoffman–Kringle) interval."""
    path = _write(Path(folder) / "release.csv", "batch,monomer\n" + "".join(
        f"B{i // 2 + 1},{v}\n" for i, v in enumerate(
            (98.1, 98.3, 97.9, 98.0, 98.6, 98.4, 98.2, 98.1, 97.7, 97.9, 98.5, 98.6, 98.0,
             98.2, 98.3, 98.3))))
    return ToleranceRequest(file=path, column="monomer", batch_column="batch", coverage=0.99,
                            confidence=0.95)


def _spec_proposal_example(folder: Path) -> SpecProposalRequest:
    """Aggregates (HMW %, not more than) from 12 release results, 3 of them clinical lots,
    against the guidance limit ≤ 3 %."""
    rows = [("C01", 1.62, "yes"), ("C02", 1.85, "yes"), ("C03", 1.71, "yes"),
            ("P01", 1.78, ""), ("P02", 1.69, ""), ("P03", 1.90, ""), ("L01", 1.74, ""),
            ("L02", 1.81, ""), ("L03", 1.66, ""), ("L04", 1.93, ""), ("L05", 1.72, ""),
            ("L06", 1.84, "")]
    path = _write(Path(folder) / "release.csv", "batch,aggregates,clinical\n" + "".join(
        f"{b},{v},{c}\n" for b, v, c in rows))
    return SpecProposalRequest(release=path, column="aggregates", batch_column="batch",
                               clinical_flag="clinical", direction="upper",
                               guidance_upper=3.0, guidance_source="DS release (template)",
                               unit="%", decimals=1)


_ATTRIBUTES_EXAMPLE = (
    "name,kind,unit_operation,lower,upper,unit,method,sample_point,samples_per_batch\n"
    "aggregates,cqa,release,,3.0,%,SEC-HPLC,DS release sample,1\n"
    "afucosylation,cqa,release,5.0,11.0,%,HILIC-FLD,DS release sample,1\n"
    "bioburden,ipc,protein_a,,10,CFU/10 mL,membrane filtration,eluate pool,1\n")
_PARAMETERS_EXAMPLE = (
    "name,unit_operation,class,set_point,nor_low,nor_high,par_low,par_high,unit\n"
    "temperature,production_bioreactor,CPP,36.0,35.5,36.5,35.0,37.0,°C\n"
    "ph,production_bioreactor,CPP,7.0,6.9,7.1,6.8,7.2,\n"
    "elution_ph,protein_a,WC-CPP,3.6,3.5,3.7,3.4,3.8,\n"
    "agitation,production_bioreactor,GPP,110,100,120,90,130,rpm\n")


def _protocol_example(folder: Path) -> PPQProtocolRequest:
    """Three CQA/IPC rows, four parameters and two study owners."""
    attrs = _write(Path(folder) / "attributes.csv", _ATTRIBUTES_EXAMPLE)
    params = _write(Path(folder) / "parameters.csv", _PARAMETERS_EXAMPLE)
    studies = _write(Path(folder) / "studies.csv",
                     "id,owner,status,due\nviral-clearance,Virology,done,2026-03-31\n"
                     "resin-lifetime,DSP,in progress,2026-09-30\n")
    return PPQProtocolRequest(attributes=attrs, parameters=params, studies=studies)


def _evaluation_example(folder: Path) -> PPQEvaluateRequest:
    """Three PPQ batches: release CQAs once, bioburden three times (start/middle/end of the
    eluate pool), parameters as run."""
    attrs = _write(Path(folder) / "attributes.csv", _ATTRIBUTES_EXAMPLE)
    params = _write(Path(folder) / "parameters.csv", _PARAMETERS_EXAMPLE)
    values = {"aggregates": (1.71, 1.84, 1.77), "afucosylation": (7.9, 8.4, 8.1),
              "temperature": (36.02, 35.96, 36.05), "ph": (7.01, 6.98, 7.02),
              "elution_ph": (3.61, 3.58, 3.60), "agitation": (110, 111, 109)}
    lines = ["batch,item,value"]
    for j in range(3):
        for item, vals in values.items():
            lines.append(f"PPQ{j + 1},{item},{vals[j]}")
        lines += [f"PPQ{j + 1},bioburden,{v}" for v in ((0, 1, 0), (0, 0, 2), (1, 0, 0))[j]]
    results = _write(Path(folder) / "results.csv", "\n".join(lines) + "\n")
    return PPQEvaluateRequest(results=results, attributes=attrs, parameters=params)


def _clearance_example(folder: Path) -> ClearanceRequest:
    """Spiking studies of a mAb platform (XMuLV and MVM) with the retrovirus safety margin."""
    path = _write(Path(folder) / "clearance.csv",
                  "step,mechanism,virus,load_titre,load_volume,output_titre,output_volume\n"
                  "low_ph_vi,low pH inactivation,XMuLV,6.2,110,1.1,115\n"
                  "aex,anion exchange,XMuLV,6.3,120,1.0,150\n"
                  "aex,anion exchange,MVM,6.5,120,3.1,150\n"
                  "virus_filtration,size exclusion,XMuLV,6.4,140,1.0,160\n"
                  "virus_filtration,size exclusion,MVM,6.6,140,1.2,160\n")
    return ClearanceRequest(file=path, particles_per_ml=1e6, volume_per_dose_ml=1.0)


def _register() -> None:
    from qbdkit.core.ppq import ClearanceResult, PPQEvaluation, PPQProtocol
    from qbdkit.core.spec import SpecProposal
    from qbdkit.i18n import both

    register(Kind("spec.tolerance", ToleranceRequest, tolerance, ToleranceResult,
                  title=both("Tolerance interval", "spec"), stage="spec",
                  example=_tolerance_example))
    register(Kind("spec.proposal", SpecProposalRequest, spec_proposal, SpecProposal,
                  title=both("Specification proposal", "spec"), stage="spec",
                  example=_spec_proposal_example))
    register(Kind("ppq.protocol", PPQProtocolRequest, ppq_protocol, PPQProtocol,
                  title=both("PPQ protocol", "ppq"), stage="ppq", example=_protocol_example))
    register(Kind("ppq.evaluation", PPQEvaluateRequest, ppq_evaluate, PPQEvaluation,
                  title=both("PPQ evaluation", "ppq"), stage="ppq",
                  example=_evaluation_example))
    register(Kind("ppq.clearance", ClearanceRequest, clearance, ClearanceResult,
                  title=both("Viral clearance", "ppq"), stage="ppq",
                  example=_clearance_example))


_register()
