"""Search the episodes with Postgres's full-text search, best match first."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import Episode

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


SEARCH_HIT_FIELDS = tuple(field.name for field in dataclasses.fields(SearchHit))


@dataclass(frozen=True, slots=True)
class SearchHits:
    """One page of search results, and how many episodes matched in all."""

    hits: list[SearchHit]
    total: int


def search_query() -> Select[Any]:
    """Build the search (see search_episodes) for the parameters `text`, `offset` and `limit`."""
    query = func.websearch_to_tsquery(literal_column("'english'"), bindparam("text", type_=String))
    matches = func.matching_public_episodes(query).table_valued("id", "number").alias("matches")
    ranked = func.ranked_public_episodes(query).table_valued("id", "rank").alias("ranked")
    # NULL for a match only in the transcript: those sort last.
    page = (
        select(matches.c.id, ranked.c.rank, func.count().over().label("total"))
        .select_from(matches.outerjoin(ranked, ranked.c.id == matches.c.id))
        .order_by(ranked.c.rank.desc().nulls_last(), matches.c.number.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
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
            page.c.total,
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
    `-word`) and never raises a syntax error. A GIN index finds what matches
    anywhere (`matching_public_episodes`), another those that match in the
    title, summary or notes (`ranked_public_episodes`; migrations 0007, 0009
    and 0010 say why
    these are functions). Only those are ranked, by their small vector, and
    come first; matches only in a transcript follow, newest first.
    The total comes in the same round trip, as a window count. Snippets are
    made for the page of results only, in an outer query, from the summary:
    `ts_headline` parses all it is given, and the notes cost ten times more.
    """
    rows = await fetch(session, SEARCH, text=text, offset=offset, limit=limit)
    hits = [SearchHit(**{name: row[name] for name in SEARCH_HIT_FIELDS}) for row in rows]
    return SearchHits(hits, rows[0]["total"] if rows else 0)
