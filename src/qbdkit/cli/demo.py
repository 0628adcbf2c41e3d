"""``qbdkit demo``: load the bundled mAb example and run every stage."""

from pathlib import Path

import typer

from qbdkit.cli.common import info


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("qbdkit-demo"), "--out", help="Folder for the report and the demo database."),
    ) -> None:
        """Load the bundled mAb example project into the embedded database, run every stage
        (risk, scale-down model, DoE, design space) and write OUT/report.html."""
        from qbdkit.demo.run import run_demo

        result = run_demo(out, progress=lambda m: info(f"[demo] {m}"))
        for name, status, seconds in result.stages:
            info(f"  {name:<14} {status:<14} {seconds:6.1f} s")
        typer.echo(f"report written: {result.report}")
