"""Risk assessments (FMEA, C&E matrix, CQA assessment, parameter classes, study plan) as
use cases with record kinds, and their version history (issue 3 item 7, issue 9).

One service function per assessment, each taking a request of everything the user chose
(the worksheet, the scale) — :func:`fmea`, :func:`cause_and_effect`, :func:`cqa`,
:func:`classify`, :func:`study` — registered as record kinds ``risk.fmea``, ``risk.ce``,
``risk.cqa``, ``risk.classify`` and ``risk.study``. Stored with
:func:`qbdkit.services.records.run_and_store` (``--project P --as NAME``), a record keeps the
worksheet's bytes, the scale (its file, or the project's scale setting copied into the
request), and the result; every save is a new version, the previous one superseded, never
deleted, with one audit entry.

:func:`risk_history` lists the versions of a project's risk records with the rating
changes between consecutive versions (e.g. afucosylation impact 2 → 20, score 10 → 60),
each with who, when and why. :func:`store_folder` assesses and stores a folder of
worksheets (the demo's ``risk/``) through the same kinds.

Abbreviations: CQA critical quality attribute; FMEA failure mode and effects analysis;
C&E cause and effect; CPP critical process parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbdkit.core.result import Result, format_table
from qbdkit.core.risk import (
    CeResult,
    ClassificationResult,
    CqaResult,
    FmeaResult,
    StudyPlanResult,
)
from qbdkit.core.risk.fmea import rating_changes
from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

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


# ---- requests -------------------------------------------------------------------------------


class _Worksheet(Request):
    """A worksheet (CSV/XLSX, English or Chinese headers) and how to read it."""

    file: Path = input_file(description="the worksheet (CSV/XLSX)")
    sheet: str | None = None
    header_row: str | None = None
    scale_file: Path | None = input_file(None, description="a site's SOP scale (YAML)")
    project_scale: dict[str, Any] | None = None
    """The project's scale setting (``risk.scale`` record content) when it applied: copied
    into the request so a stored record re-runs with the scale it was made with."""


class FmeaRequest(_Worksheet):
    """``qbdkit risk fmea`` — see :func:`qbdkit.core.risk.fmea`."""

    scale: str | None = None


class CeRequest(_Worksheet):
    """``qbdkit risk ce`` — see :func:`qbdkit.core.risk.cause_and_effect`."""

    scale: str | None = None
    threshold: float | None = None


class CqaRequest(_Worksheet):
    """``qbdkit risk cqa`` — see :func:`qbdkit.core.risk.cqa_assessment`."""

    tool: str | None = None
    threshold: float | None = None


class ClassifyRequest(Request):
    """``qbdkit risk classify`` — see :func:`qbdkit.core.risk.classify_parameters`."""

    file: Path = input_file(description="parameters (CSV/XLSX)")
    sheet: str | None = None
    header_row: str | None = None


class StudyRequest(_Worksheet):
    """``qbdkit risk study`` — see :func:`qbdkit.core.risk.study_plan`."""


#: the shipped default scale of each assessment
DEFAULT_SCALE = {"fmea": "aiag-vda", "ce": "0-1-3-9", "cqa": "amab-1", "study": "study"}


def _read(req: Any):
    from qbdkit.io import read_table

    return read_table(req.file, sheet=req.sheet if req.sheet is not None else 0,
                      header_row=req.header_row)


def _scale(req: _Worksheet, explicit: str | None, assessment: str) -> Any:
    """``scale_file`` beats the explicit id; then the project's setting; then the default."""
    from qbdkit.scales import load_scale, parse_scale

    if req.scale_file is not None:
        return load_scale(str(req.scale_file))
    if explicit is not None:
        return explicit
    if req.project_scale is not None:
        return parse_scale(req.project_scale, file=f"project scale setting ({assessment})")
    return DEFAULT_SCALE[assessment]


def with_project_scale(req: Any, project: str, *, url: str | None = None) -> tuple[Any, Any]:
    """``(request, scale or None)``: when the request names no scale, the project's scale
    setting for its assessment (``qbdkit risk scales --project P --use FILE``) copied into
    the request; else the request unchanged and None."""
    assessment = {FmeaRequest: "fmea", CeRequest: "ce", CqaRequest: "cqa",
                  StudyRequest: "study"}.get(type(req))
    if assessment is None or req.scale_file is not None:
        return req, None
    if getattr(req, "tool" if assessment == "cqa" else "scale", None) is not None:
        return req, None
    setting = project_scale(project, assessment, url=url)
    if setting is None:
        return req, None
    doc = setting.model_dump(mode="json", exclude={"path"})
    return req.model_copy(update={"project_scale": doc}), setting


