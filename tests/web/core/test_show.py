"""The show's identity file: read once, checked, every problem named."""

import re
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol as Client

from podcast_site.core.show import (
    APPLE_CATEGORIES,
    PODCAST_APPS,
    SiteFileError,
    SubscribeLink,
    read_show,
)
from tests.web.helpers import page_text
from tests.web.paths import FIXTURE_SITE_FILE, FORKING_GUIDE, SITE_FILE


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


def test_subscribe_links_name_a_known_app_by_key_or_any_other_by_name() -> None:
    show = read_show(FIXTURE_SITE_FILE)
    assert [(link.label, link.url) for link in show.subscribe] == [
        ("Apple Podcasts", "https://podcasts.apple.com/podcast/id1000000001"),
        ("Overcast", "https://overcast.fm/itunes1000000001"),
        ("Podverse & Co", "https://podverse.fm/podcast/test-cast"),
    ]
    every_app = [
        SubscribeLink(app=key, url=f"https://www.{app.domains[0]}/show")
        for key, app in PODCAST_APPS.items()
    ]
    assert [link.label for link in every_app] == [app.name for app in PODCAST_APPS.values()]


def test_a_show_in_no_app_lists_no_subscribe_links(tmp_path: Path) -> None:
    lines = FIXTURE_SITE_FILE.read_text().splitlines(keepends=True)
    unlisted = tmp_path / "site.toml"
    unlisted.write_text("".join(line for line in lines if not line.startswith("subscribe")))
    assert read_show(unlisted).subscribe == []


def test_a_wrong_subscribe_link_is_refused_naming_the_entry_and_field(tmp_path: Path) -> None:
    lines = FIXTURE_SITE_FILE.read_text().splitlines(keepends=True)
    wrong = tmp_path / "site.toml"
    wrong.write_text(
        "".join(line for line in lines if not line.startswith("subscribe"))
        + "subscribe = [\n"
        + '  { app = "spotfy", url = "https://open.spotify.com/show/1" },\n'
        + '  { app = "spotify", url = "https://podcasts.apple.com/podcast/id1" },\n'
        + '  { app = "castro", url = "http://castro.fm/podcast/1" },\n'
        + '  { name = "Podverse", url = "javascript:alert(1)" },\n'
        + '  { url = "https://podverse.fm/podcast/1" },\n'
        + '  { app = "overcast", name = "Overcast", url = "https://overcast.fm/1" },\n'
        + '  { app = "overcast", url = "https://overcast.fm/1", colour = "red" },\n'
        + "]\n"
    )
    with pytest.raises(SiteFileError) as raised:
        read_show(wrong)
    problems = str(raised.value).splitlines()[1:]
    assert [problem.strip() for problem in problems] == [
        "subscribe.0.app: Value error, unknown app 'spotfy': use one of apple-podcasts,"
        " spotify, youtube, youtube-music, overcast, pocket-casts, castro, podcast-addict,"
        ' fountain, or name = "..." instead',
        "subscribe.1.url: Value error, Spotify links are on spotify.com, not podcasts.apple.com",
        "subscribe.2.url: String should match pattern '^https://\\S+$'",
        "subscribe.3.url: String should match pattern '^https://\\S+$'",
        'subscribe.4: Value error, give either app = "<key>" for a known app'
        ' or name = "..." for another',
        'subscribe.5: Value error, give either app = "<key>" for a known app'
        ' or name = "..." for another',
        "subscribe.6.colour: Extra inputs are not permitted",
    ]


def test_forking_md_names_every_known_app_and_its_example_is_valid(tmp_path: Path) -> None:
    guide = FORKING_GUIDE.read_text()
    for key, app in PODCAST_APPS.items():
        assert f"| `{key}` | {app.name} |" in guide, key
    (example,) = re.findall(r"```toml\n(.*?^subscribe = \[.*?)```", guide, re.M | re.S)
    lines = FIXTURE_SITE_FILE.read_text().splitlines(keepends=True)
    forked = tmp_path / "site.toml"
    forked.write_text("".join(line for line in lines if not line.startswith("subscribe")) + example)
    assert [link.label for link in read_show(forked).subscribe] == [
        "Apple Podcasts",
        "Spotify",
        "Podverse",
    ]


def test_the_directories_fields_are_optional_and_checked(tmp_path: Path) -> None:
    show = read_show(FIXTURE_SITE_FILE)
    assert (show.subcategory, show.copyright, show.update_frequency) == (None, None, None)
    assert show.show_type == "episodic" and show.txt == []

    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        FIXTURE_SITE_FILE.read_text()
        + 'show_type = "seasonal"\n'
        + f'txt = [{{ purpose = "{"p" * 129}", text = "" }}]\n'
        + 'update_frequency = { text = "Weekly", rrule = "every week" }\n'
    )
    with pytest.raises(SiteFileError) as raised:
        read_show(wrong)
    message = str(raised.value)
    assert "show_type: Input should be 'episodic' or 'serial'" in message
    assert "txt.0.purpose: String should have at most 128 characters" in message
    assert "txt.0.text: String should have at least 1 character" in message
    assert "update_frequency.rrule: Value error, not an iCalendar rule (RFC 5545)" in message


