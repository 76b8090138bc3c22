"""The podcast feed, the sitemaps and robots.txt, read by real parsers."""

import io
import json
import uuid
import xml.etree.ElementTree as ElementTree
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import feedparser
import podcastparser
import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site.app import create_app
from podcast_site.core.database import get_database
from podcast_site.core.models import Episode
from podcast_site.core.settings import Settings
from podcast_site.core.show import read_show
from podcast_site.views.feeds import chapter_line, podcast_guid, rfc2822
from tests.web.factories import add_episode, add_guest
from tests.web.helpers import page_text
from tests.web.paths import FIXTURE_SITE_FILE

NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
CONTENT = "http://purl.org/rss/1.0/modules/content/"


async def feed_text(client: Client) -> str:
    response = await client.get("/episodes/rss")
    assert response.status_code == 200
    assert response.content_type == "application/rss+xml; charset=utf-8"
    return await response.get_data(as_text=True)


def parse_podcast(feed: str) -> dict[str, object]:
    """Parse the feed the way gPodder and other podcast apps do."""
    parsed: dict[str, object] = podcastparser.parse(
        "http://localhost/episodes/rss", io.BytesIO(feed.encode())
    )
    return parsed


async def test_every_episode_has_enclosure_duration_and_guid(
    client: Client, session: AsyncSession
) -> None:
    for number in (1, 2, 3):
        await add_episode(
            session, number, duration_seconds=3000 + number, audio_bytes=48_000_000 + number
        )

    podcast = parse_podcast(await feed_text(client))

    episodes = podcast["episodes"]
    assert isinstance(episodes, list) and len(episodes) == 3
    for parsed in episodes:
        number = parsed["number"]
        (enclosure,) = parsed["enclosures"]
        assert enclosure["url"] == (
            f"http://localhost/episodes/download/{number}/episode-{number}.mp3"
        )
        assert enclosure["file_size"] == 48_000_000 + number
        assert enclosure["mime_type"] == "audio/mpeg"
        assert parsed["total_time"] == 3000 + number
        assert len(parsed["guid"]) == 36 and not parsed["guid"].startswith("http")


async def test_a_media_prefix_url_puts_a_third_party_counter_in_front_of_every_enclosure(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await add_episode(session, 1)
    app = create_app(settings.model_copy(update={"media_prefix_url": "https://op3.dev/e/"}))
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        podcast = parse_podcast(await feed_text(app.test_client()))

    episodes = podcast["episodes"]
    assert isinstance(episodes, list)
    (enclosure,) = episodes[0]["enclosures"]
    # OP3 (and Podtrac, Blubrry) count it, then redirect to ours, which counts too.
    assert enclosure["url"] == "https://op3.dev/e/localhost/episodes/download/1/episode-1.mp3"


async def test_the_channel_carries_apples_tags(client: Client, session: AsyncSession) -> None:
    await add_episode(session, 1)
    channel = ElementTree.fromstring(await feed_text(client)).find("channel")
    assert channel is not None

    assert channel.findtext("itunes:author", namespaces=NAMESPACES) == "Tess Host"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NAMESPACES)
    image = channel.find("itunes:image", NAMESPACES)
    assert image is not None and image.get("href") == "http://localhost/media/cover.png"
    category = channel.find("itunes:category", NAMESPACES)
    assert category is not None and category.get("text") == "Technology"
    # No subcategory in site.toml: none in the feed, which parsers still read as valid.
    assert list(category) == []
    parsed = feedparser.parse(await feed_text(client))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [tag.term for tag in parsed.feed.tags] == ["Technology"]
    assert channel.findtext("itunes:explicit", namespaces=NAMESPACES) == "false"
    assert channel.findtext("itunes:type", namespaces=NAMESPACES) == "episodic"
    self_link = channel.find("atom:link", NAMESPACES)
    assert self_link is not None and self_link.get("rel") == "self"
    assert self_link.get("href") == "http://localhost/episodes/rss"
    item = channel.find("item")
    assert item is not None
    assert item.findtext("itunes:episode", namespaces=NAMESPACES) == "1"
    assert item.findtext("itunes:summary", namespaces=NAMESPACES) == "What episode 1 is about."
    published = parsedate_to_datetime(item.findtext("pubDate") or "")
    assert published.isoformat() == "2026-01-13T00:00:00+00:00"


