"""The control strategy of a project (kind ``control.strategy``) and the project snapshots
the later stages are computed from.

A project-based use case reads the store (the project document and its risk and DoE
records), writes what it read as small CSV tables into a folder — the *snapshot* — and runs
the record kind on those files. The stored record therefore keeps exactly the tables it was
computed from (``records show`` lists them; ``qbdkit rerun`` recomputes from them and gives
the same result even after the project has changed), and the same kind runs on a user's own
tables without a project.

``control.strategy`` (:func:`control_strategy`, :class:`ControlStrategyRequest`) tables:

* ``parameters.csv`` — every process parameter: ``unit_operation, name, label, unit, class,
  class_source, set_point, nor_low, nor_high, par_low, par_high, studied_low, studied_high,
  justification, sources``;
* ``attributes.csv`` — ``name, label, unit, cqa, category``;
* ``links.csv`` — ``unit_operation, parameter, attribute, source, strength, reference``;
* ``tests.csv`` — the attributes' tests from their acceptance criteria: ``attribute,
  element, unit_operation, stage, lower, upper, unit, criterion, method``;
* ``materials.csv`` — ``material, attribute, unit_operation, unit, low, high, critical,
  method``;
* optional ``controls`` — the user's table of further controls (same columns as
  ``tests.csv`` plus ``parameter``, ``description``, ``justification``), e.g. a procedural
  control or the justification of a WC-CPP; a project carries it as ``control/controls.csv``.

Where the snapshot comes from (:func:`gather`): set point, NOR, PAR and studied range from
the project document; the class of each parameter from the project (an accepted class),
else the newest ``doe.reassess``-like record (``classes``), else ``risk.classify``; links
from every C&E record (``risk.ce``: a non-zero correlation), FMEA record (``risk.fmea``: a
row whose function, failure mode or cause names a parameter of its step and whose effect
names a CQA) and DoE record with an ``effects`` list (a significant or relevant effect);
a parameter's sources are the DoE records that name it and the project's studies that list
it or its unit operation. Names are matched loosely (case, a trailing unit, plurals,
English or Chinese label, a few abbreviations such as DO), since risk tables are written by
hand.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field

from qbdkit.core.control import ControlStrategy
from qbdkit.errors import QbdInputError
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register

__all__ = ["ControlStrategyRequest", "ProjectSnapshot", "control_strategy",
           "control_strategy_for_project", "gather", "latest_result", "require_strategy",
           "write_csv"]

PARAMETER_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_operation": ("unit operation", "step", "工序", "单元操作", "工艺步骤"),
    "name": ("parameter", "参数", "工艺参数"),
    "label": ("名称", "显示名"),
    "unit": ("units", "单位"),
    "class": ("classification", "category", "分类", "类别", "参数分类"),
    "set_point": ("set point", "target", "设定值", "目标值"),
    "nor_low": ("nor low", "NOR下限"), "nor_high": ("nor high", "NOR上限"),
    "par_low": ("par low", "PAR下限"), "par_high": ("par high", "PAR上限"),
    "studied_low": ("studied low", "研究范围下限"), "studied_high": ("studied high", "研究范围上限"),
    "justification": ("rationale", "理由", "依据"),
    "sources": ("source", "study", "来源", "研究"),
}
ATTRIBUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("attribute", "quality attribute", "质量属性", "属性"),
    "label": ("名称",), "unit": ("units", "单位"), "cqa": ("critical", "关键", "是否CQA"),
    "category": ("类别",),
}
LINK_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_operation": PARAMETER_ALIASES["unit_operation"],
    "parameter": ("参数", "工艺参数"), "attribute": ("质量属性", "属性"),
    "source": ("来源",), "strength": ("score", "强度", "评分"), "reference": ("record", "记录"),
}
CONTROL_ALIASES: dict[str, tuple[str, ...]] = {
    "attribute": ("质量属性", "属性"), "parameter": ("参数", "工艺参数"),
    "unit_operation": PARAMETER_ALIASES["unit_operation"],
    "element": ("control", "control element", "控制要素", "控制方式"),
    "stage": ("阶段",), "lower": ("lsl", "下限"), "upper": ("usl", "上限"),
    "unit": ("units", "单位"), "criterion": ("acceptance criterion", "可接受标准", "标准"),
    "method": ("test", "检测方法", "方法"), "description": ("说明", "描述"),
    "justification": ("rationale", "理由", "依据"),
    "class": ("classification", "分类", "参数分类"), "sources": ("source", "study", "来源"),
}
MATERIAL_ALIASES: dict[str, tuple[str, ...]] = {
    "material": ("物料",), "attribute": ("物料属性", "属性"),
    "unit_operation": PARAMETER_ALIASES["unit_operation"], "unit": ("单位",),
    "low": ("lower", "下限"), "high": ("upper", "上限"), "critical": ("关键",),
    "method": ("检测方法",),
}
PARAMETER_COLUMNS = ["unit_operation", "name", "label", "unit", "class", "class_source",
                     "set_point", "nor_low", "nor_high", "par_low", "par_high", "studied_low",
                     "studied_high", "justification", "sources"]
ATTRIBUTE_COLUMNS = ["name", "label", "unit", "cqa", "category"]
LINK_COLUMNS = ["unit_operation", "parameter", "attribute", "source", "strength", "reference"]
TEST_COLUMNS = ["attribute", "element", "unit_operation", "stage", "lower", "upper", "unit",
                "criterion", "method"]
MATERIAL_COLUMNS = ["material", "attribute", "unit_operation", "unit", "low", "high",
                    "critical", "method"]
#: the project's own table of further controls (an area file of the project folder)
CONTROLS_FILES = ("control/controls.csv", "control/controls.xlsx")


# ---- the record kind --------------------------------------------------------------------------

class ControlStrategyRequest(Request):
    """The control strategy from its tables (see the module docstring)."""

    parameters: Path = input_file(description="process parameters with class and ranges")
    attributes: Path = input_file(description="quality attributes (cqa yes/no)")
    links: Path = input_file(description="parameter → attribute links (C&E, FMEA, DoE)")
    tests: Path | None = input_file(None, description="attribute tests (specifications)")
    controls: Path | None = input_file(None, description="further controls (user)")
    materials: Path | None = input_file(None, description="material attributes")
    unit_operations: list[str] | None = None
    project: str = ""
    built_from: list[str] = Field(default_factory=list)


def _read(path: Path, aliases: dict[str, tuple[str, ...]], required: list[str],
          numbers: tuple[str, ...] = (), texts_ok: tuple[str, ...] = ()):
    """The table as a frame with ``_row`` and ``_file``; ``numbers`` parsed (blank → None;
    a column in ``texts_ok`` keeps text that is not a number, e.g. a set point 'on demand')."""
    import pandas as pd

    from qbdkit.io import read_table, require_columns

    t = require_columns(read_table(path, dtype_str=True), required, aliases,
                        [c for c in aliases if c not in required])
    frame = t.frame.copy()
    for col in numbers:
        if col not in frame.columns:
            continue
        vals: list[Any] = []
        for i in range(len(frame)):
            try:
                vals.append(t.number(i, col, allow_blank=True))
            except QbdInputError:
                if col not in texts_ok:
                    raise
                vals.append(t.text(i, col))
        frame[col] = pd.Series(vals, index=frame.index, dtype=object)
    frame["_row"] = [t.row_of(i) for i in range(len(frame))]
    frame["_file"] = Path(path).name
    return frame


def control_strategy(req: ControlStrategyRequest, ctx: Context | None = None
                     ) -> ControlStrategy:
    import pandas as pd

    from qbdkit.core.control import control_strategy as build

    params = _read(req.parameters, PARAMETER_ALIASES, ["unit_operation", "name"],
                   ("set_point", "nor_low", "nor_high", "par_low", "par_high", "studied_low",
                    "studied_high"), texts_ok=("set_point",))
    attrs = _read(req.attributes, ATTRIBUTE_ALIASES, ["name"])
    links = _read(req.links, LINK_ALIASES, ["parameter", "attribute"])
    controls = [_read(p, CONTROL_ALIASES, ["element"], ("lower", "upper"))
                for p in (req.tests, req.controls) if p is not None]
    materials = None if req.materials is None else _read(
        req.materials, MATERIAL_ALIASES, ["material"], ("low", "high"))
    return build(params, attrs, links,
                 controls=pd.concat(controls, ignore_index=True) if controls else None,
                 materials=materials, unit_operations=req.unit_operations,
                 project=req.project, built_from=req.built_from,
                 files={"parameters": req.parameters.name, "attributes": req.attributes.name,
                        "links": req.links.name})


def _example(folder: Path) -> ControlStrategyRequest:
    """Two unit operations of a mAb process: bioreactor CPPs and a WC-CPP, protein A, three
    CQAs with release tests and one IPC, links from C&E and DoE."""
    folder = Path(folder)
    write_csv(folder / "parameters.csv", PARAMETER_COLUMNS, [
        ["production_bioreactor", "temperature", "Temperature", "°C", "CPP", "DoE", 36.0,
         35.5, 36.5, 35.0, 37.0, 35.0, 37.0, "", "doe.analysis/bioreactor v1"],
        ["production_bioreactor", "ph", "pH", "", "CPP", "DoE", 7.0, 6.9, 7.1, 6.8, 7.2, 6.8,
         7.2, "", "doe.analysis/bioreactor v1"],
        ["production_bioreactor", "culture_duration", "Culture duration", "d", "WC-CPP",
         "risk.classify", 14.0, 13.5, 14.5, 13.0, 15.0, 12.0, 16.0,
         "fixed harvest day in the batch record", "study bioreactor_doe"],
        ["production_bioreactor", "agitation", "Agitation", "rpm", "GPP", "", 110, 100, 120,
         90, 130, 80, 140, "", ""],
        ["protein_a", "elution_ph", "Elution pH", "", "KPP", "risk.classify", 3.6, 3.5, 3.7,
         3.4, 3.8, 3.2, 3.9, "", ""]])
    write_csv(folder / "attributes.csv", ATTRIBUTE_COLUMNS, [
        ["aggregates", "Aggregates (HMW)", "%", "yes", "product variant"],
        ["afucosylation", "Afucosylation", "%", "yes", "glycosylation"],
        ["hcp", "Host cell protein", "ng/mg", "yes", "process impurity"],
        ["bioburden", "Bioburden", "CFU/10 mL", "no", "safety"]])
    write_csv(folder / "links.csv", LINK_COLUMNS, [
        ["", "temperature", "aggregates", "C&E", "9", "risk.ce/ce v1"],
        ["", "temperature", "afucosylation", "DoE", "42 % of spec", "doe.reassess/cpp v1"],
        ["production_bioreactor", "ph", "afucosylation", "C&E", "3", "risk.ce/ce v1"],
        ["", "culture_duration", "hcp", "C&E", "3", "risk.ce/ce v1"],
        ["", "elution_ph", "aggregates", "FMEA", "", "risk.fmea/fmea v1 P02"],
        ["", "agitation", "titre", "C&E", "3", "risk.ce/ce v1"]])
    write_csv(folder / "tests.csv", TEST_COLUMNS, [
        ["aggregates", "release", "", "DS release", "", 3.0, "%", "", "SEC-HPLC"],
        ["afucosylation", "release", "", "DS release", 5.0, 11.0, "%", "", "HILIC-FLD"],
        ["hcp", "release", "", "DS release", "", 100, "ng/mg", "", "ELISA"],
        ["bioburden", "ipc", "protein_a", "in-process", "", 10, "CFU/10 mL", "",
         "membrane filtration"]])
    return ControlStrategyRequest(
        parameters=folder / "parameters.csv", attributes=folder / "attributes.csv",
        links=folder / "links.csv", tests=folder / "tests.csv",
        unit_operations=["seed_train", "production_bioreactor", "protein_a"],
        project="example", built_from=["example tables"])


register(Kind("control.strategy", ControlStrategyRequest, control_strategy, ControlStrategy,
              title={"en": "Control strategy", "zh": "控制策略"}, stage="control-strategy",
              example=_example))


# ---- writing tables ---------------------------------------------------------------------------

def _cell(v: Any) -> str:
    from qbdkit.model.schema import format_number

    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float | int):
        return format_number(float(v)) if math.isfinite(float(v)) else ""
    return str(v)


def write_csv(path: Path, columns: list[str], rows: list[list[Any]] | list[dict[str, Any]]
              ) -> Path:
    """A UTF-8 CSV (numbers in their shortest exact form) — the snapshot format. A text a
    spreadsheet would read as a formula is guarded (:func:`qbdkit.io.sheets.guard`;
    :func:`qbdkit.io.read_table` reads it back as written)."""
    from qbdkit.io.sheets import guard

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            vals = [r.get(c) for c in columns] if isinstance(r, dict) else list(r)
            w.writerow([guard(_cell(v)) for v in vals])
    return path


# ---- reading the project and its records ------------------------------------------------------

class ProjectSnapshot:
    """The newest project version (its model and area files) and the newest version of each
    of its records, read once."""

    def __init__(self, project: str, ctx: Context) -> None:
        from qbdkit.model import Project as ProjectModel
        from qbdkit.services.projects import project_document
        from qbdkit.services.records import list_records

        self.project = project
        self.ctx = ctx
        stored = project_document(project, url=ctx.url)
        self.version: int = stored["version"]
        self.files: dict[str, bytes] = stored["files"]
        self.model = ProjectModel.model_validate(stored["document"])
        self.records = list_records(project, user=ctx.user, url=ctx.url).records
        self._content: dict[tuple[str, str], Any] = {}

    # -- batches and their values ------------------------------------------------------------
    def batches(self, kinds: list[str] | None = None, *, until: str | None = None,
                after_first_ppq: bool = False) -> list[Any]:
        """The project's batches of ``kinds`` (all when None) made on or before ``until``
        (ISO date), in date order (batches without a date last, by id); with
        ``after_first_ppq``, at-scale batches only from the first PPQ batch on."""
        import datetime as dt

        limit = None
        if until:
            try:
                limit = dt.date.fromisoformat(str(until)[:10])
            except ValueError:
                raise QbdInputError("not a date", column="until",
                                    expected="a date like 2026-06-30", found=until) from None
        bs = [b for b in self.model.batches if kinds is None or b.kind in kinds]
        if limit is not None:
            bs = [b for b in bs if b.date is not None and b.date <= limit]
        if after_first_ppq:
            ppq = [b.date for b in self.model.batches if b.kind == "PPQ" and b.date]
            if ppq:
                first = min(ppq)
                bs = [b for b in bs if b.kind == "PPQ"
                      or (b.date is not None and b.date >= first)]
        return sorted(bs, key=lambda b: (b.date is None, b.date or dt.date.min, b.id))

    def values(self, name: str, unit_operation: str | None, batch_ids: set[str]
               ) -> list[tuple[str, float]]:
        """Batch values of ``name`` — a parameter (or attribute) measured in
        ``unit_operation``, or an attribute measured anywhere when it is None — for the
        batches ``batch_ids``, in the order of
        the measurement table. A batch's values are its measurements without a time, else
        those at its only time point (an end-point result, e.g. day 14); a series over
        several time points (a trend) gives no batch value."""
        if unit_operation:
            hit = self.model.parameter(name, unit_operation) or self.model.attribute(name)
            spell = _spellings(hit) if hit is not None else {name}
            uo = self.model.unit_operation(unit_operation)
            uo_spell = _spellings(uo) if uo is not None else {unit_operation}
        else:
            hit = self.model.attribute(name)
            spell = _spellings(hit) if hit is not None else {name}
            uo_spell = None
        keys = set().union(*(_keys(s) for s in spell))
        found: list[Any] = []
        for m in self.model.measurements:
            if m.batch not in batch_ids or not isinstance(m.value, float):
                continue
            if uo_spell is not None and (m.unit_operation or "") not in uo_spell:
                continue
            if m.name in spell or _keys(m.name) & keys:
                found.append(m)
        untimed = {m.batch for m in found if m.time is None}
        times: dict[str, set[Any]] = {}
        for m in found:
            if m.time is not None:
                times.setdefault(m.batch, set()).add(m.time)
        return [(m.batch, m.value) for m in found
                if (m.time is None if m.batch in untimed
                    else len(times.get(m.batch, ())) == 1)]

    def ref(self, r: dict[str, Any]) -> str:
        return f"{r['kind']}/{r['key']} v{r['version']}"

    def of_kind(self, *prefixes: str) -> list[dict[str, Any]]:
        """Newest version of every record whose kind is or starts with one of ``prefixes``
        (``"doe."`` matches every DoE kind), oldest first."""
        out = [r for r in self.records
               if any(r["kind"] == p or (p.endswith(".") and r["kind"].startswith(p))
                      for p in prefixes)]
        return sorted(out, key=lambda r: (r["at"], r["kind"], r["key"]))

    def result(self, r: dict[str, Any]) -> Any:
        """The stored result (``content["result"]``) of a record row, or None."""
        from qbdkit.services.records import get_record

        key = (r["kind"], r["key"])
        if key not in self._content:
            rec = get_record(self.project, r["kind"], r["key"], r["version"], url=self.ctx.url)
            content = rec["content"]
            self._content[key] = content.get("result") if isinstance(content, dict) else None
        return self._content[key]


def latest_result(snap: ProjectSnapshot, kind: str, key: str | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(record row, result)`` of the record of ``kind`` to build on: ``key`` when given,
    else the approved one saved last, else the one saved last (None if there is none)."""
    rows = [r for r in snap.of_kind(kind) if key is None or r["key"] == key]
    if not rows:
        return None
    approved = [r for r in rows if r["state"] == "approved"]
    row = (approved or rows)[-1]
    result = snap.result(row)
    return (row, result) if isinstance(result, dict) else None


