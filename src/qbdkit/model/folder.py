"""A project as a folder: YAML for the structure, CSV/XLSX for batches and measurements.

Layout (unknown files and subfolders such as ``risk/``, ``doe/``, ``sdm/`` are
left alone; they belong to the areas that use them)::

    project.yaml            name, label, language, product, qtpp, quality_attributes, studies
    process.yaml            process (unit operations in order, with parameters), materials
    data/batches.csv        batch, kind, scale, scale_unit, site, date, study, notes, …
    data/measurements.csv   batch, unit_operation, name, time, time_unit, value, unit
                            (either data file may be .xlsx instead; first sheet)

Top-level keys may sit in either YAML file (``process.yaml`` is optional), but
not in both. Text files are decoded as UTF-8, UTF-8 with BOM or GB18030/GBK
(:func:`qbdkit.io.decode_bytes`); the encoding used for each file is reported.
Data-file headers may be English or Chinese (``批号``, ``工序``, ``结果``…).

:func:`check_folder` reads everything it can and reports *every* problem as a
:class:`~qbdkit.errors.Problem` located at ``file:line`` (YAML lines from the
PyYAML node marks, data rows as an editor shows them; header = row 1):
malformed YAML/CSV, wrong types, unknown fields, and everything in
:mod:`qbdkit.model.checks`. :func:`load_project` raises them all at once as one
:class:`~qbdkit.errors.QbdInputError`; :func:`save_project` writes the same
layout (data as UTF-8 CSV with BOM, which Excel opens correctly in Chinese
locales); load → save → load is lossless.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from qbdkit.core.result import Result
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io import decode_bytes, read_table
from qbdkit.io.files import MAX_COLUMNS, max_cells, read_bytes
from qbdkit.io.sheets import csv_text, unguard
from qbdkit.io.yaml_safe import BoundedLoader, error_text, yaml_too_large
from qbdkit.model.checks import ANY, Issue, Loc, check_project
from qbdkit.model.schema import (
    Batch,
    Material,
    Measurement,
    Parameter,
    Process,
    Project,
    QTPPElement,
    QualityAttribute,
    Range,
    Study,
    UnitOperation,
    format_number,
)

PROJECT_FILE = "project.yaml"
PROCESS_FILE = "process.yaml"
DATA_DIR = "data"
BATCH_STEM = "batches"
MEASUREMENT_STEM = "measurements"
DATA_SUFFIXES = (".csv", ".tsv", ".xlsx")

PROJECT_KEYS = ("schema_version", "name", "label", "description", "language", "template",
                "product", "qtpp", "quality_attributes", "studies")
PROCESS_KEYS = ("process", "materials")

BATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("batch", "batch_id", "lot", "lot_id", "batch no", "批号", "批次", "批次号"),
    "kind": ("type", "batch_kind", "batch type", "类型", "批次类型", "批类型"),
    "scale": ("规模",),
    "scale_unit": ("scale unit", "规模单位"),
    "site": ("场地", "生产场地", "地点"),
    "date": ("生产日期", "日期", "manufacture date", "manufacturing date"),
    "study": ("研究",),
    "notes": ("note", "comment", "comments", "备注"),
}
MEASUREMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "batch": ("batch_id", "lot", "批号", "批次", "批次号"),
    "unit_operation": ("step", "unit operation", "工序", "单元操作", "工艺步骤", "步骤"),
    "name": ("parameter", "attribute", "item", "参数", "属性", "项目", "检测项目", "参数/属性"),
    "time": ("时间",),
    "time_unit": ("time unit", "时间单位"),
    "value": ("result", "值", "结果", "数值"),
    "unit": ("单位",),
}
# written order of the data files (first header of each alias list is the canonical one)
BATCH_HEADER = ("batch", "kind", "scale", "scale_unit", "site", "date", "study", "notes")
MEASUREMENT_HEADER = ("batch", "unit_operation", "name", "time", "time_unit", "value", "unit")


# ---------------------------------------------------------------- YAML with lines
@dataclass
class YamlDoc:
    """A parsed YAML file: data plus the 1-based line of every key / list item."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    encoding: str = "utf-8"


