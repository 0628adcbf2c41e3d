"""`qbdkit ops …` commands: working-day due dates, service KPIs, cleaning limits,
containment band, project timelines (:mod:`qbdkit.services.operations`).

``qbdkit ops due START --working-days N [--calendar FILE] [--json]`` → ``{"due": …}``;
``qbdkit ops kpi REQUESTS.csv [--period month|quarter|year] [--as-of DATE]
[--target on_time_rate=0.9 …] [--out report.html]``;
``qbdkit ops maco --pde MG_PER_DAY --next-batch-size N --next-max-daily-dose N
--shared-area CM2 [--next-batch-kg KG] [--swab-area 25] [--recovery 0.8] …``;
``qbdkit ops containment --oel UG_M3 [--scheme oeb|niosh] [--cytotoxic]``;
``qbdkit ops timeline --start DATE [--template pcpv-17|pc-standard-7|pc-fast-4 | --file F]``.

Operational documents (a YAML/JSON file with the document's fields; options override):
``qbdkit ops request [FILE] [--id … --client … --mode … --scope … --received …] [--as-of DATE]``,
``qbdkit ops deviation FILE [--control-strategy CSV]``, ``qbdkit ops donor FILE [--screening
CSV]``, ``qbdkit ops chain FILE [--transport-log CSV]``, ``qbdkit ops shipment FILE [--logger
CSV]``, ``qbdkit ops release FILE [--tests CSV]``; and ``qbdkit ops handover --project P
--chain NAME --step STEP --scan FIELD=VALUE …`` (a refused hand-over is recorded in the audit
trail and exits 2).

Every command takes ``--project P --as NAME [--reason TEXT]`` to store its result as a record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from qbdkit.cli._store import run_or_store, write_page
from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.errors import Problem, QbdInputError

app = typer.Typer(no_args_is_help=True)

CALENDAR_OPTION = typer.Option(
    None, "--calendar", help="Extra holidays / adjusted working days (CSV/XLSX: date,type; YAML).")
OUT_OPTION = typer.Option(None, "--out", help="Write an HTML page (.html).")
LANG_OPTION = typer.Option("en", "--lang", help="Language of the HTML page: en or zh.")


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise QbdInputError("not a date", column=option, expected="YYYY-MM-DD",
                            found=text) from None


def _build(cls: type, options: dict[str, str], **values: Any) -> Any:
    """``cls(**values)``; pydantic errors become one QbdInputError naming the option."""
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            problems.append(Problem(err["msg"], column=options.get(name, name),
                                    found=err.get("input")))
        raise QbdInputError(problems=problems) from None


def _write_html(out: Path | None, title: str, body: Any, lang: str) -> None:
    """Write ``body()`` (an HTML fragment, rendered only when ``out`` is given) as a page."""
    if out is None:
        return
    if out.suffix.lower() not in (".html", ".htm"):
        raise QbdInputError("unsupported output file type", file=str(out), column="--out",
                            expected=".html", found=out.suffix or "(none)")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise QbdInputError("output folder does not exist", file=str(out), column="--out")
    from qbdkit.report.html import page, section
    from qbdkit.report.operations import _t

    out.write_text(page(_t(title, lang), [section(_t(title, lang), body())], lang=lang),
                   encoding="utf-8")
    info(f"wrote {out}")


@app.command()
def due(
    start: str = typer.Argument(..., help="Start date YYYY-MM-DD (not counted)."),
    working_days: int = typer.Option(..., "--working-days", "-n", help="Working days to add."),
    calendar: Path = CALENDAR_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The Nth working day after START in the Chinese calendar (holidays, adjusted weekends)."""
    from qbdkit.services.operations import DueRequest

    req = _build(DueRequest, {"start": "START", "working_days": "--working-days",
                              "calendar": "--calendar"},
                 start=_date(start, "START"), working_days=working_days, calendar=calendar)
    emit(run_or_store("operations.due", req, project, name, reason), as_json)


