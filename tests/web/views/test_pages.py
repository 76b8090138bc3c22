"""The HTML pages: home, guests, sponsors, errors, and the subscribe links they share."""

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site.content.importer import import_content
from podcast_site.content.reader import read_content
from podcast_site.core.settings import Settings
from podcast_site.views.pages import TOPIC_PAGE_EPISODES
from podcast_site.web.templating import read_navigation
from tests.web.factories import add_episode, add_guest
from tests.web.helpers import app_with_site_file, meta_properties, page_text, parse_html
from tests.web.paths import FIXTURE_CONTENT, FIXTURE_SITE_FILE


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
    "/topics",
    "/topics/deployment",
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


# The pages that tell a visitor how to follow the show.
SUBSCRIBE_PAGES = ["/", "/episodes/show/1/first-steps"]


def subscribe_links(document: ElementTree.Element) -> list[tuple[str, str]]:
    """Return the text and target of each link in a parsed page's subscribe section."""
    section = document.find(".//section[@class='subscribe']")
    assert section is not None
    return [("".join(link.itertext()), link.get("href") or "") for link in section.iter("a")]


def assert_feed_url_to_copy(document: ElementTree.Element) -> None:
    """Fail unless the page has the feed's address in a labelled, read-only field to copy."""
    field = document.find(".//input[@id='feed-url']")
    assert field is not None and field.get("value") == "http://localhost/episodes/rss"
    assert field.get("readonly") is not None
    label = document.find(".//label[@for='feed-url']")
    assert label is not None and label.text == "Feed URL, for any podcast app"
    # Shown by site.js where the browser can copy; without it, the field alone.
    button = document.find(".//button[@data-copies='feed-url']")
    assert button is not None and button.get("hidden") is not None
    assert button.text == "Copy feed URL"
    scripts = [script.get("src") or "" for script in document.iter("script")]
    assert any(re.fullmatch(r"/static/site\.[0-9a-f]{12}\.js", src) for src in scripts)


def support_links(document: ElementTree.Element) -> list[tuple[str, str]]:
    """Return the text and target of a parsed page's "support the show" links."""
    return [
        ("".join(link.itertext()), link.get("href") or "")
        for paragraph in document.iterfind(".//p[@class='support']")
        for link in paragraph.iter("a")
    ]


async def test_home_and_episode_pages_link_the_apps_then_the_feed_and_the_funding(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, slug="first-steps")

    for path in SUBSCRIBE_PAGES:
        document = parse_html(await page_text(client, path))
        assert subscribe_links(document) == [
            ("Apple Podcasts", "https://podcasts.apple.com/podcast/id1000000001"),
            ("Overcast", "https://overcast.fm/itunes1000000001"),
            ("Podverse & Co", "https://podverse.fm/podcast/test-cast"),
            ("Other app (podcast://)", "podcast://localhost/episodes/rss"),
            ("RSS feed", "/episodes/rss"),
        ], path
        assert_feed_url_to_copy(document)
        assert support_links(document) == [
            ("Buy the tests a coffee", "https://testcast.example/support")
        ], path


async def test_a_show_in_no_app_and_without_funding_links_the_feed_alone(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    await add_episode(session, 1, slug="first-steps")
    lines = FIXTURE_SITE_FILE.read_text().splitlines(keepends=True)
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        "".join(line for line in lines if not line.startswith(("subscribe", "funding")))
    )

    async with app_with_site_file(settings, sessionmaker, site_file) as app:
        for path in SUBSCRIBE_PAGES:
            page = await page_text(app.test_client(), path)
            document = parse_html(page)  # still valid HTML
            assert subscribe_links(document) == [("RSS feed", "/episodes/rss")], path
            assert_feed_url_to_copy(document)
            assert support_links(document) == [], path
            assert "podcast://" not in page and "coffee" not in page, path


async def test_home_sells_the_show_and_plays_the_newest_episode(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, title="The first one")
    await add_episode(session, 2, title="The newest one", tags=["caddy"])

    document = parse_html(await page_text(client, "/"))

    cover = document.find(".//{*}section[@class='intro']/{*}img")
    assert cover is not None and cover.get("src") == "/media/cover.png"
    newest = document.find(".//{*}section[@aria-labelledby='newest']")
    assert newest is not None
    assert "The newest one" in "".join(newest.itertext())
    player = newest.find(".//{*}audio")
    assert player is not None
    assert (player.get("preload"), player.get("src")) == (
        "none",
        "/episodes/download/2/episode-2.mp3",
    )
    assert document.find(".//{*}section[@class='subscribe']") is not None
    topic = document.find(".//{*}a[@class='topic']")
    assert topic is not None and topic.get("href") == "/topics/caddy"


