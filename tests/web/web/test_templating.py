"""The rendering helpers templates share."""

from urllib.parse import urljoin

import quart
from quart import Quart, request

from podcast_site.web.templating import absolute_url, read_navigation, url_for

# Served by Caddy from the Hugo build, not by the app.
BLOG = "/blog/"


async def test_remembered_urls_are_the_ones_quart_builds_for_each_host(app: Quart) -> None:
    for scheme, host in (("http", "localhost"), ("https", "podcast.example.com")):
        async with app.test_request_context("/", scheme=scheme, headers={"Host": host}):
            for _ in range(2):  # built, then remembered
                assert url_for("episodes.show", number=3, slug="three") == quart.url_for(
                    "episodes.show", number=3, slug="three"
                )
                external = url_for("feeds.podcast_feed", _external=True)
                assert external == f"{scheme}://{host}/episodes/rss"
                assert url_for("static", filename="site.css") == quart.url_for(
                    "static", filename="site.css"
                )


async def test_absolute_urls_are_the_ones_urljoin_makes(app: Quart) -> None:
    given = ("/media/cover.png", "media/cover.png", "https://cdn.example.com/a.png", "//cdn/a.png")
    async with app.test_request_context("/", scheme="https", headers={"Host": "example.com:8443"}):
        for path_or_url in given:
            assert absolute_url(path_or_url) == urljoin(request.host_url, path_or_url)
        assert absolute_url("/media/cover.png") == "https://example.com:8443/media/cover.png"


async def test_every_navigation_link_is_a_page_of_the_app_or_the_blog(app: Quart) -> None:
    links = read_navigation()
    assert [link.path for link in links].count(BLOG) == 1
    adapter = app.url_map.bind("localhost")
    for link in links:
        if link.path != BLOG:
            endpoint, _ = adapter.match(link.path, method="GET")
            assert not endpoint.startswith("api."), link
