"""Shared fixtures: run the CLI in-process, database URLs for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory, monkeypatch):
    """Every test gets its own config folder (audit keys, anchors, sign-in tokens), so no
    test reads or writes the user's ``~/.config/qbdkit``."""
    monkeypatch.setenv("QBDKIT_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("QBDKIT_ARGON2_PROFILE", "fast")  # cheap hashes: many users per test
    monkeypatch.delenv("QBDKIT_KEY_FILE", raising=False)


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

    def run(*args: str, input: str | None = None) -> CliResult:
        import io
        import sys

        capsys.readouterr()
        if input is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(input))
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


# --- a multi-user store with one user per role (identity tests) ---------------------------------

PASSWORDS = {"admin": "Tulip-anchor-1979", "sci": "Copper-kettle-2031",
             "rev": "Marble-harbor-5527", "qa": "Lantern-bridge-8841",
             "view": "Willow-trumpet-6403"}
ROLES_OF = {"sci": "scientist", "rev": "reviewer", "qa": "qa", "view": "viewer"}
FULL_NAMES = {"admin": "Ada Admin", "sci": "Sam Scientist", "rev": "Rita Reviewer",
              "qa": "Quinn QA", "view": "Vic Viewer"}


def make_team(url: str) -> dict[str, str]:
    """Secure the store at ``url`` and add one user per role with its final password."""
    from qbdkit.services.auth import login, secure_store
    from qbdkit.services.users import add_user

    secure_store("admin", PASSWORDS["admin"], full_name=FULL_NAMES["admin"], url=url)
    for name, role in ROLES_OF.items():
        add_user(name, role, user="admin", full_name=FULL_NAMES[name],
                 password="initial-" + PASSWORDS[name], reason="onboarding", url=url)
        login(name, "initial-" + PASSWORDS[name], new_password=PASSWORDS[name], url=url)
    return dict(PASSWORDS)


@pytest.fixture(name="make_team")
def make_team_fixture():
    """The :func:`make_team` function (tests cannot import conftest)."""
    return make_team


@pytest.fixture
def team(db_url):
    """A multi-user store (``db_url``) with users admin, sci, rev, qa, view (see PASSWORDS)."""
    return make_team(db_url)


@pytest.fixture
def login(cli, team):
    """``login("sci")`` signs the in-process CLI in as that team member (multi-user store)."""

    def sign_in(name: str) -> None:
        r = cli("login", name, "--password-stdin", input=team[name])
        assert r.code == 0, r.err

    return sign_in
