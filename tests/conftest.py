"""Shared fixtures: run the CLI in-process, database URLs for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """``cli("risk", "ap", "--severity", "9", ...)`` → :class:`CliResult` (in-process).

    Runs with a private SQLite database under ``tmp_path`` unless the test sets
    ``QBDKIT_DATABASE_URL`` itself.
    """
    from qbdkit.cli.main import main

    if "QBDKIT_DATABASE_URL" not in os.environ:
        monkeypatch.setenv("QBDKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'qbdkit.sqlite'}")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def data_dir() -> Path:
    return DATA
