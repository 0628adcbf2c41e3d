"""``qbdkit demo``: load the bundled mAb example and run every stage."""

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""
