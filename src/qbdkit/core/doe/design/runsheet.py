"""Run sheets (cross-area contract C): write a design, read any design back for evaluation.

XLSX workbook:

- sheet ``runs`` (first): ``run`` (run order 1..n), ``std_order``, ``block`` (only when
  blocked), one column per factor in *actual* units headed by the factor name as written, then
  one empty column per response;
- sheet ``coded``: ``run`` + the factors coded −1…+1 (categorical: level labels);
- sheet ``factors``: ``name, type, low, high, unit, levels`` (levels ``;``-separated).

A CSV run sheet is the ``runs`` table alone (UTF-8 with BOM so that Excel shows Chinese names).

Reading (:func:`read_run_sheet`): the first sheet; factors are coded from the ``factors`` sheet
when present, else from a factors file given by the caller, else from each column's min/max
(numeric) or its distinct values in order of appearance (text → categorical). Bookkeeping
columns (``run``, ``std_order``, ``block`` …) and columns that are entirely blank (unfilled
responses) are not factors. Like :mod:`.factors`, this module reads and writes files because the
run sheet is the design's own exchange format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qbdkit.core.doe.design.factors import Factor, FactorSpace, make_space
from qbdkit.errors import Problem, QbdInputError

BOOKKEEPING = ("run", "std_order", "block", "run_order", "treatment", "序号", "运行", "标准序", "区组")


def run_sheet_frames(design, responses: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """The three tables of the workbook as data frames."""
    names = [f["name"] for f in design.factors]
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
    factors = pd.DataFrame([{
        "name": f["name"], "type": f["type"], "low": f["low"], "high": f["high"], "unit": f["unit"],
        "levels": ";".join(str(v) for v in f["levels"]),
    } for f in design.factors])
    return {"runs": runs, "coded": coded, "factors": factors}


def write_run_sheet(design, path: str | Path, responses: Sequence[str] = ()) -> list[Path]:
    """Write ``path`` (.xlsx → three sheets; .csv → runs table). Returns the files written.

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
