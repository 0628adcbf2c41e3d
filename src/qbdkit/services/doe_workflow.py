"""DoE as a browser carries it: design from the project's parameters, run sheet out, results
in, analysis, design space as a job (issue 15). The same use cases as ``qbdkit doe …``
(:mod:`qbdkit.services.doe`, :mod:`qbdkit.services.doe_project`, stored through
:func:`qbdkit.services.records.run_and_store`); this module only joins them the way the wizard
walks: a stored ``doe.design`` record is the source of its run sheet and of the factor
definitions an uploaded results sheet is read with, and a stored ``doe.analysis`` record is
the source of the design-space job's inputs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context

#: run-sheet uploads: types and size (OWASP ASVS 12.1: limit size and type)
UPLOAD_TYPES = {".csv": "text/csv",
                ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: design-space jobs started from the browser (a shared server): draws and grid points per factor
MAX_DRAWS = 20000
MAX_GRID = 41
#: workbooks start with the ZIP signature; a CSV must be text
_ZIP_MAGIC = b"PK\x03\x04"


def candidate_factors(project: str, ctx: Context) -> dict[str, Any]:
    """The parameters a design can study, grouped by unit operation, with the risk
    assessment's potential CPPs pre-selected: ``{unit_operations: [{name, label, parameters:
    [{name, label, unit, low, high, type, levels, factor, selected}]}], default_unit_operation,
    notes}``. ``factor`` is the name the factor gets (the C&E spelling for a potential CPP)."""
    from qbdkit.model import Project as ProjectModel
    from qbdkit.services.doe_project import project_factors
    from qbdkit.services.projects import project_document
    stored = project_document(project, url=ctx.url)
    model = ProjectModel.model_validate(stored["document"])
    defaults: dict[str, str] = {}
    notes: list[str] = []
    try:
        fields, notes = project_factors(project, url=ctx.url)
        defaults = {ref: name for name, ref in fields["parameters"].items()}
    except QbdInputError as exc:
        notes = [exc.first.text(ctx.lang)]
    lang = "zh" if ctx.lang == "zh" else "en"
    groups = []
    default_uo = None
    for uo in model.process.unit_operations:
        params = []
        for p in uo.parameters:
            rng = p.studied if p.studied and p.studied.low is not None else p.par
            if p.type == "numeric" and (rng is None or rng.low is None or rng.high is None):
                continue
            if p.type == "categorical" and len(p.levels) < 2:
                continue
            ref = f"{uo.name}/{p.name}"
            label = (getattr(p.label, lang, None) or p.label.en or p.name) if p.label else p.name
            en = (p.label.en if p.label and p.label.en else p.name)
            params.append({"name": p.name, "ref": ref, "label": label, "unit": p.unit or "",
                           "type": p.type, "levels": list(p.levels),
                           "low": None if p.type != "numeric" else rng.low,
                           "high": None if p.type != "numeric" else rng.high,
                           "factor": defaults.get(ref, en), "selected": ref in defaults})
            if ref in defaults and default_uo is None:
                default_uo = uo.name
        if params:
            ulabel = (getattr(uo.label, lang, None) or uo.label.en or uo.name) \
                if getattr(uo, "label", None) else uo.name
            groups.append({"name": uo.name, "label": ulabel, "parameters": params})
    if default_uo is None and groups:
        default_uo = groups[0]["name"]
    return {"unit_operations": groups, "default_unit_operation": default_uo, "notes": notes,
            "project_version": stored["version"]}


def design_request(project: str, factors: list[str], unit_operation: str | None, type: str,
                   ctx: Context, *, runs: int | None = None, center: int | None = None,
                   seed: int = 1, model: str | None = None) -> tuple[Any, list[str]]:
    """The :class:`~qbdkit.services.doe.DesignRequest` for factors named from the project
    (as ``qbdkit doe design --project P --factors NAMES``) and notes."""
    from qbdkit.core.doe.design.make import DESIGN_TYPES
    from qbdkit.services.doe import DesignRequest
    from qbdkit.services.doe_project import project_factors

    if not factors:
        raise QbdInputError("choose at least one factor", column="factors",
                            expected="one or more of the project's parameters", found="none")
    if type not in DESIGN_TYPES:
        raise QbdInputError("unknown design type", column="type",
                            expected=" / ".join(DESIGN_TYPES), found=type)
    fields, notes = project_factors(project, url=ctx.url, names=factors,
                                    unit_operation=unit_operation or None)
    return DesignRequest(**fields, type=type, runs=runs, center=center, seed=seed,
                         model=model or None), notes


def stored_design(project: str, name: str, ctx: Context) -> Any:
    """The :class:`~qbdkit.core.doe.design.Design` of record ``doe.design/name``."""
    from qbdkit.core.doe.design import Design
    from qbdkit.services.records import get_record

    record = get_record(project, "doe.design", name, user=ctx.user, url=ctx.url)
    return Design.from_dict(record["content"]["result"])


def _responses(design: Any) -> list[str]:
    return [r["name"] for r in design.responses]


def run_sheet(project: str, name: str, fmt: str, ctx: Context) -> tuple[str, bytes, str]:
    """``(file name, bytes, media type)`` of the run sheet of design ``name``: XLSX (runs,
    factors and responses sheets) or CSV (the runs table; its factor definitions stay with
    the design record and are used when the results come back)."""
    from qbdkit.core.doe.design.runsheet import write_run_sheet

    fmt = fmt.lower().lstrip(".")
    if f".{fmt}" not in UPLOAD_TYPES:
        raise QbdInputError("unknown run-sheet format", column="format", expected="csv | xlsx",
                            found=fmt)
    design = stored_design(project, name, ctx)
    filename = f"{project}-{name}-runs.{fmt}"
    with tempfile.TemporaryDirectory(prefix="qbdkit-runsheet-") as tmp:
        path = Path(tmp) / filename
        write_run_sheet(design, path, _responses(design))
        return filename, path.read_bytes(), UPLOAD_TYPES[f".{fmt}"]


def check_upload(filename: str, data: bytes) -> str:
    """The upload's suffix after checking its type and size (one clear problem otherwise)."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise QbdInputError("unsupported file type", file=filename or None, column="file",
                            expected="a run sheet: .csv or .xlsx", found=suffix or "(none)")
    if not data:
        raise QbdInputError("the file is empty", file=filename, column="file",
                            expected="the filled run sheet")
    if len(data) > MAX_UPLOAD_BYTES:
        raise QbdInputError("the file is too large", file=filename, column="file",
                            expected=f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
                            found=f"{len(data) / (1024 * 1024):.1f} MB")
    if suffix == ".xlsx" and not data.startswith(_ZIP_MAGIC):
        raise QbdInputError("not an Excel workbook", file=filename, column="file",
                            expected="an .xlsx file (Office Open XML)", found="other content")
    if suffix == ".csv" and (data.startswith(_ZIP_MAGIC) or b"\x00" in data[:4096]):
        raise QbdInputError("not a text CSV file", file=filename, column="file",
                            expected="comma-separated text (UTF-8 or GB18030)",
                            found="binary content")
    return suffix


