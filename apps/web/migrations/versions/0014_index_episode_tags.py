"""Index episodes.tags, for the topic pages and each episode's related episodes.

A GIN index finds the episodes that carry a tag (`tags @> '{caddy}'`) or
share one with another (`tags && '{caddy,tls}'`) without reading every row.
Updated in place (fastupdate off), like the search's indexes: content
changes seldom, and every read would otherwise scan the pending list.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the GIN index of episode tags."""
    op.create_index(
        "ix_episodes_tags",
        "episodes",
        ["tags"],
        unique=False,
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_episodes_tags", table_name="episodes")
