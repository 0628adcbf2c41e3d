"""The DoE stage's hand-on with the project (issue 9 item 2).

``doe design --project P`` takes its factors from the project: the potential CPPs of the latest
C&E (``risk.ce/*``) or FMEA (``risk.fmea/*``) record of P — or the names the user gives — with
each parameter's studied range (else its PAR), unit and levels from the stored project
document (:func:`qbdkit.services.projects.project_document`); its responses are the C&E's
outputs (the project's CQAs among them with their acceptance criteria), else every CQA of the
project with a numeric acceptance criterion. :func:`project_factors` returns these as the
fields of a :class:`~qbdkit.services.doe.DesignRequest` together with the source (project
version, record kind, name and version), which the stored design record keeps: the design
re-runs from its request alone, and its audit entry names where the factors came from.

Names written in a risk assessment or a run sheet (``Temperature (°C)``, ``DO (%)``) are
matched to the project's parameters by :func:`match_parameters` — in this order, the first
rule that matches wins: (1) a parameter's name or label, ignoring case, spaces, ``_``/``-``
and a trailing ``(unit)`` (:func:`qbdkit.model.schema.loose_key`); (2) the initials of a
label of two or more words (``DO`` ↔ *Dissolved oxygen*); (3) the first word of a
multi-word name or label, or the same words up to a plural ``s`` (``Feed`` ↔ ``feed_volume``,
``Aggregate`` ↔ *Aggregates*). Rules (2) and (3) only count when they single out one
parameter. The unit operation is the one given, else the one in which every name has a
parameter (if exactly one); anything else is an error naming the candidates.
"""

from __future__ import annotations

from typing import Any

from qbdkit.errors import QbdInputError

CE_KIND = "risk.ce"
FMEA_KIND = "risk.fmea"
#: FMEA columns that name the process parameter of a failure mode (passed through by the FMEA)
FMEA_PARAMETER_COLUMNS = ("parameter", "process_parameter", "参数", "工艺参数")


def _key(text: str) -> str:
    from qbdkit.model.schema import loose_key

    return loose_key(text)


def _words(text: str) -> list[str]:
    return _key(text).split()


def _singular(words: list[str]) -> list[str]:
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words]


def _tier(text: str, spellings: set[str]) -> int | None:
    """The rule (1, 2, 3 of the module docstring) by which ``text`` names one of
    ``spellings``, or None."""
    key = _key(text)
    keys = {_key(s) for s in spellings}
    if key in keys:
        return 1
    compact = key.replace(" ", "")
    for s in spellings:
        words = _words(s)
        if len(words) >= 2 and "".join(w[0] for w in words) == compact:
            return 2
    mine = _words(text)
    for s in spellings:
        words = _words(s)
        if (len(mine) == 1 and len(words) >= 2 and words[0] == mine[0]) or (
                _singular(words) == _singular(mine)):
            return 3
    return None


def _candidates(project: Any, text: str, unit_operation: str | None) -> list[tuple[Any, Any]]:
    """(unit operation, parameter) pairs ``text`` names by the best rule that matches; rules 2
    and 3 only when they single out one parameter per unit operation."""
    by_tier: dict[int, list[tuple[Any, Any]]] = {}
    for uo, p in project.process.parameters():
        if unit_operation is not None and unit_operation not in uo.spellings() and \
                _key(unit_operation) not in {_key(s) for s in uo.spellings()}:
            continue
        tier = _tier(text, p.spellings())
        if tier is not None:
            by_tier.setdefault(tier, []).append((uo, p))
    for tier in sorted(by_tier):
        hits = by_tier[tier]
        if tier > 1:
            per_uo: dict[str, list] = {}
            for uo, p in hits:
                per_uo.setdefault(uo.name, []).append(p)
            hits = [(uo, p) for uo, p in hits if len(per_uo[uo.name]) == 1]
        if hits:
            return hits
    return []


