"""Read episodes for their lists, pages and the feed: plain rows, one round trip each.

What pages read is built as plain rows, not ORM objects: a page of episodes
is one query (guests and sponsors come along as JSON, aggregated by
Postgres), and no identity map or attribute instrumentation is paid for
rows that are rendered once and thrown away. The reads that pages make on
every cache miss are compiled once and run on the driver itself
(database.fetch). Writes use the ORM models.

Every read here sees public episodes only (`is_public`): a draft, a removed
episode and one whose release time has not come exist nowhere on the site.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import (
    ChapterRow,
    Episode,
    Guest,
    Sponsor,
    episode_guests,
    episode_sponsors,
    is_numbered,
)


def is_public() -> ColumnElement[bool]:
    """Say, in SQL, whether anyone may see an episode: published, and its time has come.

    The statement's own time decides (not the transaction's, `now()`), so a
    scheduled episode appears by itself at its release time, with no import
    and no deploy, however long a transaction reading it has been open.
    """
    return (Episode.status == "published") & (Episode.published_at <= func.statement_timestamp())


COUNT_EPISODES = compile_for_driver(
    select(func.count().label("count")).select_from(Episode).where(is_public())
)


async def count_episodes(session: AsyncSession) -> int:
    """Return how many episodes are public."""
    rows = await fetch(session, COUNT_EPISODES)
    return int(rows[0]["count"])


@dataclass(frozen=True, slots=True)
class GuestLink:
    """A guest as an episode lists them."""

    slug: str
    name: str
    photo_url: str | None


@dataclass(frozen=True, slots=True)
class SponsorCard:
    """A sponsor as an episode page shows them."""

    name: str
    url: str
    blurb_html: str


@dataclass(frozen=True, slots=True)
class EpisodeItem:
    """An episode in a list: what one line of the list shows."""

    number: int
    slug: str
    title: str
    summary: str
    published_at: datetime
    duration_seconds: int
    audio_url: str
    has_transcript: bool
    season: int | None
    episode_type: str
    # Its topics, each a link to the topic's page.
    tags: list[str]
    # Its own art (a media path or https:// URL); None: the show's cover.
    image_url: str | None
    guests: tuple[GuestLink, ...]

    @property
    def numbered(self) -> bool:
        """Say whether pages show its number: a trailer's names only its URL, as apps show none."""
        return is_numbered(self.episode_type)

    @property
    def label(self) -> str | None:
        """Say what lists show beside its number: `Season 2 · Trailer`, `Bonus`; None: nothing."""
        parts = [f"Season {self.season}"] if self.season else []
        if self.episode_type != "full":
            parts.append(self.episode_type.title())
        return " · ".join(parts) or None


@dataclass(frozen=True, slots=True)
class FullEpisode(EpisodeItem):
    """An episode with everything its page and its feed item show."""

    audio_bytes: int
    youtube_id: str | None
    show_notes_html: str
    chapters: list[ChapterRow]
    explicit: bool | None
    guid: str | None
    sponsors: tuple[SponsorCard, ...]
    # The start of the transcript (TRANSCRIPT_OPENING_CHARACTERS), for the
    # episode page alone; the feed and the e-mails leave it out (None).
    transcript_opening: str | None = None


def json_list(query: Select[Any], name: str) -> ColumnElement[Any]:
    """Turn a subquery of one JSON object per row into a JSON list (empty, not NULL)."""
    return type_coerce(func.coalesce(query.scalar_subquery(), text("'[]'::json")), JSON).label(name)


def guests_of_episode() -> ColumnElement[Any]:
    """Return the episode's guests as a JSON list named `guests`, by name."""
    guest = func.json_build_object(
        "slug", Guest.slug, "name", Guest.name, "photo_url", Guest.photo_url
    )  # fmt: skip
    return json_list(
        select(func.json_agg(aggregate_order_by(guest, Guest.name)))
        .select_from(episode_guests.join(Guest))
        .where(episode_guests.c.episode_id == Episode.id),
        "guests",
    )


def sponsors_of_episode() -> ColumnElement[Any]:
    """Return the episode's sponsors as a JSON list named `sponsors`, by name."""
    sponsor = func.json_build_object(
        "name", Sponsor.name, "url", Sponsor.url, "blurb_html", Sponsor.blurb_html
    )  # fmt: skip
    return json_list(
        select(func.json_agg(aggregate_order_by(sponsor, Sponsor.name)))
        .select_from(episode_sponsors.join(Sponsor))
        .where(episode_sponsors.c.episode_id == Episode.id),
        "sponsors",
    )


