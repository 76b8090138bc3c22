"""Reading episodes: lists newest first with their guests, one episode whole, the feed's."""

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode, add_guest, add_sponsor


async def test_a_list_is_newest_first_a_page_at_a_time_with_each_ones_guests(
    session: AsyncSession,
) -> None:
    ada = await add_guest(session, "ada-example", name="Ada")
    bob = await add_guest(session, "bob-example", name="Bob")
    for number in range(1, 6):
        await add_episode(session, number, guests=[bob, ada] if number == 4 else [])

    page = await queries.list_episodes(session, offset=1, limit=2)

    assert [episode.number for episode in page] == [4, 3]
    assert [guest.name for guest in page[0].guests] == ["Ada", "Bob"]  # by name
    assert page[1].guests == ()
    assert await queries.count_episodes(session) == 5


async def test_one_episode_comes_whole_or_not_at_all(session: AsyncSession) -> None:
    sponsor = await add_sponsor(session, "acme", name="Acme")
    notes = "<p>Notes</p>"
    await add_episode(session, 7, show_notes_html=notes, sponsors=[sponsor], tags=["caddy"])

    episode = await queries.get_episode(session, 7)

    assert episode is not None
    assert (episode.show_notes_html, episode.tags) == (notes, ["caddy"])
    assert [card.name for card in episode.sponsors] == ["Acme"]
    assert await queries.get_episode(session, 8) is None


async def test_feed_items_carry_the_notes_but_no_sponsors(session: AsyncSession) -> None:
    sponsor = await add_sponsor(session)
    await add_episode(session, 1, show_notes_html="<p>One</p>", sponsors=[sponsor])

    (item,) = await queries.list_feed_episodes(session, limit=10)

    assert item.show_notes_html == "<p>One</p>" and item.sponsors == ()


async def test_a_transcript_and_chapters_are_read_only_by_their_own_queries(
    session: AsyncSession,
) -> None:
    chapters = [{"start": 0, "title": "Hello"}]
    await add_episode(session, 2, transcript="[00:00:01] Ada: Hi.", chapters=chapters)

    transcript = await queries.get_episode_transcript(session, 2)
    found = await queries.get_episode_chapters(session, 2)

    assert transcript is not None and transcript.transcript == "[00:00:01] Ada: Hi."
    assert found is not None and found.chapters == chapters
    (item,) = await queries.list_episodes(session)
    assert item.has_transcript and not hasattr(item, "transcript")
