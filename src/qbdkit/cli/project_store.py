"""`qbdkit project …`: projects in the store — accept a record's proposed values (a design
space's set point, NOR and PAR; a re-assessment's parameter classes) into a new project
version. Thin: options → :func:`qbdkit.services.projects.accept_record`."""

from __future__ import annotations

import typer

from qbdkit.cli.common import JSON_OPTION, emit
from qbdkit.errors import QbdInputError

app = typer.Typer(no_args_is_help=True)


@app.command("accept")
def accept(
    project: str = typer.Argument(..., help="Project in the store."),
    source: str = typer.Option(..., "--from", help="The record whose values are accepted, "
                               "KIND/NAME, e.g. doe.design_space/ds-bioreactor."),
    version: int | None = typer.Option(None, "--version", help="Record version (default the "
                                                               "newest)."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a new project version with the values the record proposes; each change audited
    old → new; refused (exit 2, naming the parameter) where a parameter would break set point
    ⊂ NOR ⊂ PAR ⊂ studied range."""
    from qbdkit.cli.common import context
    from qbdkit.services.projects import accept_record

    kind, sep, name = source.partition("/")
    if not sep or not kind or not name:
        raise QbdInputError("cannot read --from", column="--from", expected="KIND/NAME",
                            found=source)
    emit(accept_record(project, kind, name, version, context(), reason), as_json)
