"""Rank search results by a small vector without the transcript; always use the index.

Measured at 1,000 episodes with hour-long transcripts (~16 KB of search
vector each, stored out of line), for a word that most episodes contain:
- ranking read every match's whole vector, transcript included; the new
  ranking_vector holds title, summary and notes only (~1 KB), and is kept in
  the row (STORAGE MAIN), so ranking reads no TOAST at all;
- the planner prices reading a stored vector at nothing, so for such a word
  it scanned the table and read every transcript's vector (~15 ms) instead
  of the GIN index (~0.5 ms): matching_episode_ids() plans its one query
  with sequential scans off;
- the GIN index collected new entries in a pending list, which every search
  read in full until a vacuum merged it; it is now updated in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

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
    # One statement, so the rewrite that fills the column already keeps it in the row.
    op.execute(
        "ALTER TABLE episodes"
        f" ADD COLUMN ranking_vector tsvector GENERATED ALWAYS AS ({RANKING_VECTOR}) STORED"
        " NOT NULL,"
        " ALTER COLUMN ranking_vector SET STORAGE MAIN"
    )
    op.execute("ALTER INDEX ix_episodes_search_vector SET (fastupdate = off)")
    # Turning fastupdate off keeps what is already pending: merge it now.
    op.execute("SELECT gin_clean_pending_list('ix_episodes_search_vector')")
    # A function with its own setting is planned apart from the query that calls it.
    op.execute(
        "CREATE FUNCTION matching_episode_ids(query tsquery) RETURNS TABLE (id integer)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        " AS $$ SELECT id FROM episodes WHERE search_vector @@ query $$"
    )


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DROP FUNCTION matching_episode_ids(tsquery)")
    op.execute("ALTER INDEX ix_episodes_search_vector RESET (fastupdate)")
    op.drop_column("episodes", "ranking_vector")
