"""Read and write the site's data: small functions that take the session first.

Each query loads what its page shows, no more, in one round trip where it
can: a page's rows come back as small frozen dataclasses (a list's guests
aggregated as JSON by Postgres), never as ORM objects, and never with the
long texts a page does not show. The reads that pages make on every cache
miss are compiled once and run on the driver itself (database.fetch). The
ORM models are for writing.
"""

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    LargeBinary,
    Select,
    String,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import (
    ChapterRow,
    ContentRevision,
    DownloadListener,
    DownloadSalt,
    Episode,
    EpisodeDownload,
    Guest,
    OutboundEmail,
    RateLimitWindow,
    Sponsor,
    Subscriber,
    episode_guests,
    episode_sponsors,
)
from podcast_site.core.settings import RateLimit

# ts_headline wraps matches in these; they cannot occur in the text, so the
# snippet can be HTML-escaped first and the markers turned into <mark> after.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"


async def get_content_revision(session: AsyncSession) -> uuid.UUID:
    """Return the value that changes whenever published content changes."""
    revision = await session.scalar(select(ContentRevision.revision))
    return revision or uuid.UUID(int=0)


COUNT_EPISODES = compile_for_driver(select(func.count().label("count")).select_from(Episode))


async def count_episodes(session: AsyncSession) -> int:
    """Return how many episodes exist."""
    rows = await fetch(session, COUNT_EPISODES)
    return int(rows[0]["count"])


# What pages read is built as plain rows, not ORM objects: a page of episodes
# is one query (guests and sponsors come along as JSON, aggregated by
# Postgres), and no identity map or attribute instrumentation is paid for
# rows that are rendered once and thrown away. Writes use the ORM models.


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
    published_on: date
    duration_seconds: int
    has_transcript: bool
    guests: tuple[GuestLink, ...]


@dataclass(frozen=True, slots=True)
class EpisodePage(EpisodeItem):
    """An episode with everything its page and its feed item show."""

    audio_bytes: int
    youtube_id: str | None
    tags: list[str]
    show_notes_html: str
    chapters: list[ChapterRow]
    sponsors: tuple[SponsorCard, ...]


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
    Episode.number, Episode.slug, Episode.title, Episode.summary, Episode.published_on,
    Episode.duration_seconds, Episode.has_transcript.label("has_transcript"),
)  # fmt: skip
PAGE_COLUMNS = (
    Episode.audio_bytes, Episode.youtube_id, Episode.tags, Episode.show_notes_html,
    Episode.chapters,
)  # fmt: skip
# The feed lists no sponsors: an empty list in their place costs nothing.
NO_SPONSORS = type_coerce(text("'[]'::json"), JSON).label("sponsors")
# Built once: making these expressions costs more than running the query
# (measured: about 1.8 ms a request).
EPISODE_ITEMS = select(*ITEM_COLUMNS, guests_of_episode())
EPISODE_PAGE = compile_for_driver(
    select(*ITEM_COLUMNS, *PAGE_COLUMNS, guests_of_episode(), sponsors_of_episode()).where(
        Episode.number == bindparam("number")
    )
)


def item_from(row: Mapping[str, Any]) -> EpisodeItem:
    """Build a list item from a row of ITEM_COLUMNS and `guests`."""
    fields = dict(row)
    guests = tuple(GuestLink(**guest) for guest in fields.pop("guests"))
    return EpisodeItem(**fields, guests=guests)


def page_from(row: Mapping[str, Any]) -> EpisodePage:
    """Build a page from a row of ITEM_COLUMNS, PAGE_COLUMNS, `guests` and `sponsors`."""
    fields = dict(row)
    guests = tuple(GuestLink(**guest) for guest in fields.pop("guests"))
    sponsors = tuple(SponsorCard(**sponsor) for sponsor in fields.pop("sponsors"))
    return EpisodePage(**fields, guests=guests, sponsors=sponsors)


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


EPISODE_LIST = compile_for_driver(page_of_items(select(Episode.number)))
FEED_ITEMS = compile_for_driver(
    page_of_items(
        select(Episode.number),
        select(*ITEM_COLUMNS, *PAGE_COLUMNS, guests_of_episode(), NO_SPONSORS),
    )
)


async def list_episodes(
    session: AsyncSession, *, offset: int = 0, limit: int | None = None
) -> list[EpisodeItem]:
    """Return episodes newest first, with their guests, in one query."""
    rows = await fetch(session, EPISODE_LIST, offset=offset, limit=limit)
    return [item_from(row) for row in rows]