ITEM_COLUMNS = (
    Episode.number, Episode.slug, Episode.title, Episode.summary, Episode.published_at,
    Episode.duration_seconds, Episode.audio_url, Episode.has_transcript.label("has_transcript"),
    Episode.season, Episode.episode_type, Episode.tags, Episode.image_url,
)  # fmt: skip

PAGE_COLUMNS = (
    Episode.audio_bytes, Episode.youtube_id, Episode.show_notes_html, Episode.chapters,
    Episode.explicit, Episode.guid,
)  # fmt: skip

# The feed lists no sponsors: an empty list in their place costs nothing.
NO_SPONSORS = type_coerce(text("'[]'::json"), JSON).label("sponsors")

# Built once: making these expressions costs more than running the query
# (measured: about 1.8 ms a request).
EPISODE_ITEMS = select(*ITEM_COLUMNS, guests_of_episode())

WHOLE_EPISODE = select(*ITEM_COLUMNS, *PAGE_COLUMNS, guests_of_episode(), sponsors_of_episode())
# An episode page shows the first minutes of the transcript and links the
# rest (an hour is ~60 KB, four times the rest of the page). `substr`, not
# `left`: Postgres then decompresses only the start of a long (TOASTed) value.
TRANSCRIPT_OPENING_CHARACTERS = 2500
WHOLE_PAGE = WHOLE_EPISODE.add_columns(
    func.substr(Episode.transcript, 1, TRANSCRIPT_OPENING_CHARACTERS).label("transcript_opening")
)
EPISODE_PAGE = compile_for_driver(
    WHOLE_PAGE.where(Episode.number == bindparam("number"), is_public())
)
EPISODE_BY_ID = compile_for_driver(WHOLE_EPISODE.where(Episode.id == bindparam("id"), is_public()))
# What a draft's signed preview shows: the same page, whatever its status.
EPISODE_PREVIEW = compile_for_driver(WHOLE_PAGE.where(Episode.number == bindparam("number")))


def item_from(row: Mapping[str, Any]) -> EpisodeItem:
    """Build a list item from a row of ITEM_COLUMNS and `guests`."""
    fields = dict(row)
    guests = tuple(GuestLink(**guest) for guest in fields.pop("guests"))
    return EpisodeItem(**fields, guests=guests)


def page_from(row: Mapping[str, Any]) -> FullEpisode:
    """Build a page from a row of ITEM_COLUMNS, PAGE_COLUMNS, `guests` and `sponsors`."""
    fields = dict(row)
    guests = tuple(GuestLink(**guest) for guest in fields.pop("guests"))
    sponsors = tuple(SponsorCard(**sponsor) for sponsor in fields.pop("sponsors"))
    return FullEpisode(**fields, guests=guests, sponsors=sponsors)