def require_strategy(snap: ProjectSnapshot, key: str | None = None
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The control strategy to build on (see :func:`latest_result`) or an input error
    telling how to make one."""
    found = latest_result(snap, "control.strategy", key)
    if found is None:
        raise QbdInputError("no control strategy in the project", column="control.strategy"
                            + (f"/{key}" if key else ""),
                            expected=f"a control.strategy record (qbdkit control-strategy "
                                     f"{snap.project})", found="none")
    return found


# ---- loose name matching ----------------------------------------------------------------------

ABBREVIATIONS = {"do": "dissolved oxygen", "temp": "temperature", "vcd": "viable cell density",
                 "feed": "feed volume", "rpm": "agitation", "溶氧": "dissolved oxygen"}


def _keys(text: str) -> set[str]:
    from qbdkit.model.schema import loose_key

    k = loose_key(text)
    if not k:
        return set()
    out = {k, k.replace(" ", "")}
    if len(k) > 3 and k.endswith("s"):
        out.add(k[:-1])
    if k in ABBREVIATIONS:
        out.add(ABBREVIATIONS[k])
    return out


def _spellings(entity: Any) -> set[str]:
    return {s for s in (entity.name, entity.label.en, entity.label.zh) if s}


class _Names:
    """Loose lookup of the project's parameters and attributes."""

    def __init__(self, model: Any, extra_attribute_spellings: dict[str, set[str]]) -> None:
        self.model = model
        self.params = [(uo.name, p) for uo, p in model.process.parameters()]
        self.attrs = list(model.quality_attributes)
        self.attr_keys: dict[str, set[str]] = {}
        for a in self.attrs:
            keys: set[str] = set()
            for s in _spellings(a) | extra_attribute_spellings.get(a.name, set()):
                keys |= _keys(s)
            self.attr_keys[a.name] = keys
        self.uo_names = {uo.name: _spellings(uo) for uo in model.process.unit_operations}

    def attribute(self, text: str) -> Any | None:
        keys = _keys(text)
        hits = [a for a in self.attrs if keys & self.attr_keys[a.name]]
        return hits[0] if len(hits) == 1 else None

    def parameter(self, text: str, uo: str | None = None) -> tuple[str, Any] | None:
        keys = _keys(text)
        pool = [(u, p) for u, p in self.params if uo is None or u == uo]
        hits = [(u, p) for u, p in pool
                if keys & set().union(*(_keys(s) for s in _spellings(p)))]
        if not hits:  # a word of the name: 'Feed (%)' → 'feed_volume'
            words = {k for k in keys if " " not in k and len(k) >= 3}
            hits = [(u, p) for u, p in pool
                    if any(w in set(" ".join(_keys(s)).split()) for w in words
                           for s in _spellings(p))]
        if len(hits) > 1:  # prefer characterised parameters (set point or ranges)
            known = [(u, p) for u, p in hits if p.set_point is not None or p.par is not None]
            hits = known or hits
        return hits[0] if hits else None

    def unit_operation(self, text: str) -> str | None:
        keys = _keys(text)
        for name, spell in self.uo_names.items():
            if keys & set().union(*(_keys(s) for s in spell)):
                return name
        best, score = None, 0.0
        for name, spell in self.uo_names.items():
            for s in spell:
                for k in _keys(s):
                    for q in keys:
                        r = difflib.SequenceMatcher(None, q, k).ratio()
                        if r > score:
                            best, score = name, r
        return best if score >= 0.6 else None

    @staticmethod
    def mentions(text: str, spelling: str) -> bool:
        """``spelling`` occurs in ``text`` (as a word when it is Latin)."""
        from qbdkit.model.schema import loose_key

        s = loose_key(spelling)
        if len(s) < 2:
            return False
        if re.fullmatch(r"[a-z0-9 ]+", s):
            return re.search(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])",
                             " ".join(loose_key(text).split())) is not None
        return s in text.casefold()


