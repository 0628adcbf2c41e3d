"""``qbdkit control-strategy P``: the control strategy of a project in the store.

``qbdkit control-strategy P [--as NAME] [--reason TEXT] [--controls FILE] [--dry-run]
[--out FILE.xlsx|FILE.html] [--lang en|zh] [--json]`` — per unit operation, each CQA with
the parameters that affect it (from the project's C&E, FMEA and DoE records), their class,
set point, NOR, PAR and studied range and the control element; the named consistency
checks. Stored as ``control.strategy/NAME`` (default ``main``) unless ``--dry-run``.
Thin: options → :mod:`qbdkit.services.control`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qbdkit.cli.common import JSON_OPTION, REASON_OPTION, context, emit, info
from qbdkit.errors import QbdInputError

DRY_RUN_OPTION = typer.Option(False, "--dry-run", help="Compute and show; store nothing.")
LANG_OPTION = typer.Option("en", "--lang", help="Language of --out: en | zh.")


def write_out(out: Path | None, result: Any, *, title: str, subtitle: str, lang: str,
              html: Any, xlsx: Any | None = None) -> None:
    """``--out``: an HTML page (``.html``/``.htm``) or, where offered, a workbook
    (``.xlsx``)."""
    if out is None:
        return
    suffix = Path(out).suffix.lower()
    if suffix == ".xlsx" and xlsx is not None:
        xlsx(result, Path(out), lang)
    elif suffix in (".html", ".htm"):
        from qbdkit.report.html import page

        Path(out).write_text(page(title, [html(result, lang)], subtitle=subtitle,
                                  lang="zh-CN" if lang == "zh" else "en"), encoding="utf-8")
    else:
        raise QbdInputError("unknown output format", file=str(out), column="--out",
                            expected="a .html" + (" or .xlsx" if xlsx is not None else "")
                            + " file", found=suffix or "no suffix")
    info(f"wrote {out}")


def register(app: typer.Typer) -> None:
    @app.command("control-strategy")
    def control_strategy_cmd(
        project: str = typer.Argument(..., help="Project in the store."),
        name: str = typer.Option("main", "--as", help="Record name (control.strategy/NAME)."),
        reason: str = REASON_OPTION,
        controls: Path = typer.Option(None, "--controls", help="Further controls (CSV/XLSX): "
                                      "attribute or parameter, element, criterion, "
                                      "justification, class, sources (default: the "
                                      "project's control/controls.csv)."),
        dry_run: bool = DRY_RUN_OPTION,
        out: Path = typer.Option(None, "--out", help="Write FILE.xlsx or FILE.html."),
        lang: str = LANG_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Control strategy: per unit operation, CQAs, parameters, ranges and controls."""
        from qbdkit.i18n import t
        from qbdkit.report.control import render, write_xlsx
        from qbdkit.services.control import control_strategy_for_project

        result, stored = control_strategy_for_project(
            project, context(lang=lang), name=None if dry_run else name,
            reason=reason or "control strategy")
        if stored is not None:
            info(stored.summary())
        write_out(out, result, title=t("Control strategy", lang, "control"), subtitle=project,
                  lang=lang, html=render, xlsx=write_xlsx)
        emit(result, as_json)


def run_kind(kind: str, req: Any, project: str | None, name: str | None, reason: str) -> Any:
    """Run a file-based use case; with ``--project P --as NAME`` also store it (who acts:
    :func:`qbdkit.cli.common.context`)."""
    from qbdkit.services.kinds import get_kind

    if project is None and name is None:
        return get_kind(kind).run(req, None)
    from qbdkit.services.records import run_and_store

    result, stored = run_and_store(kind, req, context(), project=project, name=name,
                                   reason=reason)
    if stored is not None:
        info(stored.summary())
    return result


def kinds_option(text: str | None) -> list[str] | None:
    """``--kinds PPQ,at-scale`` → a list (None when not given)."""
    if not text:
        return None
    return [k.strip() for k in text.split(",") if k.strip()]
