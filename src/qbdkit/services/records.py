"""The programme record: every analysis saved, versioned, re-runnable, signable.

A record is ``(project, kind, key)`` → a JSON document, versioned: :func:`save_record` adds
version n+1 and version n stays, superseded (records are never updated or deleted). Each save
writes one audit entry in the same transaction: who, when (UTC), ``record.save``, the entity
``record:KIND/KEY``, old → new as ``{"version", "sha256", "changed": {field: value},
"inputs": {field: sha256}}`` and the reason.

Analysis records (:func:`run_and_store`) hold everything needed to re-run them: the kind, the
request (every option, input files named by file name), the input files' bytes (stored once
by SHA-256 in ``blobs``), the qbdkit version, the seed, the project version they were made
from, the store mode, and the result's ``to_dict()``. :func:`rerun` recomputes from exactly
that and says ``identical`` or lists the fields that differ.

Lifecycle (derived from signatures, :mod:`qbdkit.services.signatures`): ``draft`` → ``in
review`` (the author signed *authored*) → ``approved`` (QA signed *approved*), or
``rejected``; any version with a newer one is ``superseded``.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbdkit.core.result import Result, format_table
from qbdkit.errors import Conflict, NotFound, QbdInputError
from qbdkit.services.users import require
from qbdkit.store import transaction
from qbdkit.store.chain import canonical_json, sha256_text, utc_text
from qbdkit.store.schema import Blob, Project, Record, RecordInput, Signature, utcnow
from qbdkit.store.trail import append_entry

UNKNOWN_PROJECT_HINT = "import it first with `qbdkit import DIR`"
STATES = ("draft", "in review", "approved", "rejected", "superseded")


def find_project(session: Session, name: str) -> Project:
    """The project named ``name``, or a :class:`NotFound` telling how to create it."""
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFound(f"unknown project; {UNKNOWN_PROJECT_HINT}", column="project",
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


def _brief_changes(old: dict, new: dict) -> tuple[dict, dict]:
    """The changed top-level fields, with bulky values (the result) reduced to their hash."""
    a, b = changed_fields(old, new)

    def shrink(d: dict) -> dict:
        return {k: (v if len(canonical_json(v)) <= 2000 else {"sha256": sha256_text(
            canonical_json(v))}) for k, v in d.items()}

    return shrink(a), shrink(b)


def _latest(session: Session, project_id: int, kind: str, key: str) -> Record | None:
    return session.scalar(
        select(Record).where(Record.project_id == project_id, Record.kind == kind,
                             Record.key == key).order_by(Record.version.desc()).limit(1))


def _check_ident(kind: Any, key: Any) -> None:
    for name, value in (("kind", kind), ("key", key)):
        if not isinstance(value, str) or not value.strip() or "\x00" in value or len(value) > 300:
            raise QbdInputError(f"bad record {name}", column=name,
                                expected="a non-empty name (≤ 300 characters, no NUL)",
                                found=value)


def save_record(project: str, kind: str, key: str, content: dict, *, user: str, reason: str,
                url: str | None = None, inputs: dict[str, tuple[str, bytes]] | None = None,
                project_version: int | None = None, expected_version: int | None = None) -> int:
    """Store ``content`` as the next version of ``(project, kind, key)``; returns that version.

    ``inputs``: ``{request field: (file name, bytes)}`` stored with the version.
    ``expected_version``: optimistic locking — the version the author started from (0 for a
    new record); if someone saved another version meanwhile, :class:`Conflict` and nothing is
    stored. The previous version is superseded, never deleted; a reason is required when
    superseding. Unknown project or user, a role without the right to author, or content
    that is not plain JSON → :class:`QbdInputError` and nothing is stored.
    """
    _check_ident(kind, key)
    text = canonical_content(content)
    digest = sha256_text(text)
    files = {f: (name, data, hashlib.sha256(data).hexdigest())
             for f, (name, data) in sorted((inputs or {}).items())}
    with transaction(url) as session:
        require(session, user, "author")
        proj = find_project(session, project)
        previous = _latest(session, proj.id, kind, key)
        have = 0 if previous is None else previous.version
        if expected_version is not None and expected_version != have:
            raise Conflict("someone saved this record meanwhile", column="version",
                           expected=f"version {expected_version} to be the latest "
                                    "(reload and apply your change again)",
                           found=f"version {have}")
        version = have + 1
        if previous is not None and not (reason or "").strip():
            raise QbdInputError("a reason is required to supersede a record", column="reason",
                                expected="why the record changes",
                                found=f"{kind}/{key} v{previous.version} → v{version}")
        row = Record(project_id=proj.id, kind=kind, key=key, version=version, content=text,
                     sha256=digest, at=utcnow(), user=user, reason=reason or "",
                     project_version=project_version)
        session.add(row)
        session.flush()
        for f, (name, data, sha) in files.items():
            if session.get(Blob, sha) is None:
                session.add(Blob(sha256=sha, size=len(data), content=data))
                session.flush()
            session.add(RecordInput(record_id=row.id, field=f, filename=name, sha256=sha))
        old_content = None if previous is None else json.loads(previous.content)
        old_changed, new_changed = _brief_changes(old_content or {}, json.loads(text)) \
            if previous is not None else ({}, _brief_changes({}, json.loads(text))[1])
        old = None if previous is None else {"kind": kind, "key": key,
                                             "version": previous.version,
                                             "sha256": previous.sha256, "changed": old_changed}
        new = {"kind": kind, "key": key, "version": version, "sha256": digest,
               "changed": new_changed, "inputs": {f: v[2] for f, v in files.items()}}
        append_entry(session, user=user, action="record.save", project=project,
                     entity=f"record:{kind}/{key}", old=old, new=new, reason=reason or "")
        return version


def _signatures(session: Session, record_id: int) -> list[Signature]:
    return list(session.scalars(select(Signature).where(Signature.record_id == record_id)
                                .order_by(Signature.id)))


def state_of(record: Record, signatures: list[Signature], latest_version: int) -> str:
    """The lifecycle state of one record version (see the module docstring)."""
    if record.version < latest_version:
        return "superseded"
    meanings = {s.meaning for s in signatures}
    if "rejected" in meanings:
        return "rejected"
    if "approved" in meanings:
        return "approved"
    if "authored" in meanings:
        return "in review"
    return "draft"


def signature_dict(s: Signature) -> dict[str, Any]:
    return {"user": s.user, "full_name": s.full_name, "meaning": s.meaning,
            "at": utc_text(s.at), "content_sha256": s.content_sha256, "reason": s.reason}


def _as_dict(session: Session, project: str, record: Record, latest: int | None = None,
             *, inputs: bool = False) -> dict[str, Any]:
    sigs = _signatures(session, record.id)
    if latest is None:
        latest = session.scalar(select(func.max(Record.version)).where(
            Record.project_id == record.project_id, Record.kind == record.kind,
            Record.key == record.key)) or record.version
    out = {"project": project, "kind": record.kind, "key": record.key,
           "version": record.version, "content": json.loads(record.content),
           "sha256": record.sha256, "user": record.user, "at": utc_text(record.at),
           "reason": record.reason, "project_version": record.project_version,
           "state": state_of(record, sigs, latest),
           "signatures": [signature_dict(s) for s in sigs]}
    if inputs:
        out["inputs"] = [{"field": ri.field, "filename": ri.filename, "sha256": ri.sha256}
                         for ri in session.scalars(select(RecordInput).where(
                             RecordInput.record_id == record.id).order_by(RecordInput.field))]
    return out


def latest_record(project: str, kind: str, key: str, *, url: str | None = None
                  ) -> dict[str, Any] | None:
    """The newest version of ``(project, kind, key)`` as a dict (see :func:`get_record`), or
    None."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        record = _latest(session, proj.id, kind, key)
        return None if record is None else _as_dict(session, project, record, record.version)


