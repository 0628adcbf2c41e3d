"""`qbdkit mvda batch …`: batch evolution and batch level models from long-format data.

``register(app)`` adds the ``batch`` command to the ``mvda`` Typer app (the mvda area or
the lead wires it). Input: one row per batch and sampling point (``--batch`` and
``--time`` columns, one column per process variable); ``--project`` new batches (same
columns) onto both models; ``--out`` writes an HTML report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import QbdInputError
from qbdkit.io import read_table

if TYPE_CHECKING:  # the models (scipy) load only when a command runs
    from qbdkit.core.mvda.batch import AlignedBatches, BatchAnalysis


def read_batches(path: str | Path, *, batch: str, time: str, indicator: str | None = None,
                 grid=None, n_points: int | None = None) -> AlignedBatches:
    """Read a long-format batch file and align it (QbdInputError naming file/row/column)."""
    table = read_table(path)
    from qbdkit.core.mvda.batch import align_batches

    aligned = align_batches(table.frame, batch=batch, time=time, indicator=indicator, grid=grid,
                            n_points=n_points, file=table.file, rows=table.rows)
    for n in aligned.notes:
        info(f"warning: {table.file}: {n}")
    return aligned


def _components(text: str) -> int | str:
    if text == "auto":
        return "auto"
    try:
        k = int(text)
    except ValueError:
        raise QbdInputError("number of components", column="--components",
                            expected="a whole number ≥ 1 or auto", found=text) from None
    if k < 1:
        raise QbdInputError("number of components", column="--components",
                            expected="a whole number ≥ 1 or auto", found=text)
    return k


def read_final(path: str | Path, batches: list[str], batch: str):
    """Final quality attributes: one row per batch (``--batch`` column + numeric attributes)."""
    from qbdkit.core.sdm import numeric_attributes

    table = read_table(path)
    if batch not in table.frame.columns:
        raise QbdInputError("missing column", file=table.file, row=1, column=batch,
                            expected=f"a header {batch!r}", found=", ".join(table.columns))
    frame, ids, notes = numeric_attributes(table.frame, file=table.file, rows=table.rows,
                                           id_column=batch)
    for n in notes:
        info(f"warning: {table.file}: {n}")
    frame.index = ids
    missing = [b for b in batches if b not in frame.index]
    if missing:
        raise QbdInputError("final quality attributes missing for batches", file=table.file,
                            column=batch, expected="one row per batch of the batch data",
                            found=", ".join(missing))
    return frame


def run_batch(file: str | Path, *, batch: str, time: str, indicator: str | None = None,
              project: str | Path | None = None, components: str = "2",
              level_components: str = "2", k: float = 3.0, n_points: int | None = None,
              final: str | Path | None = None, evolution: str = "pca"):
    """Fit both batch models (and project new batches): ``(BatchAnalysis, bem, blm, train, new)``."""
    if not k > 0:
        raise QbdInputError("k out of range", column="--k", expected="a positive number", found=k)
    if evolution not in ("pca", "pls"):
        raise QbdInputError("unknown evolution model", column="--evolution", expected="pca | pls",
                            found=evolution)
    train = read_batches(file, batch=batch, time=time, indicator=indicator, n_points=n_points)
    final_frame = None if final is None else read_final(final, train.batches, batch)
    new = None
    if project is not None:
        new = read_batches(project, batch=batch, time=time, indicator=indicator, grid=train.grid)
        missing = [v for v in train.variables if v not in new.variables]
        if missing:
            raise QbdInputError("variables of the model missing from the new batches",
                                file=str(project), row=1, column=", ".join(missing),
                                expected="the training file's variables: " + ", ".join(train.variables),
                                found=", ".join(new.variables))
    from qbdkit.core.mvda.batch import analyze_batches

    result, bem, blm = analyze_batches(train, new, n_components=_components(components),
                                       level_components=_components(level_components), k=k,
                                       final=final_frame, evolution_method=evolution)
    for v, why in bem.dropped_.items():
        info(f"warning: {file}: variable {v} left out of the evolution model ({why})")
    return result, bem, blm, train, new


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the ``qbdkit mvda`` app."""

    @app.command("batch")
    def batch_command(
        file: Path = typer.Argument(..., help="Long-format batch data (CSV/XLSX): batch, time, variables."),
        batch: str = typer.Option(..., "--batch", help="Batch id column."),
        time: str = typer.Option(..., "--time", help="Time column (orders the samples)."),
        indicator: str = typer.Option(None, "--indicator",
                                      help="Align on this increasing variable instead of time."),
        project: Path = typer.Option(None, "--project", help="New batches to project (same columns)."),
        components: str = typer.Option("2", "--components", help="Evolution-model components (or auto)."),
        level_components: str = typer.Option("2", "--level-components",
                                             help="Batch-level-model components (or auto)."),
        k: float = typer.Option(3.0, "--k", help="Limits = mean ± k SD per maturity point."),
        n_points: int = typer.Option(None, "--points", help="Grid points (default: the sampling points)."),
        final: Path = typer.Option(None, "--final",
                                   help="Final quality attributes per batch (batch-level model)."),
        evolution: str = typer.Option("pca", "--evolution",
                                      help="Evolution model: pca, or pls on maturity (SIMCA)."),
        out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Batch evolution model (scores ± k SD per time point) and batch level model; project new batches."""
        result, bem, blm, train, new = run_batch(
            file, batch=batch, time=time, indicator=indicator, project=project,
            components=components, level_components=level_components, k=k, n_points=n_points,
            final=final, evolution=evolution)
        if out is not None:
            from qbdkit.report.html import page
            from qbdkit.report.sdm import batch_sections

            html = page("Batch models", batch_sections(result, bem, blm, train, new),
                        subtitle=str(file))
            Path(out).write_text(html, encoding="utf-8")
            info(f"wrote {out}")
        emit(result, as_json)


__all__ = ["BatchAnalysis", "read_batches", "register", "run_batch"]
