"""`qbdkit audit …`: show and verify the tamper-evident audit trail.

Exit codes of ``qbdkit audit verify``: 0 when the chain is intact; **3** when
tampering is found (an altered, deleted or inserted row), with one line naming
the first bad entry and what is wrong. Tampering is not bad input (exit 2) nor
a bug (exit 1), hence its own code.
"""

import sys

import typer

from qbdkit.cli.common import JSON_OPTION, emit

app = typer.Typer(no_args_is_help=True)

TAMPERED_EXIT = 3


@app.command("log")
def log(
    project: str = typer.Option(None, "--project", "-p", help="Only this project's entries."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the audit trail, oldest first: who, when (UTC), action, entity, old → new, reason."""
    from qbdkit.services.audit import audit_log

    emit(audit_log(project), as_json)


@app.command("verify")
def verify(
    anchor: list[str] = typer.Option(
        None, "--anchor",
        help="An entry hash recorded earlier outside the database (repeatable); "
             "it must still be in the chain."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the hash chain; exit 0 when intact, 3 naming the first bad entry when tampered.

    Record the printed head hash somewhere else (QA logbook); passing it later as
    --anchor also catches a trail rewritten consistently from end to end.
    """
    from qbdkit.services.audit import verify_audit

    report = verify_audit(anchors=anchor or ())
    if as_json:
        emit(report, True)
    elif report.intact:
        sys.stdout.write(report.summary() + "\n")
    else:
        sys.stderr.write(report.summary() + "\n")
    if not report.intact:
        raise typer.Exit(TAMPERED_EXIT)
