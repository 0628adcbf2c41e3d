"""Connecting to the store: URL resolution, engines, migrations on first use, transactions.

``url=None`` means ``$QBDKIT_DATABASE_URL``, else ``sqlite:///qbdkit.sqlite`` in the
current directory. PostgreSQL works through ``postgresql+psycopg://…``; a
``?options=-csearch_path%3Dschema`` query puts the store in one schema.

The schema is brought to :data:`SCHEMA_REVISION` with Alembic on first use. The
check is cheap: one query of ``alembic_version`` per URL and process; Alembic is
imported only when an upgrade is actually needed.

Writes are serialized so the audit chain never forks: on SQLite every
writing transaction starts with ``BEGIN IMMEDIATE`` (the database write lock;
readers use a plain ``BEGIN``, so a read-only copy can be verified), on
PostgreSQL :func:`transaction` takes a transaction-scoped advisory lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from qbdkit.errors import QbdInputError

SCHEMA_REVISION = "0003"
"""The newest Alembic revision shipped in ``qbdkit/store/migrations/versions``."""

MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE_LOCK_KEY = 0x71BD_A0D1  # advisory lock id for audit-chain writers (PostgreSQL)

_READ_ONLY = "qbdkit_read_only"
_engines: dict[str, Engine] = {}
_ready: set[str] = set()
_lock = threading.Lock()


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``$QBDKIT_DATABASE_URL``, else ``sqlite:///qbdkit.sqlite``."""
    return url or os.environ.get("QBDKIT_DATABASE_URL") or "sqlite:///qbdkit.sqlite"


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        parsed.get_dialect()  # an unknown scheme (foo://) fails here
    except ArgumentError as exc:
        raise QbdInputError("not a database URL", column="QBDKIT_DATABASE_URL",
                            expected="e.g. sqlite:///qbdkit.sqlite or "
                                     "postgresql+psycopg://user@host/db", found=url) from exc
    if parsed.get_backend_name() == "sqlite":
        # NullPool: no connection stays open between transactions, so many short-lived
        # stores (tests, one per tmp folder) never pile up file handles.
        engine = create_engine(url, connect_args={"timeout": 30}, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # pragma: no cover - trivial
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _key(url: str | None) -> str:
    """The resolved URL, with a relative SQLite path made absolute (the cwd may change)."""
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError:
        return resolved  # reported by _make_engine
    database = parsed.database
    if (parsed.get_backend_name() == "sqlite" and database and database != ":memory:"
            and not database.startswith("file:") and not os.path.isabs(database)):
        return parsed.set(database=os.path.abspath(database)).render_as_string(
            hide_password=False)
    return resolved


def get_engine(url: str | None = None) -> Engine:
    """The (cached) engine for ``url``, with the schema migrated to :data:`SCHEMA_REVISION`."""
    key = _key(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _make_engine(key)
        if key not in _ready:
            _ensure_schema(engine, key)
            _ready.add(key)
    return engine


def dispose(url: str | None = None) -> None:
    """Close and forget the engine for ``url`` (tests, or before deleting a database)."""
    key = _key(url)
    with _lock:
        engine = _engines.pop(key, None)
        _ready.discard(key)
    if engine is not None:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database (one cheap query)."""
    with engine.execution_options(**{_READ_ONLY: True}).connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table yet
            conn.rollback()
            return None


def _ensure_schema(engine: Engine, url: str) -> None:
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise QbdInputError("cannot open the database", column="QBDKIT_DATABASE_URL",
                            expected="a reachable database", found=_safe(url)) from exc
    if revision != SCHEMA_REVISION:
        upgrade(engine)
    _ensure_identity(engine)


def _ensure_identity(engine: Engine) -> None:
    """Give the store its id and audit key on first use (:func:`qbdkit.store.meta.initialise`)."""
    from qbdkit.store.meta import initialise, store_id

    with Session(engine.execution_options(**{_READ_ONLY: True})) as session:
        if store_id(session) is not None:
            return
    with _write_session(engine) as session:
        initialise(session)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the shipped Alembic migrations up to ``revision`` (imports Alembic lazily)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # pragma: no cover
        return url


@contextmanager
def transaction(url: str | None = None, *, write: bool = True) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any exception.

    ``write=True`` serializes writers (needed by the audit chain).
    """
    engine = get_engine(url)
    if not write:
        bind = engine.execution_options(**{_READ_ONLY: True})
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
        return
    with _write_session(engine) as session:
        yield session


@contextmanager
def _write_session(engine: Engine) -> Iterator[Session]:
    """A writing session: serialized, committed on success; then the local anchor moves."""
    from qbdkit.store.keys import move_anchor
    from qbdkit.store.trail import ANCHOR_INFO

    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            if engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
            yield session
        anchor = session.info.pop(ANCHOR_INFO, None)
    if anchor is not None:
        move_anchor(*anchor)


def dump_tables(url: str | None = None) -> dict[str, list[tuple]]:
    """Every row of every store table (sorted), for before/after comparisons and backups."""
    from sqlalchemy import select

    from qbdkit.store.schema import Base

    engine = get_engine(url)
    out: dict[str, list[tuple]] = {}
    with engine.execution_options(**{_READ_ONLY: True}).connect() as conn:
        for name, table in sorted(Base.metadata.tables.items()):
            rows = conn.execute(select(table)).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
        out["alembic_version"] = [tuple(r) for r in conn.execute(
            text("SELECT version_num FROM alembic_version"))]
    return out
