"""The report of a stored project: ``qbdkit report P [--lang] [--format] [--version N]``.

:func:`collect` reads everything the report shows from the store, with the reader's right
checked (``read``): the project document of one version (default the newest), the newest
version of each record made from it (in the order of the QbD flow,
:data:`qbdkit.services.kinds.STAGES`), each record's inputs and signatures, every signature
checked against its record's content (:func:`qbdkit.services.signatures.verify_signatures`),
the project's version history and the audit trail's verification. That is a plain
:class:`ReportData` (no database objects), so rendering needs no store.

:func:`project_report` renders it (:mod:`qbdkit.report.project`) as HTML, PDF (WeasyPrint)
or DOCX (python-docx) and returns the bytes with what they contain
(:class:`ReportDocument`). The rendering lives in ``report/`` (above this layer) and is
imported when called, so the CLI, the web and the demo all reach the report through this one
service.

Which records: with ``version`` N (an older project version), each record's newest version
whose ``project_version`` is ≤ N (records stored while version N or an earlier one was the
project's current version); without it, the newest version of every record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from qbdkit.core.result import Result, format_table
from qbdkit.services.base import Context, Request

FORMATS = ("html", "pdf", "docx")


class ReportRequest(Request):
    """What to report: a project of the store, in which language and format."""

    project: str
    lang: Literal["en", "zh"] = "en"
    format: Literal["html", "pdf", "docx"] = "html"
    version: int | None = None


@dataclass(frozen=True)
class ReportData(Result):
    """Everything a project report shows, read from the store (plain values only).

    * ``project`` — ``{"name", "version", "sha256", "user", "at", "reason", "latest"}``;
      ``document`` — the project model's JSON dump of that version.
    * ``records`` — record dicts as :func:`qbdkit.services.records.get_record` gives them
      (``kind, key, version, content, sha256, user, at, reason, project_version, state,
      signatures, inputs``) plus ``stage`` and ``title`` (``{"en", "zh"}``), in flow order.
    * ``signatures`` — every signature of those record versions with ``valid`` (its content
      hash still matches the record's content).
    * ``history`` — the project's versions (``version, sha256, user, at, reason``).
    * ``audit`` — ``{"intact", "summary", "entries"}``: the trail's verification and the
      project's newest entries (``entries`` total, ``recent`` the last 30).
    """

    project: dict[str, Any]
    document: dict[str, Any]
    records: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    history: list[dict[str, Any]]
    audit: dict[str, Any]
    generated_at: str
    generated_by: str
    qbdkit_version: str
    store_mode: str = ""

    def summary(self) -> str:
        p = self.project
        return (f"project {p['name']} v{p['version']}: {len(self.records)} record(s), "
                f"{len(self.signatures)} signature(s)")


@dataclass(frozen=True)
class ReportDocument(Result):
    """A rendered report: ``content`` holds the bytes (not part of :meth:`to_dict`)."""

    project: str
    project_version: int
    lang: str
    format: str
    sha256: str
    size: int
    sections: list[str]
    records: list[dict[str, Any]]
    tables: int
    figures: int
    signatures: int
    content: bytes = field(default=b"", repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.pop("content", None)
        return d

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.content)
        return path

    def summary(self) -> str:
        head = (f"report of project {self.project} v{self.project_version} ({self.lang}, "
                f"{self.format}, {self.size} bytes, sha256 {self.sha256}): "
                f"{len(self.sections)} sections, {self.tables} tables, {self.figures} figures, "
                f"{self.signatures} signatures")
        rows = [[r["kind"], r["key"], r["version"], r["state"], r["sha256"][:16] + "…"]
                for r in self.records]
        if not rows:
            return head + "\nno records"
        return head + "\n" + format_table(["kind", "name", "version", "state", "sha256"], rows)


def stage_of(kind_name: str) -> str:
    """The QbD stage of a record kind: its registered ``Kind.stage``, else the kind's prefix
    when that is a stage (``risk.fmea`` → ``risk``), else ``other``."""
    from qbdkit.services.kinds import _KINDS, STAGES

    k = _KINDS.get(kind_name)
    if k is not None:
        return k.stage
    prefix = kind_name.split(".", 1)[0]
    aliases = {"design_space": "design-space", "control_strategy": "control-strategy"}
    prefix = aliases.get(prefix, prefix)
    return prefix if prefix in STAGES else "other"


def _title(kind_name: str) -> dict[str, str] | None:
    """``{"en", "zh"}`` title of a registered kind (None: the report names it)."""
    from qbdkit.services.kinds import _KINDS

    k = _KINDS.get(kind_name)
    if k is not None and k.title:
        return {"en": k.display("en"), "zh": k.display("zh")}
    return None


def _wanted_versions(session, project_id: int, upto: int | None) -> list[tuple[str, str, int]]:
    """``(kind, key, version)`` of the record versions the report shows."""
    from qbdkit.store.schema import Record

    rows = session.execute(select(Record.kind, Record.key, Record.version,
                                  Record.project_version)
                           .where(Record.project_id == project_id)).all()
    best: dict[tuple[str, str], int] = {}
    for kind, key, version, pv in rows:
        if upto is not None and pv is not None and pv > upto:
            continue
        if version > best.get((kind, key), 0):
            best[(kind, key)] = version
    return [(k, key, v) for (k, key), v in best.items()]


def collect(req: ReportRequest, ctx: Context | None = None) -> ReportData:
    """Read what the report of ``req.project`` shows (see the module docstring)."""
    from qbdkit import __version__
    from qbdkit.services.audit import audit_log, verify_audit
    from qbdkit.services.kinds import STAGES, load_all
    from qbdkit.services.projects import project_document
    from qbdkit.services.records import find_project, get_record
    from qbdkit.services.signatures import verify_signatures
    from qbdkit.services.users import require
    from qbdkit.store import transaction
    from qbdkit.store.chain import utc_text
    from qbdkit.store.meta import mode
    from qbdkit.store.schema import ProjectVersion

    ctx = ctx or Context()
    url = ctx.url
    load_all()
    with transaction(url, write=False) as session:
        if ctx.user is not None:
            require(session, ctx.user, "read")
        proj = find_project(session, req.project)
        history = [{"version": v.version, "sha256": v.sha256, "user": v.user,
                    "at": utc_text(v.at), "reason": v.reason}
                   for v in session.scalars(select(ProjectVersion).where(
                       ProjectVersion.project_id == proj.id).order_by(ProjectVersion.version))]
        latest = history[-1]["version"] if history else None
        upto = req.version if req.version is not None and req.version != latest else None
        wanted = _wanted_versions(session, proj.id, upto)
        store_mode = mode(session)
    stored = project_document(req.project, req.version, url=url)
    records = []
    for kind, key, version in wanted:
        r = get_record(req.project, kind, key, version, url=url)
        r["stage"] = stage_of(kind)
        r["title"] = _title(kind)
        records.append(r)
    records.sort(key=lambda r: (STAGES.index(r["stage"]), r["kind"], r["key"]))
    shown = {(r["kind"], r["key"], r["version"]) for r in records}
    signatures = [s for s in verify_signatures(req.project, url=url).signatures
                  if (s["kind"], s["key"], s["version"]) in shown]
    try:
        chain = verify_audit(url=url)
        audit = {"intact": bool(chain.intact), "summary": chain.summary()}
    except Exception as exc:  # a missing key file: say so in the report, do not fail it
        audit = {"intact": False, "summary": f"{type(exc).__name__}: {exc}"}
    entries = audit_log(req.project, url=url).entries
    audit["entries"] = len(entries)
    audit["recent"] = [{k: e.get(k) for k in ("id", "at", "user", "action", "entity",
                                              "changes", "reason")} for e in entries[-30:]]
    return ReportData(
        project={"name": req.project, "version": stored["version"], "sha256": stored["sha256"],
                 "user": stored["user"], "at": stored["at"], "reason": stored["reason"],
                 "latest": latest},
        document=stored["document"], records=records, signatures=signatures, history=history,
        audit=audit, generated_at=utc_text(datetime.now(UTC)),
        generated_by=ctx.user or "", qbdkit_version=__version__, store_mode=store_mode)


def project_report(req: ReportRequest, ctx: Context | None = None) -> ReportDocument:
    """The report of ``req.project`` as ``req.format`` bytes (see the module docstring)."""
    from qbdkit.report.project import build

    data = collect(req, ctx)
    built = build(data, lang=req.lang, fmt=req.format)
    digest = hashlib.sha256(built.content).hexdigest()
    return ReportDocument(
        project=req.project, project_version=data.project["version"], lang=req.lang,
        format=req.format, sha256=digest, size=len(built.content), sections=built.sections,
        records=[{"kind": r["kind"], "key": r["key"], "version": r["version"],
                  "state": r["state"], "sha256": r["sha256"]} for r in data.records],
        tables=built.tables, figures=built.figures, signatures=len(data.signatures),
        content=built.content)
