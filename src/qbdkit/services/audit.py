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
from pathlib import Path
from typing import Any

from sqlalchemy import String, select, type_coerce

from qbdkit.core.result import Result
from qbdkit.errors import QbdInputError
from qbdkit.store import transaction
from qbdkit.store.chain import ChainReport, ChainWalker, sha256_text, utc_text
from qbdkit.store.schema import (
    AuditEntry,
    AuditHead,
    AuditMac,
    Blob,
    Project,
    ProjectFile,
    ProjectVersion,
    Record,
    RecordInput,
    Signature,
    User,
    utcnow,
)
from qbdkit.store.trail import entry_dict, read_at


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


def changes_text(old: str | None, new: str | None) -> str:
    """Field-level old → new of one entry, readable (``path: a → b; …``)."""
    from qbdkit.core.diff import diff

    a = None if old is None else json.loads(old)
    b = None if new is None else json.loads(new)
    if a is None:
        return "; ".join(f"{path}: {_value(v)}" if path else _value(v) for path, v in _leaves(b))
    return "; ".join(c.summary() for c in diff(a, b)) or "no change"


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """``(path, value)`` of every non-empty leaf (dicts walked; lists kept whole)."""
    if isinstance(value, dict) and value:
        out = []
        for k, v in value.items():
            out += _leaves(v, f"{path}.{k}" if path else str(k))
        return out
    if value in ({}, None):
        return []
    return [(path, value)]


def _value(v: Any) -> str:
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class AuditLog(Result):
    """Audit entries, oldest first (``old``/``new`` are the stored canonical JSON texts;
    ``changes`` the readable field-level old → new)."""

    project: str | None
    entries: list[dict]

    def summary(self) -> str:
        if not self.entries:
            return "no audit entries" + (f" for project {self.project}" if self.project else "")
        return left_table(
            ["id", "at (UTC)", "user", "action", "entity", "old → new", "reason"],
            [[e["id"], e["at"], e["user"], e["action"], e["entity"],
              e.get("changes") or f"{brief(e['old'])} → {brief(e['new'])}", e["reason"]]
             for e in self.entries])

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{k: e.get(k) for k in ("id", "at", "user", "action", "project",
                                                      "entity", "changes", "reason", "hash")}
                             for e in self.entries])


def audit_log(project: str | None = None, *, user_filter: str | None = None,
              action: str | None = None, since: str | None = None, until: str | None = None,
              user: str | None = None, url: str | None = None) -> AuditLog:
    """The audit trail, oldest first, filtered by project, user, action (prefix, e.g.
    ``record``) and time span (ISO dates or times, UTC; ``until`` inclusive of its day)."""
    from datetime import UTC, datetime, timedelta

    def when(text: str | None, field_name: str, end: bool = False):
        if not text:
            return None
        try:
            t = datetime.fromisoformat(text)
        except ValueError as exc:
            raise QbdInputError("not a date or time", column=field_name,
                                expected="YYYY-MM-DD or YYYY-MM-DDTHH:MM", found=text) from exc
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        if end and len(text) <= 10:
            t = t + timedelta(days=1)
        return t

    start, stop = when(since, "since"), when(until, "until", end=True)
    with transaction(url, write=False) as session:
        if user is not None:
            from qbdkit.services.users import require

            require(session, user, "read")
        query = select(AuditEntry).order_by(AuditEntry.id)
        if project is not None:
            query = query.where(AuditEntry.project == project)
        if user_filter is not None:
            query = query.where(AuditEntry.user == user_filter)
        if action:
            query = query.where((AuditEntry.action == action)
                                | AuditEntry.action.startswith(action.rstrip(".") + "."))
        if start is not None:
            query = query.where(AuditEntry.at >= start)
        if stop is not None:
            query = query.where(AuditEntry.at < stop)
        entries = []
        for e in session.scalars(query):
            d = entry_dict(e)
            d["changes"] = changes_text(e.old, e.new)
            entries.append(d)
        return AuditLog(project, entries)


