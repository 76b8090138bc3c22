"""Housekeeping: ended rate-limit windows and past days' salts and listener keys go; counts stay."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.background.housekeeping import keep_house
from podcast_site.core.models import (
    DownloadAddress,
    DownloadListener,
    DownloadSalt,
    EpisodeDownload,
    RateLimitWindow,
)
from tests.web.factories import add_episode, record_download


async def test_only_ended_rate_limit_windows_are_deleted(session: AsyncSession) -> None:
    await queries.count_request(session, b"ended", {"search": 60})
    await queries.count_request(session, b"ongoing", {"search": 60})
    await session.execute(
        update(RateLimitWindow)
        .where(RateLimitWindow.client_key == b"ended")
        .values(ends_at=datetime.now(UTC) - timedelta(seconds=1))
    )

    await keep_house(session)

    assert list(await session.scalars(select(RateLimitWindow.client_key))) == [b"ongoing"]


async def test_past_days_lose_their_salt_and_listeners_and_keep_their_counts(
    session: AsyncSession,
) -> None:
    episode = await add_episode(session, 1)
    today = datetime.now(UTC).date()
    for day in (today - timedelta(days=1), today):
        await queries.add_download_salt(session, day, b"salt of " + day.isoformat().encode())
        assert await record_download(session, episode.id, day)

    await keep_house(session)

    assert list(await session.scalars(select(DownloadSalt.day))) == [today]
    assert list(await session.scalars(select(DownloadListener.day))) == [today]
    assert list(await session.scalars(select(DownloadAddress.day))) == [today]
    assert await session.scalar(select(func.sum(EpisodeDownload.count))) == 2
