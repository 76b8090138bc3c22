"""Keep the feed GUID an episode brought from another host, so apps know it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # NULL for every episode so far: their GUIDs stay derived from the number.
    op.add_column("episodes", sa.Column("guid", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("episodes", "guid")
