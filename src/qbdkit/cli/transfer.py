"""Top-level store commands: ``import``, ``export``, ``projects``, and ``user add|role|list``.

All act as ``--user`` / ``$QBDKIT_USER`` (default ``admin``) on the store at
``$QBDKIT_DATABASE_URL`` (default ``sqlite:///qbdkit.sqlite`` here).
"""

from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, USER_OPTION, acting_user, emit

user_app = typer.Typer(no_args_is_help=True, help="Users and roles of the store (admin only).")


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="The new user's name."),
    role: str = typer.Option(..., "--role", "-r",
                             help="viewer | scientist | reviewer | qa | admin"),
    reason: str = typer.Option("", "--reason", help="Why (kept in the audit trail)."),
    user: str = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user with a role (acting user must be an admin)."""
    from qbdkit.services.users import add_user

    add_user(name, role, user=acting_user(user), reason=reason)
    if as_json:
        emit({"name": name, "role": role.strip().lower()}, True)
    else:
        typer.echo(f"added user {name!r} with role {role.strip().lower()}")


@user_app.command("role")
def user_role(
    name: str = typer.Argument(..., help="The user whose role changes."),
    role: str = typer.Option(..., "--role", "-r",
                             help="viewer | scientist | reviewer | qa | admin"),
    reason: str = typer.Option(..., "--reason", help="Why (required; kept in the audit trail)."),
    user: str = USER_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a user's role (acting user must be an admin; viewer withdraws write access)."""
    from qbdkit.services.users import set_role

    old = set_role(name, role, user=acting_user(user), reason=reason)
    new = role.strip().lower()
    if as_json:
        emit({"name": name, "old_role": old, "role": new}, True)
    else:
        typer.echo(f"user {name!r}: role {old} → {new}")


@user_app.command("list")
def user_list(as_json: bool = JSON_OPTION) -> None:
    """List the users and their roles."""
    from qbdkit.services.users import list_users

    emit(list_users(), as_json)


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""

    @app.command("import")
    def import_(
        directory: Path = typer.Argument(..., help="Project folder (YAML + data files)."),
        reason: str = typer.Option(None, "--reason", help="Why (kept in the audit trail)."),
        user: str = USER_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Store a project folder as a new project version (all or nothing)."""
        from qbdkit.services.projects import import_project

        emit(import_project(directory, user=acting_user(user), reason=reason), as_json)

    @app.command("export")
    def export(
        project: str = typer.Argument(..., help="Project name in the store."),
        directory: Path = typer.Argument(..., help="New or empty folder to write."),
        version: int = typer.Option(None, "--version", help="Version to export (default newest)."),
        user: str = USER_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Write a stored project version back as a project folder."""
        from qbdkit.services.projects import export_project

        emit(export_project(project, directory, version=version, user=acting_user(user)),
             as_json)

    @app.command("projects")
    def projects(as_json: bool = JSON_OPTION) -> None:
        """List the projects in the store."""
        from qbdkit.services.projects import list_projects

        emit(list_projects(), as_json)

    app.add_typer(user_app, name="user")
