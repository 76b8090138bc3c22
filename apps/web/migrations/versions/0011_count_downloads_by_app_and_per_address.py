"""Count downloads by app, and at most LISTENERS_PER_ADDRESS listeners of an episode per address.

- episode_app_downloads: each day's downloads of each episode by app (the
  OPAWG entry that matched the user agent). A breakdown: the totals stay in
  episode_downloads, which the release before this one writes and reads as
  before (migrations run while it serves, and make rollback returns to it).
  Days before this revision, and days that release served, have totals
  but no apps; the reports say so.
- download_addresses: how many listeners of an episode each address (a
  salted hash of it) brought today; deleted after the day, with its salt.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:10:39.774766
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the breakdown by app and the listeners per address."""
    op.create_table(
        "download_addresses",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.LargeBinary(), nullable=False),
        sa.Column("listeners", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_download_addresses_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "day", "episode_id", "address_key", name=op.f("pk_download_addresses")
        ),
    )
    op.create_table(
        "episode_app_downloads",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_app_downloads_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("episode_id", "day", "app", name=op.f("pk_episode_app_downloads")),
    )


def downgrade() -> None:
    """Revert this revision (the breakdown by app is lost; the totals stay)."""
    op.drop_table("episode_app_downloads")
    op.drop_table("download_addresses")
