"""Moving a show in from another host: its old feed, served here, written as content and read back.

The five fixtures in tests/web/fixtures/feeds/ follow the shapes Libsyn,
Buzzsprout, Anchor (Spotify for Podcasters), Castopod and the Podcasting
2.0 namespace's example give their feeds; a server on 127.0.0.1 serves
them with their chapters, transcripts and artwork, so nothing leaves the
machine. What the import writes must come out of the site's own feed with
the titles, GUIDs, enclosures and dates the old one had, as podcastparser
(gPodder's parser) reads both.
"""

import io
import re
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import frontmatter
import podcastparser
import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site.app import create_app
from podcast_site.cli import main
from podcast_site.content.importer import import_content
from podcast_site.content.move_in import (
    MANIFEST,
    Manifest,
    MoveReport,
    Writer,
    _write_guests,
    move_in,
)
from podcast_site.content.old_feed import FeedError, Item, Person
from podcast_site.content.reader import read_content
from podcast_site.core.database import get_database
from podcast_site.core.settings import Settings
from podcast_site.core.show import DEMO_GUID_NAMESPACE, read_show
from tests.web.paths import FIXTURE_SITE_FILE, FIXTURES

FEEDS = FIXTURES / "feeds"
HOSTS = ("libsyn", "buzzsprout", "anchor", "castopod", "podcasting20")
# Where the fixtures say their files are: the server puts its own address there.
OLD_HOST = b"{{OLD_HOST}}"


class FixtureHandler(SimpleHTTPRequestHandler):
    """Serve the fixture folder, with the server's own address in place of OLD_HOST."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes().replace(OLD_HOST, self.server_address_text().encode())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def server_address_text(self) -> str:
        address = cast(tuple[str, int], self.server.server_address)
        return f"http://{address[0]}:{address[1]}"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def old_host() -> Iterator[str]:
    """Serve the fixture feeds on 127.0.0.1 for the module's tests; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(FixtureHandler, directory=FEEDS))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    """A content folder with no episodes yet and a site.toml still the demo's.

    The tests' own identity with the demo's guid_namespace, which is what
    marks a site.toml as the demo's: the repository's site.toml is a fork's
    own show once it is forked (tests/stack/test_fork.py runs these there).
    """
    content = tmp_path / "content"
    (content / "episodes").mkdir(parents=True)
    (content / "guests").mkdir()
    site_file = tmp_path / "site.toml"
    own = str(read_show(FIXTURE_SITE_FILE).guid_namespace)
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text().replace(own, str(DEMO_GUID_NAMESPACE)), encoding="utf-8"
    )
    return content, site_file


def old_feed(old_host: str, host: str) -> dict[str, Any]:
    """Read an old feed as it is served, with podcastparser."""
    url = f"{old_host}/{host}/feed.xml"
    body = (FEEDS / host / "feed.xml").read_bytes().replace(OLD_HOST, old_host.encode())
    parsed: dict[str, Any] = podcastparser.parse(url, io.BytesIO(body))
    return parsed


async def new_feed(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], content: Path, site: Path
) -> tuple[dict[str, Any], Client]:
    """Import the content into the test database; read the site's feed with podcastparser."""
    async with sessionmaker() as session:
        await import_content(session, read_content(content))
        await session.commit()
    app = create_app(settings.model_copy(update={"site_file": site}))
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        client = app.test_client()
        body = await (await client.get("/episodes/rss")).get_data(as_text=False)
        downloads = {}
        parsed: dict[str, Any] = podcastparser.parse("https://localhost/", io.BytesIO(body))
        for episode in parsed["episodes"]:
            url = episode["enclosures"][0]["url"].replace("http://localhost", "")
            downloads[episode["guid"]] = (await client.head(url)).headers["Location"]
    parsed["downloads"] = downloads
    return parsed, client


