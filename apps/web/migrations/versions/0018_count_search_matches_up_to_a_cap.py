"""Count a search's matches up to a cap, and read transcript-only matches only for their pages.

At 10,000 episodes a common word matched all 10,000: every search read each
match's row (3,077 buffers, 15-23 ms) to count them, and sorted all 10,000,
to show 20 of the 2,604 that match outside a transcript (28 ms in all,
EXPLAIN ANALYZE, one client). Now:

- count_public_matches() stops at `up_to` rows (a LIMIT inside the function:
  a set-returning SQL function with SET options is never inlined, so a LIMIT
  outside it would still wait for all its rows). Bitmap scans only: the
  planner otherwise walks ix_episodes_public_published_at and detoasts the
  transcript's vector of each row to test it, 12 ms for the first 1,001.
- ranked_public_matches() is ranked_public_episodes() with each match's
  number, so the ranked page is sorted without the list of all matches.

The two old functions stay: the release before this one calls them during
`make redeploy` and after `make rollback` (migration 0009 says why).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC = "status = 'published' AND published_at <= statement_timestamp()"


def upgrade() -> None:
    """Create the two functions."""
    op.execute(
        "CREATE FUNCTION count_public_matches(query tsquery, up_to integer)"
        " RETURNS integer"
        " LANGUAGE sql STABLE SET enable_seqscan = off SET enable_indexscan = off"
        " AS $$ SELECT count(*)::integer FROM (SELECT FROM episodes"
        f" WHERE search_vector @@ query AND {PUBLIC} LIMIT up_to) AS counted $$"
    )
    op.execute(
        "CREATE FUNCTION ranked_public_matches(query tsquery)"
        " RETURNS TABLE (id integer, number integer, rank real)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        " AS $$ SELECT id, number, ts_rank_cd(ranking_vector, query) FROM episodes"
        f" WHERE ranking_vector @@ query AND {PUBLIC} $$"
    )


def downgrade() -> None:
    """Drop them."""
    op.execute("DROP FUNCTION ranked_public_matches(tsquery)")
    op.execute("DROP FUNCTION count_public_matches(tsquery, integer)")
