"""`qbdkit risk …` commands: ap, fmea, ce, cqa, classify, study, isf, template, history, scales.

Thin: parse the options into the request of the use case (:mod:`qbdkit.services.risk`), run
it — and, with ``--project P --as NAME [--reason TEXT]``, store it as a record of kind
``risk.<assessment>`` — then print the result (``--json``: JSON only). Every input problem is
a ``QbdInputError`` (exit 2) raised before anything is written or stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qbdkit.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    PROJECT_OPTION,
    REASON_OPTION,
    context,
    emit,
    info,
)
from qbdkit.cli.storing import HEADER_ROW_OPTION, SHEET_OPTION, run_kind
from qbdkit.errors import QbdInputError

app = typer.Typer(no_args_is_help=True)


def _scale_file_option(other: str | None) -> Any:
    also = f"; overrides {other}" if other else ""
    return typer.Option(None, "--scale-file",
                        help=f"Your SOP's scale (YAML; see `qbdkit risk scales`){also}.")


def _check_out(out: Path | None, suffixes: tuple[str, ...]) -> None:
    if out is None:
        return
    if out.suffix.lower() not in suffixes:
        raise QbdInputError("unsupported output file type", file=str(out), column="--out",
                            expected=" or ".join(suffixes), found=out.suffix or "(none)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise QbdInputError("output folder does not exist", file=str(out), column="--out",
                            expected="an existing folder", found=str(parent))


def _assess(assessment: str, req: Any, *, project: str | None, name: str | None,
            reason: str | None) -> Any:
    """Run (and store) one assessment; with a project, its scale setting applies when the
    command names no scale (``qbdkit risk scales --project P --use FILE``). The record name
    is ``--as NAME``, by default the worksheet's file name without suffix (as before)."""
    from qbdkit.services.risk import record_kind, with_project_scale

    if project is not None and name is None:
        name = Path(req.file).stem
    if project is not None and name is not None:
        req, setting = with_project_scale(req, project)
        if setting is not None:
            info(f"using project {project}'s {assessment} scale {setting.id} "
                 f"(version {setting.version})")
    return run_kind(record_kind(assessment), req, project=project, name=name, reason=reason)