def _targets(values: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in values or []:
        name, sep, value = text.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
        except ValueError:
            raise QbdInputError("bad target", column="--target",
                                expected="KPI=VALUE, e.g. on_time_rate=0.9 or on_time_rate=90%",
                                found=text) from None
    return out


@app.command()
def kpi(
    requests: Path = typer.Argument(..., help="Service requests (CSV/XLSX), one row each."),
    period: str = typer.Option("month", "--period", help="month | quarter | year"),
    as_of: str = typer.Option(None, "--as-of", help="Date for overdue flags (default today)."),
    target: list[str] = typer.Option(None, "--target", help="KPI target, e.g. on_time_rate=0.9."),
    year: int = typer.Option(None, "--year", help="Year of the evaluation (default latest)."),
    evaluation: Path = typer.Option(None, "--evaluation", help="Yearly evaluation (YAML): "
                                    "actions (kpi, description, owner, due), management_review, "
                                    "reviewed_by, external_evaluation."),
    calendar: Path = CALENDAR_OPTION,
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """KPIs of service requests per month / quarter / year (seed 001), with overdue flags."""
    from qbdkit.report.operations import kpi_dashboard
    from qbdkit.services.operations import KpiRequest

    req = _build(KpiRequest, {"period": "--period", "as_of": "--as-of", "year": "--year"},
                 requests=requests, period=period,
                 as_of=_date(as_of, "--as-of") or dt.date.today(),  # stored, so a re-run agrees
                 targets=_targets(target), year=year, calendar=calendar,
                 **_evaluation(evaluation))
    result = run_or_store("operations.kpi", req, project, name, reason)
    _write_html(out, "Service KPIs", lambda: kpi_dashboard(result, lang), lang)
    emit(result, as_json)


def _evaluation(path: Path | None) -> dict[str, Any]:
    """The yearly-evaluation fields of a KPI request from a YAML file."""
    if path is None:
        return {}
    from qbdkit.services.documents import read_document

    data = read_document(path)
    allowed = {"actions", "management_review", "reviewed_by", "external_evaluation"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise QbdInputError("unknown field", file=str(path), column=unknown[0],
                            expected=" | ".join(sorted(allowed)), found=unknown[0])
    return data


@app.command()
def maco(
    pde: float = typer.Option(None, "--pde", help="PDE/HBEL of the residue, mg/day."),
    therapeutic_dose: float = typer.Option(None, "--therapeutic-dose",
                                           help="Smallest daily therapeutic dose, mg/day."),
    safety_factor: float = typer.Option(1000.0, "--safety-factor"),
    ld50: float = typer.Option(None, "--ld50", help="LD50, mg/kg."),
    next_batch_size: float = typer.Option(..., "--next-batch-size",
                                          help="Smallest batch of the next product (mg, mL "
                                               "or units — same unit as the daily dose)."),
    next_max_daily_dose: float = typer.Option(..., "--next-max-daily-dose"),
    next_batch_kg: float = typer.Option(None, "--next-batch-kg",
                                        help="Next batch in kg (for the ppm criterion)."),
    ppm: float = typer.Option(10.0, "--ppm"),
    shared_area: float = typer.Option(None, "--shared-area", help="Shared surface, cm²."),
    equipment: Path = typer.Option(None, "--equipment", help="Shared equipment train (CSV/XLSX: "
                                                             "item, area_cm2) instead of --shared-area."),
    swab_area: float = typer.Option(25.0, "--swab-area", help="Swab area, cm²."),
    recovery: float = typer.Option(1.0, "--recovery", help="Swab recovery, 0–1."),
    extraction_volume: float = typer.Option(None, "--extraction-volume", help="mL."),
    visual_limit: float = typer.Option(None, "--visual-limit", help="µg/cm²."),
    residue: str = typer.Option("", "--residue", help="Name of the residue (payload, protein)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Cleaning-validation limits (MACO, surface and swab limits) of one residue."""
    from qbdkit.report.operations import maco_table
    from qbdkit.services.operations import MacoRequest

    options = {"pde_mg_per_day": "--pde", "next_batch_size": "--next-batch-size",
               "shared_area_cm2": "--shared-area", "swab_area_cm2": "--swab-area"}
    req = _build(MacoRequest, options, residue=residue, pde_mg_per_day=pde,
                 therapeutic_dose_mg_per_day=therapeutic_dose, safety_factor=safety_factor,
                 ld50_mg_per_kg=ld50, next_batch_size=next_batch_size,
                 next_max_daily_dose=next_max_daily_dose, next_batch_kg=next_batch_kg, ppm=ppm,
                 shared_area_cm2=shared_area, equipment=equipment, swab_area_cm2=swab_area,
                 recovery=recovery,
                 extraction_volume_ml=extraction_volume, visual_limit_ug_cm2=visual_limit)
    try:
        result = run_or_store("operations.maco", req, project, name, reason)
    except QbdInputError as exc:
        names = {"pde": "--pde", **{k: v for k, v in options.items()}}
        raise QbdInputError(problems=[Problem(p.message, p.file, p.row,
                                              names.get(p.column or "", p.column), p.expected,
                                              p.found) for p in exc.problems]) from None
    _write_html(out, "Cleaning limits (MACO)", lambda: maco_table(result, lang), lang)
    emit(result, as_json)


@app.command()
def containment(
    oel: float = typer.Option(..., "--oel", help="Occupational exposure limit, µg/m³."),
    scheme: str = typer.Option("oeb", "--scheme", help="oeb (typical 6 bands) | niosh"),
    cytotoxic: bool = typer.Option(False, "--cytotoxic", help="Add seed 002 §2 measures."),
    bands: Path = typer.Option(None, "--bands", help="Your banding scheme (CSV/XLSX: band, low, high µg/m³)."),
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Containment band of a compound from its OEL."""
    from qbdkit.services.operations import ContainmentRequest

    req = _build(ContainmentRequest, {"oel_ug_m3": "--oel", "scheme": "--scheme"},
                 oel_ug_m3=oel, scheme=scheme, cytotoxic=cytotoxic, bands=bands)
    emit(run_or_store("operations.containment", req, project, name, reason), as_json)


@app.command()
def timeline(
    start: str = typer.Option(..., "--start", help="Project start date YYYY-MM-DD."),
    template: str = typer.Option("pcpv-17", "--template",
                                 help="pcpv-17 | pc-standard-7 | pc-fast-4"),
    file: Path = typer.Option(None, "--file", help="A timeline YAML instead of a template."),
    calendar: Path = CALENDAR_OPTION,
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A plan scheduled in Chinese working days from START (Gantt chart with --out)."""
    from qbdkit.report.operations import gantt
    from qbdkit.services.operations import TimelineRequest

    req = _build(TimelineRequest, {"start": "--start", "template": "--template"},
                 start=_date(start, "--start"), template=None if file is not None else template,
                 file=file, calendar=calendar)
    result = run_or_store("operations.timeline", req, project, name, reason)
    _write_html(out, "Project timeline", lambda: gantt(result, lang), lang)
    emit(result, as_json)


# ---- operational documents ---------------------------------------------------------------------

DOC_ARG = typer.Argument(None, help="The document (YAML/JSON) with its fields.")


def _document(kind: str, file: Path | None, project: str | None, name: str | None, reason: str,
              out: Path | None, lang: str, as_json: bool, **overrides: Any) -> None:
    """Load the document, run (and store) it, write the page, print the result."""
    from qbdkit.services.operations_records import load_document, store_chain

    req = load_document(kind, file, **overrides)
    if kind == "operations.chain" and project is not None and name is not None:
        from qbdkit.cli.common import context

        result, stored = store_chain(req, context(), project=project, name=name, reason=reason)
        info(stored.summary())
    else:
        result = run_or_store(kind, req, project, name, reason)
    write_page(out, kind, result, lang, "" if file is None else str(file))
    emit(result, as_json)


@app.command("request")
def request_cmd(
    file: Path = DOC_ARG,
    request_id: str = typer.Option(None, "--id", help="Request number."),
    client: str = typer.Option(None, "--client", help="Client (required)."),
    mode: str = typer.Option(None, "--mode", help="commissioned | co-development (委托 | 合作开发)."),
    scope: list[str] = typer.Option(None, "--scope", help="pilot-verification | scale-up | "
                                                          "pilot-production | testing | consulting."),
    received: str = typer.Option(None, "--received", help="Date received YYYY-MM-DD."),
    as_of: str = typer.Option(None, "--as-of", help="Date for overdue flags (default today)."),
    calendar: Path = CALENDAR_OPTION,
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A service request (seed 001): stage deadlines in working days, overdue flags."""
    _document("operations.request", file, project, name, reason, out, lang, as_json,
              id=request_id, client=client, cooperation_mode=mode, scope=scope or None,
              received=_date(received, "--received"),
              as_of=_as_of(file, as_of), calendar=calendar)


def _has(file: Path, key: str) -> bool:
    """Whether the document file sets ``key`` (so a default does not override it)."""
    import yaml

    from qbdkit.io.tables import read_text

    try:
        data = yaml.safe_load(read_text(file)[0])
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and data.get(key) is not None


def _as_of(file: Path | None, as_of: str | None) -> dt.date | None:
    given = _date(as_of, "--as-of")
    if given is not None or (file is not None and _has(file, "as_of")):
        return given
    return dt.date.today()  # stored in the record, so a re-run agrees


@app.command("deviation")
def deviation_cmd(
    file: Path = DOC_ARG,
    control_strategy: Path = typer.Option(None, "--control-strategy",
                                          help="Parameter classes and CQA links (CSV/XLSX)."),
    as_of: str = typer.Option(None, "--as-of", help="Date for CAPA status (default today)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A deviation with CAPA: impact on CQAs through the control strategy, closure blockers."""
    _document("operations.deviation", file, project, name, reason, out, lang, as_json,
              control_strategy=control_strategy, as_of=_as_of(file, as_of))


@app.command("donor")
def donor_cmd(
    file: Path = DOC_ARG,
    screening: Path = typer.Option(None, "--screening", help="Screening results (CSV/XLSX: "
                                                             "marker, result)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A donor with screening results and eligibility (seed 004)."""
    _document("operations.donor", file, project, name, reason, out, lang, as_json,
              screening_report=screening)


@app.command("chain")
def chain_cmd(
    file: Path = DOC_ARG,
    transport_log: Path = typer.Option(None, "--transport-log",
                                       help="Temperature log of the transport (CSV/XLSX)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A chain of identity donor → collection → batch → product → patient, its hand-overs."""
    _document("operations.chain", file, project, name, reason, out, lang, as_json,
              transport_log=transport_log)


def _scans(values: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for text in values or []:
        field_name, sep, value = text.partition("=")
        if not sep or not field_name.strip() or not value.strip():
            raise QbdInputError("bad scan", column="--scan",
                                expected="FIELD=VALUE, e.g. product_id=B-0117-01", found=text)
        out.append((field_name.strip(), value.strip()))
    if not out:
        raise QbdInputError("no identifier scanned", column="--scan",
                            expected="one --scan FIELD=VALUE per identifier")
    return out


@app.command("handover")
def handover_cmd(
    project: str = typer.Option(..., "--project", "-p", help="Project of the chain record."),
    chain: str = typer.Option(..., "--chain", help="Name of the chain-of-identity record."),
    step: str = typer.Option(..., "--step", help="collection | receipt | manufacture | fill | "
                                                 "release | shipment | administration"),
    scan: list[str] = typer.Option(None, "--scan", help="FIELD=VALUE as scanned (repeatable)."),
    at: str = typer.Option(None, "--at", help="When (YYYY-MM-DDTHH:MM; default now, UTC)."),
    note: str = typer.Option("", "--note", help="Note kept with the hand-over."),
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record one hand-over of a chain of identity: accepted → the chain's next version;
    refused (mismatch, identifier scanned twice, out of order) → audited, exit 2."""
    from qbdkit.cli.common import context
    from qbdkit.services.operations_records import record_handover

    when = None
    if at is not None:
        try:
            when = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            raise QbdInputError("not a date and time", column="--at",
                                expected="YYYY-MM-DDTHH:MM", found=at) from None
    result, stored = record_handover(project, chain, step, _scans(scan), ctx=context(), at=when,
                                     note=note, reason=reason)
    info(stored.summary())
    emit(result, as_json)


@app.command("shipment")
def shipment_cmd(
    file: Path = DOC_ARG,
    logger: Path = typer.Option(None, "--logger", help="Temperature logger export (CSV/XLSX)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A shipment between sites: temperature record and receipt acceptance (seed 002)."""
    _document("operations.shipment", file, project, name, reason, out, lang, as_json,
              logger_file=logger)


@app.command("release")
def release_cmd(
    file: Path = DOC_ARG,
    tests: Path = typer.Option(None, "--tests", help="Release results (CSV/XLSX: test, status)."),
    out: Path = OUT_OPTION,
    lang: str = LANG_OPTION,
    project: str = PROJECT_OPTION,
    name: str = AS_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """A cell-therapy batch release (before all results) and late-result follow-up (seed 004)."""
    _document("operations.release", file, project, name, reason, out, lang, as_json,
              tests_file=tests)
