"""Shared CLI helpers: JSON output, result rendering, the acting user.

Conventions (DESIGN.md): ``--json`` prints the result object as JSON on stdout
and nothing else; human output is the result's ``summary()``; input problems
raise :class:`~qbdkit.errors.QbdInputError`, which :func:`qbdkit.cli.main.main`
turns into one line per problem on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import typer

from qbdkit.core.result import to_jsonable

#: JSON longer than this (characters) is printed compact instead of indented (a 41⁴
#: design-space grid is ~100 MB indented).
LARGE_JSON = 1_000_000

JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON on stdout, nothing else.")
USER_OPTION = typer.Option(
    None, "--user", envvar="QBDKIT_USER", help="Act as this user (default: $QBDKIT_USER, else 'admin')."
)


def emit(result: Any, as_json: bool) -> None:
    """Print ``result`` as JSON (``--json``) or as its ``summary()``."""
    if as_json:
        payload = result.to_dict() if hasattr(result, "to_dict") else to_jsonable(result)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= LARGE_JSON:
            text = json.dumps(payload, ensure_ascii=False, indent=2)
        sys.stdout.write(text + "\n")
    else:
        text = result.summary() if hasattr(result, "summary") else str(result)
        sys.stdout.write(text + "\n")


def info(message: str) -> None:
    """A note for humans: goes to stderr so ``--json`` stdout stays clean."""
    sys.stderr.write(message + "\n")


def acting_user(user: str | None) -> str:
    return user or os.environ.get("QBDKIT_USER") or "admin"