def get_record(project: str, kind: str, key: str, version: int | None = None, *,
               user: str | None = None, url: str | None = None) -> dict[str, Any]:
    """One version (default the newest) with content, inputs, signatures and state."""
    with transaction(url, write=False) as session:
        if user is not None:
            require(session, user, "read")
        proj = find_project(session, project)
        query = select(Record).where(Record.project_id == proj.id, Record.kind == kind,
                                     Record.key == key)
        record = session.scalar(query.order_by(Record.version.desc()).limit(1)) \
            if version is None else session.scalar(query.where(Record.version == version))
        if record is None:
            count = session.scalar(select(func.count()).where(
                Record.project_id == proj.id, Record.kind == kind, Record.key == key)) or 0
            raise NotFound("no such record" if not count else "no such record version",
                           column="record", expected=f"versions 1…{count}" if count else
                           f"a record of project {project} (see `qbdkit records list "
                           f"{project}`)", found=f"{kind}/{key}"
                           + (f" v{version}" if version else ""))
        return _as_dict(session, project, record, inputs=True)


def record_stamp(project: str, kind: str, key: str, version: int | None = None, *,
                 user: str | None = None, url: str | None = None) -> tuple[int, str]:
    """``(version, sha256)`` of one version (default the newest) without reading its content
    (for caches keyed by the record's hash); the same checks and errors as :func:`get_record`."""
    with transaction(url, write=False) as session:
        if user is not None:
            require(session, user, "read")
        proj = find_project(session, project)
        query = select(Record.version, Record.sha256).where(
            Record.project_id == proj.id, Record.kind == kind, Record.key == key)
        row = session.execute(query.order_by(Record.version.desc()).limit(1) if version is None
                              else query.where(Record.version == version)).first()
    if row is None:
        get_record(project, kind, key, version, user=user, url=url)  # raises its NotFound
        raise NotFound("no such record", column="record", found=f"{kind}/{key}")
    return int(row.version), str(row.sha256)


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
        rows = list(session.scalars(query.order_by(Record.id)))
        latest: dict[tuple[str, str], int] = {}
        for r in rows:
            latest[(r.kind, r.key)] = max(latest.get((r.kind, r.key), 0), r.version)
        return [_as_dict(session, project, r, latest[(r.kind, r.key)]) for r in rows]


