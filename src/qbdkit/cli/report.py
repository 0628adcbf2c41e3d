"""``qbdkit report P [--lang zh|en] [--format html|pdf|docx] [--out FILE] [--version N]``:
the report of a stored project (service :func:`qbdkit.services.report.project_report`)."""

from __future__ import annotations

from pathlib import Path

import typer

from qbdkit.cli.common import JSON_OPTION, context, emit, info
from qbdkit.errors import QbdInputError

_SUFFIX = {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}


def register(app: typer.Typer) -> None:
    """Add the top-level ``report`` command to ``app``."""

    @app.command("report")
    def report(
        project: str = typer.Argument(..., help="A project of the store."),
        lang: str = typer.Option(None, "--lang", help="zh | en (default $QBDKIT_LANG, else en)."),
        fmt: str = typer.Option(None, "--format", "-f",
                                help="html | pdf | docx (default from --out's suffix, else html)."),
        out: Path = typer.Option(None, "--out", "-o",
                                 help="File to write (default PROJECT-report.FORMAT here)."),
        version: int = typer.Option(None, "--version", help="Project version (default newest)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """The project's report in the order of the QbD flow: product and QTPP, CQAs,
        process parameters, then each stage's newest records (risk → SDM → DoE → design space →
        control strategy → PPQ → CPV …), signatures and a reproducibility stamp."""
        from qbdkit.services.report import FORMATS, ReportRequest, project_report

        if fmt is None:
            fmt = _SUFFIX.get(out.suffix.lower(), "html") if out is not None else "html"
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise QbdInputError("unknown report format", column="format",
                                expected=" | ".join(FORMATS), found=fmt)
        ctx = context(lang=lang)
        req = ReportRequest(project=project, lang=ctx.lang, format=fmt, version=version)
        doc = project_report(req, ctx)
        target = out if out is not None else Path(f"{project}-report.{fmt}")
        doc.write(target)
        info(f"report written: {target}")
        emit(doc, as_json)