@pytest.mark.parametrize(
    ("rule", "valid"),
    [("FREQ=WEEKLY", True), ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", True),
     ("FREQ=YEARLY;BYDAY=+4TH;BYMONTH=11", True),
     ("FREQ=WEEKLY;UNTIL=2027-12-31T00:00:00.000Z;BYDAY=MO", True),
     ("WEEKLY", False), ("FREQ=FORTNIGHTLY", False), ("INTERVAL=2", False), ("FREQ=DAILY;", False)],
)  # fmt: skip
def test_update_frequency_takes_an_icalendar_rule(tmp_path: Path, rule: str, valid: bool) -> None:
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text() + f'update_frequency = {{ text = "x", rrule = "{rule}" }}\n'
    )
    if valid:
        assert read_show(site_file).update_frequency is not None
    else:
        with pytest.raises(SiteFileError, match="not an iCalendar rule"):
            read_show(site_file)


def test_a_rule_that_counts_needs_its_start(tmp_path: Path) -> None:
    site_file = tmp_path / "site.toml"
    base = FIXTURE_SITE_FILE.read_text() + 'update_frequency = { text = "Ten Mondays",'
    site_file.write_text(base + ' rrule = "FREQ=WEEKLY;BYDAY=MO;COUNT=10" }\n')
    with pytest.raises(SiteFileError, match="a rule with COUNT needs dtstart"):
        read_show(site_file)
    site_file.write_text(base + ' rrule = "FREQ=WEEKLY;COUNT=10", dtstart = 2027-03-01 }\n')
    frequency = read_show(site_file).update_frequency
    assert frequency is not None and frequency.start == "2027-03-01"
    site_file.write_text(base + " dtstart = 2027-03-01T06:00:00+01:00 }\n")
    frequency = read_show(site_file).update_frequency
    assert frequency is not None and frequency.start == "2027-03-01T05:00:00Z"


def site_with_category(tmp_path: Path, category: str, subcategory: str | None = None) -> Path:
    """Write the fixture's site.toml with another category (and a subcategory)."""
    site_file = tmp_path / "site.toml"
    text = FIXTURE_SITE_FILE.read_text().replace(
        'category = "Technology"', f"category = {category!r}"
    )
    site_file.write_text(text + (f"subcategory = {subcategory!r}\n" if subcategory else ""))
    return site_file


def test_apples_list_has_its_19_categories_and_91_subcategories() -> None:
    assert len(APPLE_CATEGORIES) == 19
    assert sum(len(subcategories) for subcategories in APPLE_CATEGORIES.values()) == 91


@pytest.mark.parametrize(
    ("category", "subcategory"),
    [("Technology", None), ("Education", "How To"), ("Health & Fitness", "Mental Health"),
     ("TV & Film", "After Shows"), ("True Crime", None)],
)  # fmt: skip
def test_a_category_apple_lists_is_taken(
    tmp_path: Path, category: str, subcategory: str | None
) -> None:
    show = read_show(site_with_category(tmp_path, category, subcategory))
    assert (show.category, show.subcategory) == (category, subcategory)


@pytest.mark.parametrize(
    ("category", "subcategory", "problem"),
    [("Tech", None, "category: Value error, 'Tech' is not one of Apple Podcasts' categories;"
      ' did you mean "Technology"?'),
     ("technology", None, "category: Value error, 'technology' is not one of Apple Podcasts'"
      ' categories; did you mean "Technology"?'),
     ("Health and Fitness", None, "category: Value error, 'Health and Fitness' is not one of"
      " Apple Podcasts' categories; did you mean \"Health & Fitness\"?"),
     ("Education", "How-To", "subcategory: Value error, 'How-To' is not one of Apple Podcasts'"
      " 'Education' subcategories; did you mean \"How To\"?"),
     ("Technology", "Tech News", "subcategory: Value error, Apple Podcasts' 'Technology' has"
      " no subcategories: leave it out")],
)  # fmt: skip
def test_a_category_apple_does_not_list_is_one_line_naming_the_closest(
    tmp_path: Path, category: str, subcategory: str | None, problem: str
) -> None:
    site_file = site_with_category(tmp_path, category, subcategory)
    with pytest.raises(SiteFileError) as raised:
        read_show(site_file)
    assert str(raised.value) == f"{site_file}: {problem}"
