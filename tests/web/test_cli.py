"""The command line: imports of any size, with progress, idempotent, failing in one clear line."""

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from podcast_site.cli import CommandError, mail_owner, main, refuse_the_demo_in_production
from podcast_site.content.synthetic import write_catalog
from podcast_site.core.settings import Settings
from podcast_site.core.show import DEMO_GUID_NAMESPACE, read_show
from podcast_site.web.previews import read_preview_token
from tests.web.background.conftest import Inbox, free_port
from tests.web.conftest import migrate, recreate_database
from tests.web.paths import FIXTURE_CONTENT, FIXTURE_SITE_FILE

CLI_DATABASE = "podcast_cli_test"


@pytest.fixture
async def empty_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI (which reads the environment) at a new, empty database of its own."""
    scratch = settings.model_copy(update={"db_name": CLI_DATABASE})
    await recreate_database(scratch)
    monkeypatch.setenv("DB_NAME", scratch.db_name)
    return scratch


@pytest.fixture
async def cli_database(empty_database: Settings) -> AsyncIterator[None]:
    """Give the CLI a migrated database of its own."""
    await migrate(empty_database)
    yield


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write a catalog of full-size episodes once for the tests of large imports."""
    folder = tmp_path_factory.mktemp("catalog")
    write_catalog(25, folder)
    return folder


async def run_cli(*args: str) -> int:
    """Run the command line as a shell does; main() runs its own event loop, so in a thread."""
    return await asyncio.to_thread(main, list(args))


def summary(out: str) -> str:
    """Return an import's last line without the seconds it took, which vary."""
    return out.splitlines()[-1].rpartition(";")[0]


async def query(settings: Settings, sql: str, *args: Any) -> Any:
    """Return the first value of a query on the CLI's database."""
    connection = await asyncpg.connect(
        host=settings.db_host, port=settings.db_port, user=settings.db_user,
        password=settings.db_password.get_secret_value(), database=CLI_DATABASE,
    )  # fmt: skip
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


@pytest.mark.usefixtures("cli_database")
async def test_import_content_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    first = capsys.readouterr().out
    assert "new: 001 First steps & small servers (public)" in first
    assert "6 created, 0 updated, 0 unchanged" in first

    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    # Every file unchanged, so none read: a no-op costs a stat of each.
    assert summary(capsys.readouterr().out) == (
        "7 files: 7 unchanged, 0 read, 0 gone;"
        " 0 created, 0 updated, 0 unchanged, 0 removed; 0 problems"
    )

    assert await run_cli("import-content", "--force", str(FIXTURE_CONTENT)) == 0
    assert summary(capsys.readouterr().out) == (
        "7 files: 0 unchanged, 7 read, 0 gone;"
        " 0 created, 0 updated, 6 unchanged, 0 removed; 0 problems"
    )


