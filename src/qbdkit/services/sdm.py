"""Scale-down model (sdm) qualification as a use case: compare small-scale runs with
at-scale batches, attribute by attribute, from two CSV/XLSX files.

sdm = scale-down model: a small-scale (bench, e.g. 3 L or ambr® 250) version of a
commercial-scale unit operation. :func:`compare` reads both files (one row per batch/run:
an id column ``batch``/``run``/``批次`` … and one column per attribute), pairs the
attribute columns, and calls :func:`qbdkit.core.sdm.compare_scales` (± k SD range, TOST,
sample size, verdict pass / fail / "not shown — needs ≥ N runs for 80 % power"). Registered
as record kind ``sdm.compare``. The multivariate side (PCA of end points, batch models) is
:mod:`qbdkit.services.mvda`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from qbdkit.core.sdm import ComparabilityResult, Margin
from qbdkit.errors import Problem, QbdInputError
from qbdkit.services.base import Context, Request, input_file
from qbdkit.services.kinds import Kind, register


class CompareRequest(Request):
    """``qbdkit sdm compare`` — see :func:`qbdkit.core.sdm.compare_scales`."""

    at_scale: Path = input_file(description="at-scale batches, one row per batch (CSV/XLSX)")
    small_scale: Path = input_file(description="small-scale runs, one row per run (CSV/XLSX)")
    margin: list[str] = Field(default_factory=list)
    """``"1.5sd"`` (default), a number in the attribute's unit, or ``"NAME=…"`` per attribute."""
    alpha: float = 0.05
    k: float = 3.0
    pooled: bool = False
    id_column: str | None = None
    exclude: list[str] = Field(default_factory=list)
    """Small-scale runs set aside (e.g. under investigation for an assignable cause)."""
    sheet: str | None = None
    header_row: str | None = None


@dataclass(frozen=True)
class ScaleComparison(ComparabilityResult):
    """:class:`~qbdkit.core.sdm.ComparabilityResult` with where it came from: the files,
    the runs set aside and the notes about the input (columns left out, N/A cells)."""

    at_scale_file: str = ""
    small_scale_file: str = ""
    n_at_scale: int = 0
    small_scale_runs: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = super().summary()
        extra = []
        if self.excluded:
            extra.append("set aside: " + ", ".join(self.excluded))
        extra += [f"note: {n}" for n in self.notes]
        return text + ("\n" + "\n".join(extra) if extra else "")


def parse_margins(values: list[str] | None) -> tuple[Margin | None, dict[str, Margin]]:
    """``["1.5sd", "titer=0.3"]`` → (default margin, per-attribute margins)."""
    from qbdkit.core.sdm.comparability import parse_margin

    default: Margin | None = None
    per: dict[str, Margin] = {}
    for text in values or []:
        name, sep, spec = text.rpartition("=")
        try:
            m = parse_margin(spec if sep else text)
        except ValueError:
            raise QbdInputError("bad margin", column="--margin",
                                expected="k×SD like '1.5sd', a positive number, or NAME=…",
                                found=text) from None
        if sep:
            per[name.strip()] = m
        else:
            default = m
    return default, per


def load_wide(path: str | Path, id_column: str | None = None, *, sheet: str | None = None,
              header_row: str | None = None) -> tuple[Any, list[str], list[str], str]:
    """Read a one-row-per-batch file → ``(numeric frame, ids, notes, file name)``."""
    from qbdkit.core.sdm import numeric_attributes
    from qbdkit.io import read_table

    table = read_table(path, sheet=sheet if sheet is not None else 0, header_row=header_row)
    frame, ids, notes = numeric_attributes(table.frame, file=table.file, rows=table.rows,
                                           id_column=id_column)
    if frame.shape[1] == 0:
        raise QbdInputError("no numeric attribute columns", file=table.file, row=1,
                            expected="one column per attribute with numbers",
                            found=", ".join(table.columns))
    return frame, ids, [*table.notes, *notes, *table.missing_notes()], table.file