def _strings(value: Any, depth: int = 0, budget: list[int] | None = None) -> Iterator[str]:
    """Names found in a stored result: values of ``name``/``factor``/``parameter`` keys and
    lists of strings under ``factors``, to a bounded depth and count."""
    budget = budget if budget is not None else [20000]
    if depth > 5 or budget[0] <= 0:
        return
    budget[0] -= 1
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("name", "factor", "parameter") and isinstance(v, str):
                yield v
            elif k == "factors" and isinstance(v, list):
                for x in v:
                    if isinstance(x, str):
                        yield x
                    else:
                        yield from _strings(x, depth + 1, budget)
            elif isinstance(v, dict | list):
                yield from _strings(v, depth + 1, budget)
    elif isinstance(value, list):
        for x in value:
            yield from _strings(x, depth + 1, budget)


# ---- the snapshot of the control strategy -----------------------------------------------------

def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _class_of(c: Any) -> str:
    """The class of a stored classification row (``cls`` in DoE re-assessments, ``class``
    in risk records)."""
    if not isinstance(c, dict):
        return ""
    cls = str(c.get("cls") or c.get("class") or "").upper().replace("_", "-")
    return cls if cls in ("CPP", "WC-CPP", "KPP", "GPP") else ""


def _evidence(c: dict[str, Any]) -> str:
    return str(c.get("evidence") or c.get("rationale_en") or c.get("rationale") or "")


