"""Topics: their counts, a topic's episodes, and an episode's related episodes."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode


async def add_unreleased(session: AsyncSession, tags: list[str]) -> None:
    """Add a draft, a scheduled and a removed episode carrying `tags`."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    await add_episode(session, 90, tags=tags, status="draft")
    await add_episode(session, 91, tags=tags, published_at=tomorrow)
    await add_episode(session, 92, tags=tags, status="removed")


async def test_topics_are_counted_over_public_episodes_only(session: AsyncSession) -> None:
    await add_episode(session, 1, tags=["caddy", "tls"])
    await add_episode(session, 2, tags=["caddy"])
    await add_episode(session, 3)
    await add_unreleased(session, ["caddy", "secret"])

    topics = await queries.list_topics(session)

    assert [(topic.slug, topic.episodes) for topic in topics] == [("caddy", 2), ("tls", 1)]


async def test_a_topics_episodes_come_newest_first_a_page_at_a_time(
    session: AsyncSession,
) -> None:
    for number in range(1, 6):
        await add_episode(session, number, tags=["postgres"] if number != 3 else ["uv"])
    await add_unreleased(session, ["postgres"])

    assert await queries.count_topic_episodes(session, "postgres") == 4
    first = await queries.list_topic_episodes(session, "postgres", offset=0, limit=3)
    second = await queries.list_topic_episodes(session, "postgres", offset=3, limit=3)

    assert [episode.number for episode in first] == [5, 4, 2]
    assert [episode.number for episode in second] == [1]
    assert first[0].tags == ["postgres"]
    assert await queries.count_topic_episodes(session, "no-such-topic") == 0


async def test_related_episodes_share_most_tags_then_are_newest(session: AsyncSession) -> None:
    await add_episode(session, 1, tags=["caddy", "tls", "docker"])  # the episode itself
    await add_episode(session, 2, tags=["caddy", "tls"])  # shares two
    await add_episode(session, 3, tags=["docker"])  # shares one, older
    await add_episode(session, 4, tags=["tls"])  # shares one, newer
    await add_episode(session, 5, tags=["postgres"])  # shares none
    await add_episode(session, 6, tags=["caddy", "tls"], episode_type="trailer")  # no episode
    await add_unreleased(session, ["caddy", "tls", "docker"])

    related = await queries.list_related_episodes(session, 1, ["caddy", "tls", "docker"])

    assert [episode.number for episode in related] == [2, 4, 3]
    assert related[0].title == "Episode 2"


async def test_related_episodes_stop_at_the_limit_and_need_a_tag(session: AsyncSession) -> None:
    for number in range(1, 10):
        await add_episode(session, number, tags=["async"])

    related = await queries.list_related_episodes(session, 9, ["async"])

    assert [episode.number for episode in related] == [8, 7, 6, 5, 4]
    assert len(related) == queries.RELATED_EPISODES
    assert await queries.list_related_episodes(session, 9, []) == []


async def test_related_episodes_that_share_every_tag_come_before_newer_ones_that_share_fewer(
    session: AsyncSession,
) -> None:
    await add_episode(session, 1, tags=["caddy", "tls"])  # the episode itself
    for number in (2, 3):
        await add_episode(session, number, tags=["caddy", "tls", "http3"])  # every tag, and more
    await add_episode(session, 4, tags=["tls"])  # one, newest
    await add_unreleased(session, ["caddy", "tls"])

    related = await queries.list_related_episodes(session, 1, ["caddy", "tls"])
    assert [episode.number for episode in related] == [3, 2, 4]
    # Enough that share every tag: the newer one that shares fewer is left out.
    related = await queries.list_related_episodes(session, 1, ["caddy", "tls"], limit=2)
    assert [episode.number for episode in related] == [3, 2]
