"""Counting downloads: once per listener, episode and day, and only with the day's salt."""

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode

DAY = date(2026, 3, 2)


async def test_a_listener_counts_once_a_day_and_only_once_the_day_has_a_salt(
    session: AsyncSession,
) -> None:
    episode = await add_episode(session, 1)

    assert await queries.record_download(session, episode.id, DAY, b"listener") is None
    await queries.add_download_salt(session, DAY, b"salt")
    await queries.add_download_salt(session, DAY, b"another worker's salt")  # the first stays
    assert await queries.record_download(session, episode.id, DAY, b"listener") is True
    assert await queries.record_download(session, episode.id, DAY, b"listener") is False
    assert await queries.record_download(session, episode.id, DAY, b"another") is True

    (row,) = await queries.list_episode_downloads(session, DAY)
    assert (row.last_7_days, row.last_30_days, row.all_time) == (2, 2, 2)
    assert await queries.list_daily_downloads(session, DAY - timedelta(days=1)) == {DAY: 2}


async def test_a_download_goes_to_the_episodes_audio(session: AsyncSession) -> None:
    episode = await add_episode(session, 3, audio_url="audio/003.mp3")

    assert await queries.get_download_target(session, 3) == (episode.id, "audio/003.mp3")
    assert await queries.get_download_target(session, 4) is None
