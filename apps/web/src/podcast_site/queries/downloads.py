"""Count downloads once per listener and day, at most a few per address, and report them."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, LargeBinary, delete, exists, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CTE

from podcast_site.core.models import (
    APP_NAME_LENGTH,
    DownloadAddress,
    DownloadListener,
    DownloadSalt,
    Episode,
    EpisodeAppDownload,
    EpisodeDownload,
)
from podcast_site.queries.episodes import is_public

# The app of the downloads whose app was never recorded (before migration 0011).
NOT_RECORDED = "(not recorded)"


@dataclass(frozen=True)
class DownloadTarget:
    """Where a public episode's download goes, and how big its audio is."""

    episode_id: int
    audio_url: str
    audio_bytes: int
    duration_seconds: int

    @property
    def minute_bytes(self) -> int:
        """Return how many bytes a minute of the audio takes (all of it, if it is shorter)."""
        return self.audio_bytes * 60 // max(self.duration_seconds, 60)


async def get_download_target(session: AsyncSession, number: int) -> DownloadTarget | None:
    """Return where a public episode's download goes, or None."""
    query = select(
        Episode.id, Episode.audio_url, Episode.audio_bytes, Episode.duration_seconds
    ).where(Episode.number == number, is_public())
    row = (await session.execute(query)).one_or_none()
    return DownloadTarget(*row) if row else None


async def add_download_salt(session: AsyncSession, day: date, salt: bytes) -> None:
    """Store a day's salt, unless another worker stored one first (theirs is kept)."""
    await session.execute(insert(DownloadSalt).values(day=day, salt=salt).on_conflict_do_nothing())


async def record_download(
    session: AsyncSession,
    episode_id: int,
    day: date,
    listener: bytes,
    *,
    address: bytes,
    app: str,
    per_address: int,
) -> bool | None:
    """Count a download once per listener, episode and day; None when the day has no salt yet.

    One statement: keys are sha256(the day's salt || `listener` or
    `address`), made in Postgres, so the salt never leaves it. A new
    listener key is inserted; if its address brought fewer than
    `per_address` listeners of the episode today, the day's count and the
    app's go up by one. A key seen before inserts nothing, so counts
    nothing; one over its address's limit is kept, so it is not counted
    later either. Concurrent requests of one listener wait on the key's
    unique index, and of one address on its row, so exactly as many count
    as should.
    """
    salt = select(DownloadSalt.salt).where(DownloadSalt.day == day).cte("salt")
    keys = select(
        salted(salt, listener).label("listener_key"), salted(salt, address).label("address_key")
    ).cte("keys")
    new_listener = (
        insert(DownloadListener)
        .from_select(
            [DownloadListener.day, DownloadListener.episode_id, DownloadListener.listener_key],
            select(literal(day), literal(episode_id), keys.c.listener_key),
        )
        .on_conflict_do_nothing()
        .returning(DownloadListener.episode_id)
        .cte("new_listener")
    )
    # At the limit the update's condition fails: no row comes back, nothing counts.
    admitted = (
        insert(DownloadAddress)
        .from_select(
            [
                DownloadAddress.day,
                DownloadAddress.episode_id,
                DownloadAddress.address_key,
                DownloadAddress.listeners,
            ],
            select(
                literal(day), new_listener.c.episode_id, keys.c.address_key, literal(1)
            ).select_from(new_listener.join(keys, true())),
        )
        .on_conflict_do_update(
            index_elements=[
                DownloadAddress.day,
                DownloadAddress.episode_id,
                DownloadAddress.address_key,
            ],
            set_={"listeners": DownloadAddress.listeners + 1},
            where=DownloadAddress.listeners < per_address,
        )
        .returning(DownloadAddress.episode_id)
        .cte("admitted")
    )
    counted = (
        insert(EpisodeDownload)
        .from_select(
            [EpisodeDownload.episode_id, EpisodeDownload.day, EpisodeDownload.count],
            select(admitted.c.episode_id, literal(day), literal(1)),
        )
        .on_conflict_do_update(
            index_elements=[EpisodeDownload.episode_id, EpisodeDownload.day],
            set_={"count": EpisodeDownload.count + 1},
        )
        .returning(EpisodeDownload.count)
        .cte("counted")
    )
    counted_by_app = (
        insert(EpisodeAppDownload)
        .from_select(
            [
                EpisodeAppDownload.episode_id,
                EpisodeAppDownload.day,
                EpisodeAppDownload.app,
                EpisodeAppDownload.count,
            ],
            select(admitted.c.episode_id, literal(day), literal(app[:APP_NAME_LENGTH]), literal(1)),
        )
        .on_conflict_do_update(
            index_elements=[
                EpisodeAppDownload.episode_id,
                EpisodeAppDownload.day,
                EpisodeAppDownload.app,
            ],
            set_={"count": EpisodeAppDownload.count + 1},
        )
        .returning(EpisodeAppDownload.count)
        .cte("counted_by_app")
    )
    has_salt, was_counted, _ = (
        await session.execute(
            select(
                exists(select(salt.c.salt)),
                exists(select(counted.c.count)),
                # Named, so that it is part of the statement (Postgres runs it either way).
                exists(select(counted_by_app.c.count)),
            )
        )
    ).one()
    return was_counted if has_salt else None


