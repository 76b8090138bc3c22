"""Counting downloads: once per listener, episode and day, a few per address, and by app."""

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.core.models import EpisodeDownload
from podcast_site.queries import NOT_RECORDED, DownloadRow, DownloadTarget
from tests.web.factories import add_episode, record_download

DAY = date(2026, 3, 2)


async def test_a_listener_counts_once_a_day_and_only_once_the_day_has_a_salt(
    session: AsyncSession,
) -> None:
    episode = await add_episode(session, 1)

    assert await record_download(session, episode.id, DAY, b"listener") is None
    await queries.add_download_salt(session, DAY, b"salt")
    await queries.add_download_salt(session, DAY, b"another worker's salt")  # the first stays
    assert await record_download(session, episode.id, DAY, b"listener") is True
    assert await record_download(session, episode.id, DAY, b"listener") is False
    assert await record_download(session, episode.id, DAY, b"another") is True

    (row,) = await queries.list_episode_downloads(session, DAY)
    assert (row.last_7_days, row.last_30_days, row.all_time) == (2, 2, 2)
    assert await queries.list_daily_downloads(session, DAY - timedelta(days=1)) == {DAY: 2}


async def test_one_address_brings_at_most_its_limit_of_listeners_of_an_episode_a_day(
    session: AsyncSession,
) -> None:
    first, second = await add_episode(session, 1), await add_episode(session, 2)
    await queries.add_download_salt(session, DAY, b"salt")

    counted = [
        await record_download(session, first.id, DAY, f"agent {n}".encode(), per_address=3)
        for n in range(10)
    ]

    assert counted == [True] * 3 + [False] * 7
    # Nor does one refused now count later.
    assert await record_download(session, first.id, DAY, b"agent 9", per_address=30) is False
    # Another address, another episode, another day: each a limit of its own.
    elsewhere = await record_download(
        session, first.id, DAY, b"a neighbour", address=b"next door", per_address=3
    )
    assert elsewhere is True
    assert await record_download(session, second.id, DAY, b"agent 5", per_address=3) is True
    await queries.add_download_salt(session, DAY + timedelta(days=1), b"next salt")
    assert await record_download(session, first.id, DAY + timedelta(days=1), b"agent 5") is True

    by_episode = {row.number: row.all_time for row in await queries.list_episode_downloads(
        session, DAY + timedelta(days=1)
    )}  # fmt: skip
    assert by_episode == {1: 5, 2: 1}


async def test_downloads_are_reported_by_app_day_and_episode(session: AsyncSession) -> None:
    episode = await add_episode(session, 4, title="Four")
    await queries.add_download_salt(session, DAY, b"salt")
    for listener, app in ((b"a", "Overcast"), (b"b", "Overcast"), (b"c", "Apple Podcasts")):
        assert await record_download(session, episode.id, DAY, listener, app=app)
    # A day from before apps were counted: a total and no apps.
    earlier = DAY - timedelta(days=40)
    session.add(EpisodeDownload(episode_id=episode.id, day=earlier, count=7))
    await session.flush()

    assert await queries.list_app_downloads(session, DAY - timedelta(days=29)) == [
        ("Overcast", 2),
        ("Apple Podcasts", 1),
    ]
    assert await queries.list_download_rows(session) == [
        DownloadRow(earlier, 4, "Four", NOT_RECORDED, 7),
        DownloadRow(DAY, 4, "Four", "Overcast", 2),
        DownloadRow(DAY, 4, "Four", "Apple Podcasts", 1),
    ]


async def test_an_app_name_too_long_for_its_column_is_cut_not_refused(
    session: AsyncSession,
) -> None:
    episode = await add_episode(session, 1)
    await queries.add_download_salt(session, DAY, b"salt")

    assert await record_download(session, episode.id, DAY, app="A" * 500) is True

    assert await queries.list_app_downloads(session, DAY) == [("A" * 100, 1)]


async def test_a_download_goes_to_the_episodes_audio(session: AsyncSession) -> None:
    episode = await add_episode(
        session, 3, audio_url="audio/003.mp3", audio_bytes=48_000_000, duration_seconds=3000
    )

    target = await queries.get_download_target(session, 3)

    assert target == DownloadTarget(episode.id, "audio/003.mp3", 48_000_000, 3000)
    assert target.minute_bytes == 960_000
    assert await queries.get_download_target(session, 4) is None


def test_a_minute_of_audio_shorter_than_a_minute_is_all_of_it() -> None:
    assert DownloadTarget(1, "audio/1.mp3", 48_000, 3).minute_bytes == 48_000
