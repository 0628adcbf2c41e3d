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


# --- database URLs for store tests (STORE area) -------------------------------------------------


def _fresh_postgres_url(base: str, schema: str) -> str:
    """``base`` with ``search_path`` pinned to ``schema`` (psycopg ``options`` conninfo)."""
    from sqlalchemy.engine import make_url

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch):
    """A fresh, empty store URL; also set as ``$QBDKIT_DATABASE_URL`` for the test.

    Parametrized: an SQLite file under ``tmp_path``, and — when
    ``QBDKIT_TEST_POSTGRES_URL`` is set (else skipped) — a private schema on that
    PostgreSQL server (``CREATE SCHEMA`` per test, dropped afterwards), so xdist
    workers never see each other's tables.
    """
    import uuid

    from qbdkit.store import dispose

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
        monkeypatch.setenv("QBDKIT_DATABASE_URL", url)
        yield url
        dispose(url)
        return
    base = os.environ.get("QBDKIT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("QBDKIT_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    schema = f"qbdkit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _fresh_postgres_url(base, schema)
    monkeypatch.setenv("QBDKIT_DATABASE_URL", url)
    try:
        yield url
    finally:
        dispose(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
