"""Plain-text views of stored records (the CLI's ``records show``), with the signature
manifestation every display of a signed record carries (21 CFR 11.50: printed name, date and
time, meaning)."""

from __future__ import annotations

import json
from typing import Any


def signature_lines(signatures: list[dict[str, Any]]) -> list[str]:
    if not signatures:
        return ["signatures: none"]
    return ["signatures:"] + [
        f"  {s['meaning']:<9} {s['full_name']} ({s['user']})  {s['at']} UTC  "
        f"content sha256 {s['content_sha256'][:16]}…" + (f"  — {s['reason']}"
                                                          if s.get("reason") else "")
        for s in signatures]


def result_object(kind_name: str, result: Any) -> Any | None:
    """The stored result rebuilt as its result class (None when it cannot be)."""
    from qbdkit.services.kinds import _KINDS, load_all

    load_all()
    kind = _KINDS.get(kind_name)
    cls = getattr(kind, "result", None)
    if cls is None or not hasattr(cls, "from_dict") or not isinstance(result, dict):
        return None
    try:
        return cls.from_dict(result)
    except Exception:  # an older schema: show the JSON instead
        return None


def record_text(record: dict[str, Any]) -> str:
    content = record["content"]
    lines = [f"{record['kind']}/{record['key']} v{record['version']} — {record['state']}",
             f"project {record['project']}"
             + (f" (made from project version {record['project_version']})"
                if record.get("project_version") else ""),
             f"saved by {record['user']} at {record['at']} UTC"
             + (f": {record['reason']}" if record.get("reason") else ""),
             f"sha256 {record['sha256']}"]
    if isinstance(content, dict) and content.get("store_mode") == "single-user":
        lines.append("made on a single-user store (not signed-in, cannot be signed)")
    for i in record.get("inputs", []):
        lines.append(f"input {i['field']}: {i['filename']} (sha256 {i['sha256'][:16]}…)")
    if isinstance(content, dict) and "request" in content:
        lines.append("options: " + json.dumps(content["request"], ensure_ascii=False,
                                              sort_keys=True))
        if content.get("seed") is not None:
            lines.append(f"seed: {content['seed']}")
        lines.append(f"qbdkit {content.get('qbdkit_version')}")
    lines += signature_lines(record.get("signatures", []))
    result = content.get("result") if isinstance(content, dict) else None
    obj = result_object(record["kind"], result)
    lines.append("")
    if obj is not None and hasattr(obj, "summary"):
        text = obj.summary()
        lines.append(text if isinstance(text, str) else str(text))
    else:
        text = json.dumps(result if result is not None else content, ensure_ascii=False,
                          indent=1, sort_keys=True)
        lines.append(text if len(text) < 20000 else text[:20000] + "\n… (use --json for all)")
    return "\n".join(lines)
