"""`qbdkit sdm …` commands: scale-down model (sdm) qualification.

``qbdkit sdm compare --at-scale A.csv --small-scale B.csv [--margin 1.5sd|VALUE|NAME=…]
[--alpha 0.05] [--k 3] [--pooled] [--json]``: one row per batch in each file (an id
column ``batch``/``run``/``批次`` … and one column per attribute); every attribute
present in both files is compared (:mod:`qbdkit.core.sdm.comparability`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import Problem, QbdInputError
from qbdkit.io import read_table

if TYPE_CHECKING:  # the statistics (scipy.stats) load only when a command runs
    from qbdkit.core.sdm import ComparabilityResult, Margin

app = typer.Typer(no_args_is_help=True)


def load_wide(path: str | Path, id_column: str | None = None):
    """Read a one-row-per-batch file → ``(numeric frame, ids, notes, file name)``."""
    table = read_table(path)
    from qbdkit.core.sdm import numeric_attributes

    frame, ids, notes = numeric_attributes(table.frame, file=table.file, rows=table.rows,
                                           id_column=id_column)
    if frame.shape[1] == 0:
        raise QbdInputError("no numeric attribute columns", file=table.file, row=1,
                            expected="one column per attribute with numbers",
                            found=", ".join(table.columns))
    return frame, ids, notes, table.file


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


def compare_files(at_scale: str | Path, small_scale: str | Path, *, margin: list[str] | None = None,
                  alpha: float = 0.05, k: float = 3.0, pooled: bool = False,
                  id_column: str | None = None) -> ComparabilityResult:
    """Read both files and compare; raises :class:`QbdInputError` for bad input."""
    if not 0 < alpha < 0.5:
        raise QbdInputError("alpha out of range", column="--alpha", expected="0 < alpha < 0.5",
                            found=alpha)
    if not k > 0:
        raise QbdInputError("k out of range", column="--k", expected="a positive number", found=k)
    from qbdkit.core.sdm import compare_scales

    default, per = parse_margins(margin)
    a, _, notes_a, file_a = load_wide(at_scale, id_column)
    s, ids_s, notes_s, file_s = load_wide(small_scale, id_column)
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
    for note in notes_a:
        info(f"warning: {file_a}: {note}")
    for note in notes_s:
        info(f"warning: {file_s}: {note}")
    result = compare_scales(a, s, small_scale_ids=ids_s, margin=default, margins=per, alpha=alpha,
                            k=k, equal_var=pooled)
    for d in result.dropped:
        info(f"warning: left out {d}")
    if not result.attributes:
        raise QbdInputError("no attribute left to compare", file=file_a,
                            expected="at least one attribute with ≥ 2 values per scale and "
                                     "non-zero at-scale SD",
                            found="; ".join(result.dropped))
    return result


@app.command("compare")
def compare(
    at_scale: Path = typer.Option(..., "--at-scale", help="At-scale batches: CSV/XLSX, one row per batch."),
    small_scale: Path = typer.Option(..., "--small-scale", help="Small-scale runs: CSV/XLSX, one row per run."),
    margin: list[str] = typer.Option(
        None, "--margin",
        help="Equivalence margin: k×at-scale SD ('1.5sd', default) or a number in the "
             "attribute's unit; 'NAME=…' for one attribute. Repeatable."),
    alpha: float = typer.Option(0.05, "--alpha", help="TOST level; the CI is 1−2α (90 %)."),
    k: float = typer.Option(3.0, "--k", help="Range = at-scale mean ± k SD."),
    pooled: bool = typer.Option(False, "--pooled", help="Pooled-variance TOST (default Welch)."),
    id_column: str = typer.Option(None, "--id", help="Id column (default: batch/run/id/批次 …)."),
    out: Path = typer.Option(None, "--out", help="Write an HTML report (table) here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare small-scale runs with at-scale batches per attribute: ± k SD range, TOST, sample size."""
    result = compare_files(at_scale, small_scale, margin=margin, alpha=alpha, k=k, pooled=pooled,
                           id_column=id_column)
    if out is not None:
        from qbdkit.report.html import page, section
        from qbdkit.report.sdm import comparability_table

        html = page("Scale-down model comparability",
                    [section("Univariate comparability", comparability_table(result))],
                    subtitle=f"at scale: {at_scale}; small scale: {small_scale}")
        Path(out).write_text(html, encoding="utf-8")
        info(f"wrote {out}")
    emit(result, as_json)
