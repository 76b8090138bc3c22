"""Give episodes a season, a type (full, trailer, bonus), their own art and explicit flag.

All four come from the front matter at the next import. Until then every
episode is a full one of no season, with the show's art and explicit flag:
what the feed said of it before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the four columns; existing episodes become full episodes of no season."""
    op.add_column("episodes", sa.Column("season", sa.Integer(), nullable=True))
    op.add_column(
        "episodes",
        sa.Column("episode_type", sa.String(length=10), server_default="full", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_episodes_known_episode_type"),
        "episodes",
        "episode_type IN ('full', 'trailer', 'bonus')",
    )
    op.add_column("episodes", sa.Column("image_url", sa.String(length=500), nullable=True))
    op.add_column("episodes", sa.Column("explicit", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Revert this revision (seasons, types and episode art are lost until re-imported)."""
    op.drop_column("episodes", "explicit")
    op.drop_column("episodes", "image_url")
    op.drop_constraint(op.f("ck_episodes_known_episode_type"), "episodes", type_="check")
    op.drop_column("episodes", "episode_type")
    op.drop_column("episodes", "season")
