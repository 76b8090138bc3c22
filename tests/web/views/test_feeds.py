"""The podcast feed, the sitemaps and robots.txt, read by real parsers."""

import io
import xml.etree.ElementTree as ElementTree
from email.utils import parsedate_to_datetime

import podcastparser
from quart.typing import TestClientProtocol as Client
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.models import Episode
from tests.web.factories import add_episode
from tests.web.helpers import page_text

NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}


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


async def test_episodes_with_a_transcript_link_it_in_the_podcast_namespace(
    client: Client, session: AsyncSession
) -> None:
    # podcastparser knows only the namespace's old GitHub URI, so read it directly.
    await add_episode(session, 1, transcript="[00:00:00] Jordan: hi")
    await add_episode(session, 2)

    items = ElementTree.fromstring(await feed_text(client)).findall("channel/item")

    transcripts = [item.find("podcast:transcript", NAMESPACES) for item in items]
    assert transcripts[1] is not None and transcripts[0] is None  # newest first
    assert transcripts[1].get("url") == "http://localhost/episodes/transcript/1/episode-1"
    assert transcripts[1].get("type") == "text/html"


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


async def test_any_text_makes_a_valid_feed(client: Client, session: AsyncSession) -> None:
    nasty = "Ampersands & <tags> \"quotes\" 'apostrophes' ]]> \x0b\x0c control ünï 🎙️"
    await add_episode(session, 1, title=nasty, summary=nasty, show_notes_html=f"<p>{nasty}</p>")

    feed = await feed_text(client)

    item = ElementTree.fromstring(feed).find("channel/item")  # raises on invalid XML
    assert item is not None
    expected = nasty.replace("\x0b", "").replace("\x0c", "")
    assert item.findtext("title") == expected
    assert item.findtext("description") == expected
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


async def test_the_site_sitemap_lists_episodes_transcripts_and_guests(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, transcript="[00:00:00] Jordan: hi")
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


async def test_robots_txt_points_at_the_sitemap_and_away_from_counters(client: Client) -> None:
    robots = await page_text(client, "/robots.txt")
    assert "Sitemap: http://localhost/sitemap.xml" in robots
    assert "Disallow: /episodes/download/" in robots
