"""Consistency checks on a :class:`~qbdkit.model.schema.Project`.

The schema checks types; these check that the parts agree (ICH Q8(R2) terms:
NOR — normal operating range, PAR — proven acceptable range):

- units: every unit is in the vocabulary (:mod:`qbdkit.model.units`); a range's
  unit and a measurement's unit equal their owner's unit (no silent conversion:
  a NOR in °C and a PAR in K is reported);
- ranges: low ≤ high; set point ∈ NOR (or PAR when there is no NOR);
  NOR ⊆ PAR ⊆ studied range; a categorical set point is one of the levels;
- names: unique among QTPP elements, quality attributes, unit operations,
  parameters of one unit operation, materials, attributes of one material,
  studies and batches;
- references: QTPP → quality attributes; materials → unit operations; studies →
  unit operations, parameters, attributes; batches → studies; measurements →
  batches, unit operations and parameters / quality attributes / material
  attributes. A reference may use an entity's name or either label.

Each finding is an :class:`Issue` located by a path into the project
(``("process", "unit_operations", 2, "parameters", 0, "nor")``); the folder
loader turns paths into ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qbdkit.model.schema import (
    Named,
    Parameter,
    Project,
    QualityAttribute,
    Range,
    UnitOperation,
)
from qbdkit.model.units import example_units, lookup_unit

Loc = tuple[str | int, ...]
#: put in a ``known`` set to accept every reference of that kind (its source could not be read)
ANY = "\0any"


@dataclass(frozen=True)
class Issue:
    loc: Loc
    message: str
    expected: str | None = None
    found: object = None


def _unknown_unit(loc: Loc, unit: str | None) -> list[Issue]:
    if unit is None or lookup_unit(unit) is not None:
        return []
    return [Issue(loc, "unknown unit", f"a unit from the vocabulary ({example_units()})", unit)]


def _same_unit(loc: Loc, owner_unit: str | None, unit: str | None, owner: str) -> list[Issue]:
    if unit is None or owner_unit is None or unit == owner_unit:
        return []
    if lookup_unit(unit) is None:
        return _unknown_unit(loc, unit)
    return [Issue(loc, "inconsistent units", f"{owner_unit} ({owner})", unit)]


def _ordered(loc: Loc, r: Range | None, what: str) -> list[Issue]:
    if r is None or r.low is None or r.high is None or r.low <= r.high:
        return []
    return [Issue(loc, f"{what} low > high", "low ≤ high", f"low {r.low:g} > high {r.high:g}")]


def _ok(r: Range | None) -> bool:
    return r is not None and not (r.low is not None and r.high is not None and r.low > r.high)


def check_parameter(p: Parameter, loc: Loc) -> list[Issue]:
    """Units, ordering and nesting of one parameter's set point / NOR / PAR / studied range."""
    out: list[Issue] = []
    out += _unknown_unit((*loc, "unit"), p.unit)
    unit_ok = p.unit is None or lookup_unit(p.unit) is not None
    consistent = {}
    for key in ("nor", "par", "studied"):
        r: Range | None = getattr(p, key)
        if r is None:
            continue
        issues = _same_unit((*loc, key, "unit"), p.unit, r.unit, f"the unit of parameter {p.name!r}")
        if r.unit is not None and p.unit is None:
            issues += _unknown_unit((*loc, key, "unit"), r.unit)
        out += issues
        out += _ordered((*loc, key), r, key.upper() if key != "studied" else "studied range")
        consistent[key] = not issues and unit_ok and _ok(r)
    # ranges given with a unit but parameter without one: all ranges must agree
    if p.unit is None:
        units = {k: getattr(p, k).unit for k in consistent if getattr(p, k).unit is not None}
        if len(set(units.values())) > 1:
            first = next(iter(units.items()))
            for k, u in units.items():
                if u != first[1]:
                    out.append(Issue((*loc, k, "unit"), "inconsistent units",
                                     f"{first[1]} (as in {first[0].upper()})", u))
                    consistent[k] = False
    if p.type == "categorical":
        if p.set_point is not None and p.levels and str(_level(p.set_point)) not in p.levels:
            out.append(Issue((*loc, "set_point"), "set point is not a level",
                             "one of " + "/".join(p.levels), _level(p.set_point)))
        return out
    if isinstance(p.set_point, str):
        out.append(Issue((*loc, "set_point"), "set point is not a number",
                         "a number (the parameter is numeric)", p.set_point))
    elif p.set_point is not None:
        for key, name in (("nor", "NOR"), ("par", "PAR")):
            r = getattr(p, key)
            if consistent.get(key):
                if not r.contains(p.set_point):
                    out.append(Issue((*loc, "set_point"), f"set point outside {name}",
                                     f"within {name} {r.text(p.unit)}", p.set_point))
                break
    for inner, outer in (("nor", "par"), ("par", "studied")):
        a, b = getattr(p, inner), getattr(p, outer)
        if consistent.get(inner) and consistent.get(outer) and not a.within(b):
            oname = "studied range" if outer == "studied" else outer.upper()
            out.append(Issue((*loc, inner), f"{inner.upper()} outside {oname}",
                             f"within {oname} {b.text(p.unit)}", a.text(p.unit)))
    return out


