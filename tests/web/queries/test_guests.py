"""Reading guests: the list with their appearances, one guest, their episodes a page at a time."""

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode, add_guest


async def test_guests_are_listed_by_name_with_how_often_they_appeared(
    session: AsyncSession,
) -> None:
    zoe = await add_guest(session, "zoe-example", name="Zoe")
    ada = await add_guest(session, "ada-example", name="Ada")
    await add_episode(session, 1, guests=[zoe, ada])
    await add_episode(session, 2, guests=[zoe])
    # A guest of nothing public yet: listing them would announce the episode.
    await add_guest(session, "bob-example", name="Bob")

    assert [(g.name, g.appearances) for g in await queries.list_guests(session)] == [
        ("Ada", 1),
        ("Zoe", 2),
    ]


async def test_a_guests_episodes_come_newest_first_a_page_at_a_time(
    session: AsyncSession,
) -> None:
    ada = await add_guest(session, "ada-example")
    for number in range(1, 5):
        await add_episode(session, number, guests=[ada] if number != 3 else [])

    guest = await queries.get_guest(session, "ada-example")

    assert guest is not None and guest.appearances == 3
    page = await queries.list_guest_episodes(session, guest.id, offset=1, limit=5)
    assert [episode.number for episode in page] == [2, 1]
    assert await queries.get_guest(session, "nobody") is None
