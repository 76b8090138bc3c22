"""Add the rate limits' windows: hits per limit and client (a keyed hash, never an address).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:32:35.539171
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rate_limit_windows",
        sa.Column("limit_name", sa.String(length=20), nullable=False),
        sa.Column("client_key", sa.LargeBinary(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("limit_name", "client_key", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index(op.f("ix_rate_limit_windows_ends_at"), "rate_limit_windows", ["ends_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_rate_limit_windows_ends_at"), table_name="rate_limit_windows")
    op.drop_table("rate_limit_windows")