@pytest.mark.usefixtures("cli_database")
async def test_a_large_import_reports_progress_and_runs_twice_to_the_same_rows(
    catalog: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli("import-content", str(catalog)) == 0
    output = capsys.readouterr()
    assert summary(output.out) == (
        "66 files: 0 unchanged, 66 read, 0 gone;"
        " 41 created, 0 updated, 0 unchanged, 0 removed; 0 problems"
    )
    progress = output.err.splitlines()
    assert progress[0].startswith(
        "checked 25 new or changed episodes, 10 guests and 6 sponsors (0 files unchanged):"
        " no problems"
    )
    # Not a terminal: one line at the end (and one every 10 s), not one per batch.
    assert len(progress) == 2 and progress[-1].startswith("episodes: 25 of 25 (")
    stored = await query(settings, "SELECT sum(length(transcript)) FROM episodes")
    assert stored > 25 * 60_000

    assert await run_cli("import-content", str(catalog)) == 0
    assert summary(capsys.readouterr().out).startswith("66 files: 66 unchanged, 0 read")

    # A changed transcript is noticed, though the import never loads the stored ones.
    (transcript,) = catalog.glob("episodes/007-*.transcript.txt")
    original = transcript.read_text()
    try:
        transcript.write_text(original.replace("Welcome to the show.", "Welcome back."))
        assert await run_cli("import-content", str(catalog)) == 0
    finally:
        transcript.write_text(original)
    assert summary(capsys.readouterr().out) == (
        "66 files: 64 unchanged, 2 read, 0 gone;"
        " 0 created, 1 updated, 0 unchanged, 0 removed; 0 problems"
    )


@pytest.mark.usefixtures("cli_database")
async def test_an_import_is_not_held_to_the_statement_timeout_of_web_requests(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1 ms: no batch of hour-long transcripts is written that fast.
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "1")

    assert await run_cli("import-content", str(catalog)) == 0
    assert "41 created" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_database")
async def test_broken_files_are_listed_one_line_each_and_nothing_is_written(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    write_catalog(5, tmp_path)
    episodes = sorted((tmp_path / "episodes").glob("*.md"))
    episodes[0].write_text(episodes[0].read_text().replace("title:", "title: [", 1))
    episodes[1].with_suffix(".transcript.txt").write_bytes(b"[00:00:00] Host: caf\xe9\n")
    episodes[2].with_suffix(".transcript.txt").write_text("[00:00:00] Host: \0\n")
    guest_of_4 = episodes[3].read_text().split("guests:\n- ")[1].split()[0]
    episodes[3].write_text(episodes[3].read_text().replace("guests:\n- ", "guests:\n- nobody-"))
    (guest, *_) = (tmp_path / "guests").glob("*.md")
    guest.write_text(guest.read_text().replace("name:", "nom:"))

    assert await run_cli("import-content", str(tmp_path)) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err
    header, *problems = err.strip().splitlines()
    assert header == "content has problems:"
    assert set(problems) == {
        f"  episodes/{episodes[0].name}: unreadable front matter at line 4: "
        "did not find expected ',' or ']'",
        f"  episodes/{episodes[1].stem}.transcript.txt: "
        "not UTF-8 text (invalid continuation byte at byte 20)",
        f"  episodes/{episodes[2].stem}.transcript.txt: "
        "contains a NUL character, which Postgres cannot store",
        f"  episodes/4: unknown guest 'nobody-{guest_of_4}' (no guests/nobody-{guest_of_4}.md)",
        f"  guests/{guest.name}: name: Field required",
        f"  guests/{guest.name}: nom: Extra inputs are not permitted",
    }
    assert await query(settings, "SELECT count(*) FROM guests") == 0


async def test_what_the_database_refuses_is_said_in_one_line_and_nothing_is_written(
    empty_database: Settings, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli("import-content", str(catalog)) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "import-content failed and changed nothing; the database said: "
        'relation "content_files" does not exist'
    )

    await migrate(empty_database)
    await query(
        empty_database,
        "ALTER TABLE episodes ADD CONSTRAINT short CHECK (length(transcript) < 1000)",
    )
    assert await run_cli("import-content", str(catalog)) == 1
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "failed" in line]
    assert line.startswith("import-content failed and changed nothing; the database said: ")
    assert 'violates check constraint "short"' in line
    assert line.endswith("; while writing episodes 1 to 25")
    assert await query(empty_database, "SELECT count(*) FROM guests") == 0


@pytest.mark.usefixtures("cli_database")
async def test_load_demo_only_fills_an_empty_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli("load-demo", str(FIXTURE_CONTENT)) == 0
    assert "skipped (LOAD_DEMO_CONTENT is off)" in capsys.readouterr().out

    monkeypatch.setenv("LOAD_DEMO_CONTENT", "true")
    assert await run_cli("load-demo", str(FIXTURE_CONTENT)) == 0
    assert "6 created" in capsys.readouterr().out
    assert await run_cli("load-demo", str(FIXTURE_CONTENT)) == 0
    assert "skipped: the database already has episodes" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_database")
async def test_broken_content_is_refused_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "001-Bad Name.md").write_text("---\nnumber: 1\n---\n")

    assert await run_cli("import-content", str(tmp_path)) == 1
    assert "file name must be" in capsys.readouterr().err


