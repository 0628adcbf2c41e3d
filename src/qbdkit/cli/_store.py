"""Run a use case and, with ``--project P --as NAME``, store it as a record (shared by the
stability, comparability, change and operations commands).

Without ``--project``/``--as`` the use case only runs (no sign-in needed); with them it runs
as the signed-in user (:func:`qbdkit.cli.common.context`) and is stored with
:func:`qbdkit.services.records.run_and_store` (nothing is stored when it fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qbdkit.cli.common import info
from qbdkit.errors import QbdInputError


def run_or_store(kind: str, req: Any, project: str | None, name: str | None,
                 reason: str = "") -> Any:
    """The result of ``kind`` on ``req``; stored as ``kind/name`` in ``project`` when given."""
    from qbdkit.services.base import Context
    from qbdkit.services.kinds import get_kind

    if project is None and name is None:
        return get_kind(kind).run(req, Context())
    from qbdkit.cli.common import context
    from qbdkit.services.records import run_and_store

    result, stored = run_and_store(kind, req, context(), project=project, name=name,
                                   reason=reason)
    if stored is not None:
        info(stored.summary())
    return result


def write_page(out: Path | None, kind: str, result: Any, lang: str, subtitle: str = "") -> None:
    """Write the record kind's report section of ``result`` as an HTML page."""
    if out is None:
        return
    if out.suffix.lower() not in (".html", ".htm"):
        raise QbdInputError("unsupported output file type", file=str(out), column="--out",
                            expected=".html", found=out.suffix or "(none)")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise QbdInputError("output folder does not exist", file=str(out), column="--out")
    from qbdkit.report.html import page, section
    from qbdkit.report.sections import render_result
    from qbdkit.services.kinds import get_kind

    title = get_kind(kind).display(lang)
    out.write_text(page(title, [section(title, render_result(kind, result, lang))],
                        subtitle=subtitle, lang=lang), encoding="utf-8")
    info(f"wrote {out}")
