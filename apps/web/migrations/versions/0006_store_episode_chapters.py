"""Store each episode's chapters, for the page and the Podcasting 2.0 chapters file.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:26:05.414616
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Existing episodes have no chapters until the next import; the default
    # fills them in, and then goes, as the model sets the value itself.
    op.add_column(
        "episodes",
        sa.Column(
            "chapters", postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default="[]"
        ),
    )
    op.alter_column("episodes", "chapters", server_default=None)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("episodes", "chapters")
