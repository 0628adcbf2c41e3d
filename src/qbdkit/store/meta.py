"""The store's identity and settings (``store_meta``): id, mode, key initialisation.

A store is named by a random ``store_id`` created with it; its audit key lives outside the
database under that id (:mod:`qbdkit.store.keys`). The **mode** is ``single-user`` (the
embedded SQLite default: the operating-system user acts, no sign-in) or ``multi-user`` (every
PostgreSQL store, and SQLite after ``qbdkit store secure``: only a signed-in user acts). The
mode is written into the audit trail when it is set, so flipping it in the database is caught
by verification.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbdkit.errors import QbdInputError
from qbdkit.store import keys as keystore
from qbdkit.store.schema import AuditEntry, AuditHead, AuditMac, StoreMeta

SINGLE_USER = "single-user"
MULTI_USER = "multi-user"

#: Settings with their defaults (text, as stored).
DEFAULTS: dict[str, str] = {
    "session_idle_minutes": "15",
    "password_min_length": "12",
    "max_failed_logins": "5",
    "password_history": "5",
}


def get_meta(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(StoreMeta, key)
    return row.value if row is not None else DEFAULTS.get(key, default)


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(StoreMeta, key)
    if row is None:
        session.add(StoreMeta(key=key, value=value))
    else:
        row.value = value
    session.flush()


def store_id(session: Session) -> str | None:
    return get_meta(session, "store_id")


def mode(session: Session) -> str:
    """``single-user`` or ``multi-user`` (PostgreSQL stores are always multi-user)."""
    if session.get_bind().dialect.name == "postgresql":
        return MULTI_USER
    return get_meta(session, "mode") or SINGLE_USER


def store_keys(session: Session) -> keystore.StoreKeys:
    """The keys of this store, or a :class:`QbdInputError` saying where they are expected."""
    sid = store_id(session)
    if sid is None:
        raise QbdInputError("this store has no audit key yet", column="store_meta",
                            expected="a store initialised by qbdkit", found="no store id")
    keys = keystore.load_keys(sid)
    if keys is None:
        raise QbdInputError(
            f"the audit key of this store (id {sid}) is not in the key file",
            file=str(keystore.keyring_path()),
            expected="the store's key file (copy it from the machine that created the store, "
                     "or set QBDKIT_KEY_FILE)", found="no key for this store")
    return keys


def initialise(session: Session) -> str:
    """Give a store its id and audit key when it has none; returns the store id.

    Entries already present (a fresh store's first entry, or an older store's trail) are
    MAC'd now, and an audit entry ``store.keys`` records the key's creation, the mode, and
    from which entry on the trail was authenticated.
    """
    from qbdkit.store.trail import append_entry

    sid = store_id(session)
    if sid is not None:
        return sid
    sid = uuid.uuid4().hex
    keys = keystore.new_key(sid)
    key = keys.keys[keys.current]
    set_meta(session, "store_id", sid)
    store_mode = MULTI_USER if session.get_bind().dialect.name == "postgresql" else (
        get_meta(session, "mode") or SINGLE_USER)
    set_meta(session, "mode", store_mode)
    existing = 0
    for entry_id, entry_hash in session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id)):
        if session.get(AuditMac, entry_id) is None:
            session.add(AuditMac(entry_id=entry_id, key_id=keys.current,
                                 mac=keystore.entry_mac(key, entry_hash)))
        existing += 1
    session.flush()
    append_entry(session, user="system", action="store.keys", entity=f"store:{sid}",
                 new={"store_id": sid, "key_id": keys.current, "mode": store_mode,
                      "authenticated_from": 1, "entries_before": existing},
                 reason="store created: audit key made")
    return sid


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, 1)