def record_count(project: str, *, url: str | None = None) -> int:
    """How many record versions ``project`` has (all kinds)."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        return int(session.scalar(select(func.count()).where(Record.project_id == proj.id)) or 0)


def record_inputs(project: str, kind: str, key: str, version: int, *,
                  url: str | None = None) -> dict[str, tuple[str, bytes]]:
    """``{request field: (file name, bytes)}`` of one stored version."""
    with transaction(url, write=False) as session:
        proj = find_project(session, project)
        record = session.scalar(select(Record).where(
            Record.project_id == proj.id, Record.kind == kind, Record.key == key,
            Record.version == version))
        if record is None:
            raise NotFound("no such record version", column="record",
                           found=f"{kind}/{key} v{version}")
        out = {}
        for ri in session.scalars(select(RecordInput).where(RecordInput.record_id == record.id)):
            blob = session.get(Blob, ri.sha256)
            if blob is None:
                raise NotFound("an input file of this record is missing from the store",
                               column=ri.field, found=ri.filename)
            out[ri.field] = (ri.filename, blob.content)
        return out


# ---- listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordList(Result):
    """The newest version of each record of a project (``kind`` filters)."""

    project: str
    records: list[dict]

    def summary(self) -> str:
        if not self.records:
            return f"project {self.project}: no records"
        return format_table(["kind", "name", "version", "state", "by", "when (UTC)", "reason"],
                            [[r["kind"], r["key"], r["version"], r["state"], r["user"], r["at"],
                              r["reason"]] for r in self.records])


def list_records(project: str, *, kind: str | None = None, user: str | None = None,
                 url: str | None = None) -> RecordList:
    """The newest version of each record (in the order of the QbD flow, then name).

    Reads only the listed columns of the newest versions and their signatures in one query
    each — never the (large) stored contents — so listing stays fast as versions accumulate.
    """
    from qbdkit.services.kinds import _KINDS, STAGES, load_all

    load_all()
    with transaction(url, write=False) as session:
        if user is not None:
            require(session, user, "read")
        proj = find_project(session, project)
        query = select(Record.id, Record.kind, Record.key, Record.version, Record.sha256,
                       Record.user, Record.at, Record.reason, Record.project_version).where(
            Record.project_id == proj.id)
        if kind is not None:
            query = query.where(Record.kind == kind)
        newest: dict[tuple[str, str], Any] = {}
        for row in session.execute(query.order_by(Record.id)):
            have = newest.get((row.kind, row.key))
            if have is None or row.version > have.version:
                newest[(row.kind, row.key)] = row
        sigs: dict[int, list[Signature]] = {}
        ids = [r.id for r in newest.values()]
        for i in range(0, len(ids), 500):
            for sig in session.scalars(select(Signature).where(
                    Signature.record_id.in_(ids[i:i + 500])).order_by(Signature.id)):
                sigs.setdefault(sig.record_id, []).append(sig)
        latest = []
        for r in newest.values():
            these = sigs.get(r.id, [])
            latest.append({"project": project, "kind": r.kind, "key": r.key,
                           "version": r.version, "sha256": r.sha256, "user": r.user,
                           "at": utc_text(r.at), "reason": r.reason,
                           "project_version": r.project_version,
                           "state": state_of(r, these, r.version),
                           "signatures": [signature_dict(x) for x in these]})

    def order(r: dict) -> tuple:
        k = _KINDS.get(r["kind"])
        stage = k.stage if k else r["kind"].split(".")[0]
        return (STAGES.index(stage) if stage in STAGES else len(STAGES), r["kind"], r["key"])

    return RecordList(project, sorted(latest, key=order))


# ---- analysis records: run, store, re-run -----------------------------------------------------


def _request_json(req: Any) -> dict[str, Any]:
    """The request as JSON with each input file named by its file name only."""
    data = req.model_dump(mode="json")
    for name in type(req).input_fields():
        value = getattr(req, name)
        if isinstance(value, list | tuple):
            data[name] = [Path(p).name for p in value]
        elif value is not None:
            data[name] = Path(value).name
    return data


def _read_inputs(req: Any) -> dict[str, tuple[str, bytes]]:
    out = {}
    for field_name, path in req.input_files().items():
        try:
            out[field_name] = (path.name, path.read_bytes())
        except OSError as exc:
            raise QbdInputError("cannot read file", file=str(path), column=field_name,
                                expected="a readable file", found=exc.strerror) from exc
    return out


@dataclass(frozen=True)
class Stored(Result):
    """Where a result was stored."""

    project: str
    kind: str
    key: str
    version: int
    sha256: str

    def summary(self) -> str:
        return (f"stored as {self.kind}/{self.key} v{self.version} in project {self.project} "
                f"(sha256 {self.sha256[:16]}…)")


def record_content(kind: str, req: Any, result: Any, *, inputs: dict[str, tuple[str, bytes]],
                   project_version: int | None, store_mode: str) -> dict[str, Any]:
    from qbdkit import __version__

    return {
        "kind": kind,
        "request": _request_json(req),
        "inputs": {f: {"filename": name, "sha256": hashlib.sha256(data).hexdigest()}
                   for f, (name, data) in sorted(inputs.items())},
        "qbdkit_version": __version__,
        "seed": getattr(req, "seed", None),
        "project_version": project_version,
        "store_mode": store_mode,
        "result": result.to_dict() if hasattr(result, "to_dict") else result,
    }


def store_result(kind_name: str, req: Any, result: Any, ctx: Any, *, project: str, name: str,
                 reason: str = "", expected_version: int | None = None) -> Stored:
    """Store an already computed ``result`` of ``req`` as the next version of
    ``kind_name/name`` in ``project``, with the request's input files."""
    from qbdkit.services.kinds import get_kind
    from qbdkit.store.meta import mode

    get_kind(kind_name)
    inputs = _read_inputs(req)
    with transaction(ctx.url, write=False) as session:
        proj = find_project(session, project)
        from qbdkit.store.schema import ProjectVersion

        pv = session.scalar(select(func.max(ProjectVersion.version)).where(
            ProjectVersion.project_id == proj.id))
        store_mode = mode(session)
    content = record_content(kind_name, req, result, inputs=inputs, project_version=pv,
                             store_mode=store_mode)
    version = save_record(project, kind_name, name, content, user=ctx.user, reason=reason,
                          url=ctx.url, inputs=inputs, project_version=pv,
                          expected_version=expected_version)
    return Stored(project, kind_name, name, version, sha256_text(canonical_json(content)))


