"""Helpers shared by the ``qbdkit doe …`` commands: run a use case (stored as a record with
``--project P --as NAME``), parse ``NAME=VALUE`` options, show a progress bar."""

from __future__ import annotations

import contextlib
import math
import sys
from pathlib import Path
from typing import Any

import typer

from qbdkit.cli.common import info
from qbdkit.errors import QbdInputError

FACTORS_FILE_OPTION = typer.Option(
    None, "--factors-file",
    help="Factor definitions (low/high/unit per factor): default the run sheet's own — an XLSX "
         "factors sheet, or the runs.factors.yaml sidecar beside a CSV.")


def run(kind: str, req: Any, *, project: str | None, name: str | None, reason: str = "",
        progress: Any = None) -> Any:
    """Run ``kind`` on ``req``; with ``--project P --as NAME`` store it as a record of P (who
    acts is the signed-in user, :func:`qbdkit.cli.common.context`)."""
    from qbdkit.services.base import Context
    from qbdkit.services.records import run_and_store

    if project is None and name is None:
        ctx = Context(progress=progress)
    else:
        from qbdkit.cli.common import context

        ctx = context(progress=progress)
    result, stored = run_and_store(kind, req, ctx, project=project, name=name, reason=reason)
    if stored is not None:
        info(stored.summary())
    return result


def with_sidecar(file: Path, factors_file: Path | None) -> Path | None:
    """The definitions file given, else the sidecar beside a CSV run sheet (said on stderr)."""
    if factors_file is not None:
        return factors_file
    from qbdkit.services.doe import sidecar_for

    side = sidecar_for(file)
    if side is not None:
        info(f"factor definitions: {side}")
    return side


def pairs(items: list[str] | str | None, option: str) -> dict[str, str]:
    """``"A=1.5,B=2"`` (or repeated options) → ``{"A": "1.5", "B": "2"}``."""
    if items is None:
        return {}
    texts = [items] if isinstance(items, str) else list(items)
    out: dict[str, str] = {}
    for text in texts:
        for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
            if "=" not in part:
                raise QbdInputError(f"cannot read {option} {text!r}", column=option,
                                    expected="NAME=VALUE[,NAME=VALUE…]", found=part)
            key, value = part.rsplit("=", 1)
            out[key.strip()] = value.strip()
    return out


def numbers(items: list[str] | str | None, option: str) -> dict[str, float]:
    """As :func:`pairs`, every value a finite number."""
    out: dict[str, float] = {}
    for key, value in pairs(items, option).items():
        try:
            out[key] = float(value)
        except ValueError:
            raise QbdInputError(f"cannot read {option} value", column=option, expected="a number",
                                found=value) from None
        if not math.isfinite(out[key]):
            raise QbdInputError(f"{option} value must be finite", column=option, found=value)
    return out


def names(text: str | None) -> list[str] | None:
    """``"A, B,C"`` → ``["A", "B", "C"]``; None for nothing."""
    if not text:
        return None
    return [f.strip() for f in text.split(",") if f.strip()]


def notes(result: Any, as_json: bool) -> None:
    """Notes of a result on stderr when stdout carries JSON (the summary shows them otherwise)."""
    if not as_json:
        return
    for n in getattr(result, "notes", None) or ():
        info(f"note: {n}")


def write_page(out: Path | None, html: str) -> None:
    if out is None:
        return
    out.write_text(html, encoding="utf-8")
    info(f"report written to {out}")


@contextlib.contextmanager
def progress_bar(label: str):
    """A Rich progress bar on stderr when it is a terminal (stdout stays clean for --json);
    yields a ``progress(fraction, message)`` callback or None."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=1.0)

        def update(fraction: float, _message: str = "") -> None:
            bar.update(task, completed=fraction)

        yield update