def export_log(log: AuditLog, out: Path) -> Path:
    """Write the log as XLSX (header styled, frozen, filtered) or CSV (UTF-8 with BOM, so
    Excel opens Chinese text), cells neutralised against formula injection."""
    frame = log.to_frame()
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise QbdInputError("unknown export format", file=str(out), expected=".xlsx or .csv",
                            found=suffix or "no suffix")

    def safe(v: Any) -> Any:
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + v
        return v

    frame = frame.map(safe)
    if suffix == ".csv":
        frame.to_csv(out, index=False, encoding="utf-8-sig")
        return out
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "audit trail"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    widths = {"id": 8, "at": 28, "user": 14, "action": 16, "project": 14, "entity": 30,
              "changes": 70, "reason": 30, "hash": 20}
    for i, name in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(out)
    return out


def export_audit(out: Path, *, user: str, project: str | None = None,
                 user_filter: str | None = None, action: str | None = None,
                 since: str | None = None, until: str | None = None,
                 url: str | None = None) -> Path:
    """Export the (filtered) trail to ``out`` (.xlsx or .csv) as ``user``, who needs the
    ``audit-export`` right (qa, reviewer, admin: periodic review, Annex 11 §9)."""
    from qbdkit.services.users import require

    with transaction(url, write=False) as session:
        require(session, user, "audit-export")
    log = audit_log(project, user_filter=user_filter, action=action, since=since, until=until,
                    user=user, url=url)
    return export_log(log, out)


def write_anchor(*, user: str | None = None, url: str | None = None) -> dict[str, Any]:
    """A statement of the chain head (entry, hash) MAC'd with the audit key, to keep outside
    the database (``qbdkit audit anchor``); :func:`verify_audit` accepts it as an anchor."""
    from qbdkit.store import keys as keystore
    from qbdkit.store.meta import store_keys

    with transaction(url, write=False) as session:
        if user is not None:
            from qbdkit.services.users import require

            require(session, user, "read")
        head = session.get(AuditHead, 1)
        keys = store_keys(session)
        statement = keystore.anchor_statement(keys, head.last_id, head.last_hash)
        statement["at"] = utc_text(utcnow())
        return statement


def rotate_key(*, user: str, reason: str, url: str | None = None) -> str:
    """Make a new audit key current (admin); old keys stay in the keyring for verification.
    The rotation is an audit entry authenticated with the old key. Returns the new key id."""
    from qbdkit.services.users import require
    from qbdkit.store import keys as keystore
    from qbdkit.store.meta import store_keys
    from qbdkit.store.trail import append_entry

    if not (reason or "").strip():
        raise QbdInputError("a reason is required", column="reason", expected="why",
                            found=reason)
    with transaction(url) as session:
        require(session, user, "admin")
        old = store_keys(session)
        append_entry(session, user=user, action="audit.rotate-key",
                     entity=f"store:{old.store_id}", old={"key_id": old.current},
                     new={"rotating": True}, reason=reason)
    new = keystore.new_key(old.store_id)
    return new.current


def _read_anchor(item: Any) -> tuple[str, Any]:
    """``("hash", HEX)`` for a bare hash, else ``("statement", dict)`` from an anchor file."""
    if isinstance(item, dict):
        return "statement", item
    text = str(item).strip()
    path = Path(text)
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text) and not path.exists():
        return "hash", text.lower()
    try:
        return "statement", json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QbdInputError("cannot read the anchor", file=text,
                            expected="a file written by `qbdkit audit anchor` or an entry hash",
                            found=str(exc)) from exc


_ENTRY_COLUMNS = ("id", "at", "user", "action", "project", "entity", "old", "new", "reason",
                  "prev_hash", "hash")