def run_and_store(kind_name: str, req: Any, ctx: Any, *, project: str | None = None,
                  name: str | None = None, reason: str = "") -> tuple[Any, Stored | None]:
    """Run the registered use case; when ``project`` and ``name`` are given, store the result.

    Nothing is stored when the run fails. Returns ``(result, stored or None)``.
    """
    from qbdkit.services.kinds import get_kind

    if (project is None) != (name is None):
        raise QbdInputError("--project and --as go together", column="as" if name is None
                            else "project", expected="both a project and a record name",
                            found=project or name)
    kind = get_kind(kind_name)
    if project is not None:  # fail early (unknown project, no right) before long work
        with transaction(ctx.url, write=False) as session:
            require(session, ctx.user, "author")
            find_project(session, project)
    result = kind.run(req, ctx)
    if project is None:
        return result, None
    return result, store_result(kind_name, req, result, ctx, project=project, name=name or "",
                                reason=reason)


@dataclass(frozen=True)
class Rerun(Result):
    """The outcome of re-running a stored record from its stored inputs and options."""

    project: str
    kind: str
    key: str
    version: int
    identical: bool
    differences: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        what = f"{self.kind}/{self.key} v{self.version}"
        if self.identical:
            return f"{what}: identical"
        lines = [f"{what}: {len(self.differences)} field(s) differ"]
        lines += [f"  {d['path']}: {d['stored']!r} → {d['rerun']!r}" for d in self.differences[:50]]
        if len(self.differences) > 50:
            lines.append(f"  … and {len(self.differences) - 50} more")
        return "\n".join(lines)


