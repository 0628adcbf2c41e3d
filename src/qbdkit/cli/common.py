"""Shared CLI helpers: JSON output, result rendering, who acts (the context), passwords.

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

#: JSON longer than this (characters) is printed compact instead of indented (a 41⁴
#: design-space grid is ~100 MB indented).
LARGE_JSON = 1_000_000

JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON on stdout, nothing else.")
PASSWORD_STDIN_OPTION = typer.Option(
    False, "--password-stdin",
    help="Read the password(s) from standard input, one per line (for scripts and tests).")
PROJECT_OPTION = typer.Option(
    None, "--project", "-p", help="Store the result in this project of the store (with --as).")
AS_OPTION = typer.Option(None, "--as", help="Record name to store the result under (with --project).")
REASON_OPTION = typer.Option("", "--reason", help="Why (kept in the audit trail; required to supersede).")


def emit(result: Any, as_json: bool) -> None:
    """Print ``result`` as JSON (``--json``) or as its ``summary()``."""
    if as_json:
        from qbdkit.core.result import to_jsonable

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


def context(*, lang: str | None = None, progress=None):
    """Who acts on the configured store: the signed-in user of a multi-user store (the
    token kept by ``qbdkit login``), or the operating-system user of a single-user store.

    ``--user`` and ``$QBDKIT_USER`` do not choose who acts: on a multi-user store a
    ``$QBDKIT_USER`` naming someone other than the signed-in user is refused.
    """
    from qbdkit.cli.session import read_token
    from qbdkit.errors import PermissionDenied
    from qbdkit.i18n import normalize_lang
    from qbdkit.services.auth import authenticate, local_user, store_info
    from qbdkit.services.base import Context
    from qbdkit.store.meta import SINGLE_USER

    language = normalize_lang(lang or os.environ.get("QBDKIT_LANG") or "en")
    info_ = store_info()
    if info_.mode == SINGLE_USER:
        return Context(user=local_user(), lang=language, progress=progress)
    name = authenticate(read_token(info_.store_id))
    claimed = os.environ.get("QBDKIT_USER")
    if claimed and claimed != name:
        raise PermissionDenied("QBDKIT_USER does not choose who acts on a multi-user store",
                               column="QBDKIT_USER", expected=f"unset, or {name} (signed in)",
                               found=claimed)
    return Context(user=name, lang=language, progress=progress)


def read_passwords(from_stdin: bool, prompts: list[str]) -> list[str]:
    """One password per prompt: from standard input lines (``--password-stdin``) or asked
    for without echo. Missing lines are an input error."""
    from qbdkit.errors import QbdInputError

    if from_stdin:
        lines = sys.stdin.read().splitlines()
        if len(lines) < len(prompts):
            raise QbdInputError("not enough passwords on standard input", column="stdin",
                                expected=f"{len(prompts)} line(s): " + ", ".join(prompts),
                                found=f"{len(lines)} line(s)")
        return lines[: len(prompts)]
    import getpass

    return [getpass.getpass(f"{p}: ") for p in prompts]
