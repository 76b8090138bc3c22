"""Searching: matches in the title, summary or notes rank first; transcript-only ones follow."""

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode


async def test_ranked_matches_come_first_then_transcript_matches_newest_first(
    session: AsyncSession,
) -> None:
    await add_episode(session, 1, transcript="[00:00:01] Ada: we talked about backups")
    await add_episode(session, 2, title="Backups you have tested")
    await add_episode(session, 3, transcript="[00:00:01] Bob: backups again")
    await add_episode(session, 4, title="Nothing to see")

    found = await queries.search_episodes(session, "backups")

    assert found.total == 3
    assert [hit.number for hit in found.hits] == [2, 3, 1]
    assert [hit.matched_in_transcript_only for hit in found.hits] == [False, True, True]


async def test_the_total_counts_every_match_whatever_the_page(session: AsyncSession) -> None:
    for number in range(1, 6):
        await add_episode(session, number, title=f"Caching, part {number}")

    found = await queries.search_episodes(session, "caching", offset=4, limit=2)

    assert found.total == 5 and [hit.number for hit in found.hits] == [1]


async def test_the_snippet_marks_the_match(session: AsyncSession) -> None:
    await add_episode(session, 1, summary="How we restore a backup every week.")

    (hit,) = (await queries.search_episodes(session, "restore")).hits

    assert f"{queries.HIGHLIGHT_START}restore{queries.HIGHLIGHT_STOP}" in hit.snippet