def _stage_element(stage: str | None) -> str | None:
    s = (stage or "").casefold()
    if "characteri" in s:
        return None
    if "stabil" in s or "稳定" in s:
        return "stability"
    if "release" in s or "放行" in s or not s:
        return "release"
    return "ipc"


def _project_controls(snap: ProjectSnapshot, folder: Path) -> Path | None:
    for rel in CONTROLS_FILES:
        if rel in snap.files:
            target = folder / Path(rel).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(snap.files[rel])
            return target
    return None


def gather(project: str, folder: Path, *, ctx: Context, controls: Path | None = None,
           snap: ProjectSnapshot | None = None) -> ControlStrategyRequest:
    """Write the control-strategy tables of ``project`` into ``folder`` (module docstring)
    and return the request that computes the strategy from them."""
    snap = snap or ProjectSnapshot(project, ctx)
    model = snap.model
    built_from = [f"project {project} v{snap.version}"]

    # extra attribute spellings from CQA assessments (their Chinese names)
    extra: dict[str, set[str]] = {}
    plain = _Names(model, {})
    for r in snap.of_kind("risk.cqa"):
        res = snap.result(r)
        for row in (res or {}).get("attributes", []) if isinstance(res, dict) else []:
            names = [str(row[k]) for k in ("name", "name_zh", "label", "label_zh")
                     if isinstance(row, dict) and row.get(k)]
            hit = next((a for a in (plain.attribute(n) for n in names) if a is not None), None)
            if hit is not None:
                extra.setdefault(hit.name, set()).update(names)
    names = _Names(model, extra)
    cqa_names = {a.name for a in model.cqas()}

    links: list[list[Any]] = []
    classes: dict[tuple[str, str], tuple[str, str, str]] = {}   # → (class, source, evidence)
    sources: dict[tuple[str, str], list[str]] = {}

    def link(uo: str, p: Any, attr: str, source: str, strength: Any, ref: str) -> None:
        row = [uo, p.name, attr, source, strength, ref]
        if row not in links:
            links.append(row)

    # C&E: correlations of inputs with outputs, at least a third of the strongest one
    for r in snap.of_kind("risk.ce"):
        res = snap.result(r)
        if not isinstance(res, dict):
            continue
        used = False
        inputs = [i for i in res.get("inputs", []) or [] if isinstance(i, dict)]
        strongest = max([_float(c) or 0.0 for i in inputs
                         for c in (i.get("correlations") or {}).values()] or [0.0])
        for inp in inputs:
            hit = names.parameter(str(inp.get("name", "")))
            if hit is None:
                continue
            for out, corr in (inp.get("correlations") or {}).items():
                c = _float(corr)
                if c is not None and c > 0 and c >= strongest / 3:
                    a = names.attribute(str(out))
                    link(hit[0], hit[1], a.name if a else str(out), "C&E", corr, snap.ref(r))
                    used = True
        if used:
            built_from.append(snap.ref(r))
    # FMEA: a row's step, the parameter its function/failure mode/cause names, the CQAs its
    # effect names
    for r in snap.of_kind("risk.fmea"):
        res = snap.result(r)
        if not isinstance(res, dict):
            continue
        used = False
        for row in res.get("rows", []) or []:
            if not isinstance(row, dict):
                continue
            uo = names.unit_operation(str(row.get("step") or row.get("unit_operation") or ""))
            if uo is None:
                continue
            text = " ".join(str(row.get(k) or "") for k in ("function", "failure_mode", "cause"))
            best = None
            for u, p in names.params:
                if u != uo:
                    continue
                for s in _spellings(p):
                    if names.mentions(text, s) and (best is None or len(s) > best[0]):
                        best = (len(s), p)
            if best is None:
                continue
            effect = str(row.get("effect") or "")
            for a in names.attrs:
                if a.name in cqa_names and any(names.mentions(effect, s)
                                               for s in _spellings(a) | extra.get(a.name, set())):
                    link(uo, best[1], a.name, "FMEA", f"AP {row.get('ap')}" if row.get("ap")
                         else "", f"{snap.ref(r)} {row.get('id', '')}".strip())
                    used = True
        if used:
            built_from.append(snap.ref(r))
    # DoE: effects and re-assessed classes; every DoE record naming a parameter is a source
    for r in snap.of_kind("doe."):
        res = snap.result(r)
        if not isinstance(res, dict):
            continue
        used = False
        for e in res.get("effects", []) or []:
            if not isinstance(e, dict) or not (e.get("affects") or e.get("significant")):
                continue
            hit = names.parameter(str(e.get("parameter", "")))
            if hit is None:
                continue
            a = names.attribute(str(e.get("response", "")))
            pct = e.get("percent_of_spec")
            link(hit[0], hit[1], a.name if a else str(e.get("response")), "DoE",
                 f"{float(pct):.0f} % of spec" if isinstance(pct, int | float) else "",
                 snap.ref(r))
            used = True
        for c in res.get("classes", []) or []:
            cls = _class_of(c)
            if cls:
                hit = names.parameter(str(c.get("name", "")), names.unit_operation(
                    str(c.get("step") or c.get("unit_operation") or "")))
                if hit is not None:
                    classes[(hit[0], hit[1].name)] = (cls, snap.ref(r), _evidence(c))
                    used = True
        for s in set(_strings(res)):
            hit = names.parameter(s)
            if hit is not None and _keys(s) & set().union(*(_keys(x) for x in
                                                            _spellings(hit[1]))):
                lst = sources.setdefault((hit[0], hit[1].name), [])
                if snap.ref(r) not in lst:
                    lst.append(snap.ref(r))
                    used = True
        if used:
            built_from.append(snap.ref(r))
    # classes from the risk assessment, where no DoE re-assessment gave one
    for r in snap.of_kind("risk.classify"):
        res = snap.result(r)
        if not isinstance(res, dict):
            continue
        used = False
        for c in res.get("parameters", []) or []:
            cls = _class_of(c)
            if not cls:
                continue
            hit = names.parameter(str(c.get("name", "")), names.unit_operation(
                str(c.get("step") or c.get("unit_operation") or "")))
            if hit is not None and (hit[0], hit[1].name) not in classes:
                classes[(hit[0], hit[1].name)] = (cls, snap.ref(r), _evidence(c))
                used = True
        if used:
            built_from.append(snap.ref(r))
    # project studies that list a parameter or its unit operation
    for study in model.studies:
        if study.kind == "risk":
            continue
        for uo, p in model.process.parameters():
            if p.name in study.parameters or uo.name in study.unit_operations \
                    or p.spellings() & set(study.parameters):
                lst = sources.setdefault((uo.name, p.name), [])
                lst.append(f"study {study.name}")

    # -- tables ----------------------------------------------------------------------------------
    prow = []
    for uo, p in model.process.parameters():
        key = (uo.name, p.name)
        cls, cls_src, evidence = classes.get(key, ("", "", ""))
        if p.classification:
            cls, cls_src = p.classification, f"project {project} v{snap.version}"
        prow.append({
            "unit_operation": uo.name, "name": p.name, "label": p.label.en or p.name,
            "unit": p.unit or "", "class": cls, "class_source": cls_src,
            "set_point": p.set_point,
            "nor_low": p.nor.low if p.nor else None, "nor_high": p.nor.high if p.nor else None,
            "par_low": p.par.low if p.par else None, "par_high": p.par.high if p.par else None,
            "studied_low": p.studied.low if p.studied else None,
            "studied_high": p.studied.high if p.studied else None,
            "justification": p.notes or (evidence if cls == "WC-CPP" else ""),
            "sources": "; ".join(sources.get(key, []))})
    arow = [{"name": a.name, "label": a.label.en or a.name, "unit": a.unit or "",
             "cqa": a.name in cqa_names, "category": a.category or ""}
            for a in model.quality_attributes]
    trow = []
    for a in model.quality_attributes:
        for c in a.acceptance:
            element = _stage_element(c.stage)
            if element is None or (c.low is None and c.high is None and not c.text):
                continue
            trow.append({"attribute": a.name, "element": element, "unit_operation": "",
                         "stage": c.stage or "", "lower": c.low, "upper": c.high,
                         "unit": c.unit or a.unit or "", "criterion": c.text or "",
                         "method": a.method or ""})
    mrow = []
    for m in model.materials:
        for ma in m.attributes:
            for uo in m.used_in or [""]:
                mrow.append({"material": m.name, "attribute": ma.name, "unit_operation": uo,
                             "unit": ma.unit or "", "low": ma.range.low if ma.range else None,
                             "high": ma.range.high if ma.range else None,
                             "critical": bool(ma.critical), "method": ma.method or ""})
    folder = Path(folder)
    user_controls = controls
    if user_controls is None:
        user_controls = _project_controls(snap, folder / "project")
        if user_controls is not None:
            built_from.append(f"project {project} v{snap.version}: control/{user_controls.name}")
    return ControlStrategyRequest(
        parameters=write_csv(folder / "parameters.csv", PARAMETER_COLUMNS, prow),
        attributes=write_csv(folder / "attributes.csv", ATTRIBUTE_COLUMNS, arow),
        links=write_csv(folder / "links.csv", LINK_COLUMNS, links),
        tests=write_csv(folder / "tests.csv", TEST_COLUMNS, trow),
        controls=user_controls,
        materials=write_csv(folder / "materials.csv", MATERIAL_COLUMNS, mrow) if mrow else None,
        unit_operations=[uo.name for uo in model.process.unit_operations], project=project,
        built_from=list(dict.fromkeys(built_from)))


def control_strategy_for_project(project: str, ctx: Context, *, name: str | None = None,
                                 reason: str = "", controls: Path | None = None
                                 ) -> tuple[ControlStrategy, Any]:
    """Gather the project's tables, compute the strategy and, when ``name`` is given, store
    it as ``control.strategy/NAME``; returns ``(result, stored or None)``."""
    from qbdkit.services.records import run_and_store

    with tempfile.TemporaryDirectory(prefix="qbdkit-control-") as tmp:
        req = gather(project, Path(tmp), ctx=ctx, controls=controls)
        if name is None:
            return control_strategy(req, ctx), None
        return run_and_store("control.strategy", req, ctx, project=project, name=name,
                             reason=reason)