def match_parameters(project: Any, names: list[str], unit_operation: str | None = None
                     ) -> tuple[Any, dict[str, Any]]:
    """``(unit operation, {name: parameter})`` for names written in a risk assessment or a run
    sheet (module docstring); a :class:`QbdInputError` names every name without a parameter,
    or the candidate unit operations when they are ambiguous."""
    if unit_operation is not None and project.unit_operation(unit_operation) is None and not any(
            _key(unit_operation) in {_key(s) for s in u.spellings()}
            for u in project.process.unit_operations):
        raise QbdInputError("unknown unit operation", column="--unit-operation",
                            expected=" / ".join(u.name for u in project.process.unit_operations),
                            found=unit_operation)
    cands = {n: _candidates(project, n, unit_operation) for n in names}
    missing = [n for n, c in cands.items() if not c]
    if missing:
        known = sorted({p.name for _uo, p in project.process.parameters()})
        raise QbdInputError("no parameter of the project matches", column="factors",
                            expected="a parameter of the project (name or label; add it to the "
                                     "project, or give --factors NAMES): " + ", ".join(known),
                            found=", ".join(missing))
    common = None
    for c in cands.values():
        uos = {uo.name for uo, _p in c}
        common = uos if common is None else common & uos
    if not common:
        raise QbdInputError("the factors belong to different unit operations", column="factors",
                            expected="factors of one unit operation (--unit-operation)",
                            found="; ".join(f"{n}: {', '.join(sorted({u.name for u, _ in c}))}"
                                            for n, c in cands.items()))
    if len(common) > 1:
        raise QbdInputError("which unit operation?", column="--unit-operation",
                            expected=" / ".join(sorted(common)), found="")
    chosen = next(iter(common))
    uo = next(u for u in project.process.unit_operations if u.name == chosen)
    return uo, {n: next(p for u, p in c if u.name == chosen) for n, c in cands.items()}


def match_attribute(project: Any, text: str) -> Any:
    """The quality attribute ``text`` names (rules of the module docstring), or None."""
    best: tuple[int, Any] | None = None
    hits: dict[int, list[Any]] = {}
    for a in project.quality_attributes:
        tier = _tier(text, a.spellings())
        if tier is not None:
            hits.setdefault(tier, []).append(a)
    for tier in sorted(hits):
        if tier == 1 or len(hits[tier]) == 1:
            best = (tier, hits[tier][0])
            break
    return None if best is None else best[1]


def acceptance_limits(attribute: Any) -> tuple[float | None, float | None, str | None]:
    """``(low, high, stage)`` of the attribute's numeric acceptance criterion: the drug-substance
    release one first, then any release, then the first numeric one."""
    numeric = [c for c in attribute.acceptance if c.low is not None or c.high is not None]
    if not numeric:
        return None, None, None

    def rank(c: Any) -> int:
        stage = (c.stage or "").lower()
        return 0 if "ds" in stage.split() else 1 if "release" in stage else 2

    c = sorted(numeric, key=rank)[0]
    return c.low, c.high, c.stage


def _response(project: Any, name: str) -> dict[str, Any]:
    attr = match_attribute(project, name)
    if attr is None:
        return {"name": name, "kind": "performance"}
    out: dict[str, Any] = {"name": name, "attribute": attr.name, "kind": "cqa"}
    if attr.criticality and attr.criticality.critical:
        low, high, _stage = acceptance_limits(attr)
        out.update(low=low, high=high)
    else:
        out["kind"] = "quality attribute"
    if attr.unit:
        out["unit"] = attr.unit
    return out


def _cqa_responses(project: Any) -> list[dict[str, Any]]:
    out = []
    for a in project.cqas():
        low, high, _stage = acceptance_limits(a)
        if low is None and high is None:
            continue
        name = a.display("en") + (f" ({a.unit})" if a.unit else "")
        out.append({"name": name, "attribute": a.name, "kind": "cqa", "low": low, "high": high,
                    **({"unit": a.unit} if a.unit else {})})
    return out


