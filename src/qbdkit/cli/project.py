"""Top-level project commands: ``init`` and ``validate`` (plus ``version``).

``qbdkit init DIR --modality mab|adc|car-t|aav|adenovirus|lentivirus|mrna-lnp [--lang zh|en] [--name NAME]``
creates a project folder from a modality template (:mod:`qbdkit.templates`);
``qbdkit validate DIR`` reports every problem of a project folder at once, one
line each ``file:line: field: message: expected …, found …`` (exit 2 if any),
and says which text encoding each file was read with.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, emit, info
from qbdkit.errors import QbdInputError


def register(app: typer.Typer) -> None:
    """Add the top-level commands to ``app``."""

    @app.command("version")
    def version() -> None:
        """Print the qbdkit version."""
        from qbdkit import __version__

        typer.echo(__version__)

    @app.command("init")
    def init(
        directory: Path = typer.Argument(..., help="New (or empty) project folder."),
        modality: str = typer.Option(
            ..., "--modality", "-m",
            help="Template: mab, adc, car-t, aav, adenovirus, lentivirus or mrna-lnp."),
        lang: str = typer.Option("en", "--lang", help="Labels to show: zh or en (both are kept)."),
        name: str | None = typer.Option(None, "--name", help="Project name."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Create a project folder from a modality template."""
        from qbdkit.templates import init_project

        written = init_project(directory, modality.strip().lower(), name=name, lang=lang)
        if as_json:
            sys.stdout.write(json.dumps({"directory": str(directory), "modality": modality,
                                         "files": [str(p) for p in written]},
                                        ensure_ascii=False) + "\n")
            return
        for p in written:
            typer.echo(f"created {p}")
        info(f"next: edit {directory}/project.yaml and process.yaml, then "
             f"`qbdkit validate {directory}`")

    @app.command("validate")
    def validate(
        directory: Path = typer.Argument(..., help="Project folder."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Check a project folder; report every problem at once (exit 2 if any)."""
        from qbdkit.model import check_folder

        result = check_folder(directory)
        if as_json:
            emit(result, True)
            if result.problems:
                raise typer.Exit(2)
            return
        for note in result.encoding_notes():
            info(f"note: {note}")
        if result.problems:
            raise QbdInputError(problems=result.problems)
        emit(result, False)
