"""Search the episodes with Postgres's full-text search, best match first."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    REAL,
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import Episode, is_numbered

# ts_headline wraps matches in these; they cannot occur in the text, so the
# snippet can be HTML-escaped first and the markers turned into <mark> after.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: enough to link to the episode and show why it matched."""

    number: int
    slug: str
    title: str
    published_at: datetime
    rank: float
    snippet: str
    # True when only the transcript matched, which then deserves a link.
    matched_in_transcript_only: bool
    episode_type: str

    @property
    def numbered(self) -> bool:
        """Say whether the results show its number."""
        return is_numbered(self.episode_type)


SEARCH_HIT_FIELDS = tuple(field.name for field in dataclasses.fields(SearchHit))


# Counting stops here: a visitor reads the first few pages of a search, and a
# count of every match would read every match's row (all of them, at 10,000
# episodes, for a word each transcript has). Ten pages of twenty.
MAX_SEARCH_RESULTS = 200


@dataclass(frozen=True, slots=True)
class SearchHits:
    """One page of search results, and how many episodes matched (up to MAX_SEARCH_RESULTS)."""

    hits: list[SearchHit]
    total: int
    # True when more than `total` episodes match.
    capped: bool = False


def search_query() -> Select[Any]:
    """Build the search (see search_episodes) for the parameters `text`, `offset` and `limit`."""
    query = func.websearch_to_tsquery(literal_column("'english'"), bindparam("text", type_=String))
    offset, limit = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)
    page_end = offset + limit
    ranked_matches = func.ranked_public_matches(query).table_valued("id", "number", "rank")
    ranked = select(ranked_matches).cte("ranked")
    ranked_count = select(func.count()).select_from(ranked).scalar_subquery()
    matches = func.matching_public_episodes(query).table_valued("id", "number").alias("matches")
    # Read only for a page that reaches past the ranked matches: a condition
    # on no column of the row is tested once, before the function runs.
    transcript_only = (
        select(matches.c.id, matches.c.number, null().cast(REAL).label("rank"))
        .where(ranked_count < page_end, matches.c.id.not_in(select(ranked.c.id)))
        .order_by(matches.c.number.desc())
        .limit(page_end)
    )
    ranked_first = (
        select(ranked.c.id, ranked.c.number, ranked.c.rank)
        .order_by(ranked.c.rank.desc(), ranked.c.number.desc())
        .limit(page_end)
    )
    candidates = union_all(ranked_first, transcript_only).subquery("candidates")
    # NULL for a match only in the transcript: those sort last.
    in_order = (candidates.c.rank.desc().nulls_last(), candidates.c.number.desc())
    page = select(candidates).order_by(*in_order).offset(offset).limit(limit).subquery("page")
    # One count for the statement, not one per row (a scalar subquery).
    counted = select(func.count_public_matches(query, MAX_SEARCH_RESULTS + 1)).scalar_subquery()
    snippet = func.ts_headline(
        literal_column("'english'"),
        Episode.summary,
        query,
        f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=30, MinWords=12",
    )
    return (
        select(
            Episode.number,
            Episode.slug,
            Episode.title,
            Episode.published_at,
            func.coalesce(page.c.rank, 0.0).label("rank"),
            snippet.label("snippet"),
            page.c.rank.is_(None).label("matched_in_transcript_only"),
            Episode.episode_type,
            counted.label("total"),
        )
        .join(page, page.c.id == Episode.id)
        .order_by(page.c.rank.desc().nulls_last(), Episode.number.desc())
    )


SEARCH = compile_for_driver(search_query())


async def search_episodes(
    session: AsyncSession, text: str, offset: int = 0, limit: int = 20
) -> SearchHits:
    """Full-text search, best match first, with highlighted snippets.

    `websearch_to_tsquery` accepts anything a person types (quotes, `or`,
    `-word`) and never raises a syntax error. A GIN index finds the episodes
    that match in the title, summary or notes (`ranked_public_matches`); only
    those are ranked, by their small vector, and come first. Matches only in
    a transcript follow, newest first, and are read (`matching_public_episodes`)
    only for a page that reaches them. The total is counted up to
    MAX_SEARCH_RESULTS (`count_public_matches`), in the same round trip.
    Migrations 0007, 0009, 0010 and 0018 say why these are functions.
    Snippets are made for the page of results only, in an outer query, from
    the summary: `ts_headline` parses all it is given, and the notes cost
    ten times more.
    """
    rows = await fetch(session, SEARCH, text=text, offset=offset, limit=limit)
    hits = [SearchHit(**{name: row[name] for name in SEARCH_HIT_FIELDS}) for row in rows]
    counted = rows[0]["total"] if rows else 0
    return SearchHits(hits, min(counted, MAX_SEARCH_RESULTS), counted > MAX_SEARCH_RESULTS)
