"""Run sheets (cross-area contract C): write a design, read any design back for evaluation.

XLSX workbook:

- sheet ``runs`` (first): ``run`` (run order 1..n), ``std_order``, ``block`` (only when
  blocked), one column per factor in *actual* units headed by the factor name as written, then
  one empty column per response;
- sheet ``coded``: ``run`` + the factors coded −1…+1 (categorical: level labels);
- sheet ``factors``: ``name, type, low, high, unit, levels`` (levels ``;``-separated).

- sheet ``factors`` has a ``parameter`` column (``unit_operation/parameter`` of the project) when
  the factors came from a project; a sheet ``responses`` (``name, low, high, unit, attribute,
  kind``) is added when the responses carry limits (e.g. the CQAs' acceptance criteria).

A CSV run sheet is the ``runs`` table (UTF-8 with BOM so that Excel shows Chinese names) plus a
**sidecar** ``<stem>.factors.yaml`` beside it with the same factor (and response) definitions,
so the factor coding travels with the CSV too (issue 9): analysing a CSV without its sidecar
would code each factor by its observed min/max — for a rotatable CCD the axial points, which
makes every coded coefficient about α times too large.

Reading (:func:`read_run_sheet`): the first sheet; factors are coded from the ``factors`` sheet
when present, else from a factors file given by the caller, else from each column's min/max
(numeric) or its distinct values in order of appearance (text → categorical). Bookkeeping
columns (``run``, ``std_order``, ``block`` …) and columns that are entirely blank (unfilled
responses) are not factors. Like :mod:`.factors`, this module reads and writes files because the
run sheet is the design's own exchange format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qbdkit.core.doe.design.factors import Factor, FactorSpace, make_space
from qbdkit.errors import Problem, QbdInputError

BOOKKEEPING = ("run", "std_order", "block", "run_order", "treatment", "序号", "运行", "标准序", "区组")


SIDECAR_SUFFIX = ".factors.yaml"
RESPONSE_COLUMNS = ("name", "low", "high", "unit", "attribute", "kind")


def sidecar_path(path: str | Path) -> Path:
    """``runs.csv`` → ``runs.factors.yaml`` (the factor definitions beside a CSV run sheet)."""
    p = Path(path)
    return p.with_name(p.stem + SIDECAR_SUFFIX)


def _response_defs(design, responses: Sequence[str]) -> list[dict]:
    """The design's response definitions, then any further names (no limits)."""
    out = [dict(r) for r in getattr(design, "responses", None) or []]
    known = {r["name"] for r in out}
    out += [{"name": n} for n in responses if n not in known]
    return out


