"""Paging: the slice a page shows, page numbers written plainly, links that keep what counts."""

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession
from werkzeug.exceptions import NotFound

from podcast_site.web.paging import MAX_PAGE, Page, page_of, requested_page
from tests.web.factories import add_episode


def test_a_page_knows_its_offset_and_how_many_pages_there_are() -> None:
    assert (Page(3, 20, 45).offset, Page(3, 20, 45).count) == (40, 3)
    assert Page(1, 20, 0).count == 1  # an empty list is still one page


@pytest.mark.parametrize(
    ("query", "number"), [({}, 1), ({"page": "2"}, 2), ({"page": str(MAX_PAGE)}, MAX_PAGE)]
)
async def test_the_requested_page_is_read_from_the_query(
    app: Quart, query: dict[str, str], number: int
) -> None:
    async with app.test_request_context("/episodes", query_string=query):
        assert requested_page() == number


@pytest.mark.parametrize("raw", ["0", "-1", "02", "+2", "2.0", "x", str(MAX_PAGE + 1), "9" * 5000])
async def test_a_page_number_that_cannot_be_is_a_404(app: Quart, raw: str) -> None:
    async with app.test_request_context("/episodes", query_string={"page": raw}):
        with pytest.raises(NotFound):
            requested_page()


async def test_a_page_past_the_end_is_a_404(app: Quart) -> None:
    async with app.test_request_context("/episodes", query_string={"page": "3"}):
        with pytest.raises(NotFound):
            page_of(20, 40)


async def test_pager_links_keep_the_views_parameters_and_drop_the_rest(
    client: Client, session: AsyncSession
) -> None:
    for number in range(1, 60):
        await add_episode(session, number)

    page = await (await client.get("/episodes?page=2&utm_source=x")).get_data(as_text=True)

    assert 'href="/episodes"' in page  # the first page has no ?page=
    assert "utm_source" not in page
