"""`qbdkit mvda batch …`: batch evolution and batch level models from long-format data.

``register(app)`` adds the ``batch`` command to the ``mvda`` Typer app. Input: one row per
batch and sampling point (``--batch`` and ``--time`` columns, one column per process
variable); ``--predict`` new batches (same columns) onto both models; ``--out`` writes an
HTML report; ``--project P --as NAME`` stores the record (``mvda.batch``). The use case is
:func:`qbdkit.services.mvda.batch`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import AS_OPTION, JSON_OPTION, PROJECT_OPTION, REASON_OPTION, emit, info
from qbdkit.cli.storing import HEADER_ROW_OPTION, SHEET_OPTION, run_kind


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the ``qbdkit mvda`` app."""

    @app.command("batch")
    def batch_command(
        file: Path = typer.Argument(..., help="Long-format batch data (CSV/XLSX): batch, time, variables."),
        batch: str = typer.Option(..., "--batch", help="Batch id column."),
        time: str = typer.Option(..., "--time", help="Time column (orders the samples)."),
        indicator: str = typer.Option(None, "--indicator",
                                      help="Align on this increasing variable instead of time."),
        predict: Path = typer.Option(None, "--predict", help="New batches to project (same columns)."),
        components: str = typer.Option("2", "--components", help="Evolution-model components (or auto)."),
        level_components: str = typer.Option("2", "--level-components",
                                             help="Batch-level-model components (or auto)."),
        k: float = typer.Option(3.0, "--k", help="Limits = mean ± k SD per maturity point."),
        n_points: int = typer.Option(None, "--points", help="Grid points (default: the sampling points)."),
        final: Path = typer.Option(None, "--final",
                                   help="Final quality attributes per batch (batch-level model)."),
        evolution: str = typer.Option("pca", "--evolution",
                                      help="Evolution model: pca, or pls on maturity (SIMCA)."),
        sheet: str = SHEET_OPTION,
        header_row: str = HEADER_ROW_OPTION,
        project: str = PROJECT_OPTION,
        name: str = AS_OPTION,
        reason: str = REASON_OPTION,
        out: Path = typer.Option(None, "--out", help="Write an HTML report here."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Batch evolution model (scores ± k SD per time point) and batch level model; project new batches."""
        from qbdkit.services.mvda import BatchRequest

        req = BatchRequest(file=file, batch=batch, time=time, indicator=indicator,
                           predict=predict, components=components,
                           level_components=level_components, k=k, n_points=n_points,
                           final=final, evolution=evolution, sheet=sheet, header_row=header_row)
        result = run_kind("mvda.batch", req, project=project, name=name, reason=reason)
        for note in result.input_notes:
            info(f"warning: {note}")
        if out is not None:
            from qbdkit.report.html import page
            from qbdkit.report.mvda import render_batch

            html = page("Batch models", [render_batch(result)], subtitle=str(file))
            Path(out).write_text(html, encoding="utf-8")
            info(f"wrote {out}")
        emit(result, as_json)


__all__ = ["register"]
