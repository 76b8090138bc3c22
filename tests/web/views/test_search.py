"""Full-text search: ranking, highlighting, and any input a person can type."""

from urllib.parse import quote

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from tests.web.factories import add_episode
from tests.web.helpers import page_text


@pytest.fixture
async def searchable(session: AsyncSession) -> None:
    """Three episodes that mention 'backups' in different places."""
    await add_episode(session, 1, title="Backups you have tested", summary="Restores.")
    await add_episode(session, 2, title="Caching", summary="About caches.",
                      transcript="[00:01:00] Ada: we talked about backups once")  # fmt: skip
    await add_episode(session, 3, title="Logs", summary="Nothing here <b>bold</b> & more.")


@pytest.mark.usefixtures("searchable")
async def test_a_title_match_ranks_above_a_transcript_match(client: Client) -> None:
    page = await page_text(client, "/search?q=backups")
    assert "2 episodes found" in page
    assert page.index("Backups you have tested") < page.index("Caching")
    assert "Logs</a>" not in page


@pytest.mark.usefixtures("searchable")
async def test_only_transcript_matches_point_at_the_transcript(client: Client) -> None:
    page = await page_text(client, "/search?q=backups")
    assert page.count("Mentioned in the") == 1
    assert 'href="/episodes/transcript/2/episode-2"' in page
    assert "/episodes/transcript/1/" not in page  # a title match, and no transcript


@pytest.mark.usefixtures("searchable")
async def test_snippets_highlight_matches_and_escape_the_text(client: Client) -> None:
    page = await page_text(client, "/search?q=nothing")
    assert "<mark>Nothing</mark> here" in page
    # Postgres drops tags from snippets; what is left is escaped, never markup.
    assert "<b>bold</b>" not in page and "bold  &amp; more" in page


@pytest.mark.usefixtures("searchable")
async def test_phrases_and_exclusions_work_as_typed(client: Client) -> None:
    assert "1 episode found" in await page_text(client, "/search?q=backups+-caching")
    assert "1 episode found" in await page_text(client, '/search?q="you+have+tested"')


async def test_results_come_a_page_at_a_time_ranked_matches_first(
    client: Client, session: AsyncSession
) -> None:
    for number in range(1, 26):
        await add_episode(session, number, transcript="[00:00:01] Ada: a word on backups")
    await add_episode(session, 26, title="Backups, at last")
    first = await page_text(client, "/search?q=backups")
    assert "26 episodes found" in first and "Page 1 of 2" in first
    # The title match leads; transcript-only matches follow, newest first.
    assert first.index("Backups, at last") < first.index("#25<") < first.index("#7<")
    assert 'href="/search?q=backups&amp;page=2"' in first
    second = await page_text(client, "/search?q=backups&page=2")
    assert "#6<" in second and "#1<" in second and "#7<" not in second
    await page_text(client, "/search?q=backups&page=3", status=404)


async def test_counting_stops_past_the_results_a_search_shows(
    client: Client, session: AsyncSession
) -> None:
    for number in range(1, queries.MAX_SEARCH_RESULTS + 3):
        await add_episode(session, number, transcript="[00:00:01] Ada: a word on backups")
    first = await page_text(client, "/search?q=backups")
    assert f"More than {queries.MAX_SEARCH_RESULTS} episodes found" in first
    last_page = queries.MAX_SEARCH_RESULTS // 20
    assert f"Page 1 of {last_page}" in first
    last = await page_text(client, f"/search?q=backups&page={last_page}")
    assert "#3<" in last and "#2<" not in last  # newest first, the oldest two not shown
    await page_text(client, f"/search?q=backups&page={last_page + 1}", status=404)


async def test_a_trailer_is_found_without_a_number(client: Client, session: AsyncSession) -> None:
    await add_episode(session, 9, title="Backups, the trailer", episode_type="trailer")
    page = await page_text(client, "/search?q=backups")
    assert "Backups, the trailer" in page and "#9" not in page


async def test_an_empty_query_shows_just_the_form(client: Client) -> None:
    page = await page_text(client, "/search?q=+++")
    assert 'role="search"' in page and "found" not in page


@pytest.mark.usefixtures("searchable")
@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""""',
        "&|!:*",
        "(((",
        "-",
        "or",
        "the",
        "backups & | ! caching",
        "'; DROP TABLE episodes; --",
        "1 OR 1=1",
        "ünïcödé 日本語 🎙️ backups",
        "<script>alert(1)</script>",
        "a:*",
    ],
)
async def test_odd_queries_get_a_clean_page_never_a_500(client: Client, query: str) -> None:
    response = await client.get(f"/search?q={quote(query, safe='%')}")
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert 'role="search"' in page
    assert "<script>alert(1)</script>" not in page


async def test_a_huge_query_is_a_400_with_a_message(client: Client) -> None:
    page = await page_text(client, "/search?q=" + "backups+" * 100, status=400)
    assert "Please shorten your search to 200 characters or fewer." in page
