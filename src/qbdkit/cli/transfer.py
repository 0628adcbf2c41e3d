"""Top-level store commands: ``import``, ``export`` (and user administration)."""

import typer


def register(app: typer.Typer) -> None:
    """Add the store commands to ``app``."""
