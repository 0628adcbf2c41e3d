"""Project files: the files of an imported folder that the model does not read.

``risk/``, ``doe/``, ``sdm/`` … data and notes are stored byte for byte with the
project version, so ``qbdkit export`` gives the whole folder back. Append-only
like the other history tables.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("project_versions.id"),
                  nullable=False, index=True),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("version_id", "path"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE TRIGGER project_files_append_only BEFORE UPDATE OR DELETE ON "
                   "project_files FOR EACH ROW EXECUTE FUNCTION qbdkit_append_only()")
    elif bind.dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER project_files_no_{event.lower()} BEFORE {event} ON "
                       "project_files BEGIN SELECT RAISE(ABORT, 'project_files is append-only "
                       "(qbdkit)'); END")


def downgrade() -> None:
    op.drop_table("project_files")