def parse_yaml(text: str, file: str, problems: list[Problem]) -> YamlDoc | None:
    """Parse YAML text; on a syntax error add a problem (with its line) and return ``None``.

    Duplicate keys (which PyYAML silently overwrites) are reported too. Parsed with
    :class:`qbdkit.io.yaml_safe.BoundedLoader`: aliases, nesting depth, the number of
    values (aliases expanded) and the file size are bounded, numbers must be finite.
    """
    too_large = yaml_too_large(text, file)
    if too_large is not None:
        problems.extend(too_large.problems)
        return None
    try:
        loader = BoundedLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        problems.append(Problem(f"malformed YAML: character {_char(exc.character)} not allowed", file,
                                line, expected="valid YAML"))
        return None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        problems.append(Problem(f"malformed YAML: character {_char(exc.character)} not allowed", file,
                                expected="valid YAML"))
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = exc.context
        if context and exc.context_mark is not None and mark is not None and (
                exc.context_mark.line != mark.line):
            context = f"{context} (started on line {exc.context_mark.line + 1})"
        what = " ".join(str(x) for x in (context, exc.problem) if x)
        problems.append(Problem(f"malformed YAML: {what}", file, mark.line + 1 if mark else None,
                                expected="valid YAML"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(f"malformed YAML: {error_text(exc)}", file,
                                expected="valid YAML"))
        return None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        problems.append(Problem(f"malformed YAML: cannot read a value ({type(exc).__name__})",
                                file, expected="valid YAML"))
        return None
    finally:
        loader.dispose()
    doc = YamlDoc(file, data)
    if node is not None:
        doc.lines[()] = node.start_mark.line + 1
        _walk(node, (), doc, problems)
    return doc


def _char(c: object) -> str:
    """PyYAML's ReaderError gives the offending character as a code or a one-byte string."""
    if isinstance(c, int):
        return f"U+{c:04X}"
    if isinstance(c, str) and len(c) == 1:
        return f"U+{ord(c):04X}"
    return repr(c)


def _walk(node: yaml.Node, path: Loc, doc: YamlDoc, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for knode, vnode in node.value:
            key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "?"
            line = knode.start_mark.line + 1
            if key in seen and key != "<<":
                problems.append(Problem("duplicate key", doc.file, line, _field_text((*path, key)),
                                        expected="each key once", found=key))
            seen.add(key)
            doc.lines.setdefault((*path, key), line)
            _walk(vnode, (*path, key), doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.lines[(*path, i)] = item.start_mark.line + 1
            _walk(item, (*path, i), doc, problems)


def _field_text(loc: Sequence[str | int], data: Any = None) -> str:
    """``('process','unit_operations',2,'parameters',0,'nor')`` →
    ``unit_operations[Production bioreactor].parameters[Temperature].nor``
    (items by name when they have one, else 1-based position)."""
    parts: list[str] = []
    cur = data
    for comp in loc:
        if isinstance(comp, int):
            name = None
            if isinstance(cur, list) and 0 <= comp < len(cur):
                cur = cur[comp]
                if isinstance(cur, dict) and isinstance(cur.get("name"), str | int | float):
                    name = str(cur["name"])
            else:
                cur = None
            label = name if name is not None else str(comp + 1)
            if parts:
                parts[-1] += f"[{label}]"
            else:
                parts.append(f"[{label}]")
        else:
            cur = cur.get(comp) if isinstance(cur, dict) else None
            parts.append(str(comp))
    if parts and parts[0] == "process" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


# ---------------------------------------------------------------- data files
@dataclass
class DataTable:
    """Rows of a data file as dicts keyed by canonical column names."""

    file: str
    encoding: str
    rows: list[dict[str, Any]]
    lines: list[int]
    headers: dict[str, str]  # canonical -> header as written
    extra: list[str]  # headers kept as pass-through
    skipped: list[str] = field(default_factory=list)  # first cells of malformed rows


def _canonical(header: str, columns: dict[str, tuple[str, ...]], canon_first: Sequence[str]) -> str | None:
    from qbdkit.io.tables import normalize_name

    h = normalize_name(header)
    for canon, aliases in columns.items():
        for cand in (canon, *aliases):
            if normalize_name(cand) == h:
                return canon
    return None


def read_data_file(path: Path, shown: str, columns: dict[str, tuple[str, ...]],
                   required: Sequence[str], problems: list[Problem]) -> DataTable | None:
    """Read a CSV/TSV/XLSX data file row by row (cells as text, nothing converted)."""
    if path.suffix.lower() == ".xlsx":
        try:
            table = read_table(path, dtype_str=True)
        except QbdInputError as exc:
            problems.extend(Problem(p.message, shown, p.row, p.column, p.expected, p.found)
                            for p in exc.problems)
            return None
        header = table.columns
        raw_rows = [[table.frame.iloc[i][c] for c in header] for i in range(len(table.frame))]
        raw_rows = [[None if (v is None or (isinstance(v, float) and v != v)) else str(v)
                     for v in r] for r in raw_rows]
        lines, encoding, skipped = list(table.rows), "xlsx", []
    else:
        try:
            text, encoding = decode_bytes(read_bytes(path, shown), shown)
        except QbdInputError as exc:
            problems.extend(exc.problems)
            return None
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        if delimiter == "," and text:
            first = text.splitlines()[0] if text.splitlines() else ""
            if first.count(";") > first.count(",") and first.count(";") > 0:
                delimiter = ";"
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        records: list[tuple[int, list[str]]] = []
        start = 1
        cells, limit = 0, max_cells()
        quoted = "'" in text  # cells qbdkit guarded against formula injection (rare)
        try:
            for rec in reader:
                cells += max(len(rec), len(records[0][1]) if records else 1)
                if len(rec) > MAX_COLUMNS or cells > limit:
                    problems.append(Problem(
                        "too many columns" if len(rec) > MAX_COLUMNS else "table too large",
                        shown, start, expected=f"at most {MAX_COLUMNS} columns and {limit} "
                        "cells (set QBDKIT_MAX_CELLS to change)"))
                    return None
                records.append((start, [unguard(c) for c in rec] if quoted else rec))
                start = reader.line_num + 1
        except csv.Error as exc:
            # report the line where the broken record starts (an open quote swallows the rest)
            problems.append(Problem(f"malformed CSV: {exc}", shown, start,
                                    expected="well-formed CSV (quotes closed)"))
            return None
        if not records:
            problems.append(Problem("empty file", shown, 1, expected="a header row"))
            return None
        header = [h.replace("\ufeff", "").strip() for h in records[0][1]]
        raw_rows, lines, skipped = [], [], []
        for line, rec in records[1:]:
            if not any(c.strip() for c in rec):
                continue
            if len(rec) > len(header) and any(c.strip() for c in rec[len(header):]):
                problems.append(Problem("malformed CSV row", shown, line,
                                        expected=f"{len(header)} fields (as in the header)",
                                        found=f"{len(rec)} fields"))
                skipped.append(rec[0].strip())
                continue
            rec = rec[: len(header)] + [""] * (len(header) - len(rec))
            raw_rows.append([c.strip() or None for c in rec])
            lines.append(line)
    mapping: dict[int, str] = {}
    headers: dict[str, str] = {}
    extra: list[str] = []
    ok = True
    for j, h in enumerate(header):
        if not h:
            continue
        canon = _canonical(h, columns, required)
        if canon is None:
            extra.append(h)
            mapping[j] = "\0" + h
        elif canon in headers:
            problems.append(Problem("duplicate column", shown, 1, h,
                                    expected=f"one column for {canon!r}",
                                    found=f"{headers[canon]!r} and {h!r}"))
            ok = False
        else:
            headers[canon] = h
            mapping[j] = canon
    missing = [c for c in required if c not in headers]
    for c in missing:
        spellings = columns[c][:4] if c == "id" else (c, *columns[c][:3])
        names = " or ".join(repr(x) for x in spellings)
        problems.append(Problem("missing column", shown, 1, c if c != "id" else "batch",
                                expected=f"a header {names}", found=", ".join(header)))
    if missing or not ok:
        return None
    rows = []
    for rec in raw_rows:
        row: dict[str, Any] = {}
        extras: dict[str, str] = {}
        for j, key in mapping.items():
            v = rec[j] if j < len(rec) else None
            if key.startswith("\0"):
                if v is not None:
                    extras[key[1:]] = v
            else:
                row[key] = v
        if extras:
            row["extra"] = extras
        rows.append(row)
    return DataTable(shown, encoding, rows, lines, headers, extra, skipped)


def _find_data(root: Path, stem: str) -> list[Path]:
    """The data files ``data/<stem>.*`` (symbolic links included: they are refused when read)."""
    d = root / DATA_DIR
    if d.is_symlink():
        return []
    return [d / f"{stem}{s}" for s in DATA_SUFFIXES
            if (d / f"{stem}{s}").is_file() or (d / f"{stem}{s}").is_symlink()]


# ---------------------------------------------------------------- pydantic errors
_SCALAR = (str, int, float, bool, dt.date)


def _model_fields(cls: Any) -> dict[str, Any] | None:
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return {k: f.annotation for k, f in cls.model_fields.items()}
    return None


def _inner_types(ann: Any) -> list[Any]:
    args = typing.get_args(ann)
    if not args:
        return [ann]
    out = []
    for a in args:
        out.extend(_inner_types(a))
    return out


def _clean_loc(cls: Any, loc: Sequence[str | int]) -> tuple[Loc, Any]:
    """Drop pydantic's union-member tags from ``loc``; return (clean loc, model class at its end)."""
    out: list[str | int] = []
    cur: Any = cls
    for comp in loc:
        if isinstance(comp, int):
            out.append(comp)
            continue
        fields = _model_fields(cur)
        if fields is None:
            if cur is dict:
                out.append(comp)
            continue
        if comp in fields:
            out.append(comp)
            inner = [t for t in _inner_types(fields[comp]) if _model_fields(t) is not None]
            if inner:
                cur = inner[0]
            elif any(t is dict for t in _inner_types(fields[comp])) or typing.get_origin(
                    fields[comp]) is dict:
                cur = dict
            else:
                cur = None
        # else: a union tag or an unknown key (extra_forbidden keeps the key itself)
        elif not out or out[-1] != comp:
            out.append(comp)
            cur = None
    return tuple(out), cur


def _pydantic_issues(exc: ValidationError, cls: type[BaseModel], prefix: Loc) -> list[Issue]:
    out: list[Issue] = []
    seen: set[Loc] = set()
    for err in exc.errors(include_url=False):
        kind = err["type"]
        raw_loc = tuple(err["loc"])
        if kind == "extra_forbidden":
            parent, owner = _clean_loc(cls, raw_loc[:-1])
            loc = (*parent, raw_loc[-1])
        else:
            loc, owner = _clean_loc(cls, raw_loc)
        full = (*prefix, *loc)
        if full in seen:
            continue
        seen.add(full)
        inp = err.get("input")
        found = inp if isinstance(inp, _SCALAR) or inp is None else type(inp).__name__
        if kind == "missing":
            out.append(Issue(full, "missing field", "a value", None))
        elif kind == "extra_forbidden":
            fields = _model_fields(owner)
            allowed = ", ".join(fields) if fields else "a known field"
            out.append(Issue(full, "unknown field", f"one of {allowed}", str(raw_loc[-1])))
        elif kind == "literal_error":
            out.append(Issue(full, "not an allowed value", err["ctx"]["expected"], found))
        elif loc and loc[-1] == "time" and owner is None and kind in (
                "float_parsing", "float_type", "datetime_parsing", "datetime_type",
                "datetime_from_date_parsing"):
            out.append(Issue(full, "not a time", "a number (elapsed time) or a date-time "
                             "YYYY-MM-DD hh:mm", found))
        elif kind == "finite_number":
            out.append(Issue(full, "not a finite number", "a number within ±1.8e308", found))
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
            out.append(Issue(full, "not a number", "a number", found))
        elif kind in ("list_type",):
            out.append(Issue(full, "not a list", "a list", found))
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            if owner is Range:
                out.append(Issue(full, "not a range", "[low, high] or {low: …, high: …, unit: …}",
                                 found))
            else:
                out.append(Issue(full, "wrong type", "a mapping of fields", found))
        elif kind.startswith("date"):
            out.append(Issue(full, "not a date", "a date YYYY-MM-DD", found))
        elif kind in ("string_too_short",):
            out.append(Issue(full, "blank", "a non-empty text", ""))
        elif kind in ("string_type",):
            out.append(Issue(full, "not a text", "a text", found))
        else:
            msg = err["msg"].removeprefix("Value error, ")
            out.append(Issue(full, "invalid value", msg, found))
    return out


# ---------------------------------------------------------------- assembling
@functools.cache
def _list_adapter(cls: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[cls])  # type: ignore[valid-type]


@dataclass
class _Builder:
    """Validates entity by entity so one bad item does not hide the others."""

    issues: list[Issue] = field(default_factory=list)
    imap: dict[Loc, list[int]] = field(default_factory=dict)
    known: dict[str, set[str]] = field(default_factory=dict)

    def one(self, cls: type[BaseModel], raw: Any, loc: Loc) -> Any:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            self.issues += _pydantic_issues(exc, cls, loc)
            return None

    def many(self, cls: type[BaseModel], raw: Any, loc: Loc, known_key: str | None) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.issues.append(Issue(loc, "not a list", "a list of items", type(raw).__name__))
            return []
        try:  # fast path: the whole list at once
            good = list(_list_adapter(cls).validate_python(raw))
            self.imap[loc] = list(range(len(good)))
            return good
        except ValidationError:
            pass
        good, idx = [], []
        for i, item in enumerate(raw):
            m = self.one(cls, item, (*loc, i))
            if m is not None:
                good.append(m)
                idx.append(i)
            elif known_key and isinstance(item, dict) and item.get("name") is not None:
                self.known.setdefault(known_key, set()).add(str(item["name"]))
        self.imap[loc] = idx
        return good

    def unit_operations(self, raw: Any, loc: Loc) -> list[UnitOperation]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.issues.append(Issue(loc, "not a list", "a list of unit operations",
                                     type(raw).__name__))
            return []
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                self.issues.append(Issue((*loc, i), "wrong type", "a mapping of fields",
                                         type(item).__name__))
                self.imap.setdefault(loc, [])
                continue
            params = self.many(Parameter, item.get("parameters"), (*loc, i, "parameters"),
                               "parameters")
            head = {k: v for k, v in item.items() if k != "parameters"}
            uo = self.one(UnitOperation, head, (*loc, i))
            if uo is None:
                uo = UnitOperation.model_construct(name=str(item.get("name") or f"#{i + 1}"))
            out.append(uo.model_copy(update={"parameters": params}))
        self.imap[loc] = list(range(len(out))) if len(out) == len(raw) else [
            i for i, item in enumerate(raw) if isinstance(item, dict)]
        return out


def _translate(loc: Loc, imap: dict[Loc, list[int]]) -> Loc:
    """Model coordinates (items dropped) → raw coordinates (as in the file)."""
    out: list[str | int] = []
    for comp in loc:
        if isinstance(comp, int) and tuple(out) in imap:
            idx = imap[tuple(out)]
            out.append(idx[comp] if comp < len(idx) else comp)
        else:
            out.append(comp)
    return tuple(out)


def assemble(top: dict[str, Any], batches: list[dict[str, Any]] | None = None,
             measurements: list[dict[str, Any]] | None = None,
             known: dict[str, set[str]] | None = None,
             ) -> tuple[Project | None, list[Issue], dict[Loc, list[int]], dict[str, set[str]]]:
    """Build a :class:`Project` from raw data, entity by entity; return the project
    (``None`` if its header is unusable), every issue (raw coordinates), the
    index map and names that exist but could not be loaded."""
    b = _Builder(known={k: set(v) for k, v in (known or {}).items()})
    collections = ("qtpp", "quality_attributes", "process", "materials", "studies", "batches",
                   "measurements")
    header = {k: v for k, v in top.items() if k not in collections}
    head = b.one(Project, header, ())
    qtpp = b.many(QTPPElement, top.get("qtpp"), ("qtpp",), None)
    qas = b.many(QualityAttribute, top.get("quality_attributes"), ("quality_attributes",),
                 "attributes")
    materials = b.many(Material, top.get("materials"), ("materials",), "material_attributes")
    studies = b.many(Study, top.get("studies"), ("studies",), "studies")
    raw_proc = top.get("process")
    process = Process()
    if raw_proc is not None:
        if isinstance(raw_proc, dict):
            uos = b.unit_operations(raw_proc.get("unit_operations"), ("process", "unit_operations"))
            p_head = b.one(Process, {k: v for k, v in raw_proc.items() if k != "unit_operations"},
                           ("process",))
            process = (p_head or Process()).model_copy(update={"unit_operations": uos})
        else:
            b.issues.append(Issue(("process",), "wrong type", "a mapping with unit_operations",
                                  type(raw_proc).__name__))
    bl = b.many(Batch, batches if batches is not None else top.get("batches"), ("batches",),
                None)
    for i, raw in enumerate(batches or []):
        if i not in b.imap.get(("batches",), []) and isinstance(raw, dict) and raw.get("id"):
            b.known.setdefault("batches", set()).add(str(raw["id"]))
    ml = b.many(Measurement, measurements if measurements is not None else top.get("measurements"),
                ("measurements",), None)
    parts = {"qtpp": qtpp, "quality_attributes": qas, "process": process, "materials": materials,
             "studies": studies, "batches": bl, "measurements": ml}
    if head is not None:
        project = head.model_copy(update=parts)
    else:
        project = Project.model_construct(name=str(top.get("name") or "?"), **parts)
    issues = list(b.issues)
    for issue in check_project(project, b.known):
        issues.append(Issue(_translate(issue.loc, b.imap), issue.message, issue.expected,
                            issue.found))
    return (project if head is not None else None), issues, b.imap, b.known


# ---------------------------------------------------------------- the folder check
@dataclass(frozen=True)
class ProjectCheck(Result):
    """What :func:`check_folder` found: problems (empty = valid), encodings used, counts."""

    directory: str
    problems: list[Problem]
    encodings: dict[str, str]
    counts: dict[str, int]
    name: str | None = None
    project: Project | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.ok, "directory": self.directory, "name": self.name,
                "problems": [p.to_dict() for p in self.problems], "encodings": self.encodings,
                "counts": self.counts}

    def encoding_notes(self) -> list[str]:
        return [f"{f}: read as {e}" for f, e in self.encodings.items()]

    def summary(self) -> str:
        """Problems or a short description; the encoding notes are separate
        (:meth:`encoding_notes`, printed on stderr by the CLI)."""
        lines: list[str] = []
        if self.problems:
            lines += [f"error: {p}" for p in self.problems]
            lines.append(f"{len(self.problems)} problem(s) in {self.directory}")
            return "\n".join(lines)
        lines.append(f"{self.directory}: valid project {self.name!r}")
        width = max((len(k) for k in self.counts), default=0)
        lines += [f"  {k.ljust(width)}  {v}" for k, v in self.counts.items()]
        return "\n".join(lines)


def _counts(p: Project | None) -> dict[str, int]:
    if p is None:
        return {}
    return {
        "qtpp elements": len(p.qtpp),
        "quality attributes": len(p.quality_attributes),
        "CQAs": len(p.cqas()),
        "unit operations": len(p.process.unit_operations),
        "parameters": sum(1 for _ in p.process.parameters()),
        "materials": len(p.materials),
        "studies": len(p.studies),
        "batches": len(p.batches),
        "measurements": len(p.measurements),
    }


def check_folder(directory: str | Path) -> ProjectCheck:
    """Read a project folder and report every problem (never raises for bad input)."""
    root = Path(directory)
    shown_root = str(directory).rstrip("/") or "/"

    def shown(rel: str) -> str:
        return f"{shown_root}/{rel}"

    problems: list[Problem] = []
    encodings: dict[str, str] = {}
    for link in (root, root / DATA_DIR):
        if link.is_symlink():
            problems.append(Problem("symbolic link refused", shown_root if link == root else
                                    shown(DATA_DIR), None, None, "a folder, not a link",
                                    "a symbolic link"))
            return ProjectCheck(shown_root, problems, encodings, {})
    if not root.is_dir():
        problems.append(Problem("not a project folder", shown_root, None, None,
                                "a folder with project.yaml", "no such folder"))
        return ProjectCheck(shown_root, problems, encodings, {})
    if not ((root / PROJECT_FILE).is_file() or (root / PROJECT_FILE).is_symlink()):
        problems.append(Problem("missing project.yaml", shown(PROJECT_FILE), None, None,
                                "a project.yaml (create one with `qbdkit init DIR --modality mab`)",
                                "no file"))
        return ProjectCheck(shown_root, problems, encodings, {})

    top: dict[str, Any] = {}
    key_doc: dict[str, YamlDoc] = {}
    docs: dict[str, YamlDoc] = {}
    unreadable = False
    for rel in (PROJECT_FILE, PROCESS_FILE):
        path = root / rel
        if not (path.is_file() or path.is_symlink()):
            continue
        try:
            text, enc = decode_bytes(read_bytes(path, shown(rel)), shown(rel))
        except QbdInputError as exc:
            problems.extend(exc.problems)
            unreadable = True
            continue
        encodings[rel] = enc
        doc = parse_yaml(text, shown(rel), problems)
        if doc is None:
            unreadable = True
            continue
        doc.encoding = enc
        docs[rel] = doc
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem("wrong type", shown(rel), doc.lines.get((), 1), None,
                                    "a mapping of keys (name:, product:, …)",
                                    type(doc.data).__name__))
            unreadable = True
            continue
        for key, value in doc.data.items():
            key = str(key)
            if key in key_doc:
                problems.append(Problem("key defined twice", doc.file, doc.lines.get((key,)), key,
                                        f"{key} in one file only (also in {key_doc[key].file})",
                                        key))
                continue
            if key in ("batches", "measurements"):
                problems.append(Problem("data belongs in a data file", doc.file,
                                        doc.lines.get((key,)), key,
                                        f"{DATA_DIR}/{key}.csv", f"{key}: in {rel}"))
                continue
            key_doc[key] = doc
            top[key] = value

    tables: dict[str, DataTable | None] = {}
    for stem, cols, req in ((BATCH_STEM, BATCH_COLUMNS, ("id", "kind")),
                            (MEASUREMENT_STEM, MEASUREMENT_COLUMNS, ("batch", "name", "value"))):
        found = _find_data(root, stem)
        old_xls = root / DATA_DIR / f"{stem}.xls"
        if not found and (old_xls.is_file() or old_xls.is_symlink()):
            problems.append(Problem("old .xls workbooks are not supported",
                                    shown(f"{DATA_DIR}/{stem}.xls"), None, None,
                                    f"{DATA_DIR}/{stem}.csv or .xlsx", "an .xls file"))
        if len(found) > 1:
            problems.append(Problem("more than one data file", shown(f"{DATA_DIR}/{stem}.*"), None,
                                    None, "one of .csv/.tsv/.xlsx",
                                    ", ".join(p.name for p in found)))
        if not found:
            tables[stem] = None
            continue
        rel = f"{DATA_DIR}/{found[0].name}"
        t = read_data_file(found[0], shown(rel), cols, req, problems)
        if t is not None:
            encodings[rel] = t.encoding
        tables[stem] = t

    if unreadable:
        # a YAML file that cannot be read would make every cross-reference look wrong
        return ProjectCheck(shown_root, problems, encodings, {})
    bt, mt = tables.get(BATCH_STEM), tables.get(MEASUREMENT_STEM)
    known: dict[str, set[str]] = {"batches": set(bt.skipped) if bt else set()}
    if bt is None and _find_data(root, BATCH_STEM):
        known["batches"].add(ANY)  # the batch table could not be read: do not check references
    project, issues, _imap, _known = assemble(top, bt.rows if bt else [], mt.rows if mt else [],
                                              known)

    home = docs.get(PROJECT_FILE)
    located = [_locate(i, top, key_doc, {"batches": bt, "measurements": mt}, shown, home)
               for i in issues]
    order = {shown(PROJECT_FILE): 0, shown(PROCESS_FILE): 1}
    located.sort(key=lambda p: (order.get(p.file or "", 2), p.file or "", p.row or 0))
    problems.extend(located)
    return ProjectCheck(shown_root, problems, encodings, _counts(project),
                        project.name if project else None,
                        project if not problems else None)


def _locate(issue: Issue, top: dict[str, Any], key_doc: dict[str, YamlDoc],
            tables: dict[str, DataTable | None], shown: Any,
            home: YamlDoc | None = None) -> Problem:
    loc = issue.loc
    if loc and loc[0] in ("batches", "measurements") and tables.get(str(loc[0])) is not None:
        t = tables[str(loc[0])]
        assert t is not None
        row = t.lines[loc[1]] if len(loc) > 1 and isinstance(loc[1], int) else None
        col = None
        if len(loc) > 2:
            col = t.headers.get(str(loc[2]), "batch" if loc[2] == "id" else str(loc[2]))
            if loc[2] == "extra" and len(loc) > 3:
                col = str(loc[3])
        return Problem(issue.message, t.file, row, col, issue.expected, issue.found)
    doc = key_doc.get(str(loc[0])) if loc else None
    if doc is None:
        doc = home or next(iter(key_doc.values()), None)
    file = doc.file if doc else shown(PROJECT_FILE)
    line = None
    if doc is not None:
        for n in range(len(loc), -1, -1):
            if loc[:n] in doc.lines:
                line = doc.lines[loc[:n]]
                break
    return Problem(issue.message, file, line, _field_text(loc, top) or None, issue.expected,
                   issue.found)


def load_project(directory: str | Path) -> Project:
    """Load a project folder; raise one :class:`QbdInputError` listing every problem."""
    result = check_folder(directory)
    if result.problems or result.project is None:
        raise QbdInputError(problems=result.problems or [
            Problem("cannot load project", result.directory)])
    return result.project


# ---------------------------------------------------------------- saving
_FRONT = ("name", "label", "kind", "type")
_BACK = ("source", "typical")


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = [k for k in _FRONT if k in value]
        keys += [k for k in value if k not in _FRONT and k not in _BACK]
        keys += [k for k in _BACK if k in value]
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _prune(value: Any) -> Any:
    """Drop None, empty labels and empty lists so the YAML stays readable."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v)
            if v is None or v == [] or v == {} or (k == "typical" and v is False):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=None, width=100)


def project_documents(project: Project) -> tuple[dict[str, Any], dict[str, Any]]:
    """The content of project.yaml and process.yaml for ``project``."""
    doc = _prune(_ordered(project.model_dump(mode="json", exclude={"batches", "measurements"})))
    proj = {k: doc[k] for k in PROJECT_KEYS if k in doc}
    proc = {k: doc[k] for k in PROCESS_KEYS if k in doc}
    return proj, proc


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return format_number(v)
    if isinstance(v, dt.date):  # also datetime
        return v.isoformat()
    return str(v)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 CSV with BOM; formula-like texts guarded (:mod:`qbdkit.io.sheets`; the reader
    undoes it)."""
    text = csv_text([list(header), *([_cell(v) for v in r] for r in rows)])
    path.write_text(text, encoding="utf-8-sig", newline="")


def save_project(project: Project, directory: str | Path) -> list[Path]:
    """Write ``project`` as a folder (project.yaml, process.yaml, data/*.csv).

    Existing files of that layout are replaced (a data file in another format,
    e.g. ``data/batches.xlsx``, is removed so the folder has one source of
    truth); other files and subfolders are left as they are. Returns the paths written.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    (root / DATA_DIR).mkdir(exist_ok=True)
    proj, proc = project_documents(project)
    header = ("# qbdkit project — {}\n# QTPP, quality attributes (acceptance criteria per stage, "
              "release test = method), studies. Labels: en / zh.\n").format(
                  project.name.replace("\n", " "))
    written = []
    p = root / PROJECT_FILE
    p.write_text(header + dump_yaml(proj), encoding="utf-8")
    written.append(p)
    p = root / PROCESS_FILE
    p.write_text(
        "# process: unit operations in process order, their parameters, and materials.\n"
        "# Ranges are [low, high] or {low: …, high: …}; the rule is set point ∈ NOR ⊆ PAR ⊆ studied.\n"
        "# NOR = normal operating range, PAR = proven acceptable range. Check with `qbdkit validate`.\n"
        + dump_yaml(proc), encoding="utf-8")
    written.append(p)
    for stem in (BATCH_STEM, MEASUREMENT_STEM):
        for old in _find_data(root, stem):
            if old.suffix != ".csv":
                old.unlink()
    extra: list[str] = []
    for b in project.batches:
        for k in b.extra:
            if k not in extra:
                extra.append(k)
    p = root / DATA_DIR / f"{BATCH_STEM}.csv"
    _write_csv(p, [*BATCH_HEADER, *extra],
               ([b.id, b.kind, b.scale, b.scale_unit, b.site, b.date, b.study, b.notes,
                 *[b.extra.get(k) for k in extra]] for b in project.batches))
    written.append(p)
    mextra: list[str] = []
    for m in project.measurements:
        for k in m.extra:
            if k not in mextra:
                mextra.append(k)
    p = root / DATA_DIR / f"{MEASUREMENT_STEM}.csv"
    _write_csv(p, [*MEASUREMENT_HEADER, *mextra],
               ([m.batch, m.unit_operation, m.name, m.time, m.time_unit, m.value, m.unit,
                 *[m.extra.get(k) for k in mextra]] for m in project.measurements))
    written.append(p)
    return written
