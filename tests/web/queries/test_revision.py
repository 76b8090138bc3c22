"""The content revision: a new value after every content write, whatever wrote it."""

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode, add_guest


async def test_every_content_write_changes_the_revision(session: AsyncSession) -> None:
    before = await queries.get_content_revision(session)
    episode = await add_episode(session, 1)
    after_episode = await queries.get_content_revision(session)
    await add_guest(session)
    after_guest = await queries.get_content_revision(session)
    episode.title = "Renamed"
    await session.flush()

    assert (
        len({before, after_episode, after_guest, await queries.get_content_revision(session)}) == 4
    )
