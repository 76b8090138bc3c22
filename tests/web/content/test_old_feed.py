"""Reading an old feed's values in the forms real feeds write them."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from podcast_site.content.move_in import paragraphs
from podcast_site.content.old_feed import (
    ITUNES,
    PODCAST,
    Cue,
    notes_markdown,
    parse_date,
    parse_duration,
    read_channel,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3723", 3723), ("3723.5", 3724), ("62:03", 3723), ("1:02:03", 3723),
        ("01:02:03.250", 3723), (" 45:00 ", 2700), ("0", None), ("", None), ("unknown", None),
        ("1:2:3:4", None), (None, None),
    ],
)  # fmt: skip
def test_itunes_duration_in_every_form_apple_allows(text: str | None, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Tue, 05 Mar 2024 05:00:00 +0000", datetime(2024, 3, 5, 5, tzinfo=UTC)),
        # One-digit days and hours, named zones, no weekday, a full weekday.
        ("Tue, 5 Mar 2024 5:00:00 GMT", datetime(2024, 3, 5, 5, tzinfo=UTC)),
        ("05 Mar 2024 00:00:00 EST", datetime(2024, 3, 5, 5, tzinfo=UTC)),
        ("Thursday, 22 Aug 2024 06:00:00 GMT", datetime(2024, 8, 22, 6, tzinfo=UTC)),
        ("Mon, 03 Feb 2025 01:00:00 -0500", datetime(2025, 2, 3, 6, tzinfo=UTC)),
        # A zone left out is UTC; ISO 8601, which some hosts write instead.
        ("Tue, 05 Mar 2024 05:00:00", datetime(2024, 3, 5, 5, tzinfo=UTC)),
        ("2024-03-05T07:00:00+02:00", datetime(2024, 3, 5, 7, tzinfo=timezone(timedelta(hours=2)))),
        ("last Tuesday", None),
        (None, None),
    ],
)
def test_pub_date_in_its_real_world_variants(text: str | None, moment: datetime | None) -> None:
    assert parse_date(text) == moment


def test_html_notes_become_markdown_and_plain_text_stays_text() -> None:
    html = '<p>Hello <b>there</b>.</p><ul><li><a href="https://x.example/">A link</a></li></ul>'

    assert notes_markdown(html) == "Hello **there**.\n\n- [A link](https://x.example/)"
    assert notes_markdown("https://x.example/only-a-link") == "https://x.example/only-a-link"


def test_cues_become_timed_paragraphs_one_per_turn() -> None:
    cues = [
        Cue(0.5, "Ada", "Hello."), Cue(2, None, "Welcome."), Cue(3, "Bo", "Hi."),
        # Back in time, and past the end: the words stay, untimed.
        Cue(1, "Ada", "Again."), Cue(99, "Bo", "Late."),
    ]  # fmt: skip

    assert paragraphs(cues, duration=60) == (
        "[00:00:00] Ada: Hello. Welcome.\n\n[00:00:03] Bo: Hi.\n\nAda: Again.\n\nBo: Late.\n"
    )


def test_an_items_season_type_explicit_flag_and_art_are_read() -> None:
    feed = f"""<rss xmlns:itunes="{ITUNES}" xmlns:podcast="{PODCAST}"><channel><title>S</title>
      <item><title>A</title><guid>a</guid><itunes:episodeType>Bonus</itunes:episodeType>
        <itunes:season>2</itunes:season><itunes:explicit>yes</itunes:explicit>
        <itunes:image href="art/a.jpg"/></item>
      <item><title>B</title><guid>b</guid><podcast:season>3</podcast:season></item>
    </channel></rss>"""
    first, second = read_channel(feed.encode(), "feed.xml", "https://old.example/feed/").items
    assert (first.episode_type, first.season, first.explicit) == ("bonus", 2, True)
    assert first.image_url == "https://old.example/feed/art/a.jpg"
    assert (second.episode_type, second.season, second.explicit) == ("full", 3, None)
    assert second.image_url is None


def test_an_episode_number_is_ascii_digits_or_nothing() -> None:
    feed = f"""<rss xmlns:itunes="{ITUNES}"><channel><title>S</title>
      <item><title>A</title><guid>a</guid><itunes:episode>²</itunes:episode></item>
      <item><title>B</title><guid>b</guid><itunes:episode> 12 </itunes:episode></item>
    </channel></rss>"""
    first, second = read_channel(feed.encode(), "feed.xml", None).items
    assert (first.number, second.number) == (None, 12)
