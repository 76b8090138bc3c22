"""Backups: the schedule and its healthcheck, rotation, and the restore drill."""

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.stack.conftest import Stack, running_stack, stack_name


@pytest.fixture(scope="module")
def drill_stack() -> Iterator[Stack]:
    """A stack of its own: the drill destroys its database."""
    with running_stack(stack_name("drilltest")) as stack:
        yield stack


def sql(stack: Stack, query: str) -> str:
    """Run one query with psql inside the db container and return the bare result."""
    return stack.compose(
        "exec", "-T", "db", "psql", "--username=podcast", "--dbname=podcast",
        "--no-align", "--tuples-only", "--command", query,
    ).strip()  # fmt: skip


def sign_up(client: httpx.Client, email: str) -> None:
    """Sign up for the newsletter through the site, as a visitor would."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/newsletter").text)
    assert token
    response = client.post("/newsletter", data={"email": email, "csrf_token": token[1]})
    assert response.status_code == 303


def distinctive_data(stack: Stack) -> str:
    """Return what the drill restores: the subscriber and the download counts."""
    return sql(
        stack,
        "SELECT coalesce(string_agg(email, ','), '') || '|' || "
        "(SELECT coalesce(sum(count), 0) FROM episode_downloads) "
        "FROM newsletter_subscribers WHERE email LIKE 'drill-%'",
    )


def test_the_backup_service_backs_up_at_start_and_is_healthy(drill_stack: Stack) -> None:
    (backup,) = drill_stack.containers("backup")
    assert backup["Health"] == "healthy"
    scheduled = list((drill_stack.artifacts / "backups").glob("podcast-*Z.dump"))
    assert len(scheduled) == 1


def test_the_healthcheck_fails_when_the_newest_backup_is_too_old(drill_stack: Stack) -> None:
    check = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh")
    assert "newest backup" in check
    # Age every backup by two days: older than the daily schedule allows.
    drill_stack.compose("exec", "-T", "backup", "sh", "-c", "touch -d '2 days ago' /backups/*.dump")
    stale = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh", check=False)
    age = re.search(r"is (\d+)s old \(limit 95040s\)", stale)
    assert age and int(age[1]) >= 2 * 86400, stale
    drill_stack.compose("exec", "-T", "backup", "backup-now.sh")
    assert "old (limit" not in drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh")


def test_rotation_keeps_dailies_and_weeklies_and_never_manual_backups(
    drill_stack: Stack,
) -> None:
    folder = drill_stack.artifacts / "rotation"
    folder.mkdir()
    days = [date(2026, 11, 27) - timedelta(days=n) for n in range(60)]
    for day in days:
        for hour in ("01", "13"):  # two a day: only the newest of a day is kept
            (folder / f"podcast-{day:%Y%m%d}T{hour}0000Z.dump").write_bytes(b"x")
    (folder / "podcast-20250101T000000Z-manual.dump").write_bytes(b"x")

    # A folder of its own (not the service's /backups, which stays mounted).
    drill_stack.compose(
        "run", "--rm", "--no-deps", "--volume", f"{folder}:/rotation",
        "--env", "BACKUP_PATH=/rotation", "backup", "backup-rotate.sh",
    )  # fmt: skip

    kept = sorted(path.name for path in folder.iterdir())
    newest_per_week = {day.isocalendar()[:2]: day for day in reversed(days)}
    weeklies = sorted(newest_per_week.values(), reverse=True)[:4]
    expected = {f"podcast-{day:%Y%m%d}T130000Z.dump" for day in days[:7] + weeklies}
    assert kept == sorted(expected | {"podcast-20250101T000000Z-manual.dump"})


def test_restore_refuses_a_missing_or_corrupt_file_before_touching_anything(
    drill_stack: Stack, tmp_path: Path
) -> None:
    before = sql(drill_stack, "SELECT count(*) FROM episodes")
    missing = drill_stack.run(
        "make", "restore", "FILE=backups/no-such.dump", "FORCE=1", check=False
    )
    assert "no such file; nothing was changed." in missing

    # Garbage, and a real backup cut short (its table of contents is intact).
    backup = next((drill_stack.artifacts / "backups").glob("podcast-*Z.dump"))
    corrupt = drill_stack.artifacts / "corrupt.dump"
    truncated = drill_stack.artifacts / "truncated.dump"
    corrupt.write_bytes(b"PGDMP this is not a backup")
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size * 2 // 3])
    for bad in (corrupt, truncated):
        refused = drill_stack.run("make", "restore", f"FILE={bad}", "FORCE=1", check=False)
        assert "is not a complete, readable pg_dump custom-format backup" in refused, bad
        assert "the database was not touched" in refused
    assert sql(drill_stack, "SELECT count(*) FROM episodes") == before
    (web,) = drill_stack.containers("web")
    assert web["State"] == "running"


def test_the_restore_drill(drill_stack: Stack) -> None:
    email = f"drill-{uuid.uuid4().hex[:8]}@mailbox.org"
    with drill_stack.client() as client:
        sign_up(client, email)
        for _ in range(3):
            assert (
                client.get("/episodes/download/1/why-one-server-is-enough.mp3").status_code == 302
            )
    created = distinctive_data(drill_stack)
    assert created == f"{email}|3"

    # Data survives a restart of the whole stack.
    drill_stack.make("down")
    drill_stack.make("up")
    assert distinctive_data(drill_stack) == created

    output = drill_stack.make("backup")
    written = re.search(r"Backup written: (\S+-manual\.dump)", output)
    assert written, output
    backup_file = Path(written[1])
    assert backup_file.is_file()

    # Disaster: the database volume is gone; `make up` starts from scratch.
    drill_stack.make("down")
    drill_stack.run("docker", "volume", "rm", f"{drill_stack.project}_db-data")
    drill_stack.make("up")
    assert distinctive_data(drill_stack) == "|0"

    restored = drill_stack.make("restore", f"FILE={backup_file}", FORCE="1")

    assert "web is up and ready" in restored
    assert distinctive_data(drill_stack) == created
    # The database the restore replaced is kept, not dropped.
    kept = "SELECT count(*) FROM pg_database WHERE datname = 'podcast_before_restore'"
    assert sql(drill_stack, kept) == "1"
    with drill_stack.client() as client:
        assert client.get("/ready").text == "ready\n"
        assert client.get("/").status_code == 200
