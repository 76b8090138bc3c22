"""Rank only the episodes whose small vector matches, found through an index of it.

Measured at 1,000 episodes with hour-long transcripts, for a word that every
episode contains and 272 contain outside their transcript (pgbench, one
client, the whole search with its snippets): 5.9-6.5 ms a query before,
2.3-2.9 ms after. Before, every match's ranking_vector was read and tested
(`@@`) to find the 272 worth ranking, after a scan of the whole table to
join the matches with their rows. Now ranked_episodes() finds those 272
through a GIN index of ranking_vector and ranks them alone, and
matching_episodes() returns each match's number with its id, which the
order of the transcript-only matches needs. Both plan their one query with
sequential scans off, for the reason migration 0007 gives.

matching_episode_ids stays: migrations run while the release before serves
(make redeploy), and make rollback goes back to it without undoing them, so
that release must find the function it calls. A later migration can drop it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index ranking_vector, and add the two functions the search calls now."""
    op.execute(
        "CREATE INDEX ix_episodes_ranking_vector ON episodes"
        " USING gin (ranking_vector) WITH (fastupdate = off)"
    )
    op.execute(
        "CREATE FUNCTION matching_episodes(query tsquery)"
        " RETURNS TABLE (id integer, number integer)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        " AS $$ SELECT id, number FROM episodes WHERE search_vector @@ query $$"
    )
    op.execute(
        "CREATE FUNCTION ranked_episodes(query tsquery) RETURNS TABLE (id integer, rank real)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        " AS $$ SELECT id, ts_rank_cd(ranking_vector, query) FROM episodes"
        " WHERE ranking_vector @@ query $$"
    )


def downgrade() -> None:
    """Drop the two functions and the index."""
    op.execute("DROP FUNCTION ranked_episodes(tsquery)")
    op.execute("DROP FUNCTION matching_episodes(tsquery)")
    op.drop_index("ix_episodes_ranking_vector", table_name="episodes")
