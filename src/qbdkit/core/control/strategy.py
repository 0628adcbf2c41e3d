"""The control strategy table and its consistency checks, from plain tables.

Seed 000 figs. 13–14: the design space gives each parameter a proven acceptable range
(PAR) inside its studied range, a normal operating range (NOR) around the set point inside
the PAR; per unit operation, the control strategy says for every critical quality
attribute (CQA) which parameters affect it and how each is controlled, and which tests
(in-process control, release or stability specification) control the attribute itself
(ICH Q10 §3.2.1 / Q8(R2) glossary: "a planned set of controls, derived from current
product and process understanding, that assures process performance and product quality").

Inputs (data frames; the service writes them from the project and its risk/DoE records,
or reads them from the user's CSV/XLSX files), each row may carry ``_row`` (its row in the
file) for error messages:

* ``parameters`` — ``unit_operation, name, label, unit, class`` (CPP, WC-CPP, KPP, GPP or
  blank), ``class_source``, ``set_point, nor_low, nor_high, par_low, par_high,
  studied_low, studied_high``, ``justification``, ``sources`` (study records, ``;``-separated);
* ``attributes`` — ``name, label, unit, cqa`` (yes/no), ``category``;
* ``links`` — ``unit_operation, parameter, attribute, source`` (C&E, FMEA, DoE, user),
  ``strength``, ``reference``: a parameter affects an attribute; an attribute not in
  ``attributes`` is a process-performance attribute (titre, yield);
* ``controls`` (optional) — ``attribute`` or ``parameter`` (+ ``unit_operation``),
  ``element`` (:data:`ELEMENTS`), ``stage``, ``lower, upper, unit, criterion, method,
  description, justification``: the tests that control an attribute (IPC, release,
  stability specification) and, for a parameter, its control element when it is not the
  default of its class (:data:`DEFAULT_ELEMENT`), the justification of a WC-CPP, and
  optionally its ``class`` (the class decided in the control strategy, which overrides the
  one from the risk records), further ``sources`` (study records, ``;``-separated) and, with
  ``attribute`` given too, a link to the attribute it affects;
* ``materials`` (optional) — ``material, attribute, unit_operation, unit, low, high,
  critical, method``: material attributes, shown where the material is used.

Checks, each reported by name (:data:`CHECKS`): every CQA has at least one control (a test
or a CPP that affects it); every CPP (and WC-CPP) has set point ∈ NOR ⊆ PAR ⊆ studied range;
every WC-CPP has its justification; every CPP has a source (a study record); every
parameter linked to a CQA has a class.

Vocabulary: cqa critical quality attribute; cpp critical process parameter; wc-cpp
well-controlled cpp; kpp key process parameter; gpp general process parameter; ipc
in-process control; nor normal operating range; par proven acceptable range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pandas as pd

from qbdkit.core.ppq.messages import message, render_all
from qbdkit.core.ppq.protocol import criterion_text
from qbdkit.core.result import Result, format_table
from qbdkit.errors import Problem, QbdInputError

__all__ = ["CHECKS", "CLASSES", "DEFAULT_ELEMENT", "ELEMENTS", "ControlStrategy",
           "control_strategy", "spec_of"]

CLASSES = ("CPP", "WC-CPP", "KPP", "GPP")
#: classes that are critical process parameters (ranges nested, a source needed)
CRITICAL = ("CPP", "WC-CPP")
ELEMENTS = ("ipc", "release", "stability", "monitoring", "procedural", "material")
#: the control element of a parameter unless a controls row says otherwise
DEFAULT_ELEMENT = {"CPP": "monitoring", "WC-CPP": "monitoring", "KPP": "monitoring",
                   "GPP": "procedural", "": "procedural"}
ELEMENT_ALIASES = {
    "ipc": "ipc", "in-process": "ipc", "in process": "ipc", "in-process control": "ipc",
    "中控": "ipc", "过程控制": "ipc",
    "release": "release", "release specification": "release", "放行": "release",
    "放行标准": "release",
    "stability": "stability", "stability specification": "stability", "稳定性": "stability",
    "monitoring": "monitoring", "monitor": "monitoring", "监测": "monitoring", "监控": "monitoring",
    "procedural": "procedural", "procedural control": "procedural", "procedure": "procedural",
    "程序控制": "procedural", "规程": "procedural",
    "material": "material", "raw material": "material", "material specification": "material",
    "物料": "material", "物料标准": "material",
}
#: the order in which attribute tests are listed (and the first numeric one is the
#: specification used by PPQ and CPV, :func:`spec_of`)
TEST_ORDER = ("release", "ipc", "stability")
RELEASE = "release"   # the pseudo unit operations of tests without a step of their own
STABILITY = "stability"
IN_PROCESS = "in-process"

CHECK_CQA = "every CQA has at least one control"
CHECK_RANGES = "every CPP has set point ⊂ NOR ⊂ PAR ⊂ studied range"
CHECK_WC = "every WC-CPP has its justification"
CHECK_SOURCE = "every CPP has a source (study record)"
CHECK_CLASSIFIED = "every parameter linked to a CQA has a class"
CHECKS = (CHECK_CQA, CHECK_RANGES, CHECK_WC, CHECK_SOURCE, CHECK_CLASSIFIED)

MSG_NO_CONTROL = "{attribute}: no test and no CPP controls this CQA."
MSG_NO_RANGE = "{parameter}: no {range}."
MSG_NOT_NESTED = "{parameter}: {inner} {inner_range} is not inside {outer} {outer_range}."
MSG_NO_JUSTIFICATION = "{parameter}: WC-CPP without a justification."
MSG_NO_SOURCE = "{parameter}: CPP without a study record behind it."
MSG_UNCLASSIFIED = "{parameter}: affects {attributes} but has no class."
MSGS = (MSG_NO_CONTROL, MSG_NO_RANGE, MSG_NOT_NESTED, MSG_NO_JUSTIFICATION, MSG_NO_SOURCE,
        MSG_UNCLASSIFIED)
#: words put into {range}, {inner}, {outer}
WORDS = ("set point", "NOR", "PAR", "studied range")

_YES = {"yes", "y", "true", "1", "1.0", "x", "是", "✓", "cqa"}


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v).strip()


def _rows(df: pd.DataFrame | None) -> list[tuple[int, dict[str, Any]]]:
    """``(file row, {column: value})`` of every row."""
    if df is None:
        return []
    out = []
    for i, rec in enumerate(df.to_dict(orient="records")):
        r = _num(rec.get("_row"))
        out.append((int(r) if r is not None else i + 2, rec))
    return out


def _range(lo: float | None, hi: float | None) -> list[float | None] | None:
    return None if lo is None and hi is None else [lo, hi]


def range_text(r: list[float | None] | None, unit: str = "") -> str:
    """``35.5–36.5 °C``, ``≤ 3 %``, ``≥ 90``; blank for no range."""
    if not r:
        return ""
    lo, hi = r
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"{lo:g}–{hi:g}{u}"
    if hi is not None:
        return f"≤ {hi:g}{u}"
    return f"≥ {lo:g}{u}" if lo is not None else ""


def _inside(inner: list[float | None], outer: list[float | None]) -> bool:
    lo_ok = outer[0] is None or (inner[0] is not None and inner[0] >= outer[0])
    hi_ok = outer[1] is None or (inner[1] is not None and inner[1] <= outer[1])
    return lo_ok and hi_ok


@dataclass(frozen=True)
class ControlStrategy(Result):
    """The control strategy.

    ``rows``: the table, per unit operation in process order — ``unit_operation, attribute,
    attribute_label, cqa, parameter, parameter_label, item, class, unit, set_point, nor,
    par, studied, element, control, links`` (parameter rows) or with ``parameter`` blank and
    ``element`` ipc/release/stability/material, ``control`` the criterion (test rows).
    ``parameters``: every parameter in the strategy (``item`` is its unique name in PPQ and
    CPV tables). ``attributes``: every quality attribute with ``controls`` (tests) and
    ``parameters`` (items that affect it). ``checks``: ``name, passed, failures``
    (sentences as data, :mod:`qbdkit.core.ppq.messages`, domain ``control``).
    """

    project: str
    unit_operations: list[str]
    rows: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    attributes: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    passed: bool
    built_from: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def failures_text(self, lang: str | None = "en") -> list[str]:
        return [s for c in self.checks for s in render_all(c["failures"], lang, "control")]

    def cqas(self) -> list[dict[str, Any]]:
        return [a for a in self.attributes if a["cqa"]]

    def summary(self) -> str:
        table = format_table(
            ["unit operation", "attribute", "parameter", "class", "set point", "NOR", "PAR",
             "studied", "control"],
            [[r["unit_operation"], r["attribute"] + ("" if r["cqa"] or not r["attribute"]
                                                    else " (not CQA)"),
              r["parameter"], r["class"], "" if r["set_point"] is None else r["set_point"],
              range_text(r["nor"]), range_text(r["par"]), range_text(r["studied"]),
              r["element"] + (f": {r['control']}" if r["control"] else "")]
             for r in self.rows])
        checks = [f"{'pass' if c['passed'] else 'FAIL'}  {c['name']}" for c in self.checks]
        head = (f"Control strategy{' of ' + self.project if self.project else ''}: "
                f"{len(self.cqas())} CQAs, {len(self.parameters)} parameters, "
                f"{len(self.rows)} rows; checks " + ("passed" if self.passed else "FAILED"))
        return "\n".join([head, table, "", *checks, *("  " + s for s in self.failures_text()),
                          *(f"note: {n}" for n in self.notes)])


def spec_of(attribute: dict[str, Any]) -> dict[str, Any] | None:
    """The specification of an attribute used by PPQ and CPV: its first test control with
    a numeric limit, release before IPC before stability (None if it has none)."""
    tests = sorted(attribute.get("controls", []),
                   key=lambda c: TEST_ORDER.index(c["element"]) if c["element"] in TEST_ORDER
                   else len(TEST_ORDER))
    for c in tests:
        if c["element"] in TEST_ORDER and (c["lower"] is not None or c["upper"] is not None):
            return c
    return None


def _element(value: str) -> str | None:
    key = value.strip().lower()
    return ELEMENT_ALIASES.get(key, key if key in ELEMENTS else None)


def control_strategy(parameters: pd.DataFrame, attributes: pd.DataFrame, links: pd.DataFrame,
                     *, controls: pd.DataFrame | None = None,
                     materials: pd.DataFrame | None = None,
                     unit_operations: list[str] | None = None, project: str = "",
                     built_from: list[str] | None = None,
                     files: dict[str, str] | None = None) -> ControlStrategy:
    """Build the control strategy and run its checks (see the module docstring).

    ``unit_operations``: the process order (others follow in order of appearance);
    ``files`` names the file behind each table for error messages.
    """
    files = files or {}
    problems: list[Problem] = []
    notes: list[str] = []

    # -- parameters ---------------------------------------------------------------------------
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for row, r in _rows(parameters):
        f = files.get("parameters")
        name, uo = _text(r.get("name")), _text(r.get("unit_operation"))
        if not name or not uo:
            problems.append(Problem("blank cell", f, row, "name" if not name else
                                    "unit_operation", "the parameter and its unit operation",
                                    ""))
            continue
        cls = _text(r.get("class")).upper().replace("_", "-")
        if cls and cls not in CLASSES:
            problems.append(Problem("unknown parameter class", f, row, "class",
                                    " | ".join(CLASSES) + " or blank", cls))
            continue
        if (uo, name) in params:
            problems.append(Problem("parameter listed twice", f, row, "name",
                                    "one row per unit operation and parameter", name))
            continue
        v = {k: _num(r.get(k)) for k in ("set_point", "nor_low", "nor_high", "par_low",
                                         "par_high", "studied_low", "studied_high")}
        sp_text = _text(r.get("set_point"))
        params[(uo, name)] = {
            "unit_operation": uo, "name": name, "label": _text(r.get("label")) or name,
            "unit": _text(r.get("unit")), "class": cls,
            "class_source": _text(r.get("class_source")),
            "set_point": v["set_point"] if v["set_point"] is not None else (sp_text or None),
            "nor": _range(v["nor_low"], v["nor_high"]),
            "par": _range(v["par_low"], v["par_high"]),
            "studied": _range(v["studied_low"], v["studied_high"]),
            "justification": _text(r.get("justification")),
            "sources": [s.strip() for s in _text(r.get("sources")).split(";") if s.strip()],
            "element": DEFAULT_ELEMENT[cls], "control": "", "_row": row}

    # -- attributes ---------------------------------------------------------------------------
    attrs: dict[str, dict[str, Any]] = {}
    for row, r in _rows(attributes):
        name = _text(r.get("name"))
        if not name:
            problems.append(Problem("blank cell", files.get("attributes"), row, "name",
                                    "the attribute's name", ""))
            continue
        if name in attrs:
            problems.append(Problem("attribute listed twice", files.get("attributes"), row,
                                    "name", "one row per attribute", name))
            continue
        attrs[name] = {"name": name, "label": _text(r.get("label")) or name,
                       "unit": _text(r.get("unit")),
                       "cqa": _text(r.get("cqa")).lower() in _YES,
                       "category": _text(r.get("category")), "controls": [],
                       "parameters": [], "performance": False}

    # -- parameters by name (a link or control may name a parameter without its step) ------
    by_name: dict[str, list[tuple[str, str]]] = {}
    for key in params:
        by_name.setdefault(key[1], []).append(key)

    def find_param(name: str, uo: str, f: str | None, row: int, col: str
                   ) -> tuple[str, str] | None:
        if uo and (uo, name) in params:
            return (uo, name)
        hits = by_name.get(name, [])
        if not uo and len(hits) == 1:
            return hits[0]
        problems.append(Problem("unknown parameter" if not hits else
                                "parameter of several unit operations", f, row, col,
                                "a parameter of the parameters table"
                                + ("" if not hits else " with its unit_operation"),
                                f"{uo + ': ' if uo else ''}{name}"))
        return None

    # -- controls -----------------------------------------------------------------------------
    user_links: list[tuple[int, tuple[str, str], str]] = []
    for row, r in _rows(controls):
        f = _text(r.get("_file")) or files.get("controls")
        element = _element(_text(r.get("element")))
        if element is None:
            problems.append(Problem("unknown control element", f, row, "element",
                                    " | ".join(ELEMENTS), _text(r.get("element"))))
            continue
        attr, par = _text(r.get("attribute")), _text(r.get("parameter"))
        uo = _text(r.get("unit_operation"))
        if par:
            key = find_param(par, uo, f, row, "parameter")
            if key is None:
                continue
            p = params[key]
            cls = _text(r.get("class")).upper().replace("_", "-")
            if cls and cls not in CLASSES:
                problems.append(Problem("unknown parameter class", f, row, "class",
                                        " | ".join(CLASSES) + " or blank", cls))
                continue
            if cls:
                p["class"], p["class_source"] = cls, "controls table"
            p["element"] = element
            p["control"] = _text(r.get("description")) or _text(r.get("criterion"))
            if _text(r.get("justification")):
                p["justification"] = _text(r.get("justification"))
            for src in _text(r.get("sources")).split(";"):
                if src.strip() and src.strip() not in p["sources"]:
                    p["sources"].append(src.strip())
            if attr:  # the parameter affects this attribute (a link of the controls table)
                user_links.append((row, key, attr))
            continue
        if not attr:
            problems.append(Problem("blank cell", f, row, "attribute/parameter",
                                    "the attribute (or parameter) the control is for", ""))
            continue
        if attr not in attrs:
            problems.append(Problem("unknown attribute", f, row, "attribute",
                                    "an attribute of the attributes table", attr))
            continue
        lo, hi = _num(r.get("lower")), _num(r.get("upper"))
        if lo is not None and hi is not None and lo > hi:
            problems.append(Problem("lower limit above upper limit", f, row, "lower",
                                    f"≤ upper ({hi:g})", lo))
            continue
        unit = _text(r.get("unit")) or attrs[attr]["unit"]
        text = _text(r.get("criterion"))
        if lo is None and hi is None and not text and element in TEST_ORDER:
            problems.append(Problem("test without an acceptance criterion", f, row,
                                    "lower/upper/criterion",
                                    "a limit or a criterion text", "all blank"))
            continue
        crit = criterion_text(lo, hi, unit) if (lo is not None or hi is not None) else text
        where = uo or {"release": RELEASE, "stability": STABILITY}.get(element, IN_PROCESS)
        attrs[attr]["controls"].append({
            "element": element, "unit_operation": where, "stage": _text(r.get("stage")),
            "lower": lo, "upper": hi, "unit": unit, "criterion": crit,
            "method": _text(r.get("method")), "description": _text(r.get("description"))})

    # -- links --------------------------------------------------------------------------------
    linked: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row, r in _rows(links):
        f = files.get("links")
        par, attr = _text(r.get("parameter")), _text(r.get("attribute"))
        if not par or not attr:
            problems.append(Problem("blank cell", f, row, "parameter" if not par else
                                    "attribute", "a parameter and the attribute it affects",
                                    ""))
            continue
        key = find_param(par, _text(r.get("unit_operation")), f, row, "parameter")
        if key is None:
            continue
        if attr not in attrs:  # a process-performance attribute (titre, yield …)
            attrs[attr] = {"name": attr, "label": attr, "unit": "", "cqa": False,
                           "category": "performance", "controls": [], "parameters": [],
                           "performance": True}
        src = _text(r.get("source")) or "user"
        strength, ref = _text(r.get("strength")), _text(r.get("reference"))
        what = src + (f" {strength}" if strength else "") + (f" ({ref})" if ref else "")
        entry = linked.setdefault(key, {}).setdefault(attr, [])
        if what not in entry:
            entry.append(what)

    for row, key, attr in user_links:
        if attr not in attrs:
            problems.append(Problem("unknown attribute", files.get("controls"), row,
                                    "attribute", "an attribute of the attributes table", attr))
            continue
        entry = linked.setdefault(key, {}).setdefault(attr, [])
        if "controls table" not in entry:
            entry.append("controls table")

    # -- materials ----------------------------------------------------------------------------
    mats: list[dict[str, Any]] = []
    for row, r in _rows(materials):
        name, attr = _text(r.get("material")), _text(r.get("attribute"))
        if not name:
            problems.append(Problem("blank cell", files.get("materials"), row, "material",
                                    "the material's name", ""))
            continue
        lo, hi = _num(r.get("low")), _num(r.get("high"))
        mats.append({"material": name, "attribute": attr,
                     "unit_operation": _text(r.get("unit_operation")),
                     "unit": _text(r.get("unit")), "range": _range(lo, hi),
                     "critical": _text(r.get("critical")).lower() in _YES,
                     "method": _text(r.get("method"))})
    if problems:
        raise QbdInputError(problems=problems[:30])

    # -- which parameters are in the strategy; unique item names ------------------------------
    keys = [k for k, p in params.items() if p["class"] or k in linked]
    dropped = len(params) - len(keys)
    if dropped:
        notes.append(f"{dropped} parameters have neither a class nor a link to an attribute "
                     "and are left out")
    names_used: dict[str, int] = {}
    for k in keys:
        names_used[k[1]] = names_used.get(k[1], 0) + 1
    for k in keys:
        p = params[k]
        p["item"] = p["name"] if names_used[p["name"]] == 1 and p["name"] not in attrs \
            else f"{p['unit_operation']}.{p['name']}"
        p["attributes"] = sorted(linked.get(k, {}))
        p["links"] = {a: "; ".join(v) for a, v in sorted(linked.get(k, {}).items())}
        for a in p["attributes"]:
            attrs[a]["parameters"].append(p["item"])

    # -- unit-operation order -----------------------------------------------------------------
    order = list(unit_operations or [])
    for k in keys:
        if k[0] not in order:
            order.append(k[0])
    for a in attrs.values():
        for c in a["controls"]:
            if c["unit_operation"] not in order \
                    and c["unit_operation"] not in (RELEASE, STABILITY, IN_PROCESS):
                order.append(c["unit_operation"])
    for m in mats:
        if m["unit_operation"] and m["unit_operation"] not in order:
            order.append(m["unit_operation"])
    steps = [*order, IN_PROCESS, RELEASE, STABILITY]
    rank = {c: i for i, c in enumerate(CLASSES)}

    # -- the table ----------------------------------------------------------------------------
    table: list[dict[str, Any]] = []

    def add_param_row(p: dict[str, Any], attr: dict[str, Any] | None) -> None:
        table.append({
            "unit_operation": p["unit_operation"], "attribute": attr["name"] if attr else "",
            "attribute_label": attr["label"] if attr else "",
            "cqa": bool(attr and attr["cqa"]), "parameter": p["name"],
            "parameter_label": p["label"], "item": p["item"], "class": p["class"],
            "unit": p["unit"], "set_point": p["set_point"], "nor": p["nor"], "par": p["par"],
            "studied": p["studied"], "element": p["element"], "control": p["control"],
            "links": p["links"].get(attr["name"], "") if attr else ""})

    def add_test_row(attr: dict[str, Any], c: dict[str, Any]) -> None:
        table.append({
            "unit_operation": c["unit_operation"], "attribute": attr["name"],
            "attribute_label": attr["label"], "cqa": attr["cqa"], "parameter": "",
            "parameter_label": "", "item": attr["name"], "class": "", "unit": c["unit"],
            "set_point": None, "nor": None, "par": None, "studied": None,
            "element": c["element"], "control": c["criterion"]
            + (f" ({c['method']})" if c["method"] else ""), "links": c["stage"]})

    ordered_attrs = sorted(attrs.values(), key=lambda a: (not a["cqa"], a["performance"]))
    for uo in steps:
        for a in ordered_attrs:
            ps = sorted((params[k] for k in keys if k[0] == uo and a["name"] in linked.get(k, {})),
                        key=lambda p: (rank.get(p["class"], 9), p["name"]))
            for p in ps:
                add_param_row(p, a)
            for c in a["controls"]:
                if c["unit_operation"] == uo:
                    add_test_row(a, c)
        for k in keys:  # classified parameters that affect no listed attribute
            p = params[k]
            if k[0] == uo and not linked.get(k):
                add_param_row(p, None)
        for m in mats:
            if m["unit_operation"] == uo:
                table.append({
                    "unit_operation": uo, "attribute": m["attribute"],
                    "attribute_label": m["attribute"], "cqa": False,
                    "parameter": m["material"], "parameter_label": m["material"],
                    "item": f"{m['material']}.{m['attribute']}",
                    "class": "CMA" if m["critical"] else "MA", "unit": m["unit"],
                    "set_point": None, "nor": None, "par": m["range"], "studied": None,
                    "element": "material", "control": range_text(m["range"], m["unit"])
                    + (f" ({m['method']})" if m["method"] else ""), "links": ""})

    # -- checks -------------------------------------------------------------------------------
    f_cqa = [message(MSG_NO_CONTROL, attribute=a["name"]) for a in attrs.values()
             if a["cqa"] and not a["controls"]
             and not any(params[k]["class"] in CRITICAL and a["name"] in linked.get(k, {})
                         for k in keys)]
    f_range: list[dict[str, Any]] = []
    f_wc: list[dict[str, Any]] = []
    f_src: list[dict[str, Any]] = []
    f_cls: list[dict[str, Any]] = []
    for k in keys:
        p = params[k]
        if p["class"] in CRITICAL:
            sp = p["set_point"]
            chain = [("set point", [sp, sp] if isinstance(sp, float) else None),
                     ("NOR", p["nor"]), ("PAR", p["par"]), ("studied range", p["studied"])]
            missing = [w for w, r in chain if r is None]
            for w in missing:
                f_range.append(message(MSG_NO_RANGE, parameter=p["item"], range=w))
            present = [(w, r) for w, r in chain if r is not None]
            for (wi, ri), (wo, ro) in pairwise(present):
                if not _inside(ri, ro):
                    f_range.append(message(MSG_NOT_NESTED, parameter=p["item"], inner=wi,
                                           inner_range=range_text(ri), outer=wo,
                                           outer_range=range_text(ro)))
            if not p["sources"]:
                f_src.append(message(MSG_NO_SOURCE, parameter=p["item"]))
        if p["class"] == "WC-CPP" and not p["justification"]:
            f_wc.append(message(MSG_NO_JUSTIFICATION, parameter=p["item"]))
        cq = [a for a in p["attributes"] if attrs[a]["cqa"]]
        if not p["class"] and cq:
            f_cls.append(message(MSG_UNCLASSIFIED, parameter=p["item"],
                                 attributes=", ".join(cq)))
    checks = [{"name": n, "passed": not fl, "failures": fl}
              for n, fl in ((CHECK_CQA, f_cqa), (CHECK_RANGES, f_range), (CHECK_WC, f_wc),
                            (CHECK_SOURCE, f_src), (CHECK_CLASSIFIED, f_cls))]
    out_params = [{k: v for k, v in params[k].items() if not k.startswith("_")}
                  for k in keys]
    out_params.sort(key=lambda p: (steps.index(p["unit_operation"]), rank.get(p["class"], 9),
                                   p["name"]))
    out_attrs = [dict(a, spec=spec_of(a)) for a in ordered_attrs]
    return ControlStrategy(project=project, unit_operations=order, rows=table,
                           parameters=out_params, attributes=out_attrs, materials=mats,
                           checks=checks, passed=all(c["passed"] for c in checks),
                           built_from=list(built_from or []), notes=notes)
