"""The HTML pages: home, guests, sponsors, errors and static URLs."""

import re

from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from tests.web.factories import add_episode, add_guest


async def test_home_lists_the_latest_episodes_newest_first(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, "grace-example", name="Grace Example")
    await add_episode(session, 1, title="The first one")
    await add_episode(session, 2, title="The second one", guests=[guest])

    response = await client.get("/")

    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert page.index("The second one") < page.index("The first one")
    assert "with Grace Example" in page
    assert 'href="/episodes/show/2/episode-2"' in page


async def test_home_without_episodes_says_so(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "No episodes yet." in await response.get_data(as_text=True)


async def test_an_unknown_url_is_a_404_page_in_the_site_layout(
    client: Client,
) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert 'class="site-header"' in await response.get_data(as_text=True)


async def test_pages_carry_an_etag_and_answer_a_repeat_with_304(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1)
    first = await client.get("/")
    etag = first.headers["ETag"]

    repeat = await client.get("/", headers={"If-None-Match": etag})

    assert repeat.status_code == 304
    assert await repeat.get_data() == b""


async def test_static_urls_carry_a_content_hash_and_are_served(client: Client) -> None:
    page = await (await client.get("/")).get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the stylesheet is linked by its content-hashed name"
    # Caddy serves these; the app serves them too, for a Caddy from another deploy.
    response = await client.get(stylesheet[1])
    assert response.status_code == 200
    assert b".site-header" in await response.get_data()
