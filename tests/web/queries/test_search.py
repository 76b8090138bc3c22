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


async def test_the_total_stops_at_the_cap_and_says_so(session: AsyncSession) -> None:
    for number in range(1, queries.MAX_SEARCH_RESULTS + 1):
        await add_episode(session, number, summary="Caching again.")
    await add_episode(session, queries.MAX_SEARCH_RESULTS + 1, summary="Caching, the last.")

    capped = await queries.search_episodes(session, "caching")
    exact = await queries.search_episodes(session, "caching -last")

    assert (capped.total, capped.capped) == (queries.MAX_SEARCH_RESULTS, True)
    assert (exact.total, exact.capped) == (queries.MAX_SEARCH_RESULTS, False)


async def test_transcript_matches_are_read_only_for_the_pages_that_reach_them(
    session: AsyncSession,
) -> None:
    await add_episode(session, 1, transcript="[00:00:01] Ada: backups")
    for number in range(2, 5):
        await add_episode(session, number, title=f"Backups, part {number}")

    ranked = await queries.search_episodes(session, "backups", limit=3)
    both = await queries.search_episodes(session, "backups", offset=2, limit=2)

    assert [hit.number for hit in ranked.hits] == [4, 3, 2] and ranked.total == 4
    assert [(hit.number, hit.matched_in_transcript_only) for hit in both.hits] == [
        (2, False), (1, True),
    ]  # fmt: skip
