"""`qbdkit audit …`: show, export, anchor and verify the tamper-evident audit trail.

Exit codes of ``qbdkit audit verify``: 0 when the trail and everything it vouches for are
intact; **3** when tampering is found, with one line naming the first bad entry (or each bad
row) and what is wrong; 2 when it cannot be checked (no audit key here). Tampering is not bad
input (exit 2) nor a bug (exit 1), hence its own code.
"""

import json
import sys
from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, REASON_OPTION, context, emit, info

app = typer.Typer(no_args_is_help=True)

TAMPERED_EXIT = 3


@app.command("log")
def log(
    project: str = typer.Option(None, "--project", "-p", help="Only this project's entries."),
    user: str = typer.Option(None, "--user", help="Only entries made by this user."),
    action: str = typer.Option(None, "--action",
                               help="Only this action or family (record, user, auth, project…)."),
    since: str = typer.Option(None, "--since", help="From this date/time (UTC, ISO)."),
    until: str = typer.Option(None, "--until", help="Up to this date/time (UTC, ISO; a date "
                                                    "includes its whole day)."),
    out: Path = typer.Option(None, "--out", help="Export to .xlsx or .csv for periodic review."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The audit trail, oldest first: who, when (UTC), action, entity, old → new, reason."""
    from qbdkit.services.audit import audit_log, export_log

    ctx = context()
    result = audit_log(project, user_filter=user, action=action, since=since, until=until,
                       user=ctx.user)
    if out is not None:
        export_log(result, out)
        info(f"{len(result.entries)} entries written to {out}")
        return
    emit(result, as_json)


@app.command("anchor")
def anchor(
    out: Path = typer.Option(None, "--out", help="Write the statement here (else stdout)."),
) -> None:
    """A MAC'd statement of the chain head to keep outside the database (QA logbook, another
    machine); `audit verify --anchor FILE` then catches truncation and roll-back."""
    from qbdkit.services.audit import write_anchor

    statement = write_anchor(user=context().user)
    text = json.dumps(statement, indent=1, sort_keys=True)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
        info(f"anchor for entry {statement['entry']} written to {out}")


@app.command("rotate-key")
def rotate_key(reason: str = REASON_OPTION) -> None:
    """Make a new audit key current (admin); old keys are kept to verify older entries."""
    from qbdkit.services.audit import rotate_key as do_rotate

    key_id = do_rotate(user=context().user, reason=reason)
    typer.echo(f"new audit key {key_id} is current")


@app.command("verify")
def verify(
    anchor: list[str] = typer.Option(
        None, "--anchor",
        help="An anchor file from `qbdkit audit anchor`, or an entry hash noted earlier "
             "(repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the chain, its MACs, anchors and every stored row; exit 0 intact, 3 tampered."""
    from qbdkit.services.audit import verify_audit

    context()
    report = verify_audit(anchors=anchor or ())
    if as_json:
        emit(report, True)
    elif report.intact:
        sys.stdout.write(report.summary() + "\n")
    else:
        sys.stderr.write(report.summary() + "\n")
    if not report.intact:
        raise typer.Exit(TAMPERED_EXIT)
