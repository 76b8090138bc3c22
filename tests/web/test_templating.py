"""The rendering helpers templates share."""

import quart
from quart import Quart

from podcast_site.templating import url_for


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