async def test_the_header_links_the_navigation_list(client: Client) -> None:
    document = parse_html(await page_text(client, "/"))
    links = document.findall(".//{*}header//{*}ul//{*}a")
    assert [(link.get("href"), link.text) for link in links] == [
        (link.path, link.label) for link in read_navigation()
    ]


async def test_topics_lists_each_topic_with_its_count(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, tags=["caddy", "tls"])
    await add_episode(session, 2, tags=["caddy"])

    page = await page_text(client, "/topics")

    assert re.search(r'href="/topics/caddy">caddy</a>\s*<span class="meta">2 episodes', page)
    assert re.search(r'href="/topics/tls">tls</a>\s*<span class="meta">1 episode<', page)


async def test_a_topic_lists_its_episodes_a_page_at_a_time(
    client: Client, session: AsyncSession
) -> None:
    for number in range(1, TOPIC_PAGE_EPISODES + 3):
        await add_episode(session, number, tags=["uv"])
    await add_episode(session, 99, tags=["docker"])

    first = await page_text(client, "/topics/uv")
    second = await page_text(client, "/topics/uv?page=2")

    assert "Episodes about uv" in first and f"{TOPIC_PAGE_EPISODES + 2} episodes" in first
    assert 'href="/topics/uv?page=2"' in first
    assert 'href="/episodes/show/22/episode-22"' in first
    assert 'href="/episodes/show/2/episode-2"' in second
    assert 'href="/episodes/show/1/episode-1"' in second
    assert "episode-99" not in first + second


async def test_an_unknown_topic_or_page_is_a_404_and_bad_input_a_4xx(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, tags=["uv"])
    await add_episode(session, 2, tags=["secret"], status="draft")

    for path in ("/topics/no-such-topic", "/topics/secret", "/topics/uv?page=2"):
        assert (await client.get(path)).status_code == 404, path
    for path in ("/topics/uv?page=0", "/topics/uv?page=x", "/topics/UV!", "/topics/uv?page=%00"):
        assert 400 <= (await client.get(path)).status_code < 500, path


async def test_an_episode_page_links_its_topics_and_related_episodes(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, tags=["caddy", "tls"])
    await add_episode(session, 2, tags=["tls"], title="Shares one")
    await add_episode(session, 3, tags=["caddy", "tls"], title="Shares two")
    await add_episode(session, 4, tags=["caddy"], status="draft", title="A draft")

    document = parse_html(await page_text(client, "/episodes/show/1/episode-1"))

    topics = [link.get("href") for link in document.iterfind(".//{*}a[@class='topic']")]
    assert topics == ["/topics/caddy", "/topics/tls"]
    related = document.find(".//{*}section[@aria-labelledby='related']")
    assert related is not None
    titles = [link.text for link in related.iterfind(".//{*}a")]
    assert titles == ["#3: Shares two", "#2: Shares one"]


async def test_the_home_plays_the_newest_episode_not_a_trailer_and_shows_its_art(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, title="The first one")
    await add_episode(session, 2, title="The newest one", image_url="art/2.png")
    await add_episode(session, 3, title="The trailer", episode_type="trailer")

    document = parse_html(await page_text(client, "/"))

    newest = document.find(".//{*}section[@aria-labelledby='newest']")
    assert newest is not None
    assert "The newest one" in "".join(newest.itertext())
    player = newest.find(".//{*}audio")
    assert player is not None and player.get("src") == "/episodes/download/2/episode-2.mp3"
    art = newest.find(".//{*}img")
    assert art is not None and art.get("class") == "episode-art"
    assert (art.get("src") or "").endswith("/media/art/2.png")
    assert (art.get("width"), art.get("height")) == ("120", "120")
    assert art.get("alt") == "The art of “The newest one”"
    # The trailer is still the newest in the list, labelled and unnumbered.
    items = document.findall(".//{*}ol[@class='episode-list']/{*}li")
    assert "The trailer" in "".join(items[0].itertext())
    assert "#3" not in "".join(items[0].itertext())


async def test_the_home_of_a_show_with_a_trailer_alone_plays_it(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, title="Coming soon", episode_type="trailer")

    document = parse_html(await page_text(client, "/"))

    newest = document.find(".//{*}section[@aria-labelledby='newest']")
    assert newest is not None and "Coming soon" in "".join(newest.itertext())
    # Without art of its own: the cover is just above, so no second picture.
    assert newest.find(".//{*}img") is None