async def get_episode(session: AsyncSession, number: int) -> EpisodePage | None:
    """Return one episode for its page, guests and sponsors included, in one query."""
    rows = await fetch(session, EPISODE_PAGE, number=number)
    return page_from(rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class EpisodeTranscript:
    """An episode's transcript, with what its page and its caption files need."""

    number: int
    slug: str
    title: str
    published_on: date
    duration_seconds: int
    transcript: str | None


async def get_episode_transcript(session: AsyncSession, number: int) -> EpisodeTranscript | None:
    """Return one episode with its transcript and duration (where its last cue ends), or None."""
    query = select(
        Episode.number, Episode.slug, Episode.title, Episode.published_on,
        Episode.duration_seconds, Episode.transcript,
    ).where(Episode.number == number)  # fmt: skip
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
        Episode.number == number
    )
    row = (await session.execute(query)).one_or_none()
    return EpisodeChapters(*row) if row else None


async def list_feed_episodes(
    session: AsyncSession, *, offset: int = 0, limit: int | None = None
) -> list[EpisodePage]:
    """Return episodes newest first with what a feed item carries (sponsors aside), in one query."""
    rows = await fetch(session, FEED_ITEMS, offset=offset, limit=limit)
    return [page_from(row) for row in rows]


@dataclass(frozen=True, slots=True)
class GuestItem:
    """A guest in the list of guests."""

    slug: str
    name: str
    appearances: int


async def list_guests(session: AsyncSession) -> list[GuestItem]:
    """Return every guest with how many episodes they were on, by name."""
    query = (
        select(Guest.slug, Guest.name, func.count(episode_guests.c.episode_id))
        .outerjoin(episode_guests, episode_guests.c.guest_id == Guest.id)
        .group_by(Guest.id)
        .order_by(Guest.name)
    )
    return [GuestItem(*row) for row in await session.execute(query)]


@dataclass(frozen=True, slots=True)
class GuestPage:
    """A guest with what their page shows, and how many episodes they were on."""

    id: int
    slug: str
    name: str
    bio_html: str
    photo_url: str | None
    links: list[dict[str, str]]
    appearances: int


async def get_guest(session: AsyncSession, slug: str) -> GuestPage | None:
    """Return one guest for their page (their episodes come a page at a time), or None."""
    appearances = (
        select(func.count()).where(episode_guests.c.guest_id == Guest.id).scalar_subquery()
    )
    query = select(
        Guest.id, Guest.slug, Guest.name, Guest.bio_html, Guest.photo_url, Guest.links, appearances
    ).where(Guest.slug == slug)
    row = (await session.execute(query)).one_or_none()
    return GuestPage(*row) if row else None


GUEST_EPISODE_LIST = compile_for_driver(
    page_of_items(
        select(Episode.number)
        .join(episode_guests, episode_guests.c.episode_id == Episode.id)
        .where(episode_guests.c.guest_id == bindparam("guest_id"))
    )
)


async def list_guest_episodes(
    session: AsyncSession, guest_id: int, *, offset: int, limit: int
) -> list[EpisodeItem]:
    """Return a page of a guest's episodes, newest first, with all their guests."""
    rows = await fetch(session, GUEST_EPISODE_LIST, guest_id=guest_id, offset=offset, limit=limit)
    return [item_from(row) for row in rows]


async def list_sponsors(session: AsyncSession) -> Sequence[Sponsor]:
    """Return every sponsor by name."""
    return (await session.scalars(select(Sponsor).order_by(Sponsor.name))).all()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: enough to link to the episode and show why it matched."""

    number: int
    slug: str
    title: str
    published_on: date
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
    matches = func.matching_episodes(query).table_valued("id", "number").alias("matches")
    ranked = func.ranked_episodes(query).table_valued("id", "rank").alias("ranked")
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
            Episode.published_on,
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
    anywhere (`matching_episodes`), another those that match in the title,
    summary or notes (`ranked_episodes`; migrations 0007 and 0009 say why
    these are functions). Only those are ranked, by their small vector, and
    come first; matches only in a transcript follow, newest first.
    The total comes in the same round trip, as a window count. Snippets are
    made for the page of results only, in an outer query, from the summary:
    `ts_headline` parses all it is given, and the notes cost ten times more.
    """
    rows = await fetch(session, SEARCH, text=text, offset=offset, limit=limit)
    hits = [SearchHit(**{name: row[name] for name in SEARCH_HIT_FIELDS}) for row in rows]
    return SearchHits(hits, rows[0]["total"] if rows else 0)


async def get_download_target(session: AsyncSession, number: int) -> tuple[int, str] | None:
    """Return (episode id, audio URL) for an episode number, or None."""
    row = (
        await session.execute(select(Episode.id, Episode.audio_url).where(Episode.number == number))
    ).one_or_none()
    return (row.id, row.audio_url) if row else None


