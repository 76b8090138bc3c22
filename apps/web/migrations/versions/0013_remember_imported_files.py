"""Remember each imported file's size, mtime and hash, so a re-import skips unchanged files.

content_files is the import's bookkeeping, written in its transaction; it
is not a content table, so it has no content-revision trigger. Empty after
the upgrade: the first import after it reads every file once, as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create content_files."""
    op.create_table(
        "content_files",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("episode_number", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_content_files")),
    )


def downgrade() -> None:
    """Drop content_files: the next import reads every file again."""
    op.drop_table("content_files")
