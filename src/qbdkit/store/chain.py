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

The hash chain alone detects any change made without rewriting every later entry and the
chain head consistently; each entry (and the head) is therefore also authenticated with an
HMAC under a key the database does not hold (:mod:`qbdkit.store.keys`), which a re-chained,
forged or reordered trail cannot reproduce; anchors kept outside the database catch
truncation and roll-back.
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


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False)


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, UTF-8 kept (RFC 8785 in spirit)."""
    return _CANONICAL.encode(value)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value`` (used for documents and records)."""
    return sha256_text(canonical_json(value))


def utc_text(at: datetime) -> str:
    """``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive values are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    # isoformat is strftime("%Y-%m-%dT%H:%M:%S.%f") at a fraction of the cost (verification
    # formats every entry's time)
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


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
    kind: str  # "altered" | "deleted" | "inserted" | "broken-link" | "head" | "forged"
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
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.intact:
            text = (f"audit trail intact: {self.entries} entries; head entry {self.head_id}, "
                    f"hash {self.head_hash}")
            return "\n".join([text, *(f"note: {n}" for n in self.notes)])
        if self.first_bad is not None:
            return f"audit trail TAMPERED: {self.first_bad.summary()}"
        return "audit trail TAMPERED: " + "; ".join(self.content_problems)


class ChainWalker:
    """Verify entries one at a time, in id order (memory does not grow with the trail).

    ``feed(entry)`` returns None while all is well, else the :class:`ChainReport` naming the
    first bad entry; ``finish()`` checks the head. With ``keys`` (a ``key_id → key`` lookup),
    each entry must also carry ``mac``/``key_id`` (HMAC-SHA-256 of its hash under a key the
    database does not hold, :mod:`qbdkit.store.keys`): an entry written without the key —
    forged, or re-chained after an edit — is named.
    """

    def __init__(self, head_id: int | None, head_hash: str | None,
                 keys: Mapping[str, bytes] | None = None) -> None:
        self.head_id, self.head_hash, self.keys = head_id, head_hash, keys
        self.expected_id = 1
        self.prev = GENESIS
        self.count = 0
        self.last_id: int | None = None

    def _bad(self, entry_id: int, kind: str, message: str) -> ChainReport:
        return ChainReport(False, self.count, self.head_id, self.head_hash,
                           ChainProblem(entry_id, kind, message))

    def feed(self, entry: Mapping[str, Any]) -> ChainReport | None:
        self.count += 1
        eid = int(entry["id"])
        if self.head_id is not None and eid > self.head_id:
            return self._bad(eid, "inserted", f"row inserted: the chain head ends at entry "
                                              f"{self.head_id}, but entry {eid} follows it")
        if eid != self.expected_id:
            if eid > self.expected_id:
                missing = (f"entry {self.expected_id}" if eid == self.expected_id + 1
                           else f"entries {self.expected_id}–{eid - 1}")
                return self._bad(eid, "deleted", f"row deleted: {missing} before it is missing")
            return self._bad(eid, "inserted", f"row inserted: id {eid} out of sequence")
        if entry["at"] is None:
            return self._bad(eid, "altered", "row altered: its timestamp is not a readable time")
        if entry_hash(entry) != entry["hash"]:
            return self._bad(eid, "altered", "row altered: its content does not match its hash")
        if entry["prev_hash"] != self.prev:
            return self._bad(eid, "broken-link",
                             "chain broken: its previous-entry hash does not match entry "
                             f"{eid - 1} (a row before it was altered, deleted or inserted)")
        if self.keys is not None:
            from qbdkit.store.keys import entry_mac, equal

            key = self.keys.get(entry.get("key_id") or "")
            if entry.get("mac") is None:
                return self._bad(eid, "forged", "entry not authenticated: it has no MAC "
                                                "(written without the audit key)")
            if key is None:
                return self._bad(eid, "forged", f"entry authenticated with an unknown key "
                                                f"{entry.get('key_id')!r}")
            if not equal(entry_mac(key, entry["hash"]), entry["mac"]):
                return self._bad(eid, "forged", "entry's MAC does not verify: written, "
                                                "altered or re-chained without the audit key")
        self.prev = entry["hash"]
        self.last_id = eid
        self.expected_id += 1
        return None

    def finish(self, head_mac: str | None = None, head_key_id: str | None = None
               ) -> ChainReport:
        if self.head_id is None:
            if self.count:
                return self._bad(1, "head", "the chain head is missing")
            return ChainReport(True, 0, None, None)
        if self.last_id is None or self.last_id < self.head_id:
            return self._bad((self.last_id or 0) + 1, "deleted",
                             f"row deleted: the chain head ends at entry {self.head_id}, "
                             f"but the last entry present is {self.last_id or 'none'}")
        if self.head_hash != self.prev:
            return self._bad(self.head_id, "head", "the chain head's hash does not match this "
                                                   "entry (the head or this row was altered)")
        if self.keys is not None:
            from qbdkit.store.keys import equal
            from qbdkit.store.keys import head_mac as make_head_mac

            key = self.keys.get(head_key_id or "")
            if key is None or not equal(make_head_mac(key, self.head_id, self.head_hash or ""),
                                        head_mac):
                return self._bad(self.head_id, "head", "the chain head's MAC does not verify "
                                                       "(the head was rewritten without the key)")
        return ChainReport(True, self.count, self.head_id, self.head_hash)


def verify_chain(entries: Iterable[Mapping[str, Any]], head_id: int | None,
                 head_hash: str | None, keys: Mapping[str, bytes] | None = None,
                 head_mac: str | None = None, head_key_id: str | None = None) -> ChainReport:
    """Check ``entries`` (in id order, each with ``hash``) against each other and the head.

    Returns the first problem found, walking from the oldest entry (see :class:`ChainWalker`).
    """
    walker = ChainWalker(head_id, head_hash, keys)
    for entry in entries:
        bad = walker.feed(entry)
        if bad is not None:
            return bad
    return walker.finish(head_mac, head_key_id)
