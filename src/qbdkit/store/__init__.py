"""The store: SQLAlchemy 2 ORM, Alembic migrations, the hash-chained audit trail.

Use it through :mod:`qbdkit.services` (which checks roles and writes the audit
entry in the same transaction as each change); this package knows nothing of
permissions. See :mod:`qbdkit.store.db` (engines, migrations, transactions),
:mod:`qbdkit.store.schema` (tables) and :mod:`qbdkit.store.chain` (hashing and
verification).
"""

from qbdkit.store.db import SCHEMA_REVISION, dispose, get_engine, resolve_url, transaction

__all__ = ["SCHEMA_REVISION", "dispose", "get_engine", "resolve_url", "transaction"]
