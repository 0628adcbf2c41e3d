"""Running a use case from a command, optionally storing it as a record (``--project P --as
NAME [--reason TEXT]``), and the table-reading options every file-reading command shares.

:func:`run_kind` is what the risk, sdm and mvda commands call: without ``--project`` it runs
the registered use case; with it, :func:`qbdkit.services.records.run_and_store` runs and
stores it as the signed-in (or, on the embedded store, the operating-system) user and a
note on stderr says where (stdout stays the result, or pure JSON with ``--json``).
"""

from __future__ import annotations

from typing import Any

import typer

from qbdkit.errors import QbdInputError

SHEET_OPTION = typer.Option(
    None, "--sheet", help="XLSX sheet name or 0-based number (default: the first sheet).")
HEADER_ROW_OPTION = typer.Option(
    None, "--header-row",
    help="Row of the column names (e.g. 3 below a title), or rows 1-2 for a merged group row "
         "above the names (joined as 'group name').")


def run_kind(kind: str, req: Any, *, project: str | None, name: str | None,
             reason: str | None) -> Any:
    """Run ``kind`` on ``req``; store it when ``project`` and ``name`` are given."""
    from qbdkit.cli.common import context, info
    from qbdkit.services.base import Context
    from qbdkit.services.records import run_and_store

    if project is None and name is None:
        if reason:
            raise QbdInputError("--reason is kept only with a stored result", column="--reason",
                                expected="--project P --as NAME as well", found=reason)
        result, _ = run_and_store(kind, req, Context())
        return result
    ctx = context() if project is not None and name is not None else Context()
    result, stored = run_and_store(kind, req, ctx, project=project, name=name,
                                   reason=reason or "")
    if stored is not None:
        info(f"stored {stored.kind}/{stored.key} version {stored.version} in project "
             f"{stored.project}")
    return result
