"""Media a listener can play, served by the stack itself, and a site without a broken link."""

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import httpx
import podcastparser

from tests.stack.test_site import NEWEST, SITE

# Same-site links in pages: href and src attributes (Hugo drops the quotes).
LINK = re.compile(r"""(?:href|src)=["']?([^"' >]+)""")


def test_every_enclosure_leads_to_audio_of_the_promised_size(client: httpx.Client) -> None:
    feed = podcastparser.parse("feed", io.BytesIO(client.get("/episodes/rss").content))
    assert len(feed["episodes"]) == len(SITE.episodes)
    for episode in feed["episodes"]:
        (enclosure,) = episode["enclosures"]
        # HEAD: what a podcast app sends first; it is not counted as a download.
        redirect = client.head(httpx.URL(enclosure["url"]).path)
        assert redirect.status_code == 302, enclosure["url"]
        audio = client.head(httpx.URL(redirect.headers["Location"]).path)
        assert audio.status_code == 200, redirect.headers["Location"]
        assert audio.headers["Content-Type"] == "audio/mpeg"
        assert int(audio.headers["Content-Length"]) == enclosure["file_size"]


def test_the_player_can_seek_in_the_audio(client: httpx.Client) -> None:
    path = f"/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"
    location = client.get(path).headers["Location"]
    assert location.startswith(f"{client.base_url}/media/audio/")
    part = client.get(httpx.URL(location).path, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.content[:3] == b"ID3"  # tagged with the episode's title and number


def test_the_cover_and_the_guests_portraits_are_served(client: httpx.Client) -> None:
    feed = client.get("/episodes/rss").text
    cover = re.search(r'<itunes:image href="([^"]+)"', feed)
    assert cover
    art = client.get(httpx.URL(cover[1]).path)
    assert art.status_code == 200 and art.headers["Content-Type"] == "image/png"
    for guest in SITE.guests:
        page = client.get(f"/guests/{guest.slug}").text
        if guest.meta.photo_url:
            (src,) = re.findall(r'<img src="([^"]+)"', page)[:1]
            assert client.get(httpx.URL(src).path).status_code == 200, src


def test_each_episodes_art_is_on_its_page_and_served(client: httpx.Client) -> None:
    # Art on this site (not elsewhere, at an https:// URL), of the episodes that are public.
    with_art = [
        e
        for e in SITE.episodes
        if e.meta.image_url and not e.meta.image_url.startswith("https://")
        and e.meta.status == "published"
    ]  # fmt: skip
    for episode in with_art:
        page = client.get(f"/episodes/show/{episode.meta.number}/{episode.slug}").text
        (src,) = re.findall(r'<img class="episode-art" src="([^"]+)"', page)
        assert src.endswith(f"/{episode.meta.image_url}"), src
        art = client.get(httpx.URL(src).path)
        assert art.status_code == 200 and art.headers["Content-Type"].startswith("image/"), src


def test_no_link_into_the_site_is_broken(client: httpx.Client) -> None:
    """Follow every same-site link from the home page and the blog, like a link checker."""
    base = str(client.base_url)
    seen: set[str] = set()
    queue, broken = deque(["/", "/blog/", "/sitemap.xml"]), []
    while queue and len(seen) < 600:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 400:
            broken.append(f"{path}: {response.status_code}")
            continue
        kind = response.headers.get("Content-Type", "")
        if not kind.startswith(("text/html", "application/xml")):
            continue
        for link in LINK.findall(response.text) + re.findall(r"<loc>([^<]+)</loc>", response.text):
            url = urljoin(base + path, link.replace("&amp;", "&"))
            parts = urlsplit(url)
            if url.startswith(base) and parts.path not in seen:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert not broken, broken
    assert len(seen) > len(SITE.episodes) * 2, "the checker saw the episode pages"
