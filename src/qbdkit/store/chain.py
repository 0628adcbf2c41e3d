"""The tamper-evident audit chain: canonical content, SHA-256 hashes, verification.

Each audit entry (who, when in UTC, action, entity, old → new, reason) carries
``hash = SHA-256(canonical(entry))`` where the canonical form is the UTF-8 JSON
text of ``{"id", "at", "user", "action", "project", "entity", "old", "new",
"reason", "prev"}`` with sorted keys and no whitespace, ``at`` written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and ``prev`` the previous entry's hash (64 zeros
for the first entry). ``old`` and ``new`` are stored as canonical JSON *text*, so
the bytes hashed are the bytes stored, identical on SQLite and PostgreSQL (a
JSONB column would reorder keys).

Verification walks the entries in id order and names the first bad one:

* a row whose content no longer matches its hash → *altered*;
* a gap in the ids, or a ``prev`` that does not match the previous row's hash →
  a row before it was *deleted* (or altered/inserted);
* rows after the last entry recorded in the chain head, or a head pointing past
  the last row → *inserted* / *deleted* at the end.

The chain is hash-linked, not signed: it detects any change made without
rewriting every later entry and the chain head consistently. Recording the head
hash outside the database (``qbdkit audit verify`` prints it) and passing it
back later (``qbdkit audit verify --anchor HASH``) closes that gap.
This is hand-written because no maintained library does hash-chained audit
trails over SQLAlchemy; it is ~100 lines of ``hashlib`` + ``json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from qbdkit.core.result import Result

GENESIS = "0" * 64
"""``prev`` of the first entry."""


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, UTF-8 kept (RFC 8785 in spirit)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value`` (used for documents and records)."""
    return sha256_text(canonical_json(value))


def utc_text(at: datetime) -> str:
    """``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive values are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """Hash of one audit entry (a mapping with the fields named in the module docstring).

    ``old``/``new`` are the stored JSON *texts* (or None).
    """
    body = {
        "id": int(entry["id"]),
        "at": utc_text(entry["at"]),
        "user": entry["user"],
        "action": entry["action"],
        "project": entry.get("project"),
        "entity": entry["entity"],
        "old": entry.get("old"),
        "new": entry.get("new"),
        "reason": entry["reason"],
        "prev": entry["prev_hash"],
    }
    return sha256_text(canonical_json(body))


@dataclass(frozen=True)
class ChainProblem(Result):
    """The first bad entry: its id and what is wrong with it."""

    entry_id: int
    kind: str  # "altered" | "deleted" | "inserted" | "broken-link" | "head"
    message: str

    def summary(self) -> str:
        return f"entry {self.entry_id}: {self.message}"


@dataclass(frozen=True)
class ChainReport(Result):
    """Outcome of :func:`verify_chain`."""

    intact: bool
    entries: int
    head_id: int | None
    head_hash: str | None
    first_bad: ChainProblem | None = None
    content_problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.intact:
            return (f"audit trail intact: {self.entries} entries; head entry {self.head_id}, "
                    f"hash {self.head_hash}")
        if self.first_bad is not None:
            return f"audit trail TAMPERED: {self.first_bad.summary()}"
        return "audit trail TAMPERED: " + "; ".join(self.content_problems)


def verify_chain(entries: Iterable[Mapping[str, Any]], head_id: int | None,
                 head_hash: str | None) -> ChainReport:
    """Check ``entries`` (in id order, each with ``hash``) against each other and the head.

    Returns the first problem found, walking from the oldest entry.
    """
    expected_id = 1
    prev = GENESIS
    count = 0
    last_id: int | None = None

    def bad(entry_id: int, kind: str, message: str) -> ChainReport:
        return ChainReport(False, count, head_id, head_hash, ChainProblem(entry_id, kind, message))

    for entry in entries:
        count += 1
        eid = int(entry["id"])
        if head_id is not None and eid > head_id:
            return bad(eid, "inserted",
                       f"row inserted: the chain head ends at entry {head_id}, "
                       f"but entry {eid} follows it")
        if eid != expected_id:
            if eid > expected_id:
                missing = (f"entry {expected_id}" if eid == expected_id + 1
                           else f"entries {expected_id}–{eid - 1}")
                return bad(eid, "deleted", f"row deleted: {missing} before it is missing")
            return bad(eid, "inserted", f"row inserted: id {eid} out of sequence")
        if entry["at"] is None:
            return bad(eid, "altered", "row altered: its timestamp is not a readable time")
        if entry_hash(entry) != entry["hash"]:
            return bad(eid, "altered", "row altered: its content does not match its hash")
        if entry["prev_hash"] != prev:
            return bad(eid, "broken-link",
                       "chain broken: its previous-entry hash does not match entry "
                       f"{eid - 1} (a row before it was altered, deleted or inserted)")
        prev = entry["hash"]
        last_id = eid
        expected_id += 1
    if head_id is None:
        if count:
            return bad(1, "head", "the chain head is missing")
        return ChainReport(True, 0, None, None)
    if last_id is None or last_id < head_id:
        first_missing = (last_id or 0) + 1
        return bad(first_missing, "deleted",
                   f"row deleted: the chain head ends at entry {head_id}, "
                   f"but the last entry present is {last_id or 'none'}")
    if head_hash != prev:
        return bad(head_id, "head", "the chain head's hash does not match this entry "
                                    "(the head or this row was altered)")
    return ChainReport(True, count, head_id, head_hash)

