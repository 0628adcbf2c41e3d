"""Field-level differences between two JSON documents, with readable paths.

``diff(old, new)`` → ``[Change(path, old, new), …]`` where a path reads as a user names the
thing: list items that carry a ``name`` (or ``id``) are addressed by it, e.g.
``quality_attributes[Aggregates].acceptance[0].high``; other list items by position. Used for
project versions (audit entries, ``qbdkit diff``) and for comparing a re-run with its record.

Hand-written: the libraries that diff JSON (deepdiff, jsondiff) report positions, not the
names a scientist reads, and are one more dependency for ~60 lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbdkit.core.result import Result

_KEYS = ("name", "id", "batch")


@dataclass(frozen=True)
class Change(Result):
    path: str
    old: Any
    new: Any

    def summary(self) -> str:
        return f"{self.path}: {_show(self.old)} → {_show(self.new)}"


_MISSING = object()


def _show(value: Any) -> str:
    import json

    if value is _MISSING or value is None:
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _item_key(item: Any) -> str | None:
    if isinstance(item, dict):
        for k in _KEYS:
            v = item.get(k)
            if isinstance(v, str | int) and not isinstance(v, bool):
                return str(v)
    return None


def _keyed(items: list) -> dict[str, Any] | None:
    """``{key: item}`` when every item has a distinct name/id, else None (diff by position)."""
    out: dict[str, Any] = {}
    for it in items:
        k = _item_key(it)
        if k is None or k in out:
            return None
        out[k] = it
    return out


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every leaf that differs between ``old`` and ``new`` (added/removed leaves as ∅)."""
    out: list[Change] = []
    _walk(old, new, path, out)
    return out


def _walk(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{k}" if path else str(k)
            a, b = old.get(k, _MISSING), new.get(k, _MISSING)
            if a is _MISSING or b is _MISSING:
                if not ((a in (None, [], {}) and b is _MISSING) or (b in (None, [], {})
                        and a is _MISSING)):
                    out.append(Change(sub, None if a is _MISSING else a,
                                      None if b is _MISSING else b))
            else:
                _walk(a, b, sub, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        ka, kb = _keyed(old), _keyed(new)
        if ka is not None and kb is not None:
            for k in list(ka) + [k for k in kb if k not in ka]:
                sub = f"{path}[{k}]"
                if k not in kb:
                    out.append(Change(sub, ka[k], None))
                elif k not in ka:
                    out.append(Change(sub, None, kb[k]))
                else:
                    _walk(ka[k], kb[k], sub, out)
            return
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            if i >= len(new):
                out.append(Change(sub, old[i], None))
            elif i >= len(old):
                out.append(Change(sub, None, new[i]))
            else:
                _walk(old[i], new[i], sub, out)
        return
    if old != new:
        out.append(Change(path, old, new))