def _latest_source(project: str, url: str | None, wanted: str | None) -> dict[str, Any] | None:
    from qbdkit.services.records import get_record, record_history

    if wanted:
        kind, _, key = wanted.partition("/")
        version = None
        if "@" in key:
            key, _, v = key.partition("@")
            try:
                version = int(v.lstrip("v"))
            except ValueError:
                raise QbdInputError("cannot read the source record", column="--source",
                                    expected="KIND/NAME[@VERSION], e.g. risk.ce/ce@2",
                                    found=wanted) from None
        if kind not in (CE_KIND, FMEA_KIND) or not key:
            raise QbdInputError("the factors come from a C&E or FMEA record", column="--source",
                                expected=f"{CE_KIND}/NAME or {FMEA_KIND}/NAME", found=wanted)
        return get_record(project, kind, key, version, url=url)
    history = [r for r in record_history(project, url=url) if r["kind"] in (CE_KIND, FMEA_KIND)]
    return history[-1] if history else None


def _potential_cpps(record: dict[str, Any]) -> list[str]:
    result = (record.get("content") or {}).get("result") or {}
    if record["kind"] == CE_KIND:
        return [str(r["name"]) for r in result.get("inputs") or [] if r.get("selected")]
    names: list[str] = []
    for row in result.get("rows") or []:
        param = next((row.get(c) for c in FMEA_PARAMETER_COLUMNS
                      if str(row.get(c) or "").strip()), None)
        decision = str(row.get("decision") or "")
        if param and (row.get("ap") in ("H", "M") or "CPP" in decision.upper()):
            names.append(str(param).strip())
    if not names:
        raise QbdInputError("the FMEA names no process parameter with action priority H or M",
                            column="--source",
                            expected=f"an FMEA with a column {' / '.join(FMEA_PARAMETER_COLUMNS)}, "
                                     "a C&E record, or --factors NAMES",
                            found=f"{record['kind']}/{record['key']} v{record['version']}")
    return list(dict.fromkeys(names))


def project_factors(project: str, *, url: str | None = None, names: list[str] | None = None,
                    source: str | None = None, unit_operation: str | None = None,
                    ) -> tuple[dict[str, Any], list[str]]:
    """The fields of a :class:`~qbdkit.services.doe.DesignRequest` taken from ``project``
    (``factor_defs``, ``response_defs``, ``parameters``, ``source``) and notes for the user.

    ``names``: the factors (parameter names, labels or risk-assessment spellings) instead of
    the risk assessment's potential CPPs; ``source``: ``risk.ce/NAME[@VERSION]`` or
    ``risk.fmea/NAME[@VERSION]`` instead of the latest C&E or FMEA record.
    """
    from qbdkit.model import Project as ProjectModel
    from qbdkit.services.projects import project_document

    stored = project_document(project, url=url)
    model = ProjectModel.model_validate(stored["document"])
    notes: list[str] = []
    src: dict[str, Any] = {"project": project, "project_version": stored["version"]}
    record = None
    if names:
        factor_names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        src.update(kind=None, name=None, version=None)
    else:
        record = _latest_source(project, url, source)
        if record is None:
            raise QbdInputError("the project has no C&E or FMEA record to take factors from",
                                column="--project",
                                expected="a stored C&E (qbdkit risk ce FILE --project P) or "
                                         "FMEA, or --factors NAMES / --factors FILE",
                                found=project)
        factor_names = _potential_cpps(record)
        src.update(kind=record["kind"], name=record["key"], version=record["version"])
    if not factor_names:
        raise QbdInputError("no potential CPPs to study", column="--project",
                            expected="a C&E with selected inputs, or --factors NAMES",
                            found=f"{src.get('kind')}/{src.get('name')}")
    uo, params = match_parameters(model, factor_names, unit_operation)
    defs, refs, problems = [], {}, []
    for name in factor_names:
        p = params[name]
        refs[name] = f"{uo.name}/{p.name}"
        if p.type == "categorical":
            if len(p.levels) < 2:
                problems.append(name)
                continue
            defs.append({"name": name, "type": "categorical", "levels": list(p.levels),
                         "unit": p.unit or ""})
            continue
        rng = p.studied if p.studied and p.studied.low is not None and \
            p.studied.high is not None else None
        if rng is None and p.par is not None and p.par.low is not None and p.par.high is not None:
            rng = p.par
            notes.append(f"{name}: no studied range in the project; the PAR "
                         f"{p.par.low:g}–{p.par.high:g} is used")
        if rng is None:
            problems.append(name)
            continue
        defs.append({"name": name, "type": "numeric", "low": rng.low, "high": rng.high,
                     "unit": p.unit or ""})
    if problems:
        raise QbdInputError("no studied range (or PAR) for these parameters in the project",
                            column="factors",
                            expected=f"parameters of {uo.name} with studied: [low, high] "
                                     "(or levels for a categorical parameter)",
                            found=", ".join(f"{n} ({refs[n]})" for n in problems))
    if record is not None and record["kind"] == CE_KIND:
        outputs = ((record["content"] or {}).get("result") or {}).get("outputs") or []
        responses = [_response(model, str(o["name"])) for o in outputs]
    else:
        responses = _cqa_responses(model)
    what = "the names given" if record is None else \
        f"{record['kind']}/{record['key']} v{record['version']}"
    notes.insert(0, f"factors from {what} of project {project} v{stored['version']} "
                    f"(unit operation {uo.name}): "
                    + ", ".join(f"{d['name']} = {refs[d['name']]}" for d in defs))
    return {"factor_defs": defs, "response_defs": responses, "parameters": refs,
            "source": src}, notes


