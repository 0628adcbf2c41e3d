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


def cli_lang(args: Sequence[str]) -> str:
    """The language of the command line's own texts: ``--lang zh|en`` given to the command,
    else ``$QBDKIT_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG`` — e.g.
    ``zh_CN.UTF-8``)."""
    from qbdkit.i18n import normalize_lang

    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return normalize_lang(args[i + 1])
        if a.startswith("--lang="):
            return normalize_lang(a.split("=", 1)[1])
    for var in ("QBDKIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return normalize_lang(value)
    return "en"


def _translated(lang: str):
    """The click command tree with help texts in ``lang`` (catalogue domain ``cli``; a text
    without a translation stays English), and rich's panel titles translated."""
    import typer.rich_utils as ru

    from qbdkit.i18n import t

    command = typer.main.get_command(app)

    def tr(text: str | None) -> str | None:
        if not text:
            return text
        first = text.strip().partition("\n")[0]
        whole = t(text.strip(), lang, "cli")
        if whole != text.strip():
            return whole
        head = t(first.strip(), lang, "cli")
        return head if head != first.strip() else text

    def walk(cmd) -> None:
        cmd.help = tr(cmd.help)
        if getattr(cmd, "short_help", None):
            cmd.short_help = tr(cmd.short_help)
        for p in getattr(cmd, "params", []):
            if getattr(p, "help", None):
                p.help = tr(p.help)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(command)
    ru.OPTIONS_PANEL_TITLE = "选项"
    ru.COMMANDS_PANEL_TITLE = "命令"
    ru.ARGUMENTS_PANEL_TITLE = "参数"
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (also used by the console script).

    Typer/click handle usage errors themselves (message on stderr, exit 2) and
    exit through ``SystemExit``; our own exceptions pass through them.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _attach(args)
    lang = cli_lang(args)
    from qbdkit.i18n import t

    try:
        if lang == "zh" and app is _MAIN_APP:
            _translated(lang).main(args=args, prog_name="qbdkit")
        else:
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
            sys.stderr.write(f"{t('error', lang, 'cli')}: {problem.text(lang)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(t("interrupted", lang, "cli") + "\n")
        return 130
    except Exception as exc:  # a bug: never a silent wrong number, never a traceback
        if os.environ.get("QBDKIT_DEBUG"):
            raise
        bug = ("This is a bug in qbdkit; please report it with the command you ran "
               "(QBDKIT_DEBUG=1 shows the traceback).")
        sys.stderr.write(f"{t('internal error', lang, 'cli')}: {type(exc).__name__}: {exc}\n"
                         f"{t(bug, lang, 'cli')}\n")
        return 1
    return 0


def console() -> None:  # pragma: no cover - the console-script entry point
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    console()
