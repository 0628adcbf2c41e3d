"""The ``qbdkit`` command.

Each area registers a Typer sub-application here (``qbdkit risk …``,
``qbdkit doe …``, ``qbdkit sdm …``, ``qbdkit mvda …``). :func:`main` runs the
app and applies the error convention: :class:`QbdInputError` → one line per
problem on stderr, exit 2; any other exception → a short bug message, exit 1;
never a traceback (set ``QBDKIT_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from qbdkit.errors import QbdInputError

app = typer.Typer(
    name="qbdkit",
    help="Quality-by-Design process characterization, validation and CMC risk management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


_loaded: set[str] = set()


def _register_top_level() -> None:
    """Attach the modules that add top-level commands (kept light: they import lazily)."""
    from qbdkit.cli import areas

    for name, module_name, _help in areas.AREAS:
        if name is None:
            __import__(f"qbdkit.cli.{module_name}", fromlist=["app"]).register(app)


def _attach(args: list[str]) -> None:
    """Attach each area: its real sub-application when it is the one being run, else a
    placeholder carrying only its help line, so ``qbdkit --help`` lists every area without
    importing numpy, pandas or any area's code (start-up ≤ 0.3 s)."""
    from qbdkit.cli import areas

    if app is not _MAIN_APP:  # a test swapped in its own app
        return
    wanted = next((a for a in args if not a.startswith("-")), None)
    for name, module_name, help_text in areas.AREAS:
        if name is None:
            continue
        real = name == wanted
        if name in _loaded or (not real and any(g.name == name for g in app.registered_groups)):
            continue
        app.registered_groups[:] = [g for g in app.registered_groups if g.name != name]
        if real:
            module = __import__(f"qbdkit.cli.{module_name}", fromlist=["app"])
            app.add_typer(module.app, name=name, help=help_text)
            _loaded.add(name)
        else:
            app.add_typer(typer.Typer(), name=name, help=help_text)


def attach_all() -> None:
    """Attach every area's real sub-application (for embedders that build the click command
    once, e.g. the fuzz runner)."""
    from qbdkit.cli import areas

    for name, _module, _help in areas.AREAS:
        if name is not None:
            _attach([name])


_register_top_level()
_MAIN_APP = app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (also used by the console script).

    Typer/click handle usage errors themselves (message on stderr, exit 2) and
    exit through ``SystemExit``; our own exceptions pass through them.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _attach(args)
    try:
        app(args=args, prog_name="qbdkit")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        sys.stderr.write(f"{code}\n")
        return 1
    except QbdInputError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"error: {problem}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as exc:  # a bug: never a silent wrong number, never a traceback
        if os.environ.get("QBDKIT_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in qbdkit; please report it with the command you ran "
            "(QBDKIT_DEBUG=1 shows the traceback).\n"
        )
        return 1
    return 0


def console() -> None:  # pragma: no cover - the console-script entry point
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
