"""Map the site's tables to typed SQLAlchemy classes."""

import uuid
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    MappedColumn,
    column_property,
    mapped_column,
    relationship,
)

# Explicit constraint names keep Alembic migrations reproducible and reviewable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# What Postgres stores in episodes.search_vector, which finds the matches,
# and in ranking_vector, which finds and orders those that rank (both
# GIN-indexed; migrations 0007 and 0009 say why): a match in the title
# counts most, then summary, then notes. Ranking reads the whole vector of each
# match, and an hour of transcript makes one of ~16 KB: ranked by the full
# vector, a common word read the transcript of every episode it matched.
RANKING_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(summary, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(show_notes, '')), 'C')"
)
SEARCH_VECTOR = (
    f"{RANKING_VECTOR} || setweight(to_tsvector('english', coalesce(transcript, '')), 'D')"
)


class Base(DeclarativeBase):
    """Declare every model on one metadata, which Alembic compares with the database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every timestamp is stored with its time zone (timestamptz), never as local time.
    type_annotation_map = {datetime: DateTime(timezone=True)}


def deferred_text(**options: Any) -> MappedColumn[Any]:
    """Map a large text column that only detail pages load.

    Lists leave it unloaded, and touching it by accident raises instead of
    quietly costing one query per row.
    """
    return mapped_column(Text, deferred=True, deferred_raiseload=True, **options)


episode_guests = Table(
    "episode_guests",
    Base.metadata,
    Column("episode_id", ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves lookups by episode; this index serves a guest's page.
    Column("guest_id", ForeignKey("guests.id", ondelete="CASCADE"), primary_key=True, index=True),
)

episode_sponsors = Table(
    "episode_sponsors",
    Base.metadata,
    Column("episode_id", ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    Column("sponsor_id", ForeignKey("sponsors.id", ondelete="CASCADE"), primary_key=True),
)


class Guest(Base):
    """A person who appeared on the show."""

    __tablename__ = "guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised once, at import, so pages never parse Markdown.
    bio_html: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str | None] = mapped_column(String(500))
    # [{"title": ..., "url": ...}]: shown as they are, never queried.
    links: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)

    # lazy="raise": in async code a relationship must be loaded by the query
    # (selectinload); forgetting to is a clear error, not a hidden extra query.
    episodes: Mapped[list["Episode"]] = relationship(
        secondary=episode_guests,
        back_populates="guests",
        order_by="Episode.number.desc()",
        lazy="raise",
    )


class Sponsor(Base):
    """A company whose message runs on some episodes."""

    __tablename__ = "sponsors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    blurb: Mapped[str] = mapped_column(Text, default="")
    blurb_html: Mapped[str] = mapped_column(Text, default="")


class ChapterRow(TypedDict):
    """A chapter as an episode stores it: seconds from the start, a title, maybe a link."""

    start: int
    title: str
    url: NotRequired[str]


# Which episodes anyone may see: `published` ones whose time has come. A
# `draft` is seen only through its signed preview link; a `removed` one is
# gone (410) but kept, with its downloads.
EPISODE_STATUSES = ("draft", "published", "removed")
# Apple's itunes:episodeType: a whole episode, a trailer (of the show, or of
# its season), or extra material beside the episodes.
EPISODE_TYPES = ("full", "trailer", "bonus")


def is_numbered(episode_type: str) -> bool:
    """Say whether pages and mails show an episode's number: a trailer's names only its URL."""
    return episode_type != "trailer"


class Episode(Base):
    """One episode of the podcast: public once published and its time has come."""

    __tablename__ = "episodes"
    # Updated in place, not via a pending list: content changes seldom, and
    # every search would read the list's unsorted entries until a vacuum.
    __table_args__ = (
        *(
            Index(
                f"ix_episodes_{vector}",
                vector,
                postgresql_using="gin",
                postgresql_with={"fastupdate": "off"},
            )
            for vector in ("search_vector", "ranking_vector")
        ),
        CheckConstraint(f"status IN {EPISODE_STATUSES}", name="known_status"),
        CheckConstraint(f"episode_type IN {EPISODE_TYPES}", name="known_episode_type"),
        # A topic's page (tags @> '{caddy}') and an episode's related ones
        # (tags && its own): a bitmap scan of the matches, not of every row.
        Index(
            "ix_episodes_tags",
            "tags",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        # The count of public episodes (an index-only scan), the seasons that
        # have one, the trailers: without them each reads every row (0017).
        Index(
            "ix_episodes_public_published_at",
            "published_at",
            postgresql_where=text("status = 'published'"),
        ),
        Index(
            "ix_episodes_public_season",
            "season",
            "published_at",
            postgresql_where=text("status = 'published' AND season IS NOT NULL"),
        ),
        Index(
            "ix_episodes_trailer", "published_at", postgresql_where=text("episode_type = 'trailer'")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    # When it goes out: a date alone in the content is midnight UTC of that
    # day. Before then it exists nowhere on the site, and then it appears by
    # itself (queries.episodes.is_public).
    published_at: Mapped[datetime] = mapped_column(index=True)
    # The release before this one reads the day (make rollback goes back to
    # it without undoing migrations): Postgres derives it. A later migration
    # can drop it.
    published_on: Mapped[date] = mapped_column(
        Computed("(published_at AT TIME ZONE 'UTC')::date", persisted=True)
    )
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")
    duration_seconds: Mapped[int]
    audio_url: Mapped[str] = mapped_column(String(500))
    audio_bytes: Mapped[int] = mapped_column(BigInteger)
    # The audio file's SHA-256 (make episode writes it): a deploy checks the
    # server's copy of a new episode's audio against it.
    audio_sha256: Mapped[str | None] = mapped_column(String(64))
    youtube_id: Mapped[str | None] = mapped_column(String(11))
    # The feed's <guid> when the content gives one (an episode from another
    # host); NULL: derived from the number (views/feeds.py).
    guid: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list)
    season: Mapped[int | None]
    episode_type: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    # The episode's own cover art (a media path or https:// URL); None: the show's.
    image_url: Mapped[str | None] = mapped_column(String(500))
    # None: as the show (site.toml's `explicit`).
    explicit: Mapped[bool | None]
    # Ordered by start, shown and served as they are, never queried; a few
    # hundred bytes, so loaded with the row rather than deferred.
    chapters: Mapped[list[ChapterRow]] = mapped_column(JSONB, default=list)
    show_notes: Mapped[str] = deferred_text(default="")
    show_notes_html: Mapped[str] = deferred_text(default="")
    transcript: Mapped[str | None] = deferred_text()
    # Lists need to know whether a transcript exists, not its (long) text. (In
    # the class body `transcript` is still the column object, whatever mypy says.)
    has_transcript: Mapped[bool] = column_property(
        cast("MappedColumn[str | None]", transcript).column.is_not(None)
    )
    # Kept up to date by Postgres itself (generated columns); ranking_vector is
    # kept in the row, not out of line (STORAGE MAIN, migration 0007).
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR, persisted=True), deferred=True, deferred_raiseload=True
    )
    ranking_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(RANKING_VECTOR, persisted=True),
        deferred=True,
        deferred_raiseload=True,
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    guests: Mapped[list[Guest]] = relationship(
        secondary=episode_guests, back_populates="episodes", order_by=Guest.name, lazy="raise"
    )
    sponsors: Mapped[list[Sponsor]] = relationship(
        secondary=episode_sponsors, order_by=Sponsor.name, lazy="raise"
    )


class ContentFile(Base):
    """A content folder's file as the last import stored it, so the next one can skip it.

    Written in the import's transaction, so a row says what the content
    tables hold: an import that fails records nothing. Not a content table
    (no trigger): bookkeeping alone never changes the content revision.
    """

    __tablename__ = "content_files"

    # Relative to the content folder (`episodes/001-hello.md`): the folder is
    # mounted at different places on a laptop and in the migrate container.
    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    # Unchanged size and mtime: skipped without being read. Otherwise read and
    # hashed, and skipped if the hash is the same (a checkout touches mtimes).
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # An episode file's number: the check for duplicate numbers reads it
    # here for the files it skips.
    episode_number: Mapped[int | None]


class ContentFilesRevision(Base):
    """The content revision the last import left, so the next knows content_files still holds.

    Anything else that writes the content tables (psql, another release's
    import, a restore) changes the revision: the file states then describe
    rows that may no longer be there, and the next import reads every file.
    """

    __tablename__ = "content_files_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    revision: Mapped[uuid.UUID]


class EpisodeDownload(Base):
    """How many listeners downloaded an episode on one day; nothing about who."""

    __tablename__ = "episode_downloads"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


# OPAWG's longest name is 44 characters; a longer one is cut to this.
APP_NAME_LENGTH = 100


class EpisodeAppDownload(Base):
    """How many of an episode's listeners on one day used one app (since migration 0011).

    A breakdown of episode_downloads, which keeps the totals: the app is
    the name of the OPAWG entry that matched (web/user_agents.py), Unknown
    when none did.
    """

    __tablename__ = "episode_app_downloads"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    app: Mapped[str] = mapped_column(String(APP_NAME_LENGTH), primary_key=True)
    count: Mapped[int]


class DownloadSalt(Base):
    """The random salt of one UTC day's listener keys.

    Deleted after its day (background/housekeeping.py), with the day's listener keys: from
    then on nobody, not even with the database and the secret key, can tell
    whether a given address and user agent downloaded anything that day.
    """

    __tablename__ = "download_salts"

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)


class DownloadListener(Base):
    """A listener who downloaded an episode today: a salted hash, so each counts once a day."""

    __tablename__ = "download_listeners"

    # Day first: the deletion of past days reads the primary key's prefix.
    day: Mapped[date] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    listener_key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)


class DownloadAddress(Base):
    """How many listeners of an episode one address brought today, as a salted hash of it.

    At most LISTENERS_PER_ADDRESS of them count; deleted after the day, with the salt.
    """

    __tablename__ = "download_addresses"

    day: Mapped[date] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    address_key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    listeners: Mapped[int]


class RateLimitWindow(Base):
    """How many requests one client sent in its current window of one rate limit.

    The client is a keyed hash of its address (web/visitors.py), never the address.
    A window starts with the client's first request and ends `seconds` later;
    rows whose window ended are deleted by background/housekeeping.py. Unlogged
    (migration 0008): counting a request waits for no disk flush, and a
    crash only starts every window afresh.
    """

    __tablename__ = "rate_limit_windows"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    limit_name: Mapped[str] = mapped_column(String(20), primary_key=True)
    client_key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    hits: Mapped[int]
    # Indexed for the deletion of ended windows.
    ends_at: Mapped[datetime] = mapped_column(index=True)


class Subscriber(Base):
    """A newsletter sign-up: one row per address, whatever happens to it later."""

    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case), so the unique constraint sees duplicates.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # When the mail server refused the address for good (a 5xx): nothing more
    # is sent to it until it signs up and confirms again.
    bounced_at: Mapped[datetime | None]


class EpisodeAnnouncement(Base):
    """That an episode's going public was dealt with: its mails queued, or skipped.

    One row per episode, inserted by the worker that claims the announcement
    (the primary key lets only one), in the transaction that queues the mails:
    so each episode is announced once, whatever crashes or restarts. `skipped`:
    it was back catalogue when it appeared (background/announcer.py).
    """

    __tablename__ = "episode_announcements"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    announced_at: Mapped[datetime] = mapped_column(server_default=func.now())
    skipped: Mapped[bool]
    recipients: Mapped[int] = mapped_column(default=0)


class OutboundEmail(Base):
    """An e-mail to send, kept until it is sent: the queue the mailer works through.

    Written in the same transaction as what it is about (a sign-up), so the
    two are stored together or not at all; sending happens later, with
    retries, so a mail server that is down never fails or loses a sign-up.
    """

    __tablename__ = "outbound_emails"
    __table_args__ = (
        # The mailer asks for the next one that is due, most urgent first.
        Index(
            "ix_outbound_emails_due",
            "priority",
            "send_after",
            postgresql_where=text("sent_at IS NULL AND dead_at IS NULL"),
        ),
        # MAIL_PER_MINUTE counts what went out in the last minute.
        Index(
            "ix_outbound_emails_sent_at", "sent_at", postgresql_where=text("sent_at IS NOT NULL")
        ),
        # One announcement of an episode per subscriber, whatever retries.
        UniqueConstraint("episode_id", "subscriber_id"),
        # How many confirmations an address got lately (views/newsletter.py).
        Index("ix_outbound_emails_to_address", "to_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    # The whole message (headers, plain text and HTML), rendered when queued:
    # the links in it need the request's host, and it must not change later.
    # None for an episode's announcement, rendered when it is sent: queueing
    # thousands is then one statement, and it says what the episode says then.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    # 0 first (a confirmation someone waits for), then 1 (announcements).
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter_subscribers.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    send_after: Mapped[datetime] = mapped_column(server_default=func.now())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # Given up on: refused for good (a 5xx), or still failing after days.
    dead_at: Mapped[datetime | None]


class ContentRevision(Base):
    """A value that changes whenever published content changes.

    Database triggers (see the migration) replace it on every write to the
    content tables, so page caches and ETags keyed on it can never serve stale
    content, however the content was changed.
    """

    __tablename__ = "content_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    revision: Mapped[uuid.UUID] = mapped_column(server_default=func.gen_random_uuid())
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())
