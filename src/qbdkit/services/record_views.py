"""What a page about records shows: a filtered list, one record with its version history,
field-level differences between versions, its signatures checked against its content, and
the meanings the signed-in user may sign it with now (issue 15, records pages).

Composes :mod:`qbdkit.services.records` (versions, lifecycle state),
:mod:`qbdkit.services.signatures` (signatures, their check, who may sign what) and
:func:`qbdkit.services.projects.field_changes` (paths a scientist reads, e.g.
``result.rows[B04].severity``); computes nothing of its own.
"""

from __future__ import annotations

from typing import Any

from qbdkit.errors import QbdInputError

_BRIEF = ("kind", "key", "version", "state", "user", "at", "reason", "sha256",
          "project_version")


def filter_records(project: str, *, kind: str | None = None, stage: str | None = None,
                   state: str | None = None,
                   author: str | None = None, text: str | None = None, user: str | None = None,
                   url: str | None = None) -> list[dict[str, Any]]:
    """The newest version of each record of ``project`` (QbD-flow order) whose kind starts
    with ``kind`` (``risk`` or ``risk.fmea``), of the QbD ``stage`` (``sdm``: the kinds
    registered for that stage, e.g. ``sdm.compare`` and the sdm-stage mvda kinds), in
    lifecycle ``state``, saved by ``author``,
    and whose kind or name contains ``text`` (case-insensitive); each with the kind's title."""
    from qbdkit.services.kinds import _KINDS, load_all
    from qbdkit.services.records import STATES, list_records

    if state and state not in STATES:
        raise QbdInputError("unknown state", column="state", expected=" | ".join(STATES),
                            found=state)
    load_all()
    out = []
    needle = (text or "").strip().lower()
    for r in list_records(project, user=user, url=url).records:
        if kind and not (r["kind"] == kind or r["kind"].startswith(kind.rstrip(".") + ".")):
            continue
        k = _KINDS.get(r["kind"])
        if stage and (k.stage if k else r["kind"].split(".")[0]) != stage:
            continue
        if state and r["state"] != state:
            continue
        if author and r["user"] != author:
            continue
        if needle and needle not in r["kind"].lower() and needle not in r["key"].lower():
            continue
        out.append({**r, "title": dict(k.title) if k and k.title else {}})
    return out


def record_diff(project: str, kind: str, key: str, old: int, new: int, *,
                user: str | None = None, url: str | None = None) -> list[dict[str, Any]]:
    """Every changed field between versions ``old`` and ``new`` of ``kind/key``:
    ``[{"path", "old", "new"}]`` (:func:`qbdkit.services.projects.field_changes`)."""
    from qbdkit.services.projects import field_changes
    from qbdkit.services.records import get_record

    a = get_record(project, kind, key, old, user=user, url=url)
    b = get_record(project, kind, key, new, url=url)
    return field_changes(a["content"], b["content"])


def record_view(project: str, kind: str, key: str, version: int | None = None, *,
                user: str, url: str | None = None) -> dict[str, Any]:
    """One version (default the newest) for the record page: ``record`` (as
    :func:`~qbdkit.services.records.get_record`), ``history`` (every version, brief, oldest
    first), ``changes`` against the previous version, ``signatures`` each with ``valid``
    (its content hash still matches), and ``signable`` — the meanings ``user`` may sign
    this version with now (empty unless it is the newest)."""
    from qbdkit.services.records import get_record, record_history
    from qbdkit.services.signatures import signable_meanings, verify_signatures

    record = get_record(project, kind, key, version, user=user, url=url)
    history = [{k: h[k] for k in _BRIEF} | {"signatures": len(h["signatures"])}
               for h in record_history(project, kind, key, url=url)]
    v = record["version"]
    changes = [] if v == 1 else record_diff(project, kind, key, v - 1, v, url=url)
    checks = [s for s in verify_signatures(project, url=url).signatures
              if (s["kind"], s["key"], s["version"]) == (kind, key, v)]
    latest = history[-1]["version"] if history else v
    signable = signable_meanings(project, kind, key, user=user, url=url) if v == latest else []
    return {"record": record, "history": history, "changes": changes, "signatures": checks,
            "signable": signable, "latest": latest}
