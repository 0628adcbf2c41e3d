"""Risk assessments as project records with versions (issue 3 item 7).

An assessment (FMEA, CQA assessment, C&E matrix, parameter classes, study plan) is
stored with :func:`qbdkit.services.records.save_record` (contract A) as record kind
``risk.<assessment>`` and key = the input file's stem (or ``--key``). Every save is a
new version; the previous one is superseded, never deleted, and the store writes one
audit entry (who, when UTC, old → new, why) in the same transaction.

:func:`risk_history` lists the versions of a project's risk records with the rating
changes between consecutive versions (e.g. afucosylation impact 2 → 20, score 10 → 60),
each with who, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbdkit.core.result import Result, format_table
from qbdkit.core.risk.fmea import rating_changes
from qbdkit.errors import QbdInputError

KINDS: dict[str, str] = {
    "fmea": "risk.fmea",
    "cqa": "risk.cqa",
    "ce": "risk.ce",
    "classify": "risk.classify",
    "study": "risk.study",
}

# per record kind: (list field in the result, item key, rating fields compared)
_TRACKED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "risk.fmea": ("rows", "id", ("severity", "occurrence", "detection", "rpn", "ap",
                                 "revised_severity", "revised_occurrence", "revised_detection",
                                 "revised_rpn", "revised_ap", "decision")),
    "risk.cqa": ("attributes", "name", ("impact", "uncertainty", "severity", "likelihood",
                                        "score", "level", "cqa")),
    "risk.ce": ("inputs", "name", ("score", "selected")),
    "risk.classify": ("parameters", "name", ("class",)),
    "risk.study": ("parameters", "name", ("main_effect", "interaction", "severity", "study")),
}


def record_kind(assessment: str) -> str:
    try:
        return KINDS[assessment]
    except KeyError:
        raise QbdInputError("unknown assessment", column="kind",
                            expected=" | ".join(KINDS), found=assessment) from None


def store_assessment(project: str, assessment: str, key: str, result: Any, *, user: str,
                     reason: str, source: dict[str, Any] | None = None,
                     url: str | None = None) -> int:
    """Store ``result`` (a risk Result) as the next version of ``risk.<assessment>/key``.

    ``source`` records where it came from (file name, scale, threshold). Returns the new
    version number. Errors (unknown project or user, read-only role, missing reason when
    superseding) are :class:`QbdInputError` and nothing is stored.
    """
    from qbdkit.services.records import save_record

    content = {"assessment": assessment, "source": source or {}, "result": result.to_dict()}
    return save_record(project, record_kind(assessment), key, content, user=user, reason=reason,
                       url=url)


def _scores(scale_doc: dict[str, Any], dimension: str) -> list[int] | None:
    dim = (scale_doc.get("dimensions") or {}).get(dimension)
    return None if dim is None else sorted(lv["score"] for lv in dim.get("levels", []))


def _flatten_ce(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in items:
        flat = dict(r)
        for k, v in (r.get("correlations") or {}).items():
            flat[f"correlation:{k}"] = v
        out.append(flat)
    return out


def version_changes(kind: str, old: dict[str, Any] | None, new: dict[str, Any]
                    ) -> list[dict[str, Any]]:
    """Rating changes between two stored contents of the same record (``old`` None → all added)."""
    if kind == "risk.scale":
        a = (old or {}).get("scale") or {}
        b = new.get("scale") or {}
        return [{"item": "scale", "field": f, "old": a.get(f), "new": b.get(f)}
                for f in ("id", "version", "source", "threshold") if a.get(f) != b.get(f)] + [
            {"item": "scale", "field": f"{d}.scores", "old": _scores(a, d), "new": _scores(b, d)}
            for d in sorted(set(a.get("dimensions", {})) | set(b.get("dimensions", {})))
            if _scores(a, d) != _scores(b, d)]
    if kind not in _TRACKED:
        return []
    list_field, key, fields = _TRACKED[kind]
    new_items = (new.get("result") or {}).get(list_field) or []
    old_items = [] if old is None else ((old.get("result") or {}).get(list_field) or [])
    if kind == "risk.ce":
        new_items, old_items = _flatten_ce(new_items), _flatten_ce(old_items)
        outputs = {k for r in new_items + old_items for k in r if k.startswith("correlation:")}
        fields = fields + tuple(sorted(outputs))
        changes = rating_changes(old_items, new_items, key, fields)
        ow = {o["name"]: o["weight"] for o in ((old or {}).get("result") or {}).get("outputs", [])}
        nw = {o["name"]: o["weight"] for o in (new.get("result") or {}).get("outputs", [])}
        if old is not None:
            for name in sorted(set(ow) | set(nw)):
                if ow.get(name) != nw.get(name):
                    changes.append({"item": "weight", "field": name, "old": ow.get(name),
                                    "new": nw.get(name)})
        return changes
    return rating_changes(old_items, new_items, key, fields)


@dataclass(frozen=True)
class RiskHistory(Result):
    """``versions``: oldest first, each ``{kind, key, version, user, at, reason, changes}``;
    ``changes``: ``{item, field, old, new}`` against the previous version."""

    project: str
    versions: list[dict[str, Any]]

    def summary(self) -> str:
        if not self.versions:
            return f"project {self.project}: no risk assessments stored"
        rows = []
        for v in self.versions:
            if v["version"] == 1:
                what = f"created ({v['items']} items)"
            else:
                parts = [f"{c['item']} {c['field']}: {c['old']} → {c['new']}" if c["field"]
                         else f"{c['item']} {c['new']}" for c in v["changes"]]
                what = "; ".join(parts) if parts else "no rating change"
            rows.append([f"{v['kind']}/{v['key']}", v["version"], v["at"], v["user"],
                         v["reason"], what])
        return (f"Risk assessment history of project {self.project}\n"
                + format_table(["record", "version", "when (UTC)", "who", "why", "changes"],
                               rows))


def risk_history(project: str, *, assessment: str | None = None, key: str | None = None,
                 url: str | None = None) -> RiskHistory:
    """Versions of the project's risk records with rating changes, who, when and why."""
    from qbdkit.services.records import record_history

    kind = None if assessment is None else record_kind(assessment)
    records = [r for r in record_history(project, kind, key, url=url)
               if str(r["kind"]).startswith("risk.")]
    last: dict[tuple[str, str], dict[str, Any]] = {}
    versions = []
    for r in records:
        ident = (r["kind"], r["key"])
        previous = last.get(ident)
        content = r["content"] if isinstance(r["content"], dict) else {}
        changes = [] if previous is None else version_changes(r["kind"], previous, content)
        list_field = _TRACKED.get(r["kind"], ("", "", ()))[0]
        items = len((content.get("result") or {}).get(list_field) or [])
        versions.append({"kind": r["kind"], "key": r["key"], "version": r["version"],
                         "user": r["user"], "at": r["at"], "reason": r["reason"],
                         "items": items, "changes": changes})
        last[ident] = content
    return RiskHistory(project=project, versions=versions)