@app.command("ap")
def ap(
    severity: int = typer.Option(..., "--severity", "-s", help="Severity S (1–10)."),
    occurrence: int = typer.Option(..., "--occurrence", "-o", help="Occurrence O (1–10)."),
    detection: int = typer.Option(..., "--detection", "-d", help="Detection D (1–10)."),
    scale: str = typer.Option(None, "--scale", help="FMEA scale id (default aiag-vda)."),
    scale_file: Path = _scale_file_option("--scale"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Action priority (AIAG-VDA 2019) of one S/O/D triple: prints H, M or L."""
    from qbdkit.core.risk import assess

    chosen = str(scale_file) if scale_file is not None else (scale or "aiag-vda")
    emit(assess(severity, occurrence, detection, scale=chosen), as_json)


@app.command("fmea")
def fmea_cmd(
    file: Path = typer.Argument(..., help="FMEA worksheet (CSV or XLSX; English or Chinese headers)."),
    scale: str = typer.Option(None, "--scale",
                              help="aiag-vda (default) | classic | amab-dp | control-strategy"),
    scale_file: Path = _scale_file_option("--scale"),
    out: Path = typer.Option(None, "--out", help="Write the ranked worksheet (.xlsx or .csv)."),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Score an FMEA: RPN = S×O×D, action priority, rank (AP then RPN)."""
    from qbdkit.services.risk import FmeaRequest

    _check_out(out, (".xlsx", ".csv"))
    result = _assess("fmea", FmeaRequest(file=file, scale=scale, scale_file=scale_file,
                                         sheet=sheet, header_row=header_row),
                     project=project, name=name, reason=reason)
    if out is not None:
        from qbdkit.report.risk import write_ranked

        write_ranked(result, out)
        info(f"wrote {out}")
    emit(result, as_json)


@app.command("ce")
def ce_cmd(
    file: Path = typer.Argument(..., help="C&E matrix: first column input, one column per output, "
                                "a row named weight (权重)."),
    scale: str = typer.Option(None, "--scale", help="0-1-3-9 (default) | 1-5-7-10"),
    scale_file: Path = _scale_file_option("--scale"),
    threshold: float = typer.Option(None, "--threshold",
                                    help="Select inputs scoring above T (default: the scale's; "
                                    "0-1-3-9: first 80 % of the total, Pareto)."),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Cause-and-effect matrix: score = Σ weight × correlation, rank, Pareto %, potential CPPs."""
    from qbdkit.services.risk import CeRequest

    emit(_assess("ce", CeRequest(file=file, scale=scale, scale_file=scale_file,
                                 threshold=threshold, sheet=sheet, header_row=header_row),
                 project=project, name=name, reason=reason), as_json)


@app.command("cqa")
def cqa_cmd(
    file: Path = typer.Argument(..., help="Quality attributes: name, impact, uncertainty "
                                "(tool 1) or name, severity, likelihood (tool 2)."),
    tool: str = typer.Option(None, "--tool", help="amab-1 (default) | amab-2"),
    scale_file: Path = _scale_file_option("--tool"),
    threshold: float = typer.Option(None, "--threshold",
                                    help="CQA when score >= T (default: the scale's; amab-1: 36)."),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """CQA assessment: score, criticality level, CQA yes/no."""
    from qbdkit.services.risk import CqaRequest

    emit(_assess("cqa", CqaRequest(file=file, tool=tool, scale_file=scale_file,
                                   threshold=threshold, sheet=sheet, header_row=header_row),
                 project=project, name=name, reason=reason), as_json)


@app.command("classify")
def classify_cmd(
    file: Path = typer.Argument(..., help="Parameters: name, affects_cqa, cqa_risk, "
                                "affects_performance, performance_risk, evidence."),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Parameter classes CPP / WC-CPP / KPP / GPP (seed 000 fig. 6) with rationale."""
    from qbdkit.services.risk import ClassifyRequest

    emit(_assess("classify", ClassifyRequest(file=file, sheet=sheet, header_row=header_row),
                 project=project, name=name, reason=reason), as_json)


@app.command("study")
def study_cmd(
    file: Path = typer.Argument(..., help="Parameters: name, main_effect, interaction (1/4/8 or "
                                "'no data')."),
    scale_file: Path = _scale_file_option(None),
    sheet: str = SHEET_OPTION,
    header_row: str = HEADER_ROW_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Characterization-study plan (A-Mab): severity = main effect × interaction."""
    from qbdkit.services.risk import StudyRequest

    emit(_assess("study", StudyRequest(file=file, scale_file=scale_file, sheet=sheet,
                                       header_row=header_row),
                 project=project, name=name, reason=reason), as_json)


@app.command("isf")
def isf_cmd(
    toxic_dose: float = typer.Option(..., "--toxic-dose",
                                     help="LD50 or NOAEL (same unit as the impurity, e.g. mg/kg)."),
    impurity: float = typer.Option(..., "--impurity-per-dose",
                                   help="Maximum impurity amount per dose (no clearance assumed)."),
    threshold: float = typer.Option(None, "--threshold", help="Minimal risk when ISF >= T "
                                    "(default 1000, A-Mab tool 3)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Impurity safety factor (A-Mab tool 3): ISF = LD50 (or NOAEL) ÷ impurity per dose."""
    from qbdkit.core.risk import impurity_safety_factor

    emit(impurity_safety_factor(toxic_dose, impurity, threshold=threshold), as_json)


@app.command("template")
def template_cmd(
    kind: str = typer.Argument(..., help="fmea | ce | cqa | cqa-2 | classify | study"),
    out: Path = typer.Option(None, "--out", help="Write here (.csv or .xlsx); default: CSV on stdout."),
    lang: str = typer.Option("en", "--lang", help="Header language: en | zh."),
) -> None:
    """Write an input template (headers and example rows)."""
    from qbdkit.core.risk.templates import template
    from qbdkit.io import sheets

    frame = template(kind, lang)
    if out is None:
        typer.echo(sheets.to_csv(frame), nl=False)
        return
    _check_out(out, (".csv", ".xlsx"))

    def write(tmp: Path) -> None:
        if out.suffix.lower() == ".xlsx":
            sheets.write_xlsx(tmp, {kind: frame})
        else:
            sheets.to_csv(frame, tmp, encoding="utf-8-sig")

    from qbdkit.report.risk import write_atomic

    write_atomic(out, write)
    info(f"wrote {out}")


@app.command("history")
def history_cmd(
    project: str = typer.Argument(..., help="Project name in the store."),
    assessment: str = typer.Option(None, "--kind", help="fmea | cqa | ce | classify | study"),
    key: str = typer.Option(None, "--as", "--key", help="Only the record of this name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Stored risk-assessment versions with rating changes: who, when, why."""
    from qbdkit.services.risk import risk_history

    emit(risk_history(project, assessment=assessment, key=key), as_json)


@app.command("scales")
def scales_cmd(
    project: str = typer.Option(None, "--project",
                                help="With --use: set this project's scale for the file's kind."),
    use: Path = typer.Option(None, "--use", help="Your SOP's scale file (YAML) to use in --project."),
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the shipped scales (ids for --scale / --tool), or set a project's scale (--use)."""
    from qbdkit.core.result import format_table
    from qbdkit.scales import builtin_scale_ids, load_scale

    if use is not None or project is not None:
        if use is None or project is None:
            raise QbdInputError("--project and --use go together", column="--use" if use is None
                                else "--project", expected="both --project P and --use FILE")
        from qbdkit.services.risk import set_project_scale

        kind, version = set_project_scale(project, str(use), user=context().user,
                                          reason=reason or "")
        result = {"project": project, "kind": kind, "version": version,
                  "scale": load_scale(str(use)).id}
        if as_json:
            emit(result, True)
        else:
            typer.echo(f"project {project}: {kind} scale is now {result['scale']} "
                       f"(setting version {version})")
        return

    items = []
    for sid in builtin_scale_ids():
        s = load_scale(sid)
        items.append({"id": s.id, "kind": s.kind, "title_en": s.title_en, "title_zh": s.title_zh,
                      "version": s.version, "source": s.source, "path": s.path,
                      "dimensions": {k: d.scores for k, d in s.dimensions.items()}})
    if as_json:
        emit({"scales": items}, True)
    else:
        typer.echo(format_table(["id", "kind", "title"],
                                [[i["id"], i["kind"], i["title_en"]] for i in items]))