async def add_download_salt(session: AsyncSession, day: date, salt: bytes) -> None:
    """Store a day's salt, unless another worker stored one first (theirs is kept)."""
    await session.execute(insert(DownloadSalt).values(day=day, salt=salt).on_conflict_do_nothing())


async def record_download(
    session: AsyncSession, episode_id: int, day: date, listener: bytes
) -> bool | None:
    """Count a download once per listener, episode and day; None when the day has no salt yet.

    One statement: the listener key is sha256(the day's salt || `listener`),
    made in Postgres, so the salt never leaves it. A new key is inserted and
    the day's count goes up by one; a key seen before inserts nothing, so
    counts nothing. Concurrent requests of one listener wait on the key's
    unique index, so exactly one of them counts.
    """
    salt = select(DownloadSalt.salt).where(DownloadSalt.day == day).cte("salt")
    key = func.sha256(salt.c.salt.op("||")(literal(listener, LargeBinary)))
    new_listener = (
        insert(DownloadListener)
        .from_select(
            [DownloadListener.day, DownloadListener.episode_id, DownloadListener.listener_key],
            select(literal(day), literal(episode_id), key),
        )
        .on_conflict_do_nothing()
        .returning(DownloadListener.episode_id)
        .cte("new_listener")
    )
    counted = (
        insert(EpisodeDownload)
        .from_select(
            [EpisodeDownload.episode_id, EpisodeDownload.day, EpisodeDownload.count],
            select(new_listener.c.episode_id, literal(day), literal(1)),
        )
        .on_conflict_do_update(
            index_elements=[EpisodeDownload.episode_id, EpisodeDownload.day],
            set_={"count": EpisodeDownload.count + 1},
        )
        .returning(EpisodeDownload.count)
        .cte("counted")
    )
    has_salt, was_counted = (
        await session.execute(select(exists(select(salt.c.salt)), exists(select(counted.c.count))))
    ).one()
    return was_counted if has_salt else None


async def delete_past_download_days(session: AsyncSession, today: date) -> None:
    """Delete the salts and listener keys of days before `today`; the counts stay."""
    await session.execute(delete(DownloadListener).where(DownloadListener.day < today))
    await session.execute(delete(DownloadSalt).where(DownloadSalt.day < today))


# Written as SQL, because it runs before every search and API request: one
# statement for any number of limits, compiled once and run by `fetch`.
# Measured: built with the ORM's insert() on each call it cost 1.3 ms of
# Python, run as this text through the session 0.3 ms. In SET, `w` is the
# stored row, before the update.
COUNT_REQUEST = compile_for_driver(
    text("""
    INSERT INTO rate_limit_windows AS w (limit_name, client_key, hits, ends_at)
    SELECT name, :client_key, 1, now() + make_interval(secs => seconds)
    FROM unnest(CAST(:names AS text[]), CAST(:seconds AS integer[])) AS limits (name, seconds)
    ORDER BY name
    ON CONFLICT (limit_name, client_key) DO UPDATE SET
        hits = CASE WHEN w.ends_at > now() THEN w.hits + 1 ELSE 1 END,
        ends_at = CASE WHEN w.ends_at > now() THEN w.ends_at ELSE excluded.ends_at END
    RETURNING limit_name, hits, ends_at
""")
)


async def count_request(
    session: AsyncSession, client_key: bytes, limits: Mapping[str, RateLimit]
) -> dict[str, tuple[int, datetime]]:
    """Count one request against each limit; return each window's hits so far and its end.

    One statement for all the limits, atomic however many workers and
    containers count at once: a client's first request (or the first after
    its window ended) starts a window with one hit, later ones add a hit.
    Rows are written in name order, so two requests that lock the same rows
    lock them in the same order and cannot deadlock. Run before the view
    opens a transaction, it commits by itself, whatever the view does later.
    """
    names = sorted(limits)
    rows = await fetch(
        session,
        COUNT_REQUEST,
        client_key=client_key,
        names=names,
        seconds=[limits[name].seconds for name in names],
    )
    return {row["limit_name"]: (row["hits"], row["ends_at"]) for row in rows}


async def delete_ended_rate_limit_windows(session: AsyncSession) -> None:
    """Delete the windows that ended: an index range scan, however large the table."""
    await session.execute(delete(RateLimitWindow).where(RateLimitWindow.ends_at <= func.now()))


