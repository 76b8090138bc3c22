"""Store the content revision the last import left beside the file states it stored.

content_files said what the content tables held after the last import; a
write by anything else (psql, another release's import, a restore) made it
wrong, and a file changed back to what it was then would have been skipped.
Empty after the upgrade: the next import reads every file once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create content_files_revision."""
    op.create_table(
        "content_files_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Uuid(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_files_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_files_revision")),
    )


def downgrade() -> None:
    """Drop content_files_revision."""
    op.drop_table("content_files_revision")
