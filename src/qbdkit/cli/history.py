"""``qbdkit diff P V1 [V2]``: what changed between two stored versions of a project.

Each changed path with old → new (``quality_attributes[Aggregates].acceptance[0].high: 3 →
2.5``; area files by SHA-256), the same list a new version's audit entry holds;
``--json`` prints ``{"project", "old_version", "new_version", "changes": [{"path", "old",
"new"}]}``. The use case is :func:`qbdkit.services.projects.project_diff`.
"""

from __future__ import annotations

import typer

from qbdkit.cli.common import JSON_OPTION, context, emit


def register(app: typer.Typer) -> None:
    """Add ``diff`` to the top-level ``qbdkit`` app."""

    @app.command("diff")
    def diff_command(
        project: str = typer.Argument(..., help="Project name in the store."),
        old: int = typer.Argument(..., help="The older version."),
        new: int = typer.Argument(None, help="The newer version (default: the newest)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Field-level differences between two stored versions of a project."""
        from qbdkit.services.projects import project_diff

        emit(project_diff(project, old, new, user=context().user), as_json)