# ---- use cases ------------------------------------------------------------------------------


def fmea(req: FmeaRequest, ctx: Context | None = None) -> FmeaResult:
    """Score and rank an FMEA worksheet: RPN = S × O × D, action priority, rank."""
    from qbdkit.core.risk import fmea as core_fmea

    return core_fmea(_read(req), scale=_scale(req, req.scale, "fmea"))


def cause_and_effect(req: CeRequest, ctx: Context | None = None) -> CeResult:
    """Cause-and-effect matrix: score = Σ weight × correlation, rank, potential CPPs."""
    from qbdkit.core.risk import cause_and_effect as core_ce

    return core_ce(_read(req), threshold=req.threshold, scale=_scale(req, req.scale, "ce"))


def cqa(req: CqaRequest, ctx: Context | None = None) -> CqaResult:
    """CQA assessment: score, criticality level, CQA yes/no."""
    from qbdkit.core.risk import cqa_assessment

    return cqa_assessment(_read(req), threshold=req.threshold,
                          tool=_scale(req, req.tool, "cqa"))


def classify(req: ClassifyRequest, ctx: Context | None = None) -> ClassificationResult:
    """Parameter classes CPP / WC-CPP / KPP / GPP with rationale."""
    from qbdkit.core.risk import classify_parameters

    return classify_parameters(_read(req))


def study(req: StudyRequest, ctx: Context | None = None) -> StudyPlanResult:
    """Characterization-study plan: severity = main effect × interaction."""
    from qbdkit.core.risk import study_plan

    return study_plan(_read(req), scale=_scale(req, None, "study"))


def _template_example(kind: str, request: type, file: str) -> Any:
    def example(folder: Path) -> Any:
        from qbdkit.core.risk.templates import template

        path = Path(folder) / file
        template(kind, "zh" if kind == "fmea" else "en").to_csv(path, index=False,
                                                                  encoding="utf-8-sig")
        return request(file=path)

    example.__doc__ = f"The shipped {kind} template (``qbdkit risk template {kind}``)."
    return example


register(Kind("risk.fmea", FmeaRequest, fmea, FmeaResult,
              title={"en": "FMEA", "zh": "失效模式与影响分析（FMEA）"}, stage="risk",
              example=_template_example("fmea", FmeaRequest, "fmea.csv")))
register(Kind("risk.ce", CeRequest, cause_and_effect, CeResult,
              title={"en": "Cause-and-effect matrix", "zh": "因果矩阵"}, stage="risk",
              example=_template_example("ce", CeRequest, "ce.csv")))
register(Kind("risk.cqa", CqaRequest, cqa, CqaResult,
              title={"en": "CQA assessment", "zh": "关键质量属性评估"}, stage="risk",
              example=_template_example("cqa", CqaRequest, "cqa.csv")))
register(Kind("risk.classify", ClassifyRequest, classify, ClassificationResult,
              title={"en": "Parameter classification", "zh": "工艺参数分类"}, stage="risk",
              example=_template_example("classify", ClassifyRequest, "classify.csv")))
register(Kind("risk.study", StudyRequest, study, StudyPlanResult,
              title={"en": "Characterization-study plan", "zh": "工艺表征研究计划"}, stage="risk",
              example=_template_example("study", StudyRequest, "study.csv")))

#: the use case of each assessment (``qbdkit risk <assessment>``)
RUNNERS = {"fmea": (FmeaRequest, fmea), "ce": (CeRequest, cause_and_effect),
           "cqa": (CqaRequest, cqa), "classify": (ClassifyRequest, classify),
           "study": (StudyRequest, study)}


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
    ``risk/``) as records of the kinds ``risk.<assessment>``, name = file stem, with the
    project's scale settings when it has them. All files are assessed before anything is
    stored. Returns ``{record kind/name: version}``.
    """
    from qbdkit.services.records import store_result

    ctx = Context(user=user, url=url)
    folder = Path(folder)
    done = []
    for assessment in ASSESSMENT_FILES:
        for suffix in (".csv", ".xlsx"):
            path = folder / f"{assessment}{suffix}"
            if path.exists():
                request, run = RUNNERS[assessment]
                req, _ = with_project_scale(request(file=path), project, url=url)
                done.append((assessment, path, req, run(req, ctx)))
    versions: dict[str, int] = {}
    for assessment, path, req, result in done:
        stored = store_result(record_kind(assessment), req, result, ctx, project=project,
                              name=path.stem, reason=reason)
        versions[f"{stored.kind}/{stored.key}"] = stored.version
    return versions
