"""``qbdkit demo``: load the bundled mAb example and run every stage."""

from pathlib import Path

import typer

from qbdkit.cli.common import info
from qbdkit.errors import QbdInputError

_FORMATS = ("html", "pdf", "docx")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("qbdkit-demo"), "--out", help="Folder for the report and the demo database."),
        fmt: str = typer.Option("html", "--format", "-f",
                                help="Report formats, comma-separated: html, pdf, docx."),
        lang: str = typer.Option("en", "--lang", help="Report language: en | zh."),
    ) -> None:
        """Load the bundled mAb example project into the embedded database, run every stage
        (risk, scale-down model, DoE, design space) as stored records and write OUT/report.html
        with `qbdkit report` (and report.pdf / report.docx with --format)."""
        from qbdkit.demo.run import run_demo
        from qbdkit.i18n import normalize_lang

        formats = [f.strip().lower() for f in fmt.split(",") if f.strip()]
        bad = [f for f in formats if f not in _FORMATS]
        if bad or not formats:
            raise QbdInputError("unknown report format", column="format",
                                expected=" | ".join(_FORMATS), found=",".join(bad) or fmt)
        result = run_demo(out, progress=lambda m: info(f"[demo] {m}"), formats=formats,
                          lang=normalize_lang(lang))
        for name, status, seconds in result.stages:
            info(f"  {name:<16} {status:<12} {seconds:6.1f} s")
        for path in result.files:
            typer.echo(f"report written: {path}")
