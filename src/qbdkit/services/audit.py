"""The audit trail as a service: show it, verify it.

:func:`verify_audit` checks the hash chain (:func:`qbdkit.store.chain.verify_chain`)
and then the stored state against it: every record, project version and project
file still matches its SHA-256 and the audit entry that created it; every user's
role is the one the trail last recorded (an UPDATE of ``users`` making someone
admin is caught); every project has its creation entry.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from qbdkit.core.result import Result
from qbdkit.store import transaction
from qbdkit.store.chain import ChainReport, sha256_text, verify_chain
from qbdkit.store.schema import (
    AuditEntry,
    AuditHead,
    Project,
    ProjectFile,
    ProjectVersion,
    Record,
    User,
)
from qbdkit.store.trail import chain_rows, entry_dict


def _width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def left_table(headers: list[str], rows: list[list]) -> str:
    """Plain-text table, text left-aligned (an ``id`` column right-aligned), CJK-aware widths."""
    cells = [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        out = []
        for h, v, w in zip(headers, values, widths, strict=True):
            pad = " " * (w - _width(v))
            out.append(pad + v if h == "id" else v + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def brief(stored: str | None, width: int = 60) -> str:
    """A short human form of an entry's stored ``old``/``new`` JSON text."""
    if stored is None:
        return "∅"
    value = json.loads(stored)
    if isinstance(value, dict) and "version" in value:
        parts = [f"v{value['version']}"]
        changed = value.get("changed")
        if isinstance(changed, dict) and changed:
            parts.append(", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                                   for k, v in changed.items()))
        sections = value.get("changed_sections")
        if sections:
            parts.append("changed " + ", ".join(sections))
        files = value.get("changed_files")
        if files:
            parts.append("files " + ", ".join(files))
        return _short(" ".join(parts), width)
    return _short(json.dumps(value, ensure_ascii=False, sort_keys=True), width)


@dataclass(frozen=True)
class AuditLog(Result):
    """Audit entries, oldest first (``old``/``new`` are the stored canonical JSON texts)."""

    project: str | None
    entries: list[dict]

    def summary(self) -> str:
        if not self.entries:
            return "no audit entries" + (f" for project {self.project}" if self.project else "")
        return left_table(
            ["id", "at (UTC)", "user", "action", "entity", "old → new", "reason"],
            [[e["id"], e["at"], e["user"], e["action"], e["entity"],
              f"{brief(e['old'])} → {brief(e['new'])}", e["reason"]] for e in self.entries])


def audit_log(project: str | None = None, *, url: str | None = None) -> AuditLog:
    """The audit trail (of one project when ``project`` is given), oldest first."""
    with transaction(url, write=False) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if project is not None:
            query = query.where(AuditEntry.project == project)
        return AuditLog(project, [entry_dict(e) for e in session.scalars(query)])


def verify_audit(*, anchors: Sequence[str] = (), url: str | None = None) -> ChainReport:
    """Check the chain, the head and the stored contents; the report names the first bad entry.

    ``anchors``: entry hashes recorded outside the database earlier (``qbdkit audit
    verify`` prints the head hash); each must still be in the chain, which catches
    even a trail rewritten consistently from some entry on.
    """
    with transaction(url, write=False) as session:
        head = session.get(AuditHead, 1)
        rows = chain_rows(session)
        report = verify_chain(rows, head.last_id if head else None,
                              head.last_hash if head else None)
        if not report.intact:
            return report
        problems: list[str] = []
        hashes = {r["hash"] for r in rows}
        for anchor in anchors:
            if anchor.strip().lower() not in hashes:
                problems.append(f"anchor {anchor.strip()} is no longer in the chain "
                                "(the trail was rewritten or replaced)")
        audited_records: set[tuple] = set()
        audited_versions: set[tuple] = set()
        audited_files: set[tuple] = set()
        audited_roles: dict[str, str] = {}
        audited_projects: set[str] = set()
        for e in session.scalars(select(AuditEntry).where(AuditEntry.new.is_not(None))
                                 .order_by(AuditEntry.id)):
            new = json.loads(e.new)
            if e.action in ("user.add", "user.role"):
                audited_roles[new["name"]] = new["role"]
            elif e.action == "project.create":
                audited_projects.add(new["name"])
            elif e.action == "record.save":
                audited_records.add((e.project, new["kind"], new["key"], new["version"],
                                     new["sha256"]))
            elif e.action in ("project.import", "project.version"):
                audited_versions.add((e.project, new["version"], new["sha256"]))
                for path, digest in new.get("files", {}).items():
                    audited_files.add((e.project, new["version"], path, digest))
        for u in session.scalars(select(User).order_by(User.id)):
            if u.name not in audited_roles:
                problems.append(f"user {u.name}: no audit entry records it (inserted)")
            elif audited_roles[u.name] != u.role:
                problems.append(f"user {u.name}: role {u.role} differs from the audited role "
                                f"{audited_roles[u.name]} (altered)")
        names = dict(session.execute(select(Project.id, Project.name)).all())
        for name in names.values():
            if name not in audited_projects:
                problems.append(f"project {name}: no audit entry records it (altered or "
                                "inserted)")
        for r in session.scalars(select(Record).order_by(Record.id)):
            what = f"record {names.get(r.project_id)}/{r.kind}/{r.key} v{r.version}"
            if sha256_text(r.content) != r.sha256:
                problems.append(f"{what}: content does not match its hash (altered)")
            elif (names.get(r.project_id), r.kind, r.key, r.version,
                  r.sha256) not in audited_records:
                problems.append(f"{what}: no audit entry records it (altered or inserted)")
        for v in session.scalars(select(ProjectVersion).order_by(ProjectVersion.id)):
            what = f"project {names.get(v.project_id)} v{v.version}"
            if sha256_text(v.document) != v.sha256:
                problems.append(f"{what}: document does not match its hash (altered)")
            elif (names.get(v.project_id), v.version, v.sha256) not in audited_versions:
                problems.append(f"{what}: no audit entry records it (altered or inserted)")
        versions = {v.id: (names.get(v.project_id), v.version)
                    for v in session.scalars(select(ProjectVersion))}
        for f in session.scalars(select(ProjectFile).order_by(ProjectFile.id)):
            project, version = versions.get(f.version_id, (None, None))
            what = f"project {project} v{version} file {f.path}"
            if hashlib.sha256(f.content).hexdigest() != f.sha256:
                problems.append(f"{what}: content does not match its hash (altered)")
            elif (project, version, f.path, f.sha256) not in audited_files:
                problems.append(f"{what}: no audit entry records it (altered or inserted)")
        if problems:
            return ChainReport(False, report.entries, report.head_id, report.head_hash, None,
                               problems)
        return report