def _level(v: object) -> object:
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return v


def _duplicates(items: Sequence[Named], loc: Loc, what: str, where: str = "") -> list[Issue]:
    out: list[Issue] = []
    seen: dict[str, int] = {}
    for i, it in enumerate(items):
        key = it.name.casefold()
        if key in seen:
            out.append(Issue((*loc, i, "name"), f"duplicate {what} name",
                             f"a name not used before{where} (first used at item {seen[key] + 1})",
                             it.name))
        else:
            seen[key] = i
    return out


class _Names:
    """Resolves references by name or label (case-insensitive), plus extra known names."""

    def __init__(self, items: Iterable[Named], extra: Iterable[str] = ()) -> None:
        self.names = {s.casefold() for it in items for s in it.spellings()}
        self.names |= {s.casefold() for s in extra}

    def __contains__(self, name: str) -> bool:
        return name.casefold() in self.names


def _refs(loc: Loc, values: Sequence[str], known: _Names, what: str, hint: str) -> list[Issue]:
    return [Issue((*loc, i), f"unknown {what}", hint, v)
            for i, v in enumerate(values) if v not in known]


def check_project(project: Project, known: dict[str, set[str]] | None = None) -> list[Issue]:
    """All consistency issues of ``project``.

    ``known`` adds names that exist but could not be loaded (e.g. an attribute
    with a type error), keyed ``attributes``, ``unit_operations``, ``parameters``,
    ``studies``, ``batches``, ``material_attributes``; references to them are not
    reported again.
    """
    known = known or {}
    out: list[Issue] = []
    uos = project.process.unit_operations
    qa = _Names(project.quality_attributes, known.get("attributes", ()))
    steps = _Names(uos, known.get("unit_operations", ()))
    params = _Names([p for _, p in project.process.parameters()], known.get("parameters", ()))
    studies = _Names(project.studies, known.get("studies", ()))
    mat_attrs = _Names([a for m in project.materials for a in m.attributes],
                       known.get("material_attributes", ()))
    batch_ids = {b.id for b in project.batches} | set(known.get("batches", ()))
    # indexes by case-folded name or label (measurement tables can be long)
    uo_by: dict[str, UnitOperation] = {}
    param_by: dict[tuple[str | None, str], Parameter] = {}
    for uo in uos:
        for s in uo.spellings():
            uo_by.setdefault(s.casefold(), uo)
        for p in uo.parameters:
            for s in p.spellings():
                param_by.setdefault((uo.name, s.casefold()), p)
                param_by.setdefault((None, s.casefold()), p)
    qa_by: dict[str, QualityAttribute] = {}
    for a in project.quality_attributes:
        for s in a.spellings():
            qa_by.setdefault(s.casefold(), a)

    out += _duplicates(project.qtpp, ("qtpp",), "QTPP element")
    out += _duplicates(project.quality_attributes, ("quality_attributes",), "quality attribute")
    out += _duplicates(uos, ("process", "unit_operations"), "unit operation")
    out += _duplicates(project.materials, ("materials",), "material")
    out += _duplicates(project.studies, ("studies",), "study")
    seen: dict[str, int] = {}
    for i, b in enumerate(project.batches):
        if b.id in seen:
            out.append(Issue(("batches", i, "id"), "duplicate batch",
                             f"a batch id not used before (first on data row {seen[b.id] + 1})", b.id))
        else:
            seen[b.id] = i

    qa_names = ", ".join(a.name for a in project.quality_attributes[:6]) or "none defined"
    step_names = ", ".join(u.name for u in uos[:6]) or "none defined"
    for i, el in enumerate(project.qtpp):
        out += _refs(("qtpp", i, "attributes"), el.attributes, qa, "quality attribute",
                     f"a quality attribute ({qa_names}…)")
    for i, a in enumerate(project.quality_attributes):
        loc: Loc = ("quality_attributes", i)
        out += _unknown_unit((*loc, "unit"), a.unit)
        for j, c in enumerate(a.acceptance):
            cl: Loc = (*loc, "acceptance", j)
            out += _same_unit((*cl, "unit"), a.unit, c.unit, f"the unit of attribute {a.name!r}")
            if a.unit is None:
                out += _unknown_unit((*cl, "unit"), c.unit)
            out += _ordered(cl, c.range(), "acceptance criterion")
    for i, a in enumerate(project.quality_attributes):
        c = a.criticality
        if c is not None and None not in (c.impact, c.uncertainty, c.score) and (
                c.score != c.impact * c.uncertainty):
            out.append(Issue(("quality_attributes", i, "criticality", "score"),
                             "score is not impact × uncertainty",
                             f"{c.impact * c.uncertainty:g} ({c.impact} × {c.uncertainty}, A-Mab tool 1)",
                             c.score))
    for i, uo in enumerate(uos):
        loc = ("process", "unit_operations", i)
        out += _duplicates(uo.parameters, (*loc, "parameters"), "parameter", f" in {uo.name}")
        for j, p in enumerate(uo.parameters):
            out += check_parameter(p, (*loc, "parameters", j))
    for i, m in enumerate(project.materials):
        loc = ("materials", i)
        out += _refs((*loc, "used_in"), m.used_in, steps, "unit operation",
                     f"a unit operation ({step_names}…)")
        out += _duplicates(m.attributes, (*loc, "attributes"), "material attribute", f" in {m.name}")
        for j, ma in enumerate(m.attributes):
            al: Loc = (*loc, "attributes", j)
            out += _unknown_unit((*al, "unit"), ma.unit)
            if ma.range is not None:
                out += _same_unit((*al, "range", "unit"), ma.unit, ma.range.unit,
                                  f"the unit of material attribute {ma.name!r}")
                out += _ordered((*al, "range"), ma.range, "range")
    for i, s in enumerate(project.studies):
        loc = ("studies", i)
        out += _refs((*loc, "unit_operations"), s.unit_operations, steps, "unit operation",
                     f"a unit operation ({step_names}…)")
        out += _refs((*loc, "parameters"), s.parameters, params, "parameter",
                     "a parameter of a unit operation")
        out += _refs((*loc, "attributes"), s.attributes, qa, "quality attribute",
                     f"a quality attribute ({qa_names}…)")
    for i, b in enumerate(project.batches):
        out += _unknown_unit(("batches", i, "scale_unit"), b.scale_unit)
        if b.study is not None and b.study not in studies:
            out.append(Issue(("batches", i, "study"), "unknown study",
                             "a study named in project.yaml", b.study))
    for i, m in enumerate(project.measurements):
        loc = ("measurements", i)
        if m.batch not in batch_ids and ANY not in batch_ids:
            out.append(Issue((*loc, "batch"), "unknown batch", "a batch listed in the batch table",
                             m.batch))
        uo = None
        if m.unit_operation is not None:
            uo = uo_by.get(m.unit_operation.casefold())
            if uo is None and m.unit_operation not in steps:
                out.append(Issue((*loc, "unit_operation"), "unknown unit operation",
                                 f"a unit operation ({step_names}…)", m.unit_operation))
        owner_unit: str | None = None
        key = m.name.casefold()
        param = param_by.get((uo.name if uo is not None else None, key))
        attr = qa_by.get(key) if param is None else None
        if param is not None:
            owner_unit, owner = param.unit, f"the unit of parameter {param.name!r}"
        elif attr is not None:
            owner_unit, owner = attr.unit, f"the unit of attribute {attr.name!r}"
        elif m.name in mat_attrs or m.name in qa or (uo is None and m.name in params):
            owner = ""
        elif uo is not None and m.name in params:
            out.append(Issue((*loc, "name"), "unknown parameter of this unit operation",
                             f"a parameter of {uo.name} or a quality attribute", m.name))
            owner = ""
        else:
            where = f" of {uo.name}" if uo is not None else ""
            out.append(Issue((*loc, "name"), "unknown parameter or attribute",
                             f"a parameter{where} or a quality attribute", m.name))
            owner = ""
        if param is not None and param.type == "numeric" and isinstance(m.value, str):
            out.append(Issue((*loc, "value"), "not a number",
                             f"a number (parameter {param.name!r} is numeric)", m.value))
        if owner and owner_unit is not None:
            out += _same_unit((*loc, "unit"), owner_unit, m.unit, owner)
        else:
            out += _unknown_unit((*loc, "unit"), m.unit)
        if m.time_unit is not None:
            tu = lookup_unit(m.time_unit)
            if tu is None:
                out += _unknown_unit((*loc, "time_unit"), m.time_unit)
            elif tu.dimension != "time":
                out.append(Issue((*loc, "time_unit"), "not a unit of time", "s, min, h or d",
                                 m.time_unit))
    return out