# What the Podcasting 2.0 namespace documents for the tags the feed uses.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
TRANSCRIPT_TYPES = {"text/vtt", "application/x-subrip", "text/html", "application/json"}
CAST_ROLES = {"host", "co-host", "guest"}  # the taxonomy's roles in the group "cast"
EPISODE_TYPES = {"full", "trailer", "bonus"}
CHAPTERS = [
    {"start": 0, "title": "Welcome"},
    {"start": 95, "title": "Backups & <restores>", "url": "https://docs.test.example/backups"},
]


def podcast(element: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    """Return an element's children in the podcast namespace with the given name."""
    return element.findall(f"podcast:{tag}", NAMESPACES)


def assert_absolute(url: str | None) -> str:
    """Check that a URL in the feed is absolute (http in tests, https through Caddy)."""
    assert url is not None and urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc
    return url


async def fetch(client: Client, url: str, mimetype: str) -> str:
    """Request a URL the feed links to, through the app, and check its status and type."""
    response = await client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    assert response.mimetype == mimetype, url
    return await response.get_data(as_text=True)


async def add_full_episode(session: AsyncSession) -> None:
    """Add episode 1 with two guests (one with a photo), a transcript and chapters."""
    ada = await add_guest(
        session, "ada-example", name="Ada", photo_url="https://img.test.example/a.jpg"
    )
    bob = await add_guest(session, "bob-example", name="Bob")
    transcript = "[00:00:00] Tess: Hi.\n\n[00:01:35] Ada: Backups."
    await add_episode(session, 1, guests=[ada, bob], transcript=transcript, chapters=CHAPTERS)


async def test_the_channel_carries_the_podcasting_2_tags(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1)
    channel = ElementTree.fromstring(await feed_text(client)).find("channel")
    assert channel is not None

    (guid,) = podcast(channel, "guid")
    # The namespace's recipe: the feed's URL without scheme and trailing slash.
    assert guid.text == str(uuid.uuid5(PODCAST_GUID_NAMESPACE, "localhost/episodes/rss"))
    (locked,) = podcast(channel, "locked")
    assert (locked.text, locked.get("owner")) == ("yes", "owner@testcast.example")
    (funding,) = podcast(channel, "funding")
    assert funding.get("url") == "https://testcast.example/support"
    assert funding.text and len(funding.text) <= 128
    (host,) = podcast(channel, "person")
    assert host.text == "Tess Host" and host.get("role") == "host"
    assert host.get("href") == "https://tess.test.example"
    assert assert_absolute(host.get("img")) == "http://localhost/media/tess.jpg"


def test_the_podcast_guid_follows_the_namespace_or_site_toml() -> None:
    show = read_show(FIXTURE_SITE_FILE)
    # The namespace's own examples, however the URL is written.
    assert podcast_guid(show, "https://podnews.net/rss/") == (
        "9b024349-ccf0-5f69-a609-6b82873eab3c"
    )
    assert podcast_guid(show, "http://mp3s.nashownotes.com/pc20rss.xml") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )
    kept = uuid.UUID("917393e3-1b1e-5cef-ace4-edaa54e1f810")
    moved = show.model_copy(update={"podcast_guid": kept})
    assert podcast_guid(moved, "https://new-domain.example/episodes/rss") == str(kept)


async def test_site_toml_can_set_the_guid_and_unlock_the_feed(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text()
        + 'podcast_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"\nlocked = false\n'
    )
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    async with app.test_app():
        get_database(app).sessionmaker = sessionmaker
        channel = ElementTree.fromstring(await feed_text(app.test_client())).find("channel")

    assert channel is not None
    assert podcast(channel, "guid")[0].text == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast(channel, "locked")[0].text == "no"


async def test_the_feed_names_the_websub_hubs_site_toml_lists(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    site_file = tmp_path / "site.toml"
    hubs = ["https://pubsubhubbub.appspot.com/", "https://hub.test.example/"]
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text() + f"websub_hubs = {hubs!r}\n".replace("'", '"')
    )
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    async with app.test_app():
        get_database(app).sessionmaker = sessionmaker
        channel = ElementTree.fromstring(await feed_text(app.test_client())).find("channel")

    assert channel is not None
    links = channel.findall("{http://www.w3.org/2005/Atom}link")
    assert [link.get("href") for link in links if link.get("rel") == "hub"] == hubs