def compare(req: CompareRequest, ctx: Context | None = None) -> ScaleComparison:
    """Read both files and compare every attribute present in both."""
    from qbdkit.core.sdm import compare_scales

    if not 0 < req.alpha < 0.5:
        raise QbdInputError("alpha out of range", column="--alpha", expected="0 < alpha < 0.5",
                            found=req.alpha)
    if not req.k > 0:
        raise QbdInputError("k out of range", column="--k", expected="a positive number",
                            found=req.k)
    default, per = parse_margins(req.margin)
    a, _, notes_a, file_a = load_wide(req.at_scale, req.id_column, sheet=req.sheet,
                                      header_row=req.header_row)
    s, ids_s, notes_s, file_s = load_wide(req.small_scale, req.id_column, sheet=req.sheet,
                                          header_row=req.header_row)
    only_a = [c for c in a.columns if c not in s.columns]
    only_s = [c for c in s.columns if c not in a.columns]
    if only_a or only_s:
        problems = [Problem("attribute missing from the small-scale file", file_s, 1, c,
                            "the same attribute columns in both files", "no such column")
                    for c in only_a]
        problems += [Problem("attribute missing from the at-scale file", file_a, 1, c,
                             "the same attribute columns in both files", "no such column")
                     for c in only_s]
        raise QbdInputError(problems=problems)
    unknown = [n for n in per if n not in a.columns]
    if unknown:
        raise QbdInputError("margin for an unknown attribute", column="--margin",
                            expected="one of " + ", ".join(a.columns), found=unknown[0])
    missing = [r for r in req.exclude if r not in ids_s]
    if missing:
        raise QbdInputError("run to set aside not found", file=file_s, column="--exclude",
                            expected="a small-scale run id: " + ", ".join(ids_s[:20]),
                            found=", ".join(missing))
    keep = [i for i, r in enumerate(ids_s) if r not in set(req.exclude)]
    s = s.iloc[keep].reset_index(drop=True)
    runs = [ids_s[i] for i in keep]
    result = compare_scales(a, s, small_scale_ids=runs, margin=default, margins=per,
                            alpha=req.alpha, k=req.k, equal_var=req.pooled)
    if not result.attributes:
        raise QbdInputError("no attribute left to compare", file=file_a,
                            expected="at least one attribute with ≥ 2 values per scale and "
                                     "non-zero at-scale SD",
                            found="; ".join(result.dropped))
    notes = [f"{Path(file_a).name}: {n}" for n in notes_a]
    notes += [f"{Path(file_s).name}: {n}" for n in notes_s]
    return ScaleComparison(attributes=result.attributes, alpha=result.alpha,
                           method=result.method, dropped=result.dropped,
                           at_scale_file=Path(file_a).name, small_scale_file=Path(file_s).name,
                           n_at_scale=int(a.shape[0]), small_scale_runs=runs,
                           excluded=list(req.exclude), notes=notes)


def _example(folder: Path) -> CompareRequest:
    """Six at-scale batches and five small-scale runs of a CHO fed-batch (synthetic)."""
    a = Path(folder) / "at_scale.csv"
    s = Path(folder) / "small_scale.csv"
    a.write_text("batch,titer,viability,aggregate\nL1,5.1,92.0,1.1\nL2,5.4,93.5,1.3\n"
                 "L3,4.9,91.0,1.2\nL4,5.0,92.5,1.0\nL5,5.3,94.0,1.4\nL6,5.2,92.8,1.2\n",
                 encoding="utf-8")
    s.write_text("batch,titer,viability,aggregate\nS1,5.0,92.4,1.2\nS2,5.3,93.0,1.1\n"
                 "S3,5.2,95.5,1.3\nS4,5.1,91.8,1.6\nS5,5.2,92.9,N/A\n", encoding="utf-8")
    return CompareRequest(at_scale=a, small_scale=s)


register(Kind("sdm.compare", CompareRequest, compare, ScaleComparison,
              title={"en": "Scale-down model comparability", "zh": "缩小模型可比性"},
              stage="sdm", example=_example))