def _write_upload(folder: Path, design: Any, filename: str, data: bytes) -> tuple[Path, Path]:
    """The uploaded sheet and the design's factor definitions written to ``folder``."""
    from qbdkit.core.doe.design.runsheet import write_sidecar

    safe = Path(filename).name.replace("/", "_").replace("\\", "_") or "results.csv"
    sheet = folder / safe
    sheet.write_bytes(data)
    side = folder / (sheet.stem + ".factors.yaml")
    write_sidecar(design, side, _responses(design), run_sheet=sheet.name)
    return sheet, side


def analyse_upload(project: str, design_name: str, filename: str, data: bytes, ctx: Context,
                   *, name: str | None = None, model: str = "quadratic",
                   reason: str = "") -> Any:
    """Analyse an uploaded results sheet of design ``design_name`` with the design's factor
    definitions; stored as ``doe.analysis/name`` (default: the design's name). Returns
    :class:`~qbdkit.services.records.Stored`."""
    from qbdkit.services.doe import AnalysisRequest
    from qbdkit.services.records import run_and_store

    check_upload(filename, data)
    design = stored_design(project, design_name, ctx)
    with tempfile.TemporaryDirectory(prefix="qbdkit-upload-") as tmp:
        sheet, side = _write_upload(Path(tmp), design, filename, data)
        responses: list[str] = []
        if not design.responses:  # a design made without responses: the sheet's other columns
            from qbdkit.io import read_table

            taken = {f["name"] for f in design.factors} | {"run", "std_order", "block"}
            responses = [c for c in read_table(sheet).columns if c not in taken]
        req = AnalysisRequest(file=sheet, factors_file=side, model=model, responses=responses)
        _result, stored = run_and_store("doe.analysis", req, ctx, project=project,
                                        name=name or design_name,
                                        reason=reason or f"results of design {design_name}")
    return stored