async def test_the_feed_carries_the_newest_and_pages_the_rest_as_rfc_5005_says(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    for number in range(1, 6):
        await add_episode(session, number)
    site_file = tmp_path / "site.toml"
    site_file.write_text(FIXTURE_SITE_FILE.read_text() + "feed_episodes = 2\n")
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    feed = "http://localhost/episodes/rss"
    pages = {}
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        client = app.test_client()
        for query in ("", "?page=2", "?page=3", "?page=4", "?page=0", "?page=x"):
            # A tracking parameter an app adds must not leak into the links.
            tracked = f"{query}&utm_source=app" if query else "?utm_source=app"
            response = await client.get(f"/episodes/rss{tracked}")
            pages[query] = (response.status_code, await response.get_data(as_text=True))

    assert {query: status for query, (status, _) in pages.items()} == {
        "": 200, "?page=2": 200, "?page=3": 200, "?page=4": 404, "?page=0": 404, "?page=x": 404,
    }  # fmt: skip
    for query, numbers, links in (
        ("", [5, 4], {"self": feed, "first": feed, "next": f"{feed}?page=2"}),
        ("?page=2", [3, 2], {"self": f"{feed}?page=2", "previous": feed, "next": f"{feed}?page=3"}),
        ("?page=3", [1], {"self": f"{feed}?page=3", "previous": f"{feed}?page=2"}),
    ):
        parsed = feedparser.parse(pages[query][1])
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [int(entry.itunes_episode) for entry in parsed.entries] == numbers
        found = {link.rel: link.href for link in parsed.feed.links if link.rel != "alternate"}
        assert found == links | {"first": feed, "last": f"{feed}?page=3"}
        # Every page is the same show to an app; the first says when it last changed.
        assert parse_podcast(pages[query][1])["title"] == "Test Cast"
        assert ("<lastBuildDate>" in pages[query][1]) == (query == "")


async def test_a_feed_of_one_page_links_only_itself(client: Client, session: AsyncSession) -> None:
    await add_episode(session, 1)

    parsed = feedparser.parse(await feed_text(client))

    assert [(link.rel, link.href) for link in parsed.feed.links if link.rel != "alternate"] == [
        ("self", "http://localhost/episodes/rss")
    ]


async def test_an_item_with_guests_names_them_and_the_host_again(
    client: Client, session: AsyncSession
) -> None:
    await add_full_episode(session)
    await add_episode(session, 2)
    solo, with_guests = ElementTree.fromstring(await feed_text(client)).findall("channel/item")

    # An item's people replace the channel's: a solo episode names none, so
    # the channel's host stands; one with guests names the host again.
    assert podcast(solo, "person") == []
    host, ada, bob = podcast(with_guests, "person")
    assert (host.text, host.get("role")) == ("Tess Host", "host")
    for person in (host, ada, bob):
        assert person.get("role") in CAST_ROLES and person.get("group", "cast") == "cast"
    assert [(ada.text, ada.get("role")), (bob.text, bob.get("role"))] == [
        ("Ada", "guest"),
        ("Bob", "guest"),
    ]
    assert ada.get("img") == "https://img.test.example/a.jpg" and bob.get("img") is None
    for guest in (ada, bob):
        await fetch(client, assert_absolute(guest.get("href")), "text/html")


async def test_transcripts_come_as_webvtt_srt_and_html_at_urls_that_answer(
    client: Client, session: AsyncSession
) -> None:
    await add_full_episode(session)
    await add_episode(session, 2)
    solo, with_transcript = ElementTree.fromstring(await feed_text(client)).findall("channel/item")

    assert podcast(solo, "transcript") == []
    transcripts = podcast(with_transcript, "transcript")
    assert [t.get("type") for t in transcripts] == ["text/vtt", "application/x-subrip", "text/html"]
    for transcript in transcripts:
        assert transcript.get("type") in TRANSCRIPT_TYPES
        url = assert_absolute(transcript.get("url"))
        body = await fetch(client, url, transcript.get("type") or "")
        assert "Backups." in body, url


async def test_chapters_link_a_json_chapters_file_that_follows_the_spec(
    client: Client, session: AsyncSession
) -> None:
    await add_full_episode(session)
    await add_episode(session, 2)
    solo, with_chapters = ElementTree.fromstring(await feed_text(client)).findall("channel/item")

    assert podcast(solo, "chapters") == []
    (link,) = podcast(with_chapters, "chapters")
    assert link.get("type") == "application/json+chapters"
    document = json.loads(
        await fetch(client, assert_absolute(link.get("url")), "application/json+chapters")
    )

    assert isinstance(document["version"], str) and document["version"].startswith("1.2")
    assert (document["title"], document["podcastName"]) == ("Episode 1", "Test Cast")
    starts = [chapter["startTime"] for chapter in document["chapters"]]
    assert starts == sorted(starts) == [0, 95]
    assert all(isinstance(start, int | float) for start in starts)
    assert document["chapters"][1] == {
        "startTime": 95,
        "title": "Backups & <restores>",
        "url": "https://docs.test.example/backups",
    }


async def test_every_item_has_an_itunes_episode_number_and_type(
    client: Client, session: AsyncSession
) -> None:
    for number in (1, 2, 3):
        await add_episode(session, number)
    items = ElementTree.fromstring(await feed_text(client)).findall("channel/item")
    assert [item.findtext("itunes:episode", namespaces=NAMESPACES) for item in items] == [
        "3",
        "2",
        "1",
    ]
    assert {item.findtext("itunes:episodeType", namespaces=NAMESPACES) for item in items} <= (
        EPISODE_TYPES
    )


async def test_podcastparser_reads_the_podcasting_2_tags(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gPodder's parser knows the namespace only by its old GitHub URI; teach
    # it the current one, and its handlers read our tags as they read others'.
    monkeypatch.setitem(podcastparser.Namespace.NAMESPACES, NAMESPACES["podcast"], "podcast")
    await add_full_episode(session)

    parsed = parse_podcast(await feed_text(client))

    assert parsed["import_prohibited"] is True
    assert parsed["funding_url"] == "https://testcast.example/support"
    (episode,) = cast(list[dict[str, Any]], parsed["episodes"])
    assert [(p["name"], p["role"], p["group"]) for p in episode["persons"]] == [
        ("Tess Host", "host", "cast"),
        ("Ada", "guest", "cast"),
        ("Bob", "guest", "cast"),
    ]
    # It keeps one transcript, the last: the HTML page.
    assert episode["transcript_url"] == "http://localhost/episodes/transcript/1/episode-1"
    assert episode["chapters_json_url"] == "http://localhost/episodes/chapters/1/episode-1.json"
    assert episode["number"] == 1 and episode["type"] == "full"


async def test_feedparser_reads_the_feed_and_its_new_tags(
    client: Client, session: AsyncSession
) -> None:
    await add_full_episode(session)

    parsed = feedparser.parse(await feed_text(client))

    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.podcast_guid == str(
        uuid.uuid5(PODCAST_GUID_NAMESPACE, "localhost/episodes/rss")
    )
    assert parsed.feed.podcast_locked["owner"] == "owner@testcast.example"
    assert parsed.feed.podcast_funding["url"] == "https://testcast.example/support"
    (entry,) = parsed.entries
    assert (entry.itunes_episode, entry.itunes_episodetype) == ("1", "full")
    # feedparser keeps the attributes of the last of repeated tags.
    assert entry.podcast_person == {"role": "guest", "href": "http://localhost/guests/bob-example"}
    assert entry.podcast_chapters["type"] == "application/json+chapters"


async def test_guids_never_change_when_an_episode_is_edited(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 4)
    before = parse_podcast(await feed_text(client))["episodes"]

    await session.execute(update(Episode).values(title="Renamed", slug="renamed"))
    await session.flush()
    after = parse_podcast(await feed_text(client))["episodes"]

    assert isinstance(before, list) and isinstance(after, list)
    assert after[0]["title"] == "Renamed"
    assert after[0]["guid"] == before[0]["guid"]


async def test_an_episode_with_a_guid_keeps_it_verbatim_and_the_rest_derive_theirs(
    client: Client, session: AsyncSession
) -> None:
    # One brought from another host (make import-feed), one written here.
    await add_episode(session, 1, guid="Buzzsprout-12345678")
    await add_episode(session, 2)

    episodes = parse_podcast(await feed_text(client))["episodes"]

    assert isinstance(episodes, list)
    guids = {episode["number"]: episode["guid"] for episode in episodes}
    show = read_show(FIXTURE_SITE_FILE)
    assert guids == {1: "Buzzsprout-12345678", 2: str(uuid.uuid5(show.guid_namespace, "episode-2"))}


async def test_new_feed_url_in_site_toml_sends_apps_to_the_new_feed(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text() + 'new_feed_url = "https://new-home.example/feed.xml"\n'
    )
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    async with app.test_app():
        get_database(app).sessionmaker = sessionmaker
        feed = await feed_text(app.test_client())

    assert parse_podcast(feed)["new_url"] == "https://new-home.example/feed.xml"


async def test_without_new_feed_url_the_feed_names_no_other(client: Client) -> None:
    assert "new-feed-url" not in await feed_text(client)


async def test_any_text_makes_a_valid_feed(client: Client, session: AsyncSession) -> None:
    nasty = "Ampersands & <tags> \"quotes\" 'apostrophes' ]]> \x0b\x0c control ünï 🎙️"
    guest = await add_guest(session, name=nasty, photo_url=f"https://img.test.example/{nasty}")
    await add_episode(
        session, 1, title=nasty, summary=nasty, show_notes_html=f"<p>{nasty}</p>", guests=[guest]
    )

    feed = await feed_text(client)

    item = ElementTree.fromstring(feed).find("channel/item")  # raises on invalid XML
    assert item is not None
    expected = nasty.replace("\x0b", "").replace("\x0c", "")
    assert item.findtext("title") == expected
    assert item.findtext("description") == expected
    person = podcast(item, "person")[1]
    assert person.text == expected and person.get("img") == f"https://img.test.example/{expected}"
    episodes = parse_podcast(feed)["episodes"]
    # podcastparser squeezes runs of whitespace, as podcast apps show titles.
    assert isinstance(episodes, list) and episodes[0]["title"] == " ".join(expected.split())


async def test_the_feed_is_cacheable_and_a_repeat_is_a_304(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1)
    first = await client.get("/episodes/rss")
    assert first.headers["Cache-Control"] == "public, max-age=300"

    repeat = await client.get("/episodes/rss", headers={"If-None-Match": first.headers["ETag"]})

    assert repeat.status_code == 304


async def test_the_sitemap_index_lists_the_app_and_the_blog(client: Client) -> None:
    index = ElementTree.fromstring(await page_text(client, "/sitemap.xml"))
    locations = [loc.text for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locations == ["http://localhost/sitemap-site.xml", "http://localhost/blog/sitemap.xml"]


async def test_the_site_sitemap_lists_episodes_transcripts_guests_and_topics(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, transcript="[00:00:00] Jordan: hi", tags=["caddy"])
    await add_episode(session, 2)

    urlset = ElementTree.fromstring(await page_text(client, "/sitemap-site.xml"))

    locations = {
        loc.text for loc in urlset.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    }
    assert "http://localhost/episodes/show/1/episode-1" in locations
    assert "http://localhost/episodes/show/2/episode-2" in locations
    assert "http://localhost/episodes/transcript/1/episode-1" in locations
    assert "http://localhost/episodes/transcript/2/episode-2" not in locations
    assert "http://localhost/guests" in locations
    assert {"http://localhost/topics", "http://localhost/topics/caddy"} <= locations


async def test_robots_txt_points_at_the_sitemap_and_away_from_counters(client: Client) -> None:
    robots = await page_text(client, "/robots.txt")
    assert "Sitemap: http://localhost/sitemap.xml" in robots
    assert "Disallow: /episodes/download/" in robots
    assert "Disallow: /episodes/show/*?t=" in robots  # the same page, its audio elsewhere


async def test_seasons_types_and_episode_art_reach_the_apps(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, episode_type="trailer", season=1)
    await add_episode(session, 2, season=1, image_url="art/2.png", explicit=True)
    await add_episode(session, 3, episode_type="bonus")
    feed = await feed_text(client)

    bonus, full, trailer = cast(list[dict[str, Any]], parse_podcast(feed)["episodes"])
    assert (trailer["type"], trailer["season"]) == ("trailer", 1)
    assert (full["type"], full["season"], full["number"]) == ("full", 1, 2)
    assert full["episode_art_url"] == "http://localhost/media/art/2.png"
    assert (full["explicit"], bonus["explicit"], trailer["explicit"]) == (True, False, False)
    assert bonus["type"] == "bonus" and "season" not in bonus
    # A number on a trailer or bonus would tie it to "episode N" in Apple Podcasts.
    items = {
        item.findtext("title"): item
        for item in ElementTree.fromstring(feed).findall("channel/item")
    }
    assert items["Episode 2"].findtext("itunes:episode", namespaces=NAMESPACES) == "2"
    assert [number.text for number in podcast(items["Episode 2"], "episode")] == ["2"]
    for extra in ("Episode 1", "Episode 3"):
        assert items[extra].find("itunes:episode", NAMESPACES) is None
        assert podcast(items[extra], "episode") == []
    assert [s.text for s in podcast(items["Episode 2"], "season")] == ["1"]
    assert podcast(items["Episode 3"], "season") == []
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [entry.itunes_episodetype for entry in parsed.entries] == ["bonus", "full", "trailer"]
    assert parsed.entries[1].image.href == "http://localhost/media/art/2.png"


async def test_the_channel_names_every_public_trailer_as_the_namespace_says(
    client: Client, session: AsyncSession
) -> None:
    show_trailer = await add_episode(session, 1, episode_type="trailer", audio_bytes=1234)
    await add_episode(session, 2)
    await add_episode(session, 3, episode_type="trailer", season=2, title="S" * 200)
    await add_episode(session, 4, episode_type="trailer", status="draft")
    channel = ElementTree.fromstring(await feed_text(client)).find("channel")
    assert channel is not None

    season_two, first = podcast(channel, "trailer")
    assert first.attrib == {
        "url": "http://localhost/episodes/download/1/episode-1.mp3",
        "pubdate": rfc2822(show_trailer.published_at),
        "length": "1234",
        "type": "audio/mpeg",
    }
    assert first.text == "Episode 1"
    assert season_two.get("season") == "2"
    assert parsedate_to_datetime(season_two.get("pubdate") or "") > parsedate_to_datetime(
        first.get("pubdate") or ""
    )
    # The namespace asks for at most 128 characters.
    assert season_two.text == "S" * 127 + "…"


async def test_chapters_are_timestamped_lines_in_the_description_too(
    client: Client, session: AsyncSession
) -> None:
    await add_full_episode(session)
    await add_episode(session, 2, show_notes_html="<p>Notes.</p>")
    solo, with_chapters = ElementTree.fromstring(await feed_text(client)).findall("channel/item")

    assert with_chapters.findtext("description") == (
        "What episode 1 is about.\n\n00:00:00 Welcome\n00:01:35 Backups & <restores>"
    )
    html = with_chapters.findtext("content:encoded", namespaces={"content": CONTENT}) or ""
    assert html.endswith(
        '<ul><li>00:00:00 Welcome</li><li><a href="https://docs.test.example/backups">'
        "00:01:35 Backups &amp; &lt;restores&gt;</a></li></ul>"
    )
    assert solo.findtext("description") == "What episode 2 is about."
    assert solo.findtext("content:encoded", namespaces={"content": CONTENT}) == "<p>Notes.</p>"


def test_a_chapter_line_counts_hours_minutes_and_seconds() -> None:
    assert chapter_line({"start": 0, "title": "Hi"}) == "00:00:00 Hi"
    assert chapter_line({"start": 750, "title": "Backups"}) == "00:12:30 Backups"
    assert chapter_line({"start": 36_061, "title": "Late"}) == "10:01:01 Late"


DIRECTORY_FIELDS = """
subcategory = "How To"
copyright = "© 2027 Tess Host & friends"
show_type = "serial"
txt = [{ purpose = "applepodcastsverify", text = "05124" }, { text = "a note" }]

[update_frequency]
text = "Every other Monday"
rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
dtstart = 2027-03-01T06:00:00+01:00
"""


async def test_the_channel_carries_what_directories_read_from_site_toml(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    await add_episode(session, 1, season=1)
    await add_episode(session, 2, season=1)
    site_file = tmp_path / "site.toml"
    site = FIXTURE_SITE_FILE.read_text().replace('"Technology"', '"Education"')
    site_file.write_text(site + DIRECTORY_FIELDS)
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        feed = await feed_text(app.test_client())
    channel = ElementTree.fromstring(feed).find("channel")
    assert channel is not None

    (category,) = channel.findall("itunes:category", NAMESPACES)
    assert category.get("text") == "Education"
    assert [sub.get("text") for sub in category] == ["How To"]
    assert channel.findtext("copyright") == "© 2027 Tess Host & friends"
    assert channel.findtext("itunes:type", namespaces=NAMESPACES) == "serial"
    assert [(txt.get("purpose"), txt.text) for txt in podcast(channel, "txt")] == [
        ("applepodcastsverify", "05124"),
        (None, "a note"),
    ]
    (frequency,) = podcast(channel, "updateFrequency")
    assert frequency.text == "Every other Monday"
    assert frequency.attrib == {
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        "dtstart": "2027-03-01T05:00:00Z",
    }
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.rights == "© 2027 Tess Host & friends"
    assert [tag.term for tag in parsed.feed.tags] == ["Education", "How To"]
    # A serial show is offered from its first episode on.
    podcast_view = parse_podcast(feed)
    assert podcast_view["type"] == "serial"
    assert [e["number"] for e in cast(list[dict[str, Any]], podcast_view["episodes"])] == [1, 2]