@pytest.mark.parametrize("host", HOSTS)
async def test_the_site_feed_carries_the_old_feeds_episodes_as_they_were(
    host: str,
    old_host: str,
    site: tuple[Path, Path],
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    content, site_file = site
    before = old_feed(old_host, host)

    move_in(f"{old_host}/{host}/feed.xml", content, site_file)
    after, _ = await new_feed(settings, sessionmaker, content, site_file)

    # The items the old feed could play: with an enclosure and a duration.
    playable = {e["guid"]: e for e in before["episodes"] if e["enclosures"] and e["total_time"]}
    moved = {episode["guid"]: episode for episode in after["episodes"]}
    assert moved.keys() == playable.keys()
    for guid, episode in moved.items():
        old = playable[guid]
        assert episode["title"] == old["title"]
        assert episode["published"] == old["published"]
        assert episode["total_time"] == pytest.approx(old["total_time"], abs=1)
        (enclosure,) = episode["enclosures"]
        assert enclosure["file_size"] == old["enclosures"][0]["file_size"]
        # The audio stays where it was: the site's download link sends players there.
        old_url = old["enclosures"][0]["url"].replace("http://", "https://")
        assert after["downloads"][guid] == old_url
    assert after["title"] == before["title"]


async def test_guests_chapters_and_transcripts_come_along(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site

    move_in(f"{old_host}/podcasting20/feed.xml", content, site_file)

    episode = frontmatter.loads(
        (content / "episodes/003-episode-3-catalogues-that-talk-to-each-other.md").read_text()
    )
    assert episode["guid"] == "https://openstacks.example/ep0003"
    assert episode["guests"] == ["kwame-mensah"]
    # Whole seconds: the chapter in the same second as the one before it is left out.
    assert episode["chapters"] == [
        {"start": "00:00:00", "title": "Cold open"},
        {"start": "00:02:48", "title": "What BIBFRAME is", "url": "https://www.loc.gov/bibframe/"},
        {"start": "01:07:02", "title": "MARC, still"},
    ]
    assert episode.content.startswith("## In this episode\n\nLinked data in libraries")
    assert "[BIBFRAME](https://www.loc.gov/bibframe/)" in episode.content
    guest = frontmatter.loads((content / "guests/kwame-mensah.md").read_text())
    assert guest["name"] == "Kwame Mensah"
    assert guest["links"] == [{"title": "kwame.example", "url": "https://kwame.example/"}]
    # WebVTT's voices, the namespace's JSON and plain text, as the site's transcripts.
    transcripts = {
        path.name: path.read_text() for path in (content / "episodes").glob("*.transcript.txt")
    }
    assert transcripts["003-episode-3-catalogues-that-talk-to-each-other.transcript.txt"] == (
        "[00:00:00] Ruth Adeyemi: Welcome to Open Stacks. Today: catalogues & linked data.\n\n"
        "[00:00:09] Kwame Mensah: Thanks for having me, Ruth.\n"
    )
    assert transcripts["002-episode-2-who-owns-a-loan-record.transcript.txt"] == (
        "[00:00:00] Ruth Adeyemi: Who owns a loan record?\n\n"
        "[00:00:04] Kwame Mensah: Not the library, and not the vendor. The reader.\n"
    )
    assert transcripts["001-episode-1-why-open-stacks.transcript.txt"].startswith(
        "Welcome to the first episode of Open Stacks."
    )
    read_content(content)  # and the site's reader takes all of it


async def test_srt_speakers_and_buzzsprouts_chapters_are_read(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site

    move_in(f"{old_host}/buzzsprout/feed.xml", content, site_file)

    episode = frontmatter.loads((content / "episodes/003-handover-at-6-a-m.md").read_text())
    assert episode["chapters"] == [
        {"start": "00:00:00", "title": "Welcome"},
        {
            "start": "00:00:09",
            "title": "Handover, with Tom",
            "url": "https://nightshift.example/handover",
        },
        {"start": "00:25:00", "title": "What gets lost"},
    ]
    assert (content / "episodes/003-handover-at-6-a-m.transcript.txt").read_text() == (
        "[00:00:00] Priya Raman: Welcome back to Night Shift Nurses. Tonight it's handover, with"
        " Tom.\n\n[00:00:09] Tom Becker: Thanks, Priya. Handover is where night & day meet.\n\n"
        "[00:00:15] Priya Raman: And where things get lost.\n"
    )
    trailer = frontmatter.loads(
        (content / "episodes/001-welcome-to-night-shift-nurses.md").read_text()
    )
    assert (trailer["episode_type"], trailer["explicit"]) == ("trailer", False)
    assert "tags" not in trailer


def test_site_toml_gets_the_shows_values_and_its_podcast_guid(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site
    comments = [line for line in site_file.read_text().splitlines() if line.startswith("#")]

    move_in(f"{old_host}/buzzsprout/feed.xml", content, site_file)

    show = read_show(site_file)
    assert (show.name, show.host, show.owner_email) == (
        "Night Shift Nurses", "Priya Raman", "priya@nightshift.example",
    )  # fmt: skip
    assert (show.language, show.category, show.explicit) == ("en-us", "Health & Fitness", True)
    assert str(show.podcast_guid) == "5f3c8f1e-2d9a-5b7e-9a41-0c6b2e8d7f13"
    # The episodes to come get GUIDs of the show's own, not the demo's.
    assert show.guid_namespace != DEMO_GUID_NAMESPACE
    assert show.cover_art.startswith("/media/cover-") and show.cover_art.endswith(".png")
    assert (content / show.cover_art.lstrip("/")).read_bytes().startswith(b"\x89PNG")
    # Only the values changed: every comment of the file is still there.
    assert [line for line in site_file.read_text().splitlines() if line.startswith("#")] == [
        line for line in comments if not line.startswith("# podcast_guid =")
    ]


def test_a_second_run_writes_the_same_files_and_nothing_more(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site
    move_in(f"{old_host}/castopod/feed.xml", content, site_file)
    first = {path: path.read_bytes() for path in content.rglob("*") if path.is_file()}
    site_before = site_file.read_text()

    report = move_in(f"{old_host}/castopod/feed.xml", content, site_file)

    assert {path: path.read_bytes() for path in content.rglob("*") if path.is_file()} == first
    assert site_file.read_text() == site_before
    assert report.written == [] and report.kept == []
    # The feed's own numbers where every item has one; here the bonus has none.
    assert sorted(path.name for path in (content / "episodes").glob("*.md")) == [
        "001-die-erste-werkbank.md",
        "002-holz-das-arbeitet.md",
        "003-bonus-fragen-aus-dem-publikum.md",
    ]


def test_an_edited_file_is_kept_unless_forced(old_host: str, site: tuple[Path, Path]) -> None:
    content, site_file = site
    source = f"{old_host}/anchor/feed.xml"
    move_in(source, content, site_file)
    edited = content / "episodes/003-rye-properly.md"
    edited.write_text(edited.read_text().replace("title: Rye, properly", "title: Rye, done right"))
    toml = site_file.read_text().replace('name = "Bread on Sundays"', 'name = "Bread, Sundays"')
    site_file.write_text(toml)

    kept = move_in(source, content, site_file)

    assert kept.kept == ["episodes/003-rye-properly.md"]
    assert "Rye, done right" in edited.read_text()
    assert read_show(site_file).name == "Bread, Sundays"
    assert any("site.toml keeps name" in warning for warning in kept.warnings)

    forced = move_in(source, content, site_file, force=True)

    assert "episodes/003-rye-properly.md" in forced.written
    assert "title: Rye, properly" in edited.read_text()
    assert read_show(site_file).name == "Bread on Sundays"


def test_a_file_the_import_never_wrote_is_the_owners(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site
    own = content / "guests/mara-lind.md"
    own.write_text("---\nname: Mara Lind\n---\nThe owner's own words.\n")

    report = move_in(f"{old_host}/castopod/feed.xml", content, site_file)

    assert report.kept == ["guests/mara-lind.md"]
    assert own.read_text().endswith("The owner's own words.\n")


def test_new_episodes_on_the_old_host_count_on_from_the_ones_here(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site
    (content / "episodes/001-recorded-here.md").write_text("---\nnumber: 1\n---\n")

    move_in(f"{old_host}/libsyn/feed.xml", content, site_file)

    assert sorted(path.name for path in (content / "episodes").glob("0*.md")) == [
        "001-recorded-here.md", "002-why-we-started-digging.md",
        "003-slugs-beer-traps-and-other-lies.md",
    ]  # fmt: skip
    manifest = (content / MANIFEST).read_text()
    assert "gardenshed.libsyn.com/1a2b3c4d5e6f7a8b9c0d" in manifest


def test_an_item_without_enclosure_or_duration_is_a_warning_not_an_error(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site

    libsyn = move_in(f"{old_host}/libsyn/feed.xml", content, site_file)
    pc20 = move_in(f"{old_host}/podcasting20/feed.xml", content, site_file)

    assert "item 1 (A note on the summer break): skipped: no <enclosure>" in libsyn.warnings[0]
    assert "episode 1 (Why we started digging): its audio is on http://" in libsyn.summary()
    assert "skipped: no readable <itunes:duration>" in pc20.summary()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Not a feed</body></html>", "not an RSS feed (the document is <html>)"),
        (b"<rss><channel><title>Cut off", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b"<rss><channel><title>&b;</title></channel></rss>",
            "refused, it declares XML entities",
        ),
    ],
)
def test_a_file_that_is_no_feed_is_one_clear_error(
    body: bytes, message: str, site: tuple[Path, Path], tmp_path: Path
) -> None:
    content, site_file = site
    saved = tmp_path / "feed.xml"
    saved.write_bytes(body)

    with pytest.raises(FeedError, match=re.escape(message)) as raised:
        move_in(str(saved), content, site_file)

    assert "\n" not in str(raised.value)
    assert not list((content / "episodes").iterdir())


def test_a_missing_or_unreachable_feed_is_one_clear_error(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, site_file = site

    with pytest.raises(FeedError, match="the server answered 404"):
        move_in(f"{old_host}/nowhere/feed.xml", content, site_file)
    # Port 9 (discard) has no server on a test machine: the connection is refused.
    with pytest.raises(FeedError, match="cannot be reached"):
        move_in("http://127.0.0.1:9/feed.xml", content, site_file)
    with pytest.raises(FeedError, match="cannot be read"):
        move_in(str(content / "no-such-feed.xml"), content, site_file)


def test_a_site_that_is_not_the_demo_keeps_its_values(
    old_host: str, site: tuple[Path, Path]
) -> None:
    content, _ = site
    own_site = content.parent / "own-site.toml"
    shutil.copyfile(FIXTURE_SITE_FILE, own_site)

    report = move_in(f"{old_host}/libsyn/feed.xml", content, own_site)

    assert read_show(own_site).name == "Test Cast"
    assert "site.toml keeps name = 'Test Cast'" in report.summary()
    assert read_show(own_site).guid_namespace == read_show(FIXTURE_SITE_FILE).guid_namespace


def test_the_command_says_what_is_wrong_in_one_line(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, site_file = site
    monkeypatch.setenv("CONTENT_DIR", str(content))
    monkeypatch.setenv("SITE_FILE", str(site_file))

    status = main(["import-feed", "http://127.0.0.1:9/feed.xml"])

    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith("import-feed: http://127.0.0.1:9/feed.xml: cannot be reached")
    assert error.count("\n") == 1


def test_guests_whose_names_make_one_slug_get_a_file_each(tmp_path: Path) -> None:
    people = [Person("Ana Lima", "guest"), Person("Ana  Lima!", "guest"), Person("李娜", "guest")]
    item = Item("One", "g1", None, 60, "https://old.example/1.mp3", 1, "audio/mpeg", "", "")
    item.people.extend(people)
    writer = Writer(tmp_path, Manifest(tmp_path / MANIFEST), MoveReport(), force=False)

    slugs = _write_guests([item], writer)

    assert slugs == {"Ana Lima": "ana-lima", "Ana  Lima!": "ana-lima-2", "李娜": "guest"}
    assert sorted(path.name for path in (tmp_path / "guests").iterdir()) == [
        "ana-lima-2.md", "ana-lima.md", "guest.md",
    ]  # fmt: skip
