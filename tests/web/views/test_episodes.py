"""Episode pages, transcripts, captions, chapters, and the download counter."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site.app import create_app
from podcast_site.background.housekeeping import keep_house
from podcast_site.core.database import get_database
from podcast_site.core.models import (
    DownloadListener,
    DownloadSalt,
    Episode,
    EpisodeAppDownload,
    EpisodeDownload,
)
from podcast_site.core.settings import Settings
from podcast_site.queries import add_download_salt
from podcast_site.web.page_cache import get_page_caches
from tests.web.factories import add_episode, add_guest, add_sponsor, record_download
from tests.web.helpers import linked_data, meta_properties, page_text, parse_html

TRANSCRIPT = "[00:00:00] Jordan: Welcome <back>.\n\n[00:00:05] Ada: Thanks & hello.\n\nApplause."


async def test_the_episode_list_shows_every_episode(client: Client, session: AsyncSession) -> None:
    for number in range(1, 31):
        await add_episode(session, number)
    page = await page_text(client, "/episodes")
    assert page.count('href="/episodes/show/') == 30


async def test_an_episode_page_shows_guests_sponsors_notes_player_and_transcript_link(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, "ada-example", name="Ada Example")
    sponsor = await add_sponsor(session, "acme", name="Acme Hosting")
    await add_episode(
        session, 7, slug="tested-backups", title="Tested backups", guests=[guest],
        sponsors=[sponsor], show_notes_html="<p>The <em>notes</em></p>", transcript=TRANSCRIPT,
    )  # fmt: skip

    page = await page_text(client, "/episodes/show/7/tested-backups")

    assert "<h1>Tested backups</h1>" in page
    assert '<a href="/guests/ada-example">Ada Example</a>' in page
    assert "Acme Hosting" in page and "<p>Buy things.</p>" in page
    assert "<p>The <em>notes</em></p>" in page
    assert (
        '<audio controls preload="none" src="/episodes/download/7/tested-backups.mp3"'
        ' data-episode="7">' in page
    )
    assert '<script src="/static/player.' in page
    assert 'href="/episodes/transcript/7/tested-backups"' in page
    assert '<link rel="canonical" href="http://localhost/episodes/show/7/tested-backups">' in page


async def test_pages_and_lists_say_the_season_and_a_trailer_or_bonus(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, episode_type="trailer", season=2)
    await add_episode(session, 2, season=2)
    await add_episode(session, 3, episode_type="bonus")
    await add_episode(session, 4)

    # A trailer shows no number, as podcast apps show none: its number only names its URL.
    trailer = await page_text(client, "/episodes/show/1/episode-1")
    assert '<p class="meta">Season 2 · Trailer ·' in trailer and "#1" not in trailer
    assert "<title>Episode 1 · " in trailer
    (described,) = linked_data(parse_html(trailer))
    assert "episodeNumber" not in described
    assert "Episode #3 · Bonus ·" in await page_text(client, "/episodes/show/3/episode-3")
    assert "Episode #4 ·\n" in await page_text(client, "/episodes/show/4/episode-4")
    for listing in (await page_text(client, "/"), await page_text(client, "/episodes")):
        assert "Season 2 · Trailer" in listing and "Bonus" in listing
        assert "#1</span>" not in listing and '"episode-number">1<' not in listing
        # Each of the two episodes of season 2, and /episodes' link to the season.
        assert listing.count("Season 2") == (3 if 'aria-label="Seasons"' in listing else 2)


async def test_a_trailers_transcript_shows_no_number(client: Client, session: AsyncSession) -> None:
    await add_episode(session, 1, episode_type="trailer", transcript=TRANSCRIPT)
    page = await page_text(client, "/episodes/transcript/1/episode-1")
    assert "<title>Transcript of Episode 1 · " in page
    assert "← Episode 1</a>" in page and "#1" not in page


async def test_no_transcript_link_without_a_transcript(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7)
    assert "/episodes/transcript/" not in await page_text(client, "/episodes/show/7/episode-7")


async def test_a_wrong_or_missing_slug_redirects_permanently_to_the_canonical_url(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="tested-backups", transcript=TRANSCRIPT)

    for path, canonical in (
        ("/episodes/show/7/old-title", "/episodes/show/7/tested-backups"),
        ("/episodes/show/7", "/episodes/show/7/tested-backups"),
        ("/episodes/transcript/7/old", "/episodes/transcript/7/tested-backups"),
    ):
        response = await client.get(path)
        assert response.status_code == 301, path
        assert response.headers["Location"] == canonical


async def test_an_unknown_episode_is_a_404_page(client: Client) -> None:
    page = await page_text(client, "/episodes/show/999/anything", status=404)
    assert "Not Found" in page and "Back to the home page" in page


async def test_the_transcript_page_shows_speakers_and_escapes_the_text(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 3, slug="three", transcript=TRANSCRIPT)

    page = await page_text(client, "/episodes/transcript/3/three")

    assert "<strong>Jordan:</strong> Welcome &lt;back&gt;." in page
    # Each time starts the episode page's audio there.
    assert (
        '<a class="time" href="/episodes/show/3/three?t=5">'
        '<span class="visually-hidden">Play from </span>0:05</a>'
        " <strong>Ada:</strong> Thanks &amp; hello." in page
    )
    assert "<p>Applause.</p>" in page


async def test_an_episode_without_a_transcript_has_no_transcript_page(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 3, slug="three")
    await page_text(client, "/episodes/transcript/3/three", status=404)


async def test_captions_come_as_webvtt_and_srt_for_any_web_player(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 3, slug="three", duration_seconds=600, transcript=TRANSCRIPT)

    vtt = await client.get("/episodes/transcript/3/three.vtt")
    srt = await client.get("/episodes/transcript/3/three.srt")

    assert vtt.status_code == srt.status_code == 200
    assert vtt.content_type == "text/vtt; charset=utf-8"
    assert srt.content_type == "application/x-subrip"
    # Browser players on other sites fetch these with scripts.
    assert vtt.headers["Access-Control-Allow-Origin"] == "*"
    assert srt.headers["Access-Control-Allow-Origin"] == "*"
    vtt_text = await vtt.get_data(as_text=True)
    assert vtt_text.startswith("WEBVTT\n")
    assert "00:00:05.000 --> 00:10:00.000\n<v Ada>Thanks &amp; hello.</v>\nApplause." in vtt_text
    assert "2\n00:00:05,000 --> 00:10:00,000\nAda: Thanks & hello.\n" in (
        await srt.get_data(as_text=True)
    )


async def test_captions_redirect_a_wrong_slug_and_need_a_transcript(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 3, slug="three", transcript=TRANSCRIPT)
    await add_episode(session, 4, slug="four")

    for form in ("vtt", "srt"):
        moved = await client.get(f"/episodes/transcript/3/old-title.{form}")
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"/episodes/transcript/3/three.{form}"
        assert (await client.get(f"/episodes/transcript/4/four.{form}")).status_code == 404
        assert (await client.get(f"/episodes/transcript/99/nine.{form}")).status_code == 404


async def test_chapters_are_a_json_chapters_file_and_a_list_on_the_page(
    client: Client, session: AsyncSession
) -> None:
    chapters = [
        {"start": 0, "title": "Welcome"},
        {"start": 754, "title": "Tests & <mocks>", "url": "https://docs.test.example/t"},
    ]
    await add_episode(session, 7, slug="seven", title="Seven", chapters=chapters)

    response = await client.get("/episodes/chapters/7/seven.json")

    assert response.status_code == 200
    assert response.content_type == "application/json+chapters"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(await response.get_data(as_text=True)) == {
        "version": "1.2.0",
        "title": "Seven",
        "podcastName": "Test Cast",
        "author": "Tess Host",
        "chapters": [
            {"startTime": 0, "title": "Welcome"},
            {"startTime": 754, "title": "Tests & <mocks>", "url": "https://docs.test.example/t"},
        ],
    }
    page = parse_html(await page_text(client, "/episodes/show/7/seven"))
    (listing,) = [ol for ol in page.iter("ol") if ol.get("class") == "chapters"]
    assert [" ".join("".join(li.itertext()).split()) for li in listing] == [
        "Play from 0:00 Welcome",
        "Play from 12:34 Tests & <mocks>",
    ]
    # The times seek (player.js), or load the page with the audio there (?t=).
    assert [a.get("href") for a in listing.iter("a")] == [
        "?t=0", "?t=754", "https://docs.test.example/t",
    ]  # fmt: skip


async def test_chapters_redirect_a_wrong_slug_and_need_chapters(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven", chapters=[{"start": 0, "title": "All of it"}])
    await add_episode(session, 8, slug="eight")

    moved = await client.get("/episodes/chapters/7/old.json")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/episodes/chapters/7/seven.json"
    assert (await client.get("/episodes/chapters/8/eight.json")).status_code == 404
    assert "Chapters" not in await page_text(client, "/episodes/show/8/eight")


def audio_source(page: str) -> str | None:
    """Return the src of a page's <audio>."""
    (audio,) = parse_html(page).iter("audio")
    return audio.get("src")


