"""The command line: importing content twice changes nothing the second time."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from podcast_site.cli import main
from podcast_site.settings import Settings
from tests.web.conftest import migrate, recreate_database
from tests.web.paths import FIXTURE_CONTENT


@pytest.fixture
async def cli_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Point the CLI (which reads the environment) at a fresh database of its own."""
    scratch = settings.model_copy(update={"db_name": "podcast_cli_test"})
    await recreate_database(scratch)
    await migrate(scratch)
    monkeypatch.setenv("DB_NAME", scratch.db_name)
    yield


@pytest.mark.usefixtures("cli_database")
async def test_import_content_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    # main() runs its own event loop, as it does from a shell: give it a thread.
    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    first = capsys.readouterr().out
    assert "created episode 1 (first-steps)" in first
    assert "6 created, 0 updated, 0 unchanged" in first

    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    assert capsys.readouterr().out.strip() == "0 created, 0 updated, 6 unchanged"


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


async def test_broken_content_is_refused_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "001-Bad Name.md").write_text("---\nnumber: 1\n---\n")

    assert await run_cli("import-content", str(tmp_path)) == 1
    assert "file name must be" in capsys.readouterr().err


async def run_cli(*args: str) -> int:
    import asyncio

    return await asyncio.to_thread(main, list(args))


@pytest.mark.usefixtures("cli_database")
async def test_downloads_are_reported_per_episode_and_per_day(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli("import-content", str(FIXTURE_CONTENT)) == 0
    today = datetime.now(UTC).date()
    connection = await asyncpg.connect(
        host=settings.db_host, port=settings.db_port, user=settings.db_user,
        password=settings.db_password.get_secret_value(), database="podcast_cli_test",
    )  # fmt: skip
    try:
        for number, days_ago, count in ((3, 0, 5), (3, 10, 7), (1, 100, 2)):
            await connection.execute(
                "INSERT INTO episode_downloads (episode_id, day, count)"
                " SELECT id, $2, $3 FROM episodes WHERE number = $1",
                number, today - timedelta(days=days_ago), count,
            )  # fmt: skip
    finally:
        await connection.close()
    capsys.readouterr()

    assert await run_cli("downloads") == 0

    lines = capsys.readouterr().out.splitlines()
    (third,) = [line for line in lines if line.startswith("#3 ")]
    assert third.split()[-3:] == ["5", "12", "12"]
    (first,) = [line for line in lines if line.startswith("#1 ")]
    assert first.split()[-3:] == ["0", "0", "2"]
    # The busiest day of the 30 gets the longest bar; the others in proportion.
    peak_day = today - timedelta(days=10)
    (peak,) = [line for line in lines if line.startswith(f"{peak_day:%a %d %b}")]
    (bar,) = [line for line in lines if line.startswith(f"{today:%a %d %b}")]
    assert peak.split()[3] == "7" and peak.endswith(" " + "█" * 40)
    assert bar.split()[3] == "5" and bar.endswith(" " + "█" * round(40 * 5 / 7))


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
