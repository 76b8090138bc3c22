"""The show's identity file: read once, checked, every problem named."""

from pathlib import Path

import pytest
from quart.typing import TestClientProtocol as Client

from podcast_site.core.show import SiteFileError, read_show
from tests.web.helpers import page_text
from tests.web.paths import FIXTURE_SITE_FILE, SITE_FILE


def test_the_sites_own_identity_file_is_valid() -> None:
    # Whatever site.toml says (the demo here, a fork's show there) must be usable.
    assert read_show(SITE_FILE).name


def test_every_problem_is_named_with_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "site.toml"
    text = FIXTURE_SITE_FILE.read_text()
    broken.write_text(
        text.replace('owner_email = "owner@testcast.example"', 'owner_email = "nobody"').replace(
            'guid_namespace = "0b6c3f8e-5d27-4c1a-9e44-7a2d1f0c9b13"', ""
        )
        + 'colour = "red"\n'
    )
    with pytest.raises(SiteFileError) as raised:
        read_show(broken)
    message = str(raised.value)
    assert str(broken) in message
    assert "owner_email: String should match pattern" in message
    assert "guid_namespace: Field required" in message
    assert "colour: Extra inputs are not permitted" in message


def test_the_podcasting_fields_are_optional_and_checked(tmp_path: Path) -> None:
    lines = FIXTURE_SITE_FILE.read_text().splitlines(keepends=True)
    optional = ("host_url", "host_photo_url", "podcast_guid", "locked", "funding", "feed_episodes")
    minimal = tmp_path / "minimal.toml"
    minimal.write_text("".join(line for line in lines if not line.startswith(optional)))
    show = read_show(minimal)
    assert (show.host_url, show.host_photo_url, show.funding) == (None, None, None)
    assert show.podcast_guid is None and show.locked is True
    assert show.feed_episodes == 300

    wordy = tmp_path / "wordy.toml"
    wordy.write_text(
        minimal.read_text()
        + f'funding = {{ url = "http://plain.example", text = "{"x" * 129}" }}\n'
        + 'podcast_guid = "not-a-uuid"\n'
        + "feed_episodes = 0\n"
    )
    with pytest.raises(SiteFileError) as raised:
        read_show(wordy)
    message = str(raised.value)
    assert "funding.url: String should match pattern" in message
    assert "funding.text: String should have at most 128 characters" in message
    assert "podcast_guid: Input should be a valid UUID" in message
    assert "feed_episodes: Input should be greater than or equal to 1" in message


def test_a_missing_or_unparsable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SiteFileError, match="cannot be read"):
        read_show(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("name = \n")
    with pytest.raises(SiteFileError, match="not valid TOML"):
        read_show(tmp_path / "bad.toml")


async def test_the_identity_names_the_pages_the_feed_and_the_api(client: Client) -> None:
    home = await page_text(client, "/")
    assert "<title>Test Cast</title>" in home
    assert "The show that only the tests listen to." in home
    feed = await page_text(client, "/episodes/rss")
    assert "<title>Test Cast</title>" in feed
    api = await (await client.get("/openapi.json")).get_json()
    assert api["info"]["title"] == "Test Cast API"
