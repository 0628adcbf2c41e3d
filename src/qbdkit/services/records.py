"""Generic versioned records (contract A): assessments and other documents of a project.

A record is ``(project, kind, key)`` → a JSON document. :func:`save_record` adds
version n+1; version n stays in the store, superseded (records are never updated
or deleted). Each save writes one audit entry in the same transaction: who, when
(UTC), ``record.save``, the entity ``record:KIND/KEY``, old → new as
``{"version", "sha256", "changed": {field: value}}`` (the top-level fields whose
value changed), and the reason.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbdkit.errors import QbdInputError
from qbdkit.services.users import require
from qbdkit.store import transaction
from qbdkit.store.chain import canonical_json, sha256_text, utc_text
from qbdkit.store.schema import Project, Record, utcnow
from qbdkit.store.trail import append_entry

UNKNOWN_PROJECT_HINT = "import it first with `qbdkit import DIR`"


def find_project(session: Session, name: str) -> Project:
    """The project named ``name``, or a :class:`QbdInputError` telling how to create it."""
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise QbdInputError(f"unknown project; {UNKNOWN_PROJECT_HINT}", column="project",
                            expected="a project in the store", found=name)
    return project


def canonical_content(content: Any, *, field: str = "content") -> str:
    """Canonical JSON text of ``content`` or a :class:`QbdInputError` if it is not plain JSON."""
    try:
        return canonical_json(content)
    except (TypeError, ValueError) as exc:
        raise QbdInputError("not storable as JSON", column=field,
                            expected="JSON values (dict, list, str, finite numbers, bool, None)",
                            found=str(exc)) from exc


def changed_fields(old: Any, new: Any) -> tuple[dict, dict]:
    """Top-level fields whose value differs: ``({field: old value}, {field: new value})``."""
    if old is None:
        return {}, (dict(new) if isinstance(new, dict) else {"value": new})
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ({"value": old}, {"value": new}) if old != new else ({}, {})
    keys = sorted(set(old) | set(new), key=str)
    changed = [k for k in keys if old.get(k, None) != new.get(k, None) or (k in old) != (k in new)]
    return {k: old.get(k) for k in changed if k in old}, {k: new.get(k) for k in changed if k in new}


def _as_dict(project: str, record: Record) -> dict[str, Any]:
    return {"project": project, "kind": record.kind, "key": record.key,
            "version": record.version, "content": json.loads(record.content),
            "user": record.user, "at": utc_text(record.at), "reason": record.reason}


def save_record(project: str, kind: str, key: str, content: dict, *, user: str, reason: str,
                url: str | None = None) -> int:
    """Store ``content`` as the next version of ``(project, kind, key)``; returns that version.

    The previous version is superseded, never deleted; a reason is required when
    superseding. Raises :class:`QbdInputError` for an unknown project or user, a
    role without the right to write (viewer), or content that is not plain JSON.
    """
    for field, value in (("kind", kind), ("key", key)):
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise QbdInputError(f"bad record {field}", column=field,
                                expected="a non-empty name without NUL characters", found=value)
    text = canonical_content(content)
    digest = sha256_text(text)
    with transaction(url) as session:
        require(session, user, "write")
        proj = find_project(session, project)
        previous = session.scalar(
            select(Record).where(Record.project_id == proj.id, Record.kind == kind,
                                 Record.key == key).order_by(Record.version.desc()).limit(1))
        version = 1 if previous is None else previous.version + 1
        if previous is not None and not (reason or "").strip():
            raise QbdInputError("a reason is required to supersede a record", column="reason",
                                expected="why the record changes",
                                found=f"{kind}/{key} v{previous.version} → v{version}")
        session.add(Record(project_id=proj.id, kind=kind, key=key, version=version, content=text,
                           sha256=digest, at=utcnow(), user=user, reason=reason or ""))
        old_content = None if previous is None else json.loads(previous.content)
        old_changed, new_changed = changed_fields(old_content, json.loads(text))
        old = None if previous is None else {"kind": kind, "key": key,
                                             "version": previous.version,
                                             "sha256": previous.sha256, "changed": old_changed}
        new = {"kind": kind, "key": key, "version": version, "sha256": digest,
               "changed": new_changed}
        append_entry(session, user=user, action="record.save", project=project,
                     entity=f"record:{kind}/{key}", old=old, new=new, reason=reason or "")
        return version


def latest_record(project: str, kind: str, key: str, *, url: str | None = None
                  ) -> dict[str, Any] | None:
    """The newest version of ``(project, kind, key)`` as
    ``{"project","kind","key","version","content","user","at","reason"}``, or None."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        record = session.scalar(
            select(Record).where(Record.project_id == proj.id, Record.kind == kind,
                                 Record.key == key).order_by(Record.version.desc()).limit(1))
        return None if record is None else _as_dict(project, record)


def record_history(project: str, kind: str | None = None, key: str | None = None, *,
                   url: str | None = None) -> list[dict[str, Any]]:
    """Every version (of one kind / key when given), oldest first, same dict shape."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        query = select(Record).where(Record.project_id == proj.id)
        if kind is not None:
            query = query.where(Record.kind == kind)
        if key is not None:
            query = query.where(Record.key == key)
        return [_as_dict(project, r) for r in session.scalars(query.order_by(Record.id))]


def record_count(project: str, *, url: str | None = None) -> int:
    """How many record versions ``project`` has (all kinds)."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        return int(session.scalar(select(func.count()).where(Record.project_id == proj.id)) or 0)