def page_of_items(
    numbers: Select[Any], items: Select[*tuple[Any, ...]] = EPISODE_ITEMS
) -> Select[Any]:
    """Return `items` (EPISODE_ITEMS or wider) for one page of `numbers`, newest first.

    The page is cut from the numbers alone: with OFFSET on the full query,
    Postgres would aggregate the guests of every row it skips as well. The
    page's `offset` and `limit` (NULL: no limit) are parameters.
    """
    page = (
        numbers.order_by(Episode.number.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    return items.where(Episode.number.in_(select(page.c.number))).order_by(Episode.number.desc())


PUBLIC_NUMBERS = select(Episode.number).where(is_public())
EPISODE_LIST = compile_for_driver(page_of_items(PUBLIC_NUMBERS))
# One season's (`/episodes?season=2`): few rows, and no index needed to find
# them among a catalog's public episodes.
IN_SEASON = Episode.season == bindparam("season", type_=Integer)
SEASON_LIST = compile_for_driver(page_of_items(PUBLIC_NUMBERS.where(IN_SEASON)))
COUNT_SEASON = compile_for_driver(
    select(func.count().label("count")).select_from(Episode).where(is_public(), IN_SEASON)
)
SEASONS = compile_for_driver(
    select(Episode.season)
    .where(is_public(), Episode.season.is_not(None))
    .distinct()
    .order_by(Episode.season)
)

FEED_ITEMS = compile_for_driver(
    page_of_items(
        PUBLIC_NUMBERS,
        select(*ITEM_COLUMNS, *PAGE_COLUMNS, guests_of_episode(), NO_SPONSORS),
    )
)


async def list_episodes(
    session: AsyncSession, *, offset: int = 0, limit: int | None = None
) -> list[EpisodeItem]:
    """Return public episodes newest first, with their guests, in one query."""
    rows = await fetch(session, EPISODE_LIST, offset=offset, limit=limit)
    return [item_from(row) for row in rows]


async def list_seasons(session: AsyncSession) -> list[int]:
    """Return the seasons that have public episodes, first to last."""
    return [row["season"] for row in await fetch(session, SEASONS)]


async def count_season_episodes(session: AsyncSession, season: int) -> int:
    """Return how many public episodes a season has (0: no such season)."""
    rows = await fetch(session, COUNT_SEASON, season=season)
    return int(rows[0]["count"])


async def list_season_episodes(
    session: AsyncSession, season: int, *, offset: int = 0, limit: int | None = None
) -> list[EpisodeItem]:
    """Return a season's public episodes newest first, with their guests, in one query."""
    rows = await fetch(session, SEASON_LIST, season=season, offset=offset, limit=limit)
    return [item_from(row) for row in rows]


async def get_episode(session: AsyncSession, number: int) -> FullEpisode | None:
    """Return one public episode for its page, guests and sponsors included, in one query."""
    rows = await fetch(session, EPISODE_PAGE, number=number)
    return page_from(rows[0]) if rows else None


async def get_public_episode_by_id(session: AsyncSession, episode_id: int) -> FullEpisode | None:
    """Return a public episode by its row's id (what an announcement names), or None."""
    rows = await fetch(session, EPISODE_BY_ID, id=episode_id)
    return page_from(rows[0]) if rows else None


async def get_episode_preview(session: AsyncSession, number: int) -> FullEpisode | None:
    """Return one episode as its page would show it, public or not (a draft's preview)."""
    rows = await fetch(session, EPISODE_PREVIEW, number=number)
    return page_from(rows[0]) if rows else None


async def is_removed(session: AsyncSession, number: int) -> bool:
    """Say whether an episode was taken down (410 Gone), rather than never public (404)."""
    status = await session.scalar(select(Episode.status).where(Episode.number == number))
    return status == "removed"


@dataclass(frozen=True, slots=True)
class EpisodeTranscript:
    """An episode's transcript, with what its page and its caption files need."""

    number: int
    slug: str
    title: str
    published_at: datetime
    duration_seconds: int
    transcript: str | None
    episode_type: str

    @property
    def numbered(self) -> bool:
        """Say whether its page shows its number."""
        return is_numbered(self.episode_type)


async def get_episode_transcript(session: AsyncSession, number: int) -> EpisodeTranscript | None:
    """Return one episode with its transcript and duration (where its last cue ends), or None."""
    query = select(
        Episode.number, Episode.slug, Episode.title, Episode.published_at,
        Episode.duration_seconds, Episode.transcript, Episode.episode_type,
    ).where(Episode.number == number, is_public())  # fmt: skip
    row = (await session.execute(query)).one_or_none()
    return EpisodeTranscript(*row) if row else None


@dataclass(frozen=True, slots=True)
class EpisodeChapters:
    """An episode's chapters, with what the chapters file names."""

    number: int
    slug: str
    title: str
    chapters: list[ChapterRow]


async def get_episode_chapters(session: AsyncSession, number: int) -> EpisodeChapters | None:
    """Return one episode with its chapters, or None."""
    query = select(Episode.number, Episode.slug, Episode.title, Episode.chapters).where(
        Episode.number == number, is_public()
    )
    row = (await session.execute(query)).one_or_none()
    return EpisodeChapters(*row) if row else None


async def list_feed_episodes(
    session: AsyncSession, *, offset: int = 0, limit: int | None = None
) -> list[FullEpisode]:
    """Return episodes newest first with what a feed item carries (sponsors aside), in one query."""
    rows = await fetch(session, FEED_ITEMS, offset=offset, limit=limit)
    return [page_from(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Trailer:
    """A public trailer, as the feed's channel names it (podcast:trailer)."""

    number: int
    slug: str
    title: str
    published_at: datetime
    audio_url: str
    audio_bytes: int
    season: int | None


TRAILERS = compile_for_driver(
    select(
        Episode.number, Episode.slug, Episode.title, Episode.published_at, Episode.audio_url,
        Episode.audio_bytes, Episode.season,
    )
    .where(Episode.episode_type == "trailer", is_public())
    .order_by(Episode.published_at.desc(), Episode.number.desc())
)  # fmt: skip


async def list_trailers(session: AsyncSession) -> list[Trailer]:
    """Return the public trailers, newest first (apps play the newest as the show's preview)."""
    return [Trailer(**dict(row)) for row in await fetch(session, TRAILERS)]
