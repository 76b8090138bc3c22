"""The HTML pages: home, guests, sponsors and errors."""

import re

from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.content.importer import import_content
from podcast_site.content.reader import read_content
from tests.web.factories import add_episode, add_guest
from tests.web.helpers import meta_properties, page_text, parse_html
from tests.web.paths import FIXTURE_CONTENT


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


# Every page a visitor can reach, with the fixture show loaded; content pages
# name their canonical URL, the others none.
CONTENT_PAGES = [
    "/",
    "/episodes",
    "/episodes/show/1/first-steps",
    "/episodes/transcript/1/first-steps",
    "/guests",
    "/guests/ada-example",
    "/sponsors",
]
OTHER_PAGES = ["/search", "/search?q=caching", "/newsletter"]


async def test_every_page_is_valid_html_and_shares_well(
    client: Client, session: AsyncSession
) -> None:
    await import_content(session, read_content(FIXTURE_CONTENT))

    for path in CONTENT_PAGES + OTHER_PAGES:
        document = parse_html(await page_text(client, path))  # raises on any parse error
        meta = meta_properties(document)
        assert meta["og:site_name"] == "Test Cast", path
        assert meta["og:title"] and meta["og:description"] == meta["description"], path
        assert meta["og:type"] == "website", path
        assert meta["og:image"] == "http://localhost/media/cover.png", path
        assert meta["twitter:card"] == "summary", path
        canonical = [
            link.get("href") for link in document.iter("link") if link.get("rel") == "canonical"
        ]
        if path in CONTENT_PAGES:
            assert canonical == [f"http://localhost{path}"] == [meta["og:url"]], path
        else:
            assert canonical == [] and "og:url" not in meta, path


async def test_a_tracking_query_string_keeps_the_canonical_url(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven")
    document = parse_html(await page_text(client, "/episodes/show/7/seven?utm_source=mastodon"))
    assert meta_properties(document)["og:url"] == "http://localhost/episodes/show/7/seven"


async def test_an_episode_shares_its_title_summary_and_audio(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven", title="Tested & <backed> up", summary="Why.")

    meta = meta_properties(parse_html(await page_text(client, "/episodes/show/7/seven")))

    assert meta["og:title"] == "Tested & <backed> up"
    assert meta["og:description"] == "Why."
    assert meta["og:audio"] == "http://localhost/episodes/download/7/seven.mp3"
    assert meta["og:audio:type"] == "audio/mpeg"


async def test_the_error_page_is_valid_html_without_a_canonical_url(client: Client) -> None:
    document = parse_html(await page_text(client, "/no/such/page", status=404))
    assert "og:url" not in meta_properties(document)


async def test_a_guest_with_many_episodes_pages_them(client: Client, session: AsyncSession) -> None:
    guest = await add_guest(session, "busy-example", name="Busy Example")
    other = await add_guest(session, "other-example", name="Other Example")
    for number in range(1, 26):
        await add_episode(session, number, guests=[guest, other] if number == 25 else [guest])

    first = await page_text(client, "/guests/busy-example")
    second = await page_text(client, "/guests/busy-example?page=2")

    assert first.count('class="episode-number"') == 20 and "#25" in first
    assert "with Busy Example, Other Example" in first  # every guest of each episode
    assert second.count('class="episode-number"') == 5 and "#1<" in second
    assert 'rel="next" href="/guests/busy-example?page=2"' in first
    assert (await client.get("/guests/busy-example?page=3")).status_code == 404
    listing = await page_text(client, "/guests")
    assert re.search(r"Busy Example</a>\s*<p class=\"meta\">25 episodes", listing)