def run_sheet_frames(design, responses: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """The tables of the workbook as data frames (``runs``, ``coded``, ``factors`` and, when
    the responses carry limits or attributes, ``responses``)."""
    names = [f["name"] for f in design.factors]
    resp_defs = _response_defs(design, responses)
    responses = [r["name"] for r in resp_defs]
    runs = pd.DataFrame({"run": design.run_order, "std_order": design.std_order})
    if design.block:
        runs["block"] = design.block
    for n in names:
        runs[n] = [r[n] for r in design.runs]
    for resp in responses:
        if resp in runs.columns:
            raise QbdInputError("response name clashes with a column", column=resp,
                                expected="a name different from the factors and run/std_order/block",
                                found=resp)
        runs[resp] = pd.Series([None] * len(runs), dtype=object)
    coded = pd.DataFrame({"run": design.run_order})
    for j, n in enumerate(names):
        coded[n] = [row[j] for row in design.coded]
    params = getattr(design, "parameters", None) or {}
    factors = pd.DataFrame([{
        "name": f["name"], "type": f["type"], "low": f["low"], "high": f["high"], "unit": f["unit"],
        "levels": ";".join(str(v) for v in f["levels"]),
        **({"parameter": params.get(f["name"], "")} if params else {}),
    } for f in design.factors])
    out = {"runs": runs, "coded": coded, "factors": factors}
    if any(len(r) > 1 for r in resp_defs):
        out["responses"] = pd.DataFrame([{c: r.get(c) for c in RESPONSE_COLUMNS}
                                         for r in resp_defs])
    return out


def definitions_document(design, responses: Sequence[str] = (), run_sheet: str = "") -> dict:
    """The sidecar's content: ``{run_sheet, coding, factors, responses, source}``."""
    params = getattr(design, "parameters", None) or {}
    factors = []
    for f in design.factors:
        entry: dict = {"name": f["name"], "type": f["type"]}
        if f["type"] == "categorical":
            entry["levels"] = [str(v) for v in f["levels"]]
        else:
            entry.update(low=f["low"], high=f["high"])
        if f.get("unit"):
            entry["unit"] = f["unit"]
        if params.get(f["name"]):
            entry["parameter"] = params[f["name"]]
        factors.append(entry)
    doc: dict = {"run_sheet": run_sheet,
                 "coding": "coded = (actual − (low + high)/2) / ((high − low)/2)",
                 "factors": factors}
    resp = [{k: v for k, v in r.items() if v not in (None, "")} for r in
            _response_defs(design, responses)]
    if resp:
        doc["responses"] = resp
    if getattr(design, "source", None):
        doc["source"] = dict(design.source)
    return doc


def write_sidecar(design, path: str | Path, responses: Sequence[str] = (),
                  run_sheet: str = "") -> Path:
    """Write the factor definitions as YAML to ``path`` (atomically)."""
    import yaml

    p = Path(path)
    text = ("# Factor definitions of a qbdkit run sheet (contract C sidecar): `doe analyze`, "
            "`doe design-space`\n# and `doe optimize` code each factor from low/high here. "
            "Keep this file beside the CSV.\n")
    text += yaml.safe_dump(definitions_document(design, responses, run_sheet), allow_unicode=True,
                           sort_keys=False, width=100)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def write_run_sheet(design, path: str | Path, responses: Sequence[str] = ()) -> list[Path]:
    """Write ``path`` (.xlsx → the sheets of :func:`run_sheet_frames`; .csv → the runs table
    and its sidecar ``<stem>.factors.yaml``). Returns the files written.

    Written to a temporary file first and moved into place, so nothing is half-written.
    """
    p = Path(path)
    frames = run_sheet_frames(design, responses)
    suffix = p.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise QbdInputError("unsupported run-sheet type", file=str(p), expected=".xlsx or .csv",
                            found=p.suffix or "(none)")
    if p.parent and not p.parent.exists():
        raise QbdInputError("folder does not exist", file=str(p.parent), expected="an existing folder")
    tmp = p.with_name(p.name + ".tmp" + p.suffix)
    try:
        from qbdkit.io import sheets

        if suffix == ".xlsx":
            sheets.write_xlsx(tmp, frames)
        else:
            sheets.to_csv(frames["runs"], tmp, encoding="utf-8-sig")
        tmp.replace(p)
    finally:
        if tmp.exists():
            tmp.unlink()
    if suffix == ".csv":
        return [p, write_sidecar(design, sidecar_path(p), responses, run_sheet=p.name)]
    return [p]


def read_run_sheet(path: str | Path, factors: FactorSpace | None = None,
                   exclude: Sequence[str] = ()) -> tuple[FactorSpace, np.ndarray, pd.DataFrame]:
    """Read a run sheet → ``(space, coded design, runs table)``; see the module docstring.

    ``exclude``: columns that are not factors (filled responses, notes) when factors are guessed.
    """
    from qbdkit.io import read_table
    from qbdkit.io.tables import is_blank, normalize_name

    p = Path(path)
    table = read_table(p)
    frame = table.frame
    unknown = [c for c in exclude if c not in frame.columns]
    if unknown:
        raise QbdInputError(problems=[Problem("column not in the run sheet", table.file, 1, c,
                                              expected="one of the columns", found=", ".join(map(str, frame.columns)))
                                      for c in unknown])
    if factors is None and p.suffix.lower() in (".xlsx", ".xlsm"):
        factors = _factors_sheet(p)
    book = {normalize_name(b) for b in BOOKKEEPING}
    if factors is not None:
        missing = [f.name for f in factors.factors if f.name not in frame.columns]
        if missing:
            raise QbdInputError(problems=[Problem("factor column missing from the run sheet", table.file, 1, m,
                                                  expected="a column headed by the factor name",
                                                  found=", ".join(map(str, frame.columns))) for m in missing])
        space = factors
    else:
        specs = []
        for c in frame.columns:
            if normalize_name(c) in book or c.strip() in BOOKKEEPING or c in exclude:
                continue
            vals = [v for v in frame[c].tolist() if not is_blank(v)]
            if not vals:
                continue
            num = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce")
            if num.notna().all():
                lo, hi = float(num.min()), float(num.max())
                if lo == hi:
                    continue  # a constant column carries no design information
                specs.append({"name": c, "low": lo, "high": hi})
            else:
                levels = list(dict.fromkeys(str(v).strip() for v in vals))
                specs.append({"name": c, "type": "categorical", "levels": levels})
        if not specs:
            raise QbdInputError("no factor columns found", file=table.file, row=1,
                                expected="columns of factor settings (numbers or level labels)",
                                found=", ".join(map(str, frame.columns)))
        space = make_space(specs, source=table.file)
    coded = np.empty((len(frame), space.k))
    problems: list[Problem] = []
    for j, f in enumerate(space.factors):
        for i in range(len(frame)):
            v = frame.iloc[i][f.name]
            if f.is_numeric:
                try:
                    x = table.number(i, f.name)
                except QbdInputError as exc:
                    problems.extend(exc.problems)
                    continue
                coded[i, j] = (x - f.center) / f.half_range
            else:
                label = "" if is_blank(v) else (str(int(v)) if isinstance(v, float) and v == int(v) else str(v).strip())
                if label not in [str(x) for x in f.levels]:
                    problems.append(table.problem(i, f.name, "unknown level", expected=" / ".join(map(str, f.levels)),
                                                  found=label))
                    continue
                coded[i, j] = [str(x) for x in f.levels].index(label)
    if problems:
        raise QbdInputError(problems=problems)
    return space, np.round(coded, 10) + 0.0, frame


@dataclass(frozen=True)
class Definitions:
    """Factor (and response) definitions that travel with a run sheet.

    ``factors``: ``{name, type, low, high, unit, levels}`` each; ``responses``: ``{name, low,
    high, unit, attribute, kind}`` (limits may be None); ``parameters``: factor → project
    parameter (``unit_operation/parameter``); ``source``: where the factors came from;
    ``origin``: the file (and sheet) they were read from.
    """

    factors: list[dict]
    responses: list[dict] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    source: dict | None = None
    origin: str = ""

    def space(self) -> FactorSpace:
        return make_space([{k: v for k, v in f.items() if k != "parameter"} for f in self.factors],
                          source=self.origin)


def _factor_dicts(space: FactorSpace) -> list[dict]:
    return [{"name": f.name, "type": f.type, "low": f.low, "high": f.high, "unit": f.unit,
             "levels": [str(v) for v in f.levels] if f.type == "categorical" else []}
            for f in space.factors]


def _limit(value, origin: str, row: int, column: str, problems: list[Problem]) -> float | None:
    from qbdkit.io.tables import is_blank

    if value is None or is_blank(value):
        return None
    try:
        out = float(str(value).strip())
    except ValueError:
        problems.append(Problem("not a number", origin, row, column, "a number or blank", value))
        return None
    if out != out or out in (float("inf"), float("-inf")):
        problems.append(Problem("not a finite number", origin, row, column, "a number", value))
        return None
    return out


def _responses(items, origin: str) -> list[dict]:
    problems: list[Problem] = []
    out: list[dict] = []
    for i, r in enumerate(items or []):
        if isinstance(r, str):
            r = {"name": r}
        if not isinstance(r, dict) or not str(r.get("name") or "").strip():
            problems.append(Problem("response without a name", origin, i + 1, "responses",
                                    "{name, low, high, unit, attribute}", str(r)))
            continue
        entry = {"name": str(r["name"]).strip(),
                 "low": _limit(r.get("low"), origin, i + 1, "low", problems),
                 "high": _limit(r.get("high"), origin, i + 1, "high", problems)}
        for key in ("unit", "attribute", "kind"):
            v = r.get(key)
            if v is not None and str(v).strip() and str(v).strip().lower() != "nan":
                entry[key] = str(v).strip()
        if entry["low"] is not None and entry["high"] is not None and entry["low"] > entry["high"]:
            problems.append(Problem("response limits in the wrong order", origin, i + 1, "low",
                                    "low ≤ high", f"{entry['low']:g} > {entry['high']:g}"))
        out.append(entry)
    if problems:
        raise QbdInputError(problems=problems)
    return out


def read_definitions(path: str | Path) -> Definitions:
    """A factor-definitions file: the YAML sidecar written by ``doe design`` (or a factors YAML
    of ``doe design``: ``factors:`` with name/low/high/unit, optionally ``parameter``), or a
    factors table (CSV/XLSX: name, type, low, high, unit, levels)."""
    p = Path(path)
    origin = str(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        from qbdkit.core.doe.design.factors import read_factors

        return Definitions(_factor_dicts(read_factors(p)), origin=origin)
    import yaml

    from qbdkit.io import read_text

    if not p.exists():
        raise QbdInputError("file not found", file=origin)
    text, _ = read_text(p)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QbdInputError(f"not valid YAML: {exc}".splitlines()[0], file=origin) from None
    if isinstance(doc, list):
        doc = {"factors": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("factors"), list):
        raise QbdInputError("no factors list", file=origin, column="factors",
                            expected="a YAML mapping with a 'factors:' list",
                            found=type(doc).__name__)
    space = make_space(doc["factors"], source=origin)
    params = {str(f.get("name")).strip(): str(f["parameter"]).strip() for f in doc["factors"]
              if isinstance(f, dict) and f.get("parameter")}
    source = doc.get("source") if isinstance(doc.get("source"), dict) else None
    return Definitions(_factor_dicts(space), _responses(doc.get("responses"), origin), params,
                       source, origin)


def sheet_definitions(path: str | Path) -> Definitions | None:
    """The ``factors`` (and ``responses``) sheets of an XLSX run sheet, or None (a CSV, or a
    workbook without a factors sheet)."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    space = _factors_sheet(p)
    if space is None:
        return None
    from qbdkit.io import read_table
    from qbdkit.io.tables import is_blank

    params: dict[str, str] = {}
    t = read_table(p, sheet="factors")
    if "parameter" in t.frame.columns:
        for i in range(len(t.frame)):
            v = t.cell(i, "parameter")
            if not is_blank(v):
                params[str(t.cell(i, "name")).strip()] = str(v).strip()
    responses: list[dict] = []
    if "responses" in pd.ExcelFile(p, engine="openpyxl").sheet_names:
        r = read_table(p, sheet="responses")
        rows = [{c: (None if is_blank(r.cell(i, c)) else r.cell(i, c)) for c in r.frame.columns}
                for i in range(len(r.frame))]
        responses = _responses(rows, f"{p}:responses")
    else:
        # a run sheet's other columns (not factors, not bookkeeping) are its responses
        from qbdkit.io.tables import normalize_name

        book = {normalize_name(b) for b in BOOKKEEPING}
        runs = read_table(p)
        responses = [{"name": c, "low": None, "high": None} for c in runs.columns
                     if c not in space.names and normalize_name(c) not in book
                     and c.strip() not in BOOKKEEPING]
    return Definitions(_factor_dicts(space), responses, params, None, f"{p}:factors")


def _factors_sheet(p: Path) -> FactorSpace | None:
    try:
        sheets = pd.ExcelFile(p, engine="openpyxl").sheet_names
    except Exception:
        return None
    if "factors" not in sheets:
        return None
    from qbdkit.io import read_table
    from qbdkit.io.tables import is_blank

    t = read_table(p, sheet="factors")
    specs = []
    for i in range(len(t.frame)):
        spec = {}
        for col in ("name", "type", "low", "high", "unit", "levels"):
            if col in t.frame.columns:
                v = t.cell(i, col)
                spec[col] = None if is_blank(v) else v
        if spec.get("type") == "numeric" or not spec.get("type"):
            spec.pop("levels", None)
        specs.append(spec)
    return make_space(specs, source=f"{p}:factors")


def space_from_factor_list(factors: Sequence[Factor]) -> FactorSpace:
    return make_space(list(factors))
