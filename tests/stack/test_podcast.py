"""The podcast features through Caddy over HTTPS: feed, downloads, search, sitemaps."""

import io
import json
import uuid
import xml.etree.ElementTree as ElementTree
from typing import Any

import httpx
import podcastparser

from podcast_site.core.show import read_show
from tests.stack.test_site import NEWEST, SEARCH_WORD, SITE
from tests.web.paths import SITE_FILE

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
# The namespace's own, for podcast:guid (a UUIDv5 of the feed's URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
IDENTITY = read_show(SITE_FILE)


def feed_episodes(client: httpx.Client) -> list[dict[str, Any]]:
    """Read the feed as a podcast app that follows RFC 5005 `next` links does: every page."""
    episodes: list[dict[str, Any]] = []
    url: str | None = "/episodes/rss"
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, url
        episodes += podcastparser.parse(str(response.url), io.BytesIO(response.content))["episodes"]
        channel = ElementTree.fromstring(response.content).find("channel")
        assert channel is not None
        links = {link.get("rel"): link.get("href") for link in channel.iter(f"{ATOM}link")}
        url = links.get("next")
    return episodes


def test_the_feed_lists_every_episode_with_https_enclosures(client: httpx.Client) -> None:
    # A fork's catalog may be longer than one feed page (feed_episodes in site.toml).
    episodes = feed_episodes(client)

    assert len(episodes) == len(SITE.episodes)
    for episode in episodes:
        (enclosure,) = episode["enclosures"]
        # Absolute, on the site's own https address: Caddy's forwarded scheme reached the app.
        assert enclosure["url"].startswith(f"{client.base_url}/episodes/download/")
        assert enclosure["file_size"] > 0 and episode["total_time"] > 0


def test_the_channel_carries_the_shows_podcasting_2_identity(client: httpx.Client) -> None:
    channel = ElementTree.fromstring(client.get("/episodes/rss").content).find("channel")
    assert channel is not None

    # Derived from the address the feed is really served at, unless site.toml sets it.
    feed_address = f"{client.base_url.netloc.decode()}/episodes/rss"
    expected = IDENTITY.podcast_guid or uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_address)
    assert channel.findtext(f"{PODCAST}guid") == str(expected)
    locked = channel.find(f"{PODCAST}locked")
    assert locked is not None and locked.get("owner") == IDENTITY.owner_email
    assert locked.text == ("yes" if IDENTITY.locked else "no")
    host = channel.find(f"{PODCAST}person")
    assert host is not None and (host.text, host.get("role")) == (IDENTITY.host, "host")


def test_every_transcript_and_chapters_file_the_feed_links_answers(client: httpx.Client) -> None:
    items = ElementTree.fromstring(client.get("/episodes/rss").content).findall("channel/item")
    links = [
        (link.get("url") or "", link.get("type") or "")
        for item in items
        for link in item.findall(f"{PODCAST}transcript") + item.findall(f"{PODCAST}chapters")
    ]
    with_transcript = [episode for episode in SITE.episodes if episode.transcript_path.is_file()]
    with_chapters = [episode for episode in SITE.episodes if episode.meta.chapters]
    assert len(links) == 3 * len(with_transcript) + len(with_chapters)

    for url, mimetype in links:
        assert url.startswith(f"{client.base_url}/episodes/"), url
        response = client.get(httpx.URL(url).path)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].split(";")[0] == mimetype, url
        if mimetype != "text/html":
            # Caddy passes the app's CORS header on, for browser players elsewhere.
            assert response.headers["Access-Control-Allow-Origin"] == "*", url
    for episode in with_chapters:
        document = json.loads(
            client.get(f"/episodes/chapters/{episode.meta.number}/{episode.slug}.json").content
        )
        assert [c["title"] for c in document["chapters"]] == [
            c.title for c in episode.meta.chapters
        ]


def test_the_feed_names_every_trailer_and_numbers_none(client: httpx.Client) -> None:
    channel = ElementTree.fromstring(client.get("/episodes/rss").content).find("channel")
    assert channel is not None
    trailers = [e for e in SITE.episodes if e.meta.episode_type == "trailer"]
    named = [trailer.get("url", "") for trailer in channel.findall(f"{PODCAST}trailer")]
    assert sorted(named) == sorted(
        f"{client.base_url}/episodes/download/{e.meta.number}/{e.slug}.mp3" for e in trailers
    )
    items = {item.findtext("link"): item for item in channel.findall("item")}
    for trailer in trailers:
        item = items[f"{client.base_url}/episodes/show/{trailer.meta.number}/{trailer.slug}"]
        assert item.findtext(f"{ITUNES}episodeType") == "trailer"
        assert item.find(f"{ITUNES}episode") is None and item.find(f"{PODCAST}episode") is None


def test_guests_in_the_feed_link_their_pages(client: httpx.Client) -> None:
    items = ElementTree.fromstring(client.get("/episodes/rss").content).findall("channel/item")
    guests = [
        p for item in items for p in item.findall(f"{PODCAST}person") if p.get("role") == "guest"
    ]
    assert len(guests) == sum(len(episode.meta.guests) for episode in SITE.episodes)
    for href in {guest.get("href") or "" for guest in guests}:
        assert href.startswith(f"{client.base_url}/guests/"), href
        assert client.get(httpx.URL(href).path).status_code == 200, href


def test_a_repeat_feed_request_is_a_304_through_compression(client: httpx.Client) -> None:
    first = client.get("/episodes/rss", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    repeat = client.get(
        "/episodes/rss",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert repeat.status_code == 304


def test_a_download_redirects_to_the_audio_under_the_media_base_url(client: httpx.Client) -> None:
    path = f"/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"
    response = client.get(path)
    assert response.status_code == 302
    # A full URL as it is; a path under MEDIA_BASE_URL, this site's /media/ here.
    audio = NEWEST.meta.audio_url
    expected = audio if audio.startswith("https://") else f"{client.base_url}/media/{audio}"
    assert response.headers["Location"] == expected
    assert response.headers["Cache-Control"] == "no-store"


def test_search_finds_and_highlights(client: httpx.Client) -> None:
    response = client.get("/search", params={"q": SEARCH_WORD})
    assert response.status_code == 200
    assert "<mark>" in response.text
    odd = client.get("/search", params={"q": "'\"&|!:* ; DROP TABLE episodes; -- ünï"})
    assert odd.status_code == 200


def test_the_sitemap_index_lists_the_blog_sitemap_and_both_work(client: httpx.Client) -> None:
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text or "" for loc in index.iter(f"{SITEMAP}loc")]
    assert f"{client.base_url}/blog/sitemap.xml" in locations

    for location in locations:
        sitemap = client.get(httpx.URL(location).path)
        assert sitemap.status_code == 200, location
        urls = [loc.text for loc in ElementTree.fromstring(sitemap.content).iter(f"{SITEMAP}loc")]
        assert urls, location


def test_the_api_answers_json_and_rejects_bad_input(client: httpx.Client) -> None:
    assert client.get("/api/episodes", params={"per_page": 5}).json()["total"] == len(SITE.episodes)
    bad = client.get("/api/episodes", params={"per_page": 1000})
    assert bad.status_code == 400
    assert "per_page" in bad.json()["message"]