def folder_factors(directory: Any, unit_operation: str | None) -> dict[str, Any]:
    """``doe design --from-folder DIR``: the parameters of one unit operation of a project
    folder with a studied range (else PAR); categorical parameters with their levels."""
    from pathlib import Path

    from qbdkit.model.folder import check_folder

    directory = Path(directory)
    check = check_folder(directory)
    if not check.ok or check.project is None:
        raise QbdInputError(problems=check.problems or [
            QbdInputError("not a project folder", file=str(directory)).first])
    project = check.project
    names = [u.name for u in project.process.unit_operations]
    if unit_operation is None:
        raise QbdInputError("which unit operation?", file=str(directory),
                            column="--unit-operation", expected=" / ".join(names), found="")
    uo = project.unit_operation(unit_operation)
    if uo is None:
        raise QbdInputError("unknown unit operation", file=str(directory),
                            column="--unit-operation", expected=" / ".join(names),
                            found=unit_operation)
    defs, refs = [], {}
    for prm in uo.parameters:
        if prm.type == "categorical" and prm.levels:
            defs.append({"name": prm.name, "type": "categorical", "levels": list(prm.levels)})
        else:
            rng = prm.studied or prm.par
            if rng is None or rng.low is None or rng.high is None:
                continue
            defs.append({"name": prm.name, "low": rng.low, "high": rng.high,
                         "unit": prm.unit or ""})
        refs[prm.name] = f"{uo.name}/{prm.name}"
    if not defs:
        raise QbdInputError("no parameter of this unit operation has a studied range or PAR",
                            file=str(directory), column="--unit-operation",
                            expected="parameters with studied: [low, high]", found=uo.name)
    return {"factor_defs": defs, "parameters": refs,
            "source": {"folder": directory.name, "unit_operation": uo.name}}


def resolve_parameter(project: Any, ref: str, factor: str | None = None) -> tuple[Any, Any]:
    """``(unit operation, parameter)`` for a stored reference ``unit_operation/parameter``,
    else for a factor name (the matching rules of the module docstring)."""
    uo_name, sep, p_name = str(ref).partition("/")
    if sep:
        uo = next((u for u in project.process.unit_operations if u.name == uo_name), None)
        p = None if uo is None else next((q for q in uo.parameters if q.name == p_name), None)
        if p is not None:
            return uo, p
    uo, found = match_parameters(project, [factor or ref])
    return uo, found[factor or ref]