def _entries(session) -> Any:
    """Every entry with its MAC, in id order, streamed (memory does not grow with the trail)."""
    e = AuditEntry.__table__.c
    m = AuditMac.__table__.c
    query = (select(*(e[c] for c in _ENTRY_COLUMNS if c != "at"),
                    type_coerce(e.at, String).label("at"), m.key_id, m.mac)
             .select_from(AuditEntry.__table__.outerjoin(AuditMac.__table__,
                                                          m.entry_id == e.id))
             .order_by(e.id).execution_options(yield_per=5000))
    result = session.execute(query)
    names = list(result.keys())
    at = names.index("at")
    for row in result:
        values = list(row)
        values[at] = read_at(values[at])
        yield dict(zip(names, values, strict=True))


class _Audited:
    """What the trail says should be stored, collected while the chain is walked."""

    def __init__(self) -> None:
        self.records: set[tuple] = set()
        self.record_inputs: dict[tuple, dict[str, str]] = {}
        self.versions: set[tuple] = set()
        self.files: set[tuple] = set()
        self.users: dict[str, dict] = {}
        self.projects: set[str] = set()
        self.signatures: set[tuple] = set()
        self.key_entries: list[dict] = []
        self.mode: str | None = None

    _ACTIONS = ("user.", "auth.lockout", "project.create", "record.save", "project.import",
                "project.version", "project.accept", "record.sign", "store.")

    def take(self, action: str, project: str | None, new_text: str | None) -> None:
        if new_text is None or not action.startswith(self._ACTIONS):
            return  # sign-ins and the like vouch for no stored row
        new = json.loads(new_text)
        if action.startswith("user.") or action == "auth.lockout":
            if isinstance(new, dict) and "name" in new:
                self.users[new["name"]] = {**self.users.get(new["name"], {}), **new}
        elif action == "project.create":
            self.projects.add(new["name"])
        elif action == "record.save":
            ident = (project, new["kind"], new["key"], new["version"], new["sha256"])
            self.records.add(ident)
            self.record_inputs[ident] = dict(new.get("inputs") or {})
        elif action in ("project.import", "project.version", "project.accept") \
                and "sha256" in new:  # (accept also writes one entry per changed field)
            self.versions.add((project, new["version"], new["sha256"]))
            for path, digest in new.get("files", {}).items():
                self.files.add((project, new["version"], path, digest))
        elif action == "record.sign":
            self.signatures.add((project, new["kind"], new["key"], new["version"],
                                 new["meaning"], new["user"], new["content_sha256"]))
        elif action == "store.keys":
            self.key_entries.append(new)
            self.mode = new.get("mode", self.mode)
        elif action == "store.secure":
            self.mode = new.get("mode", self.mode)


