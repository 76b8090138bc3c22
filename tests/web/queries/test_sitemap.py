"""What the sitemap reads: every public episode's URL parts, the slug of each guest with a page."""

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode, add_guest


async def test_the_sitemap_reads_every_episode_and_guest(session: AsyncSession) -> None:
    zoe = await add_guest(session, "zoe-example")
    ada = await add_guest(session, "ada-example")
    await add_guest(session, "bob-example")  # on nothing public yet: no page
    await add_episode(session, 1, transcript="[00:00:01] Ada: Hi.", guests=[ada])
    await add_episode(session, 2, guests=[zoe])

    urls = await queries.list_episode_urls(session)

    assert [(url.number, url.has_transcript) for url in urls] == [(2, False), (1, True)]
    assert list(await queries.list_guest_slugs(session)) == ["ada-example", "zoe-example"]


async def test_the_sitemap_reads_the_topics_of_public_episodes(session: AsyncSession) -> None:
    await add_episode(session, 1, tags=["uv", "docker"])
    await add_episode(session, 2, tags=["hidden"], status="draft")

    assert [topic.slug for topic in await queries.list_topics(session)] == ["docker", "uv"]
