"""Top-level store commands: ``import``, ``export``, ``projects``, and ``user …``.

All act as the signed-in user of a multi-user store, or the operating-system user of the
embedded single-user store (:func:`qbdkit.cli.common.context`), on the store at
``$QBDKIT_DATABASE_URL`` (default ``sqlite:///qbdkit.sqlite`` here).
"""

from pathlib import Path

import typer

from qbdkit.cli.common import (
    JSON_OPTION,
    PASSWORD_STDIN_OPTION,
    REASON_OPTION,
    context,
    emit,
    read_passwords,
)

user_app = typer.Typer(no_args_is_help=True, help="Users and roles of the store (admin only).")

REQUIRED_REASON = typer.Option(..., "--reason", help="Why (required; kept in the audit trail).")


def _done(as_json: bool, payload: dict, text: str) -> None:
    if as_json:
        emit(payload, True)
    else:
        typer.echo(text)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="The new user's name."),
    role: str = typer.Option(..., "--role", "-r",
                             help="viewer | scientist | reviewer | qa | admin"),
    full_name: str = typer.Option(None, "--full-name", help="Printed name shown with signatures."),
    password_stdin: bool = PASSWORD_STDIN_OPTION,
    reason: str = REASON_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user with a role and an initial password (changed at first sign-in)."""
    from qbdkit.services.auth import store_info
    from qbdkit.services.users import add_user
    from qbdkit.store.meta import SINGLE_USER

    ctx = context()
    password = None
    if store_info().mode != SINGLE_USER:
        (password,) = read_passwords(password_stdin, [f"initial password for {name}"])
    add_user(name, role, user=ctx.user, reason=reason, full_name=full_name, password=password)
    _done(as_json, {"name": name, "role": role.strip().lower()},
          f"added user {name!r} with role {role.strip().lower()}")


@user_app.command("role")
def user_role(
    name: str = typer.Argument(..., help="The user whose role changes."),
    role: str = typer.Option(..., "--role", "-r",
                             help="viewer | scientist | reviewer | qa | admin"),
    reason: str = REQUIRED_REASON,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a user's role (admin only)."""
    from qbdkit.services.users import set_role

    old = set_role(name, role, user=context().user, reason=reason)
    new = role.strip().lower()
    _done(as_json, {"name": name, "old_role": old, "role": new},
          f"user {name!r}: role {old} → {new}")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(...), reason: str = REQUIRED_REASON,
                 as_json: bool = JSON_OPTION) -> None:
    """Disable a user (never deleted; their sessions end)."""
    from qbdkit.services.users import set_disabled

    _done(as_json, set_disabled(name, True, user=context().user, reason=reason),
          f"user {name!r} disabled")


@user_app.command("enable")
def user_enable(name: str = typer.Argument(...), reason: str = REQUIRED_REASON,
                as_json: bool = JSON_OPTION) -> None:
    """Enable a disabled user again."""
    from qbdkit.services.users import set_disabled

    _done(as_json, set_disabled(name, False, user=context().user, reason=reason),
          f"user {name!r} enabled")


@user_app.command("unlock")
def user_unlock(name: str = typer.Argument(...), reason: str = REQUIRED_REASON,
                as_json: bool = JSON_OPTION) -> None:
    """Unlock a user locked out after failed sign-ins."""
    from qbdkit.services.users import unlock

    _done(as_json, unlock(name, user=context().user, reason=reason), f"user {name!r} unlocked")


@user_app.command("reset-password")
def user_reset(name: str = typer.Argument(...), reason: str = REQUIRED_REASON,
               password_stdin: bool = PASSWORD_STDIN_OPTION) -> None:
    """Set a temporary password; the user must change it at the next sign-in."""
    from qbdkit.services.auth import reset_password

    ctx = context()
    (password,) = read_passwords(password_stdin, [f"temporary password for {name}"])
    reset_password(name, password, user=ctx.user, reason=reason)
    typer.echo(f"password of {name!r} reset; it must be changed at the next sign-in")


@user_app.command("name")
def user_name(name: str = typer.Argument(...),
              full_name: str = typer.Option(..., "--full-name", help="Printed name."),
              reason: str = REQUIRED_REASON, as_json: bool = JSON_OPTION) -> None:
    """Set the printed name shown with a user's signatures."""
    from qbdkit.services.users import set_full_name

    _done(as_json, set_full_name(name, full_name, user=context().user, reason=reason),
          f"user {name!r}: printed name {full_name!r}")


@user_app.command("list")
def user_list(as_json: bool = JSON_OPTION) -> None:
    """List the users, their roles and states."""
    from qbdkit.services.users import list_users

    emit(list_users(user=context().user), as_json)


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""

    @app.command("import")
    def import_(
        directory: Path = typer.Argument(..., help="Project folder (YAML + data files)."),
        reason: str = typer.Option(None, "--reason", help="Why (kept in the audit trail)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Store a project folder as a new project version (all or nothing)."""
        from qbdkit.services.projects import import_project

        emit(import_project(directory, user=context().user, reason=reason), as_json)

    @app.command("export")
    def export(
        project: str = typer.Argument(..., help="Project name in the store."),
        directory: Path = typer.Argument(..., help="New or empty folder to write."),
        version: int = typer.Option(None, "--version", help="Version to export (default newest)."),
        deidentify: bool = typer.Option(
            False, "--deidentify",
            help="Replace client, donor and patient identifiers by stable pseudonyms."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Write a stored project version back as a project folder."""
        from qbdkit.services.projects import export_project

        emit(export_project(project, directory, version=version, user=context().user,
                            deidentify=deidentify), as_json)

    @app.command("backup")
    def backup(
        out: Path = typer.Option(..., "--out", help="The backup file (.zip)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Write a consistent snapshot of the whole store (every table, with checksums)."""
        from qbdkit.services.backup import backup as do_backup

        emit(do_backup(out, user=context().user), as_json)

    @app.command("restore")
    def restore(
        file: Path = typer.Argument(..., help="A backup written by `qbdkit backup`."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Restore a backup into an EMPTY store ($QBDKIT_DATABASE_URL) and verify it."""
        from qbdkit.services.backup import restore as do_restore

        result = do_restore(file)
        emit(result, as_json)
        if not result.verified:
            raise typer.Exit(3)

    @app.command("projects")
    def projects(as_json: bool = JSON_OPTION) -> None:
        """List the projects in the store."""
        from qbdkit.services.projects import list_projects

        context()
        emit(list_projects(), as_json)

    app.add_typer(user_app, name="user")