@contextmanager
def stored_request(project: str, kind: str, key: str, version: int | None = None, *,
                   ctx: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """``(record, request)`` of a stored analysis record, its input-file fields pointing at
    the stored bytes written to a temporary folder that lives as long as the ``with`` block.
    Reading needs the right to read the project (``ctx.user``)."""
    from qbdkit.services.kinds import get_kind

    record = get_record(project, kind, key, version, user=ctx.user, url=ctx.url)
    content = record["content"]
    if not isinstance(content, dict) or "request" not in content:
        raise QbdInputError("this record was not stored with its request; it cannot be re-run",
                            column="record", expected="an analysis record",
                            found=f"{kind}/{key} v{record['version']}")
    k = get_kind(kind)
    files = record_inputs(project, kind, key, record["version"], url=ctx.url)
    with tempfile.TemporaryDirectory(prefix="qbdkit-rerun-") as tmp:
        paths = {}
        for field_name, (filename, data) in files.items():
            folder = Path(tmp) / field_name.replace("[", "_").replace("]", "")
            folder.mkdir(parents=True)
            target = folder / Path(filename).name
            target.write_bytes(data)
            paths[field_name] = target
        yield record, k.request.model_validate(content["request"]).with_inputs(paths)


def rerun(project: str, kind: str, key: str, version: int | None = None, *, ctx: Any) -> Rerun:
    """Recompute a stored analysis record from its stored inputs and options and compare."""
    from qbdkit.core.diff import diff
    from qbdkit.services.kinds import get_kind

    with stored_request(project, kind, key, version, ctx=ctx) as (record, req):
        result = get_kind(kind).run(req, ctx)
    content = record["content"]
    fresh = json.loads(canonical_json(result.to_dict() if hasattr(result, "to_dict")
                                      else result))
    changes = diff(content["result"], fresh)
    return Rerun(project, kind, key, record["version"], not changes,
                 [{"path": c.path, "stored": c.old, "rerun": c.new} for c in changes])
