"""Rank search results by a vector without the transcript; update the index in place.

Ranking read every matching episode's whole search vector, transcript
included (~16 KB for an hour of talk): a common word read the catalog's
transcripts. The new ranking_vector holds title, summary and notes only.
And the GIN index stops collecting new entries in a pending list, which
every search scanned in full until a vacuum merged it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen here as it was when this migration was written (see 0002).
RANKING_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(summary, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(show_notes, '')), 'C')"
)

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "episodes",
        sa.Column(
            "ranking_vector",
            postgresql.TSVECTOR(),
            sa.Computed(RANKING_VECTOR, persisted=True),
            nullable=False,
        ),
    )
    op.execute("ALTER INDEX ix_episodes_search_vector SET (fastupdate = off)")
    # Turning fastupdate off keeps what is already pending: merge it now.
    op.execute("SELECT gin_clean_pending_list('ix_episodes_search_vector')")


def downgrade() -> None:
    """Revert this revision."""
    op.execute("ALTER INDEX ix_episodes_search_vector RESET (fastupdate)")
    op.drop_column("episodes", "ranking_vector")
