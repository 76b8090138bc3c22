"""The app's own copies of the static files: hashed names, and byte ranges from either end."""

import re

from quart.typing import TestClientProtocol as Client


async def test_static_urls_carry_a_content_hash_and_are_served(client: Client) -> None:
    page = await (await client.get("/")).get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the stylesheet is linked by its content-hashed name"
    # Caddy serves these; the app serves them too, for a Caddy from another deploy.
    response = await client.get(stylesheet[1])
    assert response.status_code == 200
    assert b".site-header" in await response.get_data()


async def test_a_static_file_is_sent_in_a_range_from_either_end(client: Client) -> None:
    whole = await (await client.get("/static/site.css")).get_data()
    size = len(whole)
    for asked, first, last in [
        ("bytes=0-9", 0, 9),
        ("bytes=-10", size - 10, size - 1),  # a suffix range: the last 10 bytes
        ("bytes=-999999", 0, size - 1),  # a suffix longer than the file: all of it
    ]:
        response = await client.get("/static/site.css", headers={"Range": asked})
        assert response.status_code == 206, asked
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert await response.get_data() == whole[first : last + 1]