def verify_audit(*, anchors: Sequence[Any] = (), url: str | None = None) -> ChainReport:
    """Check the chain, its MACs, the head, the anchors and every stored row against the trail.

    * every entry's hash, link and HMAC (a key outside the database, :mod:`qbdkit.store.keys`);
      the head's MAC;
    * this machine's anchor (moved forward by every write) and each ``anchors`` item (a file
      from ``qbdkit audit anchor``, or an entry hash noted earlier): the entry must still be
      there with the same hash — a truncated or rolled-back store fails;
    * every user row equals the state the trail last recorded for it (role, printed name,
      disabled, locked, password hash); every project, project version, project file, record
      version, record input and signature present matches its audited hash, and every one the
      trail records is present (deleted rows are named); the store mode is the audited one.
    """
    from qbdkit.store import keys as keystore
    from qbdkit.store.meta import mode as store_mode
    from qbdkit.store.meta import store_keys

    items = [_read_anchor(a) for a in anchors]
    with transaction(url, write=False) as session:
        keys = store_keys(session)
        head = session.get(AuditHead, 1)
        walker = ChainWalker(head.last_id if head else None, head.last_hash if head else None,
                             keys.keys)
        audited = _Audited()
        hashes_wanted = {value: None for kind, value in items if kind == "hash"}
        statements = [value for kind, value in items if kind == "statement"]
        local = keystore.read_anchor(keys.store_id)
        if local is not None:
            statements.append(local)
        wanted_ids = {}
        for st in statements:
            why = keystore.check_statement(st, keys)
            if why is not None:
                return ChainReport(False, 0, walker.head_id, walker.head_hash, None,
                                   [f"anchor: {why}"])
            wanted_ids[int(st["entry"])] = st["hash"]
        found_ids: dict[int, str] = {}
        for entry in _entries(session):
            bad = walker.feed(entry)
            if bad is not None:
                return bad
            if entry["hash"] in hashes_wanted:
                hashes_wanted[entry["hash"]] = entry["id"]
            if entry["id"] in wanted_ids:
                found_ids[entry["id"]] = entry["hash"]
            audited.take(entry["action"], entry["project"], entry["new"])
        report = walker.finish(head.mac if head else None, head.key_id if head else None)
        if not report.intact:
            return report
        problems: list[str] = []
        for value, where in hashes_wanted.items():
            if where is None:
                problems.append(f"anchor {value} is no longer in the chain "
                                "(the trail was rewritten or replaced)")
        for entry_id, entry_hash in sorted(wanted_ids.items()):
            if entry_id not in found_ids:
                problems.append(f"anchor entry {entry_id} is missing: the trail was truncated "
                                f"or the store rolled back (it now ends at entry "
                                f"{report.head_id})")
            elif found_ids[entry_id] != entry_hash:
                problems.append(f"anchor entry {entry_id} has another hash now: the trail was "
                                "rewritten or the store replaced")
        problems += _check_rows(session, audited, store_mode(session))
        notes = []
        if len(audited.key_entries) > 1:
            problems.append(f"the audit key was created {len(audited.key_entries)} times "
                            "(a re-created key can hide earlier tampering)")
        for k in audited.key_entries[:1]:
            if k.get("entries_before", 0) > 1:
                notes.append(f"entries 1–{k['entries_before']} were written before this store "
                             "had an audit key; they are authenticated from the key's creation on")
        if problems:
            return ChainReport(False, report.entries, report.head_id, report.head_hash, None,
                               problems)
        return ChainReport(True, report.entries, report.head_id, report.head_hash,
                           notes=notes)


