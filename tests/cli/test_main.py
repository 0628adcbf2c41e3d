"""The CLI's error conventions: usage errors exit 2, input errors one line and exit 2."""

import typer

from qbdkit.cli import main as main_module
from qbdkit.errors import QbdInputError


def test_version(cli):
    r = cli("version")
    assert r.code == 0
    assert r.out.strip() == "0.1.0"


def test_unknown_command_is_a_usage_error(cli):
    r = cli("no-such-command")
    assert r.code == 2


def test_input_error_is_one_line_exit_2(cli, monkeypatch):
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise QbdInputError("not a number", file="a.csv", row=3, column="pH",
                            expected="a number", found="abc")

    monkeypatch.setattr(main_module, "app", app)
    r = cli()
    assert r.code == 2
    assert r.err == "error: a.csv:3: pH: not a number: expected a number, found 'abc'\n"
    assert "Traceback" not in r.err


def test_bug_is_exit_1_without_traceback(cli, monkeypatch):
    app = typer.Typer()

    @app.command()
    def boom() -> None:
        raise ZeroDivisionError("x")

    monkeypatch.delenv("QBDKIT_DEBUG", raising=False)
    monkeypatch.setattr(main_module, "app", app)
    r = cli()
    assert r.code == 1
    assert "internal error: ZeroDivisionError" in r.err
    assert "Traceback" not in r.err
