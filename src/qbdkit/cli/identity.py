"""Sign-in and store commands: ``login``, ``logout``, ``passwd``, ``store init|secure|info``,
``sign``, ``records list|show|verify``, ``rerun``.

Exit codes: 0 done; 2 bad input, refused permission, failed sign-in (one line naming the
cause, nothing written but the audited failure); ``rerun`` exits 4 when the re-run differs.
"""

from __future__ import annotations

import typer

from qbdkit.cli.common import (
    JSON_OPTION,
    PASSWORD_STDIN_OPTION,
    REASON_OPTION,
    context,
    emit,
    info,
    read_passwords,
)

store_app = typer.Typer(no_args_is_help=True, help="The store: first administrator, mode.")
records_app = typer.Typer(no_args_is_help=True,
                          help="Stored records of a project: list, show, verify signatures.")

RERUN_DIFFERS_EXIT = 4


def _secure(admin: str, full_name: str | None, password_stdin: bool, reason: str,
            as_json: bool) -> None:
    from qbdkit.services.auth import secure_store

    (password,) = read_passwords(password_stdin, [f"password for {admin}"])
    if not password_stdin:
        (again,) = read_passwords(False, ["repeat the password"])
        if again != password:
            from qbdkit.errors import QbdInputError

            raise QbdInputError("the passwords differ", column="password")
    result = secure_store(admin, password, full_name=full_name, reason=reason)
    if as_json:
        emit(result, True)
    else:
        typer.echo(f"store is {result['mode']}; administrator {admin!r}. Next: qbdkit login "
                   f"{admin}, then qbdkit user add NAME --role scientist …")


