"""Appending to and reading the audit trail inside an open transaction.

Callers (the services) hold the write lock of :func:`qbdkit.store.db.transaction`,
so reading the chain head and appending after it cannot interleave with another
writer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from qbdkit.store import keys as keystore
from qbdkit.store.chain import GENESIS, canonical_json, entry_hash, utc_text
from qbdkit.store.schema import AuditEntry, AuditHead, AuditMac, utcnow

#: ``session.info`` key: the (keys, entry id, hash) to move the local anchor to after commit.
ANCHOR_INFO = "qbdkit_anchor"


def append_entry(session: Session, *, user: str, action: str, entity: str, reason: str,
                 project: str | None = None, old: Any = None, new: Any = None) -> AuditEntry:
    """Append one chained entry (``old``/``new`` are JSON-able values or None) and move the head.

    The entry is authenticated with the store's current audit key (``audit_macs``) and so is
    the head; after the transaction commits, this machine's anchor moves to the entry
    (:func:`qbdkit.store.db.transaction`).
    """
    from qbdkit.store.meta import store_keys

    keys = store_keys(session)
    key = keys.keys[keys.current]
    head = session.get(AuditHead, 1)
    prev_id, prev_hash = (head.last_id, head.last_hash) if head is not None else (0, GENESIS)
    fields: dict[str, Any] = {
        "id": prev_id + 1,
        "at": utcnow(),
        "user": user,
        "action": action,
        "project": project,
        "entity": entity,
        "old": None if old is None else canonical_json(old),
        "new": None if new is None else canonical_json(new),
        "reason": reason,
        "prev_hash": prev_hash,
    }
    fields["hash"] = entry_hash(fields)
    entry = AuditEntry(**fields)
    session.add(entry)
    session.add(AuditMac(entry_id=entry.id, key_id=keys.current,
                         mac=keystore.entry_mac(key, entry.hash)))
    head_fields = {"last_id": entry.id, "last_hash": entry.hash, "key_id": keys.current,
                   "mac": keystore.head_mac(key, entry.id, entry.hash)}
    if head is None:
        session.add(AuditHead(id=1, **head_fields))
    else:
        for name, value in head_fields.items():
            setattr(head, name, value)
    session.flush()
    session.info[ANCHOR_INFO] = (keys, entry.id, entry.hash)
    return entry


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as plain data (``at`` as UTC ISO text, ``old``/``new`` as stored JSON text)."""
    return {
        "id": entry.id,
        "at": utc_text(entry.at),
        "user": entry.user,
        "action": entry.action,
        "project": entry.project,
        "entity": entry.entity,
        "old": entry.old,
        "new": entry.new,
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def read_at(raw: Any) -> datetime | None:
    """A stored timestamp as aware UTC, or None when it is not a readable time (tampered)."""
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    if isinstance(raw, str):
        try:
            return read_at(datetime.fromisoformat(raw))
        except ValueError:
            return None
    return None


def chain_rows(session: Session) -> list[dict[str, Any]]:
    """Every entry in id order, in the shape :func:`qbdkit.store.chain.verify_chain` reads.

    The timestamp is read raw, so a row whose time was overwritten with text is
    reported as altered rather than failing to load.
    """
    columns = [c for c in AuditEntry.__table__.c if c.name != "at"]
    query = (select(*columns, type_coerce(AuditEntry.__table__.c.at, String).label("at"))
             .order_by(AuditEntry.id))
    rows = []
    for row in session.execute(query).mappings():
        entry = dict(row)
        entry["at"] = read_at(entry["at"])
        rows.append(entry)
    return rows