def _check_rows(session, audited: _Audited, mode_now: str) -> list[str]:
    """Stored rows against the audited state, in both directions."""
    from qbdkit.services.users import user_state

    problems: list[str] = []
    if session.get_bind().dialect.name == "sqlite" and audited.mode and mode_now != audited.mode:
        problems.append(f"store mode is {mode_now} but the trail last set {audited.mode} "
                        "(altered)")
    seen_users = set()
    for u in session.scalars(select(User).order_by(User.id)):
        seen_users.add(u.name)
        want = audited.users.get(u.name)
        if want is None:
            problems.append(f"user {u.name}: no audit entry records it (inserted)")
            continue
        have = user_state(u)
        for field_name in ("role", "full_name", "disabled", "locked", "password"):
            if field_name in want and want[field_name] != have[field_name]:
                what = "password hash" if field_name == "password" else field_name
                problems.append(f"user {u.name}: {what} differs from the audited "
                                f"{'value' if field_name == 'password' else repr(want[field_name])}"
                                " (altered)")
                break
    for name in sorted(set(audited.users) - seen_users):
        problems.append(f"user {name}: recorded in the trail but missing (deleted)")
    names = dict(session.execute(select(Project.id, Project.name)).all())
    for name in names.values():
        if name not in audited.projects:
            problems.append(f"project {name}: no audit entry records it (altered or inserted)")
    for name in sorted(audited.projects - set(names.values())):
        problems.append(f"project {name}: recorded in the trail but missing (deleted)")
    present_records: set[tuple] = set()
    record_ident: dict[int, tuple] = {}
    for r in session.scalars(select(Record).order_by(Record.id)):
        ident = (names.get(r.project_id), r.kind, r.key, r.version, r.sha256)
        record_ident[r.id] = ident
        what = f"record {ident[0]}/{r.kind}/{r.key} v{r.version}"
        if sha256_text(r.content) != r.sha256:
            problems.append(f"{what}: content does not match its hash (altered)")
        elif ident not in audited.records:
            problems.append(f"{what}: no audit entry records it (altered or inserted)")
        present_records.add(ident)
    for ident in sorted(audited.records - present_records, key=str):
        problems.append(f"record {ident[0]}/{ident[1]}/{ident[2]} v{ident[3]}: recorded in the "
                        "trail but missing (deleted)")
    inputs: dict[int, dict[str, str]] = {}
    for ri in session.scalars(select(RecordInput)):
        inputs.setdefault(ri.record_id, {})[ri.field] = ri.sha256
    for rid, ident in record_ident.items():
        want = audited.record_inputs.get(ident, {})
        have = inputs.get(rid, {})
        if want != have:
            problems.append(f"record {ident[0]}/{ident[1]}/{ident[2]} v{ident[3]}: its input "
                            "files differ from the audited ones (altered, inserted or deleted)")
    needed = {d for v in audited.record_inputs.values() for d in v.values()}
    for blob in session.execute(select(Blob.sha256, Blob.content)).all():
        if hashlib.sha256(blob.content).hexdigest() != blob.sha256:
            problems.append(f"input file {blob.sha256[:12]}…: content does not match its hash "
                            "(altered)")
        needed.discard(blob.sha256)
    for digest in sorted(needed):
        problems.append(f"input file {digest[:12]}…: recorded in the trail but missing (deleted)")
    present_sigs = set()
    for sig in session.scalars(select(Signature)):
        ident = record_ident.get(sig.record_id)
        key = (None,) if ident is None else (ident[0], ident[1], ident[2], ident[3], sig.meaning,
                                             sig.user, sig.content_sha256)
        if key not in audited.signatures:
            problems.append(f"signature {sig.id} ({sig.meaning} by {sig.user}): no audit entry "
                            "records it (forged or altered)")
        present_sigs.add(key)
    for key in sorted(audited.signatures - present_sigs, key=str):
        problems.append(f"signature {key[4]} by {key[5]} on {key[0]}/{key[1]}/{key[2]} "
                        f"v{key[3]}: recorded in the trail but missing (deleted)")
    present_versions = set()
    for v in session.scalars(select(ProjectVersion).order_by(ProjectVersion.id)):
        ident = (names.get(v.project_id), v.version, v.sha256)
        what = f"project {ident[0]} v{v.version}"
        if sha256_text(v.document) != v.sha256:
            problems.append(f"{what}: document does not match its hash (altered)")
        elif ident not in audited.versions:
            problems.append(f"{what}: no audit entry records it (altered or inserted)")
        present_versions.add(ident)
    for ident in sorted(audited.versions - present_versions, key=str):
        problems.append(f"project {ident[0]} v{ident[1]}: recorded in the trail but missing "
                        "(deleted)")
    versions = {v.id: (names.get(v.project_id), v.version)
                for v in session.scalars(select(ProjectVersion))}
    present_files = set()
    for f in session.scalars(select(ProjectFile).order_by(ProjectFile.id)):
        project, version = versions.get(f.version_id, (None, None))
        what = f"project {project} v{version} file {f.path}"
        ident = (project, version, f.path, f.sha256)
        if hashlib.sha256(f.content).hexdigest() != f.sha256:
            problems.append(f"{what}: content does not match its hash (altered)")
        elif ident not in audited.files:
            problems.append(f"{what}: no audit entry records it (altered or inserted)")
        present_files.add(ident)
    for ident in sorted(audited.files - present_files, key=str):
        problems.append(f"project {ident[0]} v{ident[1]} file {ident[2]}: recorded in the trail "
                        "but missing (deleted)")
    return problems
