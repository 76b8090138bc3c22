"""Count downloads once per listener and day: the day's salt and its listener keys.

Counts in episode_downloads from before this revision counted every request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:35:14.754508
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "download_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_download_salts")),
    )
    op.create_table(
        "download_listeners",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("listener_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_download_listeners_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "day", "episode_id", "listener_key", name=op.f("pk_download_listeners")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("download_listeners")
    op.drop_table("download_salts")