def analysis_specs(project: str, name: str, ctx: Context) -> list[str]:
    """The specifications the design space would use by default for analysis ``name``: those
    of its run sheet's response definitions (the project's acceptance criteria) for the
    responses the analysis fitted."""
    from qbdkit.core.doe.analysis.space import parse_spec
    from qbdkit.services.doe import _load, _spec_texts
    from qbdkit.services.records import stored_request

    with stored_request(project, "doe.analysis", name, ctx=ctx) as (record, req):
        fitted = {r["name"] for r in (record["content"].get("result") or {}).get("responses")
                  or []}
        try:
            texts = _spec_texts(_load(req.file, req.factors_file), [])[0]
        except QbdInputError:
            return []
    return [s for s in texts if parse_spec(s, None).response in fitted]


def submit_design_space(project: str, analysis_name: str, ctx: Context, *,
                        specs: list[str] | None = None, name: str | None = None,
                        draws: int = 2000, grid: int = 21, min_probability: float = 0.9,
                        seed: int = 0, control_sd: dict[str, float] | None = None,
                        nor_k: float = 3.0, reason: str = "") -> str:
    """Start the design-space Monte Carlo of analysis ``analysis_name`` as a background job
    (:func:`qbdkit.services.jobs.submit`), its inputs those stored with the analysis and the
    set points from the project; returns the job id. ``control_sd``: the control capability
    σ per factor, from which the NOR (set point ± ``nor_k``·σ) is proposed."""
    from qbdkit.services import jobs
    from qbdkit.services.doe import DesignSpaceRequest, project_setpoints
    from qbdkit.services.records import stored_request

    for field, value, low, high in (("draws", draws, 100, MAX_DRAWS), ("grid", grid, 2, MAX_GRID)):
        if not low <= value <= high:
            raise QbdInputError(f"{field} out of range", column=field,
                                expected=f"{low}–{high} (a shared server; larger runs: "
                                         "qbdkit doe design-space on the command line)",
                                found=value)
    if not 0 < min_probability < 1:
        raise QbdInputError("minimum probability out of range", column="min_probability",
                            expected="0 < R < 1", found=min_probability)
    folder = Path(tempfile.mkdtemp(prefix="qbdkit-job-"))
    try:
        with stored_request(project, "doe.analysis", analysis_name, ctx=ctx) as (_rec, areq):
            files = {}
            for field in ("file", "factors_file"):
                src = getattr(areq, field)
                if src is not None:
                    target = folder / field / Path(src).name
                    target.parent.mkdir()
                    shutil.copyfile(src, target)
                    files[field] = target
        req = DesignSpaceRequest(file=files["file"], factors_file=files.get("factors_file"),
                                 specs=list(specs or []), model=areq.model, draws=draws,
                                 grid=grid, min_probability=min_probability, seed=seed,
                                 responses=list(areq.responses),
                                 control_sd=dict(control_sd or {}), nor_k=nor_k)
        req, _notes = project_setpoints(req, project, url=ctx.url)
        return jobs.submit("doe.design_space", req, ctx, project, name or analysis_name,
                           reason=reason or f"design space of analysis {analysis_name}",
                           cleanup=lambda: shutil.rmtree(folder, ignore_errors=True))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def doe_records(project: str, ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The project's DoE records by kind (newest version of each)."""
    from qbdkit.services.records import list_records

    rows = list_records(project, user=ctx.user, url=ctx.url).records
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "doe.design", "doe.analysis", "doe.design_space", "doe.optimize", "doe.reassess")}
    for r in rows:
        if r["kind"] in out:
            out[r["kind"]].append(r)
    return out


def optimize_goals(project: str, name: str, ctx: Context) -> list[str]:
    """The desirability goals the profiler of analysis ``name`` starts from: those of a
    ``doe.optimize`` record of the same name, else of one made from the same run sheet (same
    SHA-256 of its ``file`` input); none otherwise."""
    from qbdkit.services.records import get_record, latest_record, list_records

    def goals(rec: dict | None) -> list[str]:
        return list((((rec or {}).get("content") or {}).get("request") or {}).get("goals")
                    or [])

    same = latest_record(project, "doe.optimize", name, url=ctx.url)
    if same is not None:
        return goals(same)
    analysis = get_record(project, "doe.analysis", name, user=ctx.user, url=ctx.url)
    sha = ((analysis["content"].get("inputs") or {}).get("file") or {}).get("sha256")
    if not sha:
        return []
    for row in list_records(project, kind="doe.optimize", url=ctx.url).records:
        rec = latest_record(project, "doe.optimize", row["key"], url=ctx.url)
        if ((rec["content"].get("inputs") or {}).get("file") or {}).get("sha256") == sha:
            return goals(rec)
    return []