async def add_subscriber(session: AsyncSession, email: str) -> tuple[int, bool]:
    """Sign an address up; return its id and whether it still needs confirming.

    Signing up again keeps one row. Signing up again after unsubscribing needs
    a new confirmation: anyone can type anyone's address, so only the owner's
    click may resubscribe it.
    """
    statement = insert(Subscriber).values(email=email)
    was_unsubscribed = Subscriber.unsubscribed_at.isnot(None)
    row = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[Subscriber.email],
                set_={
                    "confirmed_at": case((was_unsubscribed, None), else_=Subscriber.confirmed_at),
                    "unsubscribed_at": None,
                },
            ).returning(Subscriber.id, Subscriber.confirmed_at.is_(None))
        )
    ).one_or_none()
    assert row is not None  # an upsert always returns its row
    return row[0], row[1]


async def get_subscriber(session: AsyncSession, subscriber_id: int) -> Subscriber | None:
    """Return a subscriber by id, or None."""
    return await session.get(Subscriber, subscriber_id)


@dataclass(frozen=True, slots=True)
class EpisodeUrls:
    """What an episode's URLs need: for the sitemap."""

    number: int
    slug: str
    published_on: date
    has_transcript: bool


async def list_episode_urls(session: AsyncSession) -> list[EpisodeUrls]:
    """Return every episode with only what its URLs need (for the sitemap)."""
    query = select(
        Episode.number, Episode.slug, Episode.published_on, Episode.has_transcript
    ).order_by(Episode.number.desc())
    return [EpisodeUrls(*row) for row in await session.execute(query)]


async def list_guest_slugs(session: AsyncSession) -> Sequence[str]:
    """Return every guest's slug (for the sitemap)."""
    return (await session.scalars(select(Guest.slug).order_by(Guest.slug))).all()


async def queue_email(session: AsyncSession, to_address: str, message: bytes) -> None:
    """Queue an e-mail; it goes out once the caller's transaction commits and the mailer runs."""
    session.add(OutboundEmail(to_address=to_address, message=message))
    await session.flush()


async def claim_due_email(session: AsyncSession) -> OutboundEmail | None:
    """Lock the next unsent e-mail that is due, skipping those another worker holds."""
    query = (
        select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.send_after <= func.now())
        .order_by(OutboundEmail.send_after)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await session.scalar(query)


async def mark_email_sent(session: AsyncSession, email_id: int) -> None:
    """Record that an e-mail went out."""
    await session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email_id).values(sent_at=func.now())
    )


async def mark_email_failed(
    session: AsyncSession, email_id: int, error: str, retry_in: timedelta
) -> None:
    """Record a failed attempt and when to try again."""
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(
            attempts=OutboundEmail.attempts + 1,
            last_error=error[:500],
            send_after=func.now() + retry_in,
        )
    )


@dataclass(frozen=True)
class MailQueue:
    """How many e-mails wait, since when, and why the last attempt failed."""

    waiting: int
    oldest: datetime | None
    last_error: str | None


async def get_mail_queue(session: AsyncSession) -> MailQueue:
    """Describe the unsent e-mails (for make doctor and the logs)."""
    unsent = OutboundEmail.sent_at.is_(None)
    waiting, oldest = (
        await session.execute(
            select(func.count(), func.min(OutboundEmail.created_at)).where(unsent)
        )
    ).one()
    last_error = await session.scalar(
        select(OutboundEmail.last_error)
        .where(unsent, OutboundEmail.last_error.is_not(None))
        .order_by(OutboundEmail.send_after.desc())
        .limit(1)
    )
    return MailQueue(waiting, oldest, last_error)


@dataclass(frozen=True)
class EpisodeDownloads:
    """How often one episode was downloaded lately and in all."""

    number: int
    title: str
    last_7_days: int
    last_30_days: int
    all_time: int


async def list_episode_downloads(session: AsyncSession, today: date) -> list[EpisodeDownloads]:
    """Return every episode's downloads, newest episode first (one query, for the owner)."""
    count = EpisodeDownload.count
    within = {
        days: func.coalesce(
            func.sum(count).filter(EpisodeDownload.day > today - timedelta(days=days)), 0
        )
        for days in (7, 30)
    }
    query = (
        select(
            Episode.number, Episode.title, within[7], within[30], func.coalesce(func.sum(count), 0)
        )
        .outerjoin(EpisodeDownload, EpisodeDownload.episode_id == Episode.id)
        .group_by(Episode.id)
        .order_by(Episode.number.desc())
    )
    return [EpisodeDownloads(*row) for row in (await session.execute(query)).all()]


async def list_daily_downloads(session: AsyncSession, since: date) -> dict[date, int]:
    """Return the downloads of all episodes per day since a day (days without any are absent)."""
    query = (
        select(EpisodeDownload.day, func.sum(EpisodeDownload.count))
        .where(EpisodeDownload.day >= since)
        .group_by(EpisodeDownload.day)
    )
    return {day: int(total) for day, total in (await session.execute(query)).all()}
