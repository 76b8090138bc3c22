"""The podcast features through Caddy over HTTPS: feed, downloads, search, sitemaps."""

import io
import xml.etree.ElementTree as ElementTree

import httpx
import podcastparser

from tests.stack.test_site import NEWEST, SEARCH_WORD, SITE

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_feed_lists_every_episode_with_https_enclosures(client: httpx.Client) -> None:
    response = client.get("/episodes/rss")
    assert response.status_code == 200
    feed = podcastparser.parse(str(response.url), io.BytesIO(response.content))

    assert len(feed["episodes"]) == len(SITE.episodes)
    for episode in feed["episodes"]:
        (enclosure,) = episode["enclosures"]
        # Absolute, on the site's own https address: Caddy's forwarded scheme reached the app.
        assert enclosure["url"].startswith(f"{client.base_url}/episodes/download/")
        assert enclosure["file_size"] > 0 and episode["total_time"] > 0


def test_a_repeat_feed_request_is_a_304_through_compression(client: httpx.Client) -> None:
    first = client.get("/episodes/rss", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    repeat = client.get(
        "/episodes/rss",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert repeat.status_code == 304


def test_a_download_redirects_to_the_cdn(client: httpx.Client) -> None:
    path = f"/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == NEWEST.meta.audio_url
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