async def test_a_time_in_the_query_starts_the_audio_there_without_a_cached_copy(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven", duration_seconds=900)
    pages = get_page_caches(app).pages
    plain = await page_text(client, "/episodes/show/7/seven")
    cached = len(pages)

    for t in ("754", "755"):
        response = await client.get(f"/episodes/show/7/seven?t={t}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, no-cache"
        page = await response.get_data(as_text=True)
        # A media fragment: the browser starts there itself, without scripts.
        assert audio_source(page) == f"/episodes/download/7/seven.mp3#t={t}"
        assert '<link rel="canonical" href="http://localhost/episodes/show/7/seven">' in page
    assert len(pages) == cached  # each rendered afresh: made-up times fill no cache

    # Times the page never links are the plain, cached page: no error for a player's link.
    for t in ("0", "0754", "12:34", "-5", "x", "900", "99999999999"):
        assert await page_text(client, f"/episodes/show/7/seven?t={t}") == plain, t
    assert len(pages) == cached

    moved = await client.get("/episodes/show/7/old-title?t=754")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/episodes/show/7/seven?t=754"


async def test_the_page_shows_the_transcript_s_opening_and_links_the_rest(
    client: Client, session: AsyncSession
) -> None:
    long = "\n\n".join(f"[00:{minute:02d}:00] Ada: {'word ' * 100}" for minute in range(60))
    await add_episode(session, 7, slug="short", transcript=TRANSCRIPT)
    await add_episode(session, 8, slug="long", transcript=long)

    short_page = parse_html(await page_text(client, "/episodes/show/7/short"))
    (section,) = [s for s in short_page.iter("section") if s.get("class") == "transcript"]
    assert [a.get("href") for a in section.iter("a")] == ["?t=0", "?t=5"]
    assert "Applause." in "".join(section.itertext())

    long_page = parse_html(await page_text(client, "/episodes/show/8/long"))
    (section,) = [s for s in long_page.iter("section") if s.get("class") == "transcript"]
    *times, show_all = section.iter("a")
    # Whole paragraphs only, within the opening's characters: a few minutes, not the hour.
    assert [a.get("href") for a in times] == [f"?t={minute * 60}" for minute in range(4)]
    assert show_all.text == "Show all of the transcript"
    assert show_all.get("href") == "/episodes/transcript/8/long"


async def test_an_episode_without_a_transcript_shows_none(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7)
    page = parse_html(await page_text(client, "/episodes/show/7/episode-7"))
    assert not [s for s in page.iter("section") if s.get("class") == "transcript"]


async def test_cached_pages_answer_a_repeat_with_304_until_the_content_changes(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven", title="Before")
    first = await client.get("/episodes/show/7/seven")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    repeat = await client.get("/episodes/show/7/seven", headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert await repeat.get_data() == b""

    await session.execute(update(Episode).where(Episode.number == 7).values(title="After"))
    await session.flush()
    changed = await client.get("/episodes/show/7/seven", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "<h1>After</h1>" in await changed.get_data(as_text=True)


async def downloads_today(session: AsyncSession, episode_id: int) -> int:
    day = datetime.now(UTC).date()
    count = await session.scalar(
        select(EpisodeDownload.count).where(
            EpisodeDownload.episode_id == episode_id, EpisodeDownload.day == day
        )
    )
    return count or 0


async def test_a_download_is_counted_and_redirected_to_the_cdn(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5, audio_url="https://cdn.test.example/five.mp3")

    response = await client.get("/episodes/download/5/episode-5.mp3")

    assert response.status_code == 302
    assert response.headers["Location"] == "https://cdn.test.example/five.mp3"
    assert response.headers["Cache-Control"] == "no-store"
    assert await downloads_today(session, episode.id) == 1


async def test_head_requests_are_not_counted(client: Client, session: AsyncSession) -> None:
    episode = await add_episode(session, 5)

    response = await client.head("/episodes/download/5/episode-5.mp3")

    assert response.status_code == 302
    assert await downloads_today(session, episode.id) == 0


async def test_an_old_slug_still_downloads_and_counts(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5)
    response = await client.get("/episodes/download/5/renamed-long-ago.mp3")
    assert response.status_code == 302
    assert await downloads_today(session, episode.id) == 1


async def test_downloading_an_unknown_episode_is_a_404(client: Client) -> None:
    response = await client.get("/episodes/download/404/nope.mp3")
    assert response.status_code == 404


async def test_a_listener_counts_once_a_day_whatever_they_request(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5)
    path = "/episodes/download/5/episode-5.mp3"
    listener = {"scope_base": {"client": ("192.0.2.1", 1)}, "headers": {"User-Agent": "Pod/1"}}

    for _ in range(3):  # players fetch an episode in several requests
        assert (await client.get(path, **listener)).status_code == 302
    assert await downloads_today(session, episode.id) == 1

    await client.get(path, scope_base={"client": ("192.0.2.1", 1)}, headers={"User-Agent": "Pod/2"})
    await client.get(path, scope_base={"client": ("192.0.2.2", 1)}, headers={"User-Agent": "Pod/1"})
    assert await downloads_today(session, episode.id) == 3


async def test_only_salted_hashes_are_stored_and_past_days_are_deleted(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    await add_download_salt(session, yesterday, b"yesterday's salt")
    assert await record_download(session, episode.id, yesterday, b"a listener") is True

    await client.get("/episodes/download/5/episode-5.mp3", headers={"User-Agent": "Pod/1"})
    (key,) = await session.scalars(
        select(DownloadListener.listener_key).where(DownloadListener.day == today)
    )
    assert len(key) == 32 and b"Pod/1" not in key and b"127.0.0.1" not in key

    await keep_house(session)

    assert list(await session.scalars(select(DownloadSalt.day))) == [today]
    assert list(await session.scalars(select(DownloadListener.day).distinct())) == [today]
    # The counts are what stays, for every day.
    assert (
        await session.scalar(select(EpisodeDownload.count).where(EpisodeDownload.day == yesterday))
        == 1
    )


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


@pytest.mark.parametrize("user_agent", [GOOGLEBOT, "curl/8.5.0", "python-httpx/0.28.1"])
async def test_bots_get_the_audio_but_are_not_counted(
    client: Client, session: AsyncSession, user_agent: str
) -> None:
    episode = await add_episode(session, 5)

    response = await client.get(
        "/episodes/download/5/episode-5.mp3", headers={"User-Agent": user_agent}
    )

    assert response.status_code == 302
    assert await downloads_today(session, episode.id) == 0


async def test_a_download_is_counted_under_the_app_that_made_it(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5)

    await client.get("/episodes/download/5/episode-5.mp3", headers={"User-Agent": OVERCAST})

    assert await session.scalar(select(EpisodeAppDownload.app)) == "Overcast"
    assert await downloads_today(session, episode.id) == 1


async def test_a_probe_for_the_first_bytes_counts_only_with_the_full_request(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, 5)
    path, app = "/episodes/download/5/episode-5.mp3", {"User-Agent": OVERCAST}

    probe = await client.get(path, headers=app | {"Range": "bytes=0-1"})
    assert probe.status_code == 302
    assert await downloads_today(session, episode.id) == 0

    for asked in ("bytes=0-", "bytes=0-1", "bytes=2-"):  # what players send next
        await client.get(path, headers=app | {"Range": asked})
    assert await downloads_today(session, episode.id) == 1


@pytest.mark.parametrize(
    ("asked", "counts"),
    [
        (None, True),
        ("bytes=0-1", False),
        ("bytes=0-", True),
        ("bytes=5000000-", True),  # resumed: the rest of the file
        ("bytes=0-959999", True),  # a minute, exactly
        ("bytes=0-959998", False),
        ("bytes=0-479999,480000-959999", True),  # a minute in two parts
        ("bytes=-128", False),  # the end of the file: a tag or an index
        ("bytes=-960000", True),
        ("bytes=9-1", True),  # not a valid range: the whole file comes
        ("seconds=0-1", True),  # no such unit: likewise
    ],
)
async def test_a_download_counts_when_it_asks_for_a_minute_of_the_audio(
    client: Client, session: AsyncSession, asked: str | None, counts: bool
) -> None:
    # 16,000 bytes a second: a minute is 960,000 bytes.
    episode = await add_episode(session, 5, duration_seconds=2400, audio_bytes=2400 * 16_000)
    headers = {"User-Agent": OVERCAST} | ({"Range": asked} if asked else {})

    await client.get("/episodes/download/5/episode-5.mp3", headers=headers)

    assert await downloads_today(session, episode.id) == int(counts)


async def test_rotating_user_agents_from_one_address_count_up_to_the_limit_only(
    client: Client, session: AsyncSession, settings: Settings
) -> None:
    episode = await add_episode(session, 5)
    path = "/episodes/download/5/episode-5.mp3"
    one_address = {"client": ("2001:db8:1:2::10", 1)}

    for n in range(30):
        # A new address in the same /64 each time: privacy addresses are one subscriber's.
        scope = {"client": (f"2001:db8:1:2::{n:x}", 1)}
        response = await client.get(path, scope_base=scope, headers={"User-Agent": f"x{n}"})
        assert response.status_code == 302
    assert await downloads_today(session, episode.id) == settings.listeners_per_address == 10

    # Past the limit, a real app from that /64 is not counted either; anyone else is.
    await client.get(path, scope_base=one_address, headers={"User-Agent": OVERCAST})
    await client.get(path, scope_base={"client": ("192.0.2.7", 1)}, headers={"User-Agent": "x1"})
    assert await downloads_today(session, episode.id) == 11


async def test_a_media_prefix_url_wraps_the_players_audio_link(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven")
    prefix = "https://dts.podtrac.com/redirect.mp3/"
    app = create_app(settings.model_copy(update={"media_prefix_url": prefix}))
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        page = await page_text(app.test_client(), "/episodes/show/7/seven")

    audio = f"{prefix}localhost/episodes/download/7/seven.mp3"
    assert f'<audio controls preload="none" src="{audio}"' in page
    assert f'<meta property="og:audio" content="{audio}">' in page


@pytest.fixture
async def committed_episode(committed_session: AsyncSession) -> AsyncIterator[Episode]:
    """An episode committed for real, removed (with its downloads) afterwards."""
    episode = await add_episode(committed_session, 9001, slug="burst")
    await committed_session.commit()
    yield episode
    await committed_session.execute(delete(Episode).where(Episode.id == episode.id))
    await committed_session.commit()


async def test_concurrent_downloads_count_each_listener_exactly_once(
    committing_app: Quart, committed_session: AsyncSession, committed_episode: Episode
) -> None:
    client = committing_app.test_client()
    path = "/episodes/download/9001/burst.mp3"
    listeners = [{"client": (f"192.0.2.{n}", 1)} for n in range(1, 51)]

    total = select(func.sum(EpisodeDownload.count)).where(
        EpisodeDownload.episode_id == committed_episode.id
    )

    different = await asyncio.gather(*(client.get(path, scope_base=s) for s in listeners))
    assert await committed_session.scalar(total) == 50
    one = {"client": ("192.0.2.200", 1)}
    same = await asyncio.gather(*(client.get(path, scope_base=one) for _ in range(50)))
    assert await committed_session.scalar(total) == 51

    assert [response.status_code for response in different + same] == [302] * 100


async def test_the_episode_list_filters_by_season(client: Client, session: AsyncSession) -> None:
    await add_episode(session, 1, season=1)
    await add_episode(session, 2, season=2)
    await add_episode(session, 3, season=2)
    await add_episode(session, 4, season=3, status="draft")
    await add_episode(session, 5)

    every = await page_text(client, "/episodes")
    second = await page_text(client, "/episodes?season=2")

    assert every.count('class="episode-number"') == 4
    # Only the seasons with public episodes are offered.
    assert '<a href="/episodes?season=2">Season 2</a>' in every
    assert "season=3" not in every
    assert '<a href="/episodes" aria-current="page">All</a>' in every
    assert second.count('class="episode-number"') == 2 and ">3<" in second and ">2<" in second
    assert "<h1>Season 2</h1>" in second
    assert 'href="/episodes?season=2" aria-current="page"' in second
    assert 'rel="canonical" href="http://localhost/episodes?season=2"' in second
    for missing in ("3", "0", "9", "02", "two", "1" * 40, "%D9%A1"):
        assert (await client.get(f"/episodes?season={missing}")).status_code == 404, missing


async def test_the_episode_list_comes_a_page_at_a_time(
    client: Client, session: AsyncSession
) -> None:
    for number in range(1, 56):
        await add_episode(session, number)

    first = await page_text(client, "/episodes")
    second = await page_text(client, "/episodes?page=2")

    assert first.count('class="episode-number"') == 50 and ">55<" in first and ">6<" in first
    assert second.count('class="episode-number"') == 5 and ">5<" in second
    assert 'rel="next" href="/episodes?page=2"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="/episodes"' in second and 'rel="next"' not in second
    assert 'rel="canonical" href="http://localhost/episodes?page=2"' in second
    # An Arabic 1, and a page with a leading zero (one URL per page).
    for missing in ("3", "0", "-1", "two", "99999999999", "%D9%A1", "02"):
        assert (await client.get(f"/episodes?page={missing}")).status_code == 404, missing


async def test_an_episode_page_shows_its_own_art_or_the_cover(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, title="With art", image_url="art/1.png")
    await add_episode(session, 2)

    with_art = parse_html(await page_text(client, "/episodes/show/1/episode-1"))
    art = with_art.find(".//{*}article/{*}img[@class='episode-art']")
    assert art is not None
    assert (art.get("src") or "").endswith("/media/art/1.png")
    assert (art.get("width"), art.get("height"), art.get("alt")) == (
        "200", "200", "The art of “With art”"
    )  # fmt: skip
    # Shared links show the episode's art too.
    shared = meta_properties(with_art)
    assert shared["og:image"].endswith("/media/art/1.png")
    assert shared["og:image:alt"] == "The art of “With art”"
    (described,) = linked_data(with_art)
    assert described["image"].endswith("/media/art/1.png")

    without = parse_html(await page_text(client, "/episodes/show/2/episode-2"))
    cover = without.find(".//{*}article/{*}img[@class='episode-art']")
    assert cover is not None
    assert (cover.get("src"), cover.get("alt")) == (
        "/media/cover.png",
        "The cover art of Test Cast",
    )
    assert meta_properties(without)["og:image"] == "http://localhost/media/cover.png"