def salted(salt: CTE, value: bytes) -> ColumnElement[bytes]:
    """Return sha256(the day's salt || value), as Postgres computes it."""
    return func.sha256(salt.c.salt.op("||")(literal(value, LargeBinary)))


async def delete_past_download_days(session: AsyncSession, today: date) -> None:
    """Delete the salts, listener and address keys of days before `today`; the counts stay."""
    await session.execute(delete(DownloadListener).where(DownloadListener.day < today))
    await session.execute(delete(DownloadAddress).where(DownloadAddress.day < today))
    await session.execute(delete(DownloadSalt).where(DownloadSalt.day < today))


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


def downloads_by_app() -> CTE:
    """Return every day's downloads of each episode by app, as (episode_id, day, app, count).

    Complete: what the totals count beyond the recorded apps (days before
    migration 0011, or served by the release before it) is NOT_RECORDED.
    """
    recorded = select(
        EpisodeAppDownload.episode_id,
        EpisodeAppDownload.day,
        EpisodeAppDownload.app,
        EpisodeAppDownload.count,
    )
    app_totals = (
        select(
            EpisodeAppDownload.episode_id,
            EpisodeAppDownload.day,
            func.sum(EpisodeAppDownload.count).label("count"),
        )
        .group_by(EpisodeAppDownload.episode_id, EpisodeAppDownload.day)
        .subquery()
    )
    in_apps = func.coalesce(app_totals.c.count, 0)
    unrecorded = (
        select(
            EpisodeDownload.episode_id,
            EpisodeDownload.day,
            literal(NOT_RECORDED).label("app"),
            (EpisodeDownload.count - in_apps).label("count"),
        )
        .outerjoin(
            app_totals,
            (app_totals.c.episode_id == EpisodeDownload.episode_id)
            & (app_totals.c.day == EpisodeDownload.day),
        )
        .where(EpisodeDownload.count > in_apps)
    )
    return recorded.union_all(unrecorded).cte("by_app")


async def list_app_downloads(session: AsyncSession, since: date) -> list[tuple[str, int]]:
    """Return (app, downloads) of all episodes since a day, the most downloads first."""
    by_app = downloads_by_app()
    total = func.sum(by_app.c.count)
    query = (
        select(by_app.c.app, total)
        .where(by_app.c.day >= since)
        .group_by(by_app.c.app)
        .order_by(total.desc(), by_app.c.app)
    )
    return [(app, int(downloads)) for app, downloads in (await session.execute(query)).all()]


@dataclass(frozen=True)
class DownloadRow:
    """One day's downloads of one episode with one app: a line of `make downloads CSV=1`."""

    day: date
    number: int
    title: str
    app: str
    downloads: int


async def list_download_rows(session: AsyncSession) -> list[DownloadRow]:
    """Return every day's downloads by episode and app, oldest day first (one query)."""
    by_app = downloads_by_app()
    query = (
        select(by_app.c.day, Episode.number, Episode.title, by_app.c.app, by_app.c.count)
        .join(Episode, Episode.id == by_app.c.episode_id)
        .order_by(by_app.c.day, Episode.number, by_app.c.count.desc(), by_app.c.app)
    )
    return [DownloadRow(*row) for row in (await session.execute(query)).all()]
