"""Top-level project commands: ``init``, ``validate``, ``import``, ``export``, ``demo``."""

import typer


def register(app: typer.Typer) -> None:
    """Add the top-level commands to ``app``."""

    @app.command("version")
    def version() -> None:
        """Print the qbdkit version."""
        from qbdkit import __version__

        typer.echo(__version__)