async def add_downloads(settings: Settings, today: date) -> None:
    """Import the fixture content and give it downloads: totals, and apps for today's."""
    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    connection = await asyncpg.connect(
        host=settings.db_host, port=settings.db_port, user=settings.db_user,
        password=settings.db_password.get_secret_value(), database=CLI_DATABASE,
    )  # fmt: skip
    try:
        for number, days_ago, count in ((3, 0, 5), (3, 10, 7), (1, 100, 2)):
            await connection.execute(
                "INSERT INTO episode_downloads (episode_id, day, count)"
                " SELECT id, $2, $3 FROM episodes WHERE number = $1",
                number, today - timedelta(days=days_ago), count,
            )  # fmt: skip
        for app, count in (("Overcast", 3), ("Apple Podcasts", 2)):
            await connection.execute(
                "INSERT INTO episode_app_downloads (episode_id, day, app, count)"
                " SELECT id, $1, $2, $3 FROM episodes WHERE number = 3",
                today, app, count,
            )  # fmt: skip
    finally:
        await connection.close()


@pytest.mark.usefixtures("cli_database")
async def test_downloads_are_reported_per_episode_per_app_and_per_day(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()
    await add_downloads(settings, today)
    capsys.readouterr()

    assert await run_cli("downloads") == 0

    lines = capsys.readouterr().out.splitlines()
    (third,) = [line for line in lines if line.startswith("#3 ")]
    assert third.split()[-3:] == ["5", "12", "12"]
    (first,) = [line for line in lines if line.startswith("#1 ")]
    assert first.split()[-3:] == ["0", "0", "2"]
    # The last 30 days by app: 10 days ago, before apps were counted, too.
    apps = lines[lines.index("downloads by app, all episodes (the last 30 days):") + 1 :][:3]
    assert [line.rsplit(maxsplit=1) for line in apps] == [
        ["(not recorded)", "7"], ["Overcast", "3"], ["Apple Podcasts", "2"]
    ]  # fmt: skip
    # The busiest day of the 30 gets the longest bar; the others in proportion.
    peak_day = today - timedelta(days=10)
    (peak,) = [line for line in lines if line.startswith(f"{peak_day:%a %d %b}")]
    (bar,) = [line for line in lines if line.startswith(f"{today:%a %d %b}")]
    assert peak.split()[3] == "7" and peak.endswith(" " + "█" * 40)
    assert bar.split()[3] == "5" and bar.endswith(" " + "█" * round(40 * 5 / 7))


@pytest.mark.usefixtures("cli_database")
async def test_downloads_as_csv_are_every_day_by_episode_and_app(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()
    await add_downloads(settings, today)
    capsys.readouterr()

    assert await run_cli("downloads", "--csv") == 0

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    titles = {row["episode"]: row["title"] for row in rows}
    assert [(row["day"], row["episode"], row["app"], row["downloads"]) for row in rows] == [
        (str(today - timedelta(days=100)), "1", "(not recorded)", "2"),
        (str(today - timedelta(days=10)), "3", "(not recorded)", "7"),
        (str(today), "3", "Overcast", "3"),
        (str(today), "3", "Apple Podcasts", "2"),
    ]
    # A title with a comma comes back whole: quoted as CSV quotes.
    assert titles["3"] == "Third time, no guests"


@pytest.mark.usefixtures("cli_database")
async def test_wait_for_database_returns_once_it_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await run_cli("wait-for-database", "--seconds", "5") == 0
    assert capsys.readouterr().out.startswith("database: answering after 0 s")


async def test_wait_for_database_gives_up_after_its_time(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_PORT", "1")  # nothing listens there: refused, like a database not up yet
    assert await run_cli("wait-for-database", "--seconds", "1.5") == 1
    assert "database: no answer in 2 s" in capsys.readouterr().err


def write_release_content(root: Path) -> Path:
    """Write a show of one public, one scheduled, one draft and one removed episode."""
    (root / "episodes").mkdir(parents=True)
    soon = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0).isoformat()
    for number, slug, extra in [
        (1, "out", ""),
        (2, "soon", f"published: {soon}\n"),
        (3, "unfinished", "status: draft\n"),
        (4, "withdrawn", "status: removed\n"),
    ]:
        published = "" if "published:" in extra else "published: 2026-01-06\n"
        (root / "episodes" / f"{number:03d}-{slug}.md").write_text(
            f"---\nnumber: {number}\ntitle: {slug.title()}\nsummary: About {slug}.\n{published}"
            f"{extra}duration: 60\naudio_url: https://cdn.test.example/{number}.mp3\n"
            "audio_bytes: 1000\n---\nNotes.\n"
        )
    return root


@pytest.mark.usefixtures("cli_database")
async def test_status_lists_what_is_not_public_and_the_import_says_when_it_will_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_FILE", str(FIXTURE_SITE_FILE))
    assert await run_cli("import-content", str(write_release_content(tmp_path))) == 0
    imported = capsys.readouterr().out
    assert "new: 001 Out (public)" in imported
    assert "new: 002 Soon (scheduled for " in imported and "new: 003 Unfinished (draft)" in imported

    assert await run_cli("status") == 0
    lines = capsys.readouterr().out.splitlines()

    # Scheduled first (soonest first), then drafts, then removed ones.
    assert [line.split()[0] for line in lines[:3]] == ["002", "003", "004"]
    assert any(line.startswith("002 Soon") and "scheduled:" in line and "(in 5.0 h)" in line
               for line in lines)  # fmt: skip
    assert any(line.startswith("003 Unfinished") and "draft" in line for line in lines)
    assert any(line.startswith("004 Withdrawn") and "removed (410)" in line for line in lines)
    assert lines[-1] == "announcement mails waiting to be sent: 0"


async def test_a_preview_link_is_signed_with_the_sites_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "key"
    key.write_text("k" * 40)
    monkeypatch.setenv("SECRET_KEY_FILE", str(key))
    assert await run_cli("preview-link", "3") == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://localhost/episodes/preview/")
    assert read_preview_token("k" * 40, link.rsplit("/", 1)[1]) == 3


def test_a_production_site_refuses_to_import_while_site_toml_is_the_demos(
    settings: Settings, tmp_path: Path
) -> None:
    # The demo's site.toml, as a fork that did not make the show its own yet
    # has it (the fixture's, with the demo's namespace: a fork changes the real one).
    demo = tmp_path / "site.toml"
    demo.write_text(
        FIXTURE_SITE_FILE.read_text().replace(
            str(read_show(FIXTURE_SITE_FILE).guid_namespace), str(DEMO_GUID_NAMESPACE)
        )
    )
    production = settings.model_copy(update={"app_env": "production", "site_file": demo})
    with pytest.raises(CommandError, match="still the demo show's"):
        refuse_the_demo_in_production(production)
    # A fork's own show, or the demo on a local site, imports.
    refuse_the_demo_in_production(production.model_copy(update={"site_file": FIXTURE_SITE_FILE}))
    refuse_the_demo_in_production(settings.model_copy(update={"site_file": demo}))


async def test_mail_owner_hands_one_plain_mail_to_smtp_for_the_owner(settings: Settings) -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=(port := free_port()))
    controller.start()
    try:
        configured = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none"}
        )
        said = await mail_owner(configured, "1 problem", "the disk is 91% full\n")
    finally:
        controller.stop()
    owner = read_show(settings.site_file).owner_email
    assert said == f"mailed {owner}: 1 problem"
    (envelope,) = inbox.received
    assert envelope.rcpt_tos == [owner]
    message = message_from_bytes(envelope.original_content or b"", policy=SMTP)
    assert message["Subject"] == "1 problem"
    assert message.get_content().splitlines() == ["the disk is 91% full"]


async def test_mail_owner_says_why_when_no_mail_can_go(settings: Settings) -> None:
    production = settings.model_copy(update={"app_env": "production", "smtp_host": ""})
    with pytest.raises(CommandError, match="SMTP_HOST is not set"):
        await mail_owner(production, "1 problem", "text")
    closed = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    with pytest.raises(CommandError, match="did not take the mail"):
        await mail_owner(closed, "1 problem", "text")
