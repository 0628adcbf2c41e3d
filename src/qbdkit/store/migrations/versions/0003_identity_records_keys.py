"""Identities, sign-in sessions, electronic signatures, analysis-record inputs, audit keys.

* ``store_meta`` — the store's id, mode (``single-user`` / ``multi-user``) and settings.
* ``users`` gains the sign-in fields: full (printed) name, argon2 password hash, forced
  change, failed attempts, locked, disabled; ``password_history`` keeps old hashes (no reuse
  of the last five); ``sessions`` holds the SHA-256 of sign-in tokens with their idle expiry.
* ``blobs`` — input files of analysis records, content-addressed by SHA-256 (stored once);
  ``record_inputs`` links a record version to its input files (request field, file name).
* ``signatures`` — Part 11 electronic signatures on one record version (printed name, UTC
  time, meaning, SHA-256 of the signed content); never updated or deleted.
* ``audit_macs`` — one HMAC-SHA-256 per audit entry under a key the database does not hold
  (:mod:`qbdkit.store.keys`); ``audit_head.mac`` authenticates the chain head.
* ``records.project_version`` — the project version an analysis was made from.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from qbdkit.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("blobs", "record_inputs", "signatures", "audit_macs")


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.add_column("users", sa.Column("full_name", sa.String(300), nullable=True))
    op.add_column("users", sa.Column("password_hash", sa.Text, nullable=True))
    op.add_column("users", sa.Column("must_change", sa.Boolean, nullable=False,
                                     server_default=sa.false()))
    op.add_column("users", sa.Column("failed_attempts", sa.Integer, nullable=False,
                                     server_default="0"))
    op.add_column("users", sa.Column("locked", sa.Boolean, nullable=False,
                                     server_default=sa.false()))
    op.add_column("users", sa.Column("disabled", sa.Boolean, nullable=False,
                                     server_default=sa.false()))
    op.add_column("users", sa.Column("password_changed_at", UTCDateTime(), nullable=True))
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("idle_seconds", sa.Integer, nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("client", sa.String(20), nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "record_inputs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False,
                  index=True),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
        sa.UniqueConstraint("record_id", "field"),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False,
                  index=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("full_name", sa.String(300), nullable=False),
        sa.Column("meaning", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.CheckConstraint("meaning IN ('authored','reviewed','approved','rejected')",
                           name="ck_signatures_meaning"),
    )
    op.create_table(
        "audit_macs",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.add_column("audit_head", sa.Column("mac", sa.String(64), nullable=True))
    op.add_column("audit_head", sa.Column("key_id", sa.String(64), nullable=True))
    op.add_column("records", sa.Column("project_version", sa.Integer, nullable=True))

    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION qbdkit_append_only()")
        elif bind.dialect.name == "sqlite":
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (qbdkit)'); END")


def downgrade() -> None:
    for table in ("audit_macs", "signatures", "record_inputs", "blobs", "sessions",
                  "password_history", "store_meta"):
        op.drop_table(table)
    for column in ("full_name", "password_hash", "must_change", "failed_attempts", "locked",
                   "disabled", "password_changed_at"):
        op.drop_column("users", column)
    op.drop_column("audit_head", "mac")
    op.drop_column("audit_head", "key_id")
    op.drop_column("records", "project_version")