@store_app.command("init")
def store_init(
    admin: str = typer.Option(..., "--admin", help="Name of the first administrator."),
    full_name: str = typer.Option(None, "--full-name", help="Printed name of the admin."),
    password_stdin: bool = PASSWORD_STDIN_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create the store's first administrator with a password (the store becomes multi-user)."""
    _secure(admin, full_name, password_stdin, reason or "store initialised", as_json)


@store_app.command("secure")
def store_secure(
    admin: str = typer.Option(..., "--admin", help="Name of the first administrator."),
    full_name: str = typer.Option(None, "--full-name", help="Printed name of the admin."),
    password_stdin: bool = PASSWORD_STDIN_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make an embedded (single-user) store multi-user: from now on only signed-in users act."""
    _secure(admin, full_name, password_stdin, reason or "store secured", as_json)


@store_app.command("info")
def store_info_cmd(as_json: bool = JSON_OPTION) -> None:
    """The store's id, mode and backend, and where its audit key is expected."""
    from qbdkit.services.auth import store_info
    from qbdkit.store import resolve_url
    from qbdkit.store.keys import keyring_path

    s = store_info()
    data = {"store_id": s.store_id, "mode": s.mode, "backend": s.backend,
            "key_file": str(keyring_path()), "url": resolve_url()}
    if as_json:
        emit(data, True)
    else:
        for k, v in data.items():
            typer.echo(f"{k}: {v}")


def register(app: typer.Typer) -> None:
    """Add the sign-in and record commands to ``app``."""

    @app.command("login")
    def login(
        name: str = typer.Argument(None, help="User name (asked for when omitted)."),
        password_stdin: bool = PASSWORD_STDIN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Sign in to a multi-user store (the token is kept in your config folder).

        With --password-stdin the first line is the password and, when a change is due, the
        second line the new password.
        """
        from qbdkit.cli.session import write_token
        from qbdkit.services.auth import PasswordChangeRequired, store_info
        from qbdkit.services.auth import login as do_login

        if not name:
            name = typer.prompt("user")
        if password_stdin:
            import sys

            lines = [*sys.stdin.read().splitlines(), ""]
            password, new = lines[0], (lines[1] or None)
        else:
            (password,) = read_passwords(False, ["password"])
            new = None
        try:
            signed = do_login(name, password, new_password=new)
        except PasswordChangeRequired:
            if password_stdin:
                raise
            info("Your password must be changed now.")
            new, again = read_passwords(False, ["new password", "repeat the new password"])
            if new != again:
                from qbdkit.errors import QbdInputError

                raise QbdInputError("the passwords differ", column="password") from None
            signed = do_login(name, password, new_password=new)
        write_token(store_info().store_id, signed.token)
        payload = {"user": signed.user, "role": signed.role, "full_name": signed.full_name,
                   "idle_minutes": signed.idle_minutes}
        if as_json:
            emit(payload, True)
        else:
            typer.echo(f"signed in as {signed.user} ({signed.role}); the session ends after "
                       f"{signed.idle_minutes} min without use")

    @app.command("logout")
    def logout() -> None:
        """Sign out (the token is revoked in the store and removed here)."""
        from qbdkit.cli.session import read_token, write_token
        from qbdkit.services.auth import logout as do_logout
        from qbdkit.services.auth import store_info

        sid = store_info().store_id
        token = read_token(sid)
        name = do_logout(token, ) if token else None
        if sid:
            write_token(sid, None)
        typer.echo(f"signed out {name}" if name else "not signed in")

    @app.command("passwd")
    def passwd(password_stdin: bool = PASSWORD_STDIN_OPTION) -> None:
        """Change your password (stdin: current password, then the new one)."""
        from qbdkit.services.auth import change_password

        ctx = context()
        old, new = read_passwords(password_stdin, ["current password", "new password"])
        if not password_stdin:
            (again,) = read_passwords(False, ["repeat the new password"])
            if again != new:
                from qbdkit.errors import QbdInputError

                raise QbdInputError("the passwords differ", column="password")
        change_password(ctx.user, old, new)
        typer.echo("password changed")

    @app.command("sign")
    def sign(
        project: str = typer.Argument(..., help="Project name."),
        kind: str = typer.Argument(..., help="Record kind (see `qbdkit records list P`)."),
        name: str = typer.Argument(..., help="Record name."),
        meaning: str = typer.Option(..., "--meaning",
                                    help="authored | reviewed | approved | rejected"),
        reason: str = REASON_OPTION,
        version: int = typer.Option(None, "--version", help="Must be the newest version."),
        password_stdin: bool = PASSWORD_STDIN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Sign a record electronically; your password is asked for again at each signing."""
        from qbdkit.services.signatures import check_meaning
        from qbdkit.services.signatures import sign as do_sign

        meaning = check_meaning(meaning)
        ctx = context()
        (password,) = read_passwords(password_stdin, [f"password of {ctx.user} to sign"])
        emit(do_sign(project, kind, name, meaning=meaning, password=password, user=ctx.user,
                     reason=reason, version=version), as_json)

    @app.command("rerun")
    def rerun(
        project: str = typer.Argument(..., help="Project name."),
        kind: str = typer.Argument(..., help="Record kind."),
        name: str = typer.Argument(..., help="Record name."),
        version: int = typer.Option(None, "--version", help="Version (default newest)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Recompute a stored record from its stored inputs and options; exit 4 if it differs."""
        from qbdkit.services.records import rerun as do_rerun

        result = do_rerun(project, kind, name, version, ctx=context())
        emit(result, as_json)
        if not result.identical:
            raise typer.Exit(RERUN_DIFFERS_EXIT)

    app.add_typer(store_app, name="store")
    app.add_typer(records_app, name="records")


@records_app.command("list")
def records_list(
    project: str = typer.Argument(..., help="Project name."),
    kind: str = typer.Option(None, "--kind", help="Only this kind."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The newest version of each record, in the order of the QbD flow, with its state."""
    from qbdkit.services.records import list_records

    emit(list_records(project, kind=kind, user=context().user), as_json)


@records_app.command("show")
def records_show(
    project: str = typer.Argument(..., help="Project name."),
    kind: str = typer.Argument(..., help="Record kind."),
    name: str = typer.Argument(..., help="Record name."),
    version: int = typer.Option(None, "--version", help="Version (default newest)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One record version: who, when, why, state, inputs, signatures, and its result."""
    from qbdkit.services.records import get_record
    from qbdkit.services.render import record_text

    record = get_record(project, kind, name, version, user=context().user)
    if as_json:
        emit(record, True)
    else:
        typer.echo(record_text(record))


@records_app.command("verify")
def records_verify(
    project: str = typer.Argument(..., help="Project name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check that every signature still matches its record's content (exit 3 if not)."""
    from qbdkit.services.signatures import verify_signatures

    check = verify_signatures(project, user=context().user)
    emit(check, as_json)
    if not check.valid:
        raise typer.Exit(3)