SCALE_KIND = "risk.scale"


def set_project_scale(project: str, scale: str | Any, *, user: str, reason: str,
                      url: str | None = None) -> tuple[str, int]:
    """Make a site's SOP scale (file path, shipped id or :class:`~qbdkit.scales.Scale`) the
    project's setting for its kind (fmea, cqa, ce, study): stored as record
    ``risk.scale/<kind>`` with a version and an audit entry. Returns ``(kind, version)``."""
    from qbdkit.scales import load_scale
    from qbdkit.services.records import save_record

    sc = load_scale(scale)
    content = {"scale": sc.model_dump(mode="json", exclude={"path"}),
               "file": None if sc.path is None else Path(sc.path).name}
    version = save_record(project, SCALE_KIND, sc.kind, content, user=user, reason=reason,
                          url=url)
    return sc.kind, version


def project_scale(project: str, kind: str, *, url: str | None = None) -> Any:
    """The project's scale setting for ``kind`` (a :class:`~qbdkit.scales.Scale`) or None."""
    from qbdkit.scales import parse_scale
    from qbdkit.services.records import latest_record

    record = latest_record(project, SCALE_KIND, kind, url=url)
    if record is None:
        return None
    return parse_scale(record["content"]["scale"],
                       file=f"project {project}: {SCALE_KIND}/{kind} v{record['version']}")


ASSESSMENT_FILES = {"fmea": "fmea", "cqa": "cqa", "ce": "ce", "classify": "classify",
                    "study": "study"}


def store_folder(project: str, folder: str | Path, *, user: str, reason: str,
                 url: str | None = None) -> dict[str, int]:
    """Assess and store every ``<assessment>.csv|.xlsx`` in ``folder`` (e.g. the demo's
    ``risk/``), key = file stem, with the project's scale settings when it has them.
    All files are assessed before anything is stored. Returns ``{record kind/key: version}``.
    """
    from qbdkit.core.risk import (
        cause_and_effect,
        classify_parameters,
        cqa_assessment,
        fmea,
        study_plan,
    )
    from qbdkit.io import read_table

    def scale_for(kind: str, default: str) -> Any:
        setting = project_scale(project, kind, url=url)
        return default if setting is None else setting

    runners = {
        "fmea": lambda t: fmea(t, scale=scale_for("fmea", "aiag-vda")),
        "cqa": lambda t: cqa_assessment(t, tool=scale_for("cqa", "amab-1")),
        "ce": lambda t: cause_and_effect(t, scale=scale_for("ce", "0-1-3-9")),
        "classify": classify_parameters,
        "study": lambda t: study_plan(t, scale=scale_for("study", "study")),
    }
    folder = Path(folder)
    results = []
    for assessment in ASSESSMENT_FILES:
        for suffix in (".csv", ".xlsx"):
            path = folder / f"{assessment}{suffix}"
            if path.exists():
                results.append((assessment, path, runners[assessment](read_table(path))))
    versions: dict[str, int] = {}
    for assessment, path, result in results:
        versions[f"{record_kind(assessment)}/{path.stem}"] = store_assessment(
            project, assessment, path.stem, result, user=user, reason=reason,
            source={"file": path.name}, url=url)
    return versions
