"""Count downloads once per listener and day, and report them to the owner."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import LargeBinary, delete, exists, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import DownloadListener, DownloadSalt, Episode, EpisodeDownload
from podcast_site.queries.episodes import is_public


async def get_download_target(session: AsyncSession, number: int) -> tuple[int, str] | None:
    """Return (episode id, audio URL) for a public episode's number, or None."""
    query = select(Episode.id, Episode.audio_url).where(Episode.number == number, is_public())
    row = (await session.execute(query)).one_or_none()
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
