"""`qbdkit doe` commands (doe_analysis)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``qbdkit doe`` app."""
