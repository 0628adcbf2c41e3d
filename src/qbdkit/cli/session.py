"""Where the CLI keeps its sign-in token: ``$QBDKIT_CONFIG_DIR/sessions.json`` (mode 0600),
one token per store id. The store holds only the token's SHA-256; the token expires after the
store's idle time (default 15 min) and ``qbdkit logout`` ends it."""

from __future__ import annotations

from qbdkit.store.keys import _locked, _read_json, _write_json, config_dir

SESSIONS_NAME = "sessions.json"


def _path():
    return config_dir() / SESSIONS_NAME


def read_token(store_id: str | None) -> str | None:
    if store_id is None:
        return None
    return (_read_json(_path()) or {}).get(store_id)


def write_token(store_id: str, token: str | None) -> None:
    path = _path()
    with _locked(path):
        data = _read_json(path)
        if token is None:
            data.pop(store_id, None)
        else:
            data[store_id] = token
        _write_json(path, data)
