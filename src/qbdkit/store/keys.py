"""Audit keys kept outside the database, and the anchors that pin the chain's head.

Threat model (README "Storage and data integrity"): the hash chain alone lets anyone with
write access to the database rebuild it after an edit. Every audit entry is therefore also
authenticated with HMAC-SHA-256 (RFC 2104, Python's :mod:`hmac`) under a secret key that the
database does not hold: an entry written, altered, reordered or re-chained without the key
no longer verifies. The chain head carries a MAC too, and every write moves a local
*anchor* (the highest entry this machine has seen, MAC'd) forward, so a truncated or
rolled-back store is noticed by the next verification on a machine holding the anchor;
``qbdkit audit anchor --out FILE`` writes the same statement to keep elsewhere.

Files (mode 0600, in ``$QBDKIT_CONFIG_DIR``, default ``$XDG_CONFIG_HOME/qbdkit`` or
``~/.config/qbdkit``):

* the keyring ``audit-keys.json`` (or ``$QBDKIT_KEY_FILE``):
  ``{"format": 1, "stores": {STORE_ID: {"current": KEY_ID, "keys": {KEY_ID: HEX}}}}`` —
  one section per store (a store is named by the random id in its ``store_meta``); rotation
  adds a key and keeps the old ones for verification;
* ``anchors.json``: ``{STORE_ID: {"entry": N, "hash": H, "key_id": K, "mac": M}}``.

Hand-written: no maintained library keeps HMAC keyrings for an audit table; the pieces are
:mod:`hmac`, :mod:`secrets`, :mod:`json` and an atomic rename under :mod:`fcntl` locking.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbdkit.errors import QbdInputError

KEYRING_NAME = "audit-keys.json"
ANCHORS_NAME = "anchors.json"


def config_dir() -> Path:
    """``$QBDKIT_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/qbdkit``, else ``~/.config/qbdkit``."""
    explicit = os.environ.get("QBDKIT_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qbdkit"


def keyring_path() -> Path:
    """``$QBDKIT_KEY_FILE``, else ``config_dir()/audit-keys.json``."""
    explicit = os.environ.get("QBDKIT_KEY_FILE")
    return Path(explicit) if explicit else config_dir() / KEYRING_NAME


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path.lock`` (creating the folder 0700 when needed)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise QbdInputError("cannot read the key file", file=str(path),
                            expected="a readable file (mode 0600)", found=exc.strerror) from exc
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise QbdInputError("the key file is not valid JSON", file=str(path),
                            expected="a qbdkit key file", found=str(exc)) from exc
    if not isinstance(value, dict):
        raise QbdInputError("the key file is not a qbdkit key file", file=str(path),
                            expected="a JSON object", found=type(value).__name__)
    return value


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Write ``value`` to ``path`` atomically with mode 0600."""
    fd, tmp = tempfile.mkstemp(prefix=".qbdkit-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class StoreKeys:
    """The keys of one store: ``current`` signs new entries; all verify."""

    store_id: str
    current: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)


def load_keys(store_id: str) -> StoreKeys | None:
    """The store's keys from the keyring, or None when the keyring has no section for it."""
    path = keyring_path()
    section = (_read_json(path).get("stores") or {}).get(store_id)
    if not section:
        return None
    try:
        keys = {kid: bytes.fromhex(hexkey) for kid, hexkey in section["keys"].items()}
        current = section["current"]
        if current not in keys:
            raise KeyError(current)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise QbdInputError("the key file's entry for this store is damaged", file=str(path),
                            column=store_id, expected="current key id and hex keys",
                            found=str(exc)) from exc
    return StoreKeys(store_id, current, keys)


def new_key(store_id: str) -> StoreKeys:
    """Add a fresh 256-bit key for ``store_id`` (creating the keyring); it becomes current."""
    path = keyring_path()
    with _locked(path):
        ring = _read_json(path) or {"format": 1, "stores": {}}
        section = ring.setdefault("stores", {}).setdefault(store_id, {"keys": {}})
        key_id = f"k{len(section['keys']) + 1}-{secrets.token_hex(4)}"
        section["keys"][key_id] = secrets.token_hex(32)
        section["current"] = key_id
        _write_json(path, ring)
    keys = load_keys(store_id)
    assert keys is not None
    return keys


def mac(key: bytes, message: str) -> str:
    """HMAC-SHA-256 of ``message`` (UTF-8) as hex."""
    return hmac.digest(key, message.encode("utf-8"), "sha256").hex()


def entry_mac(key: bytes, entry_hash: str) -> str:
    return mac(key, f"qbdkit-entry:{entry_hash}")


def head_mac(key: bytes, last_id: int, last_hash: str) -> str:
    return mac(key, f"qbdkit-head:{last_id}:{last_hash}")


def anchor_mac(key: bytes, store_id: str, entry: int, entry_hash: str) -> str:
    return mac(key, f"qbdkit-anchor:{store_id}:{entry}:{entry_hash}")


def equal(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two hex MACs (None never equals)."""
    return a is not None and b is not None and hmac.compare_digest(a, b)


def anchors_path() -> Path:
    return config_dir() / ANCHORS_NAME


def read_anchor(store_id: str) -> dict[str, Any] | None:
    """This machine's anchor for ``store_id`` (the highest entry it saw written), or None."""
    return (_read_json(anchors_path()) or {}).get(store_id)


def anchor_statement(keys: StoreKeys, entry: int, entry_hash: str) -> dict[str, Any]:
    return {"store_id": keys.store_id, "entry": int(entry), "hash": entry_hash,
            "key_id": keys.current,
            "mac": anchor_mac(keys.keys[keys.current], keys.store_id, int(entry), entry_hash)}


def move_anchor(keys: StoreKeys, entry: int, entry_hash: str) -> None:
    """Move this machine's anchor for the store forward to ``entry`` (never backward)."""
    path = anchors_path()
    with _locked(path):
        anchors = _read_json(path)
        old = anchors.get(keys.store_id)
        if old is not None and int(old.get("entry", 0)) >= entry:
            return
        anchors[keys.store_id] = anchor_statement(keys, entry, entry_hash)
        _write_json(path, anchors)


def check_statement(statement: Any, keys: StoreKeys) -> str | None:
    """None when ``statement`` is an anchor authenticated by one of ``keys``; else why not."""
    if not isinstance(statement, dict):
        return "not an anchor statement"
    try:
        store_id = str(statement["store_id"])
        entry = int(statement["entry"])
        entry_hash = str(statement["hash"])
        key = keys.key(str(statement["key_id"]))
        claimed = str(statement["mac"])
    except (KeyError, TypeError, ValueError):
        return "not an anchor statement (store_id, entry, hash, key_id, mac)"
    if store_id != keys.store_id:
        return f"the anchor belongs to another store ({store_id})"
    if key is None:
        return f"the anchor's key {statement['key_id']} is not in the keyring"
    if not equal(anchor_mac(key, store_id, entry, entry_hash), claimed):
        return "the anchor's MAC does not verify (forged or altered anchor)"
    return None
