"""Backups: the schedule and its healthcheck, rotation, and the restore drill."""

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.stack.conftest import (
    Stack,
    cleared_in,
    running_stack,
    sign_up,
    sql,
    stack_name,
    started_in,
    watch,
)
from tests.stack.test_site import NEWEST


@pytest.fixture(scope="module")
def drill_stack() -> Iterator[Stack]:
    """A stack of its own: the drill destroys its database."""
    with running_stack(stack_name("drilltest")) as stack:
        yield stack


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
    assert "newest scheduled backup" in check
    # Age every backup by two days: older than the daily schedule allows.
    drill_stack.compose("exec", "-T", "backup", "sh", "-c", "touch -d '2 days ago' /backups/*.dump")
    stale = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh", check=False)
    age = re.search(r"is (\d+)s old \(limit 95040s\)", stale)
    assert age and int(age[1]) >= 2 * 86400, stale
    # A deploy's backup is not the schedule's: a site deploying daily still needs its dailies.
    drill_stack.compose("exec", "-T", "backup", "backup-now.sh", "before-deploy")
    still = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh", check=False)
    assert "old (limit" in still, still
    drill_stack.compose("exec", "-T", "backup", "backup-now.sh")
    assert "old (limit" not in drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh")


def test_rotation_keeps_dailies_weeklies_and_the_newest_of_each_other_kind(
    drill_stack: Stack,
) -> None:
    folder = drill_stack.artifacts / "rotation"
    folder.mkdir()
    days = [date(2026, 11, 27) - timedelta(days=n) for n in range(60)]
    for day in days:
        for hour in ("01", "13"):  # two a day: only the newest of a day is kept
            (folder / f"podcast-{day:%Y%m%d}T{hour}0000Z.dump").write_bytes(b"x")
        for kind in ("manual", "before-deploy", "before-restore"):
            (folder / f"podcast-{day:%Y%m%d}T120000Z-{kind}.dump").write_bytes(b"x")
    # What a killed dump leaves: removed once a day old, never while it may be running.
    (folder / ".podcast-20261101T000000Z.dump.partial").write_bytes(b"x")
    (folder / ".podcast-20261127T000000Z.dump.partial").write_bytes(b"x")
    drill_stack.run(
        "touch", "-d", "2 days ago", str(folder / ".podcast-20261101T000000Z.dump.partial")
    )

    # A folder of its own (not the service's /backups, which stays mounted).
    rotate = (
        "run", "--rm", "--no-deps", "--volume", f"{folder}:/rotation",
        "--env", "BACKUP_PATH=/rotation",
    )  # fmt: skip
    drill_stack.compose(*rotate, "backup", "backup-rotate.sh")

    kept = sorted(path.name for path in folder.iterdir())
    newest_per_week = {day.isocalendar()[:2]: day for day in reversed(days)}
    weeklies = sorted(newest_per_week.values(), reverse=True)[:4]
    expected = {f"podcast-{day:%Y%m%d}T130000Z.dump" for day in days[:7] + weeklies}
    for kind in ("manual", "before-deploy", "before-restore"):
        expected |= {f"podcast-{day:%Y%m%d}T120000Z-{kind}.dump" for day in days[:10]}
    expected |= {".podcast-20261127T000000Z.dump.partial", ".made-here"}
    assert kept == sorted(expected)

    # A dump copied back into the folder (to restore it) was not written by
    # the service: rotation leaves it alone, however old.
    copied_back = folder / "podcast-20250101T000000Z.dump"
    copied_back.write_bytes(b"x")
    drill_stack.compose(*rotate, "backup", "backup-rotate.sh")
    assert copied_back.exists()
    kept = sorted(path.name for path in folder.iterdir())

    # A 0 would delete every backup, the one just written too: refused.
    refused = drill_stack.compose(
        *rotate, "--env", "BACKUP_KEEP_DAILY=0", "backup", "backup-rotate.sh", check=False
    )
    assert "BACKUP_KEEP_DAILY=0 must be a whole number of at least 1" in refused
    assert sorted(path.name for path in folder.iterdir()) == kept


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


def test_a_restore_that_fails_midway_changes_nothing_and_the_site_serves(
    drill_stack: Stack,
) -> None:
    # A complete, readable dump that cannot be restored here: a table policy for
    # a role this server lacks (as a dump from another server may have).
    for statement in ("CREATE ROLE drill_ghost", "CREATE DATABASE drill_ghost"):
        sql(drill_stack, statement)
    sql(
        drill_stack,
        "CREATE TABLE t (i int); CREATE POLICY p ON t TO drill_ghost USING (true)",
        database="drill_ghost",
    )
    drill_stack.compose(
        "exec", "-T", "backup", "sh", "-c", "PGPASSWORD=$(cat /run/secrets/db_password) "
        "pg_dump --format=custom --dbname=drill_ghost --file=/backups/ghost.dump",
    )  # fmt: skip
    for statement in ("DROP DATABASE drill_ghost", "DROP ROLE drill_ghost"):
        sql(drill_stack, statement)
    episodes = "SELECT count(*) FROM episodes"
    before = distinctive_data(drill_stack), sql(drill_stack, episodes)

    failed = drill_stack.run(
        "make", "restore", f"FILE={drill_stack.artifacts / 'backups' / 'ghost.dump'}", "FORCE=1",
        check=False,
    )  # fmt: skip

    assert "The restore failed; starting web and backup again" in failed, failed
    assert (
        distinctive_data(drill_stack),
        sql(drill_stack, "SELECT count(*) FROM episodes"),
    ) == before
    leftovers = "SELECT count(*) FROM pg_database WHERE datname LIKE 'podcast\\_%'"
    assert sql(drill_stack, leftovers) == "0"
    for service in ("web", "backup"):
        (container,) = drill_stack.containers(service)
        assert container["State"] == "running", service
    with drill_stack.client() as client:
        assert client.get("/ready").text == "ready\n"


def test_two_backups_within_one_second_are_two_files(drill_stack: Stack) -> None:
    output = drill_stack.compose(
        "exec", "-T", "backup", "sh", "-c", "backup-now.sh manual; backup-now.sh manual"
    )
    first, second = [line for line in output.splitlines() if line.startswith("/backups/")]
    assert first != second
    backups = drill_stack.artifacts / "backups"
    assert (backups / Path(first).name).is_file() and (backups / Path(second).name).is_file()


def test_a_backup_that_would_fill_the_disk_is_refused_before_it_writes(drill_stack: Stack) -> None:
    # A real small disk: a 1 MiB tmpfs, far less than the database needs.
    disk = f"{drill_stack.project}-small-disk"
    drill_stack.run("docker", "volume", "create", "--driver", "local", "--opt", "type=tmpfs",
                    "--opt", "device=tmpfs", "--opt", "o=size=1m", disk)  # fmt: skip
    try:
        output = drill_stack.compose(
            "run", "--rm", "--no-deps", "-T", "--volume", f"{disk}:/backups", "backup",
            "sh", "-c", "backup-now.sh manual; echo exit=$?; ls -A /backups",
        )  # fmt: skip
    finally:
        drill_stack.run("docker", "volume", "rm", disk, check=False)
    assert "not enough space in /backups" in output, output
    assert "must stay free for the database" in output
    refused, listing = output.split("exit=")[1].split("\n", 1)
    assert refused == "4" and "podcast-" not in listing, output


def test_a_restore_the_database_disk_cannot_hold_is_refused_before_it_stops_anything() -> None:
    settings = {"COMPOSE_FILE": "compose.yaml:tests/stack/db-on-a-small-disk.yaml"}
    with running_stack(stack_name("smalldisktest"), settings=settings) as small:
        (backup,) = sorted((small.artifacts / "backups").glob("podcast-*Z.dump"))[-1:]
        restore = ("make", "restore", f"FILE={backup}")
        # With room: the check passes, and only the question (no one answers) stops it.
        roomy = small.run(*restore, check=False)
        assert "Nothing changed." in roomy and "Not enough space" not in roomy, roomy
        data = int(re.search(r" (\d+) bytes of data\)", roomy)[1])  # type: ignore[index]
        disk, free = map(int, small.compose(
            "exec", "-T", "db", "sh", "-c", "df -P -B1 /var/lib/postgresql/data | awk 'NR == 2"
            " {print $2, $4}'").split())  # fmt: skip
        # Leave the 5 % reserve and one copy of the data: a restore needs two.
        filler = free - disk // 20 - data
        small.compose("exec", "-T", "--user", "postgres", "db", "sh", "-c",
                      f"head -c {filler} /dev/zero > /var/lib/postgresql/data/filler")  # fmt: skip
        refused = small.run(*restore, "FORCE=1", check=False)
        assert "Not enough space for the restore on the database's disk" in refused, refused
        assert "Nothing changed" in refused and "stopping web" not in refused, refused
        (web,) = small.containers("web")
        assert web["State"] == "running" and web["Health"] == "healthy", web
        with small.client() as client:
            assert client.get("/episodes").status_code == 200


def test_a_wrong_restore_then_the_right_one_loses_nothing(drill_stack: Stack) -> None:
    wrong = drill_stack.make("backup")  # before anyone signed up
    wrong_file = re.search(r"Backup written: (\S+\.dump)", wrong)
    with drill_stack.client() as client:
        sign_up(client, early := f"drill-early-{uuid.uuid4().hex[:6]}@mailbox.org")
    right = re.search(r"Backup written: (\S+\.dump)", drill_stack.make("backup"))
    with drill_stack.client() as client:
        # Written after the last backup: what a careless restore would lose.
        sign_up(client, late := f"drill-late-{uuid.uuid4().hex[:6]}@mailbox.org")
    assert wrong_file and right

    first = drill_stack.make("restore", f"FILE={wrong_file[1]}", FORCE="1")  # oops
    assert early not in distinctive_data(drill_stack)
    drill_stack.make("restore", f"FILE={right[1]}", FORCE="1")
    assert early in distinctive_data(drill_stack) and late not in distinctive_data(drill_stack)

    # The first restore said how to undo it: that brings back every write.
    undo = re.search(r"To undo it: make restore FILE=(\S+)", first)
    assert undo, first
    drill_stack.make("restore", f"FILE={undo[1]}", FORCE="1")
    assert early in distinctive_data(drill_stack) and late in distinctive_data(drill_stack)


def test_a_restore_keeps_unsubscribes_and_sent_mail_newer_than_its_backup(
    drill_stack: Stack,
) -> None:
    email = f"drill-leaving-{uuid.uuid4().hex[:6]}@mailbox.org"
    with drill_stack.client() as client:
        sign_up(client, email)
    of_them = f"email = '{email}'"
    to_them = f"to_address = '{email}'"
    # In the backup: subscribed, and a mail to them still waiting.
    sql(drill_stack, f"UPDATE newsletter_subscribers SET confirmed_at = now() WHERE {of_them}")
    sql(drill_stack, "UPDATE outbound_emails SET sent_at = NULL,"
                     f" send_after = now() + interval '1 day' WHERE {to_them}")  # fmt: skip
    backup = re.search(r"Backup written: (\S+\.dump)", drill_stack.make("backup"))
    assert backup
    # Since the backup: the mail went out, and they unsubscribed.
    sql(drill_stack, f"UPDATE outbound_emails SET sent_at = now() WHERE {to_them}")
    sql(drill_stack, f"UPDATE newsletter_subscribers SET unsubscribed_at = now() WHERE {of_them}")

    drill_stack.make("restore", f"FILE={backup[1]}", FORCE="1")

    left = sql(drill_stack, f"SELECT unsubscribed_at FROM newsletter_subscribers WHERE {of_them}")
    assert left != ""
    waiting = sql(
        drill_stack, f"SELECT count(*) FROM outbound_emails WHERE {to_them} AND sent_at IS NULL"
    )
    assert waiting == "0"


def test_the_restore_drill(drill_stack: Stack) -> None:
    email = f"drill-{uuid.uuid4().hex[:8]}@mailbox.org"
    with drill_stack.client() as client:
        sign_up(client, email)
        path = f"/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"
        for _ in range(3):  # a listener's app (httpx's own agent is a bot's, not counted)
            assert client.get(path, headers={"User-Agent": "AntennaPod/3.4.0"}).status_code == 302
    created = distinctive_data(drill_stack)
    assert created.startswith(f"{email}|") or f",{email}|" in created

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
    assert email not in distinctive_data(drill_stack)

    restored = drill_stack.make("restore", f"FILE={backup_file}", FORCE="1")

    assert "web is up and ready" in restored
    assert distinctive_data(drill_stack) == created
    # The database it replaced was dumped first, and is not left behind.
    assert re.search(r"To undo it: make restore FILE=\S+-before-restore\.dump", restored)
    leftovers = "SELECT count(*) FROM pg_database WHERE datname LIKE 'podcast\\_%'"
    assert sql(drill_stack, leftovers) == "0"
    with drill_stack.client() as client:
        assert client.get("/ready").text == "ready\n"
        assert client.get("/").status_code == 200


@pytest.fixture
def offsite_target(drill_stack: Stack) -> Iterator[str]:
    """Run an off-site repository on the stack's outbound network; return its restic URL."""
    name, image = f"{drill_stack.project}-offsite", f"{drill_stack.project}-offsite-target"
    drill_stack.run("docker", "build", "--quiet", "--tag", image, "tests/stack/offsite")
    drill_stack.run("docker", "rm", "--force", name, check=False)
    drill_stack.run(
        "docker", "run", "--detach", "--name", name, "--network", f"{drill_stack.project}_outbound",
        "--network-alias", "offsite", image,
    )  # fmt: skip
    try:
        yield "rest:http://offsite:8000/podcast"
    finally:
        drill_stack.run("docker", "rm", "--force", "--volumes", name, check=False)
        drill_stack.run("docker", "image", "rm", image, check=False)


def test_off_site_copies_are_checked_and_survive_the_loss_of_the_server(
    drill_stack: Stack, offsite_target: str
) -> None:
    # Turning it on is one setting; the first copy is made at once.
    drill_stack.settings["BACKUP_OFFSITE_REPOSITORY"] = offsite_target
    drill_stack.make("up")
    health = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh")
    assert "newest off-site copy" in health, health
    watch(drill_stack)  # whatever is open on a new stack

    with drill_stack.client() as client:
        sign_up(client, email := f"drill-offsite-{uuid.uuid4().hex[:6]}@mailbox.org")
    drill_stack.make("backup")

    # A failed copy is loud: the command fails and the service turns unhealthy.
    target = f"{drill_stack.project}-offsite"
    drill_stack.run("docker", "stop", target)
    failed = drill_stack.run("make", "backup", check=False)
    assert "off-site copy" in failed and "FAILED" in failed, failed
    unhealthy = drill_stack.compose("exec", "-T", "backup", "backup-healthcheck.sh", check=False)
    assert "off-site copy FAILED" in unhealthy, unhealthy
    doctor = drill_stack.run("make", "doctor", check=False)
    assert "the last off-site copy failed" in doctor.split("== needs attention")[-1], doctor
    (started,) = watch(drill_stack)
    assert "the last off-site copy failed" in started_in(started), started
    drill_stack.run("docker", "start", target)
    drill_stack.make("backup")
    assert "off-site copy FAILED" not in drill_stack.compose(
        "exec", "-T", "backup", "backup-healthcheck.sh"
    )
    # On a good day the doctor finds nothing (the local CA's certificate included),
    # once Docker has run the healthcheck again (every 2 s).
    for _ in range(20):
        if drill_stack.containers("backup")[0]["Health"] == "healthy":
            break
        time.sleep(0.5)
    doctor = drill_stack.make("doctor")
    assert "== nothing needs attention" in doctor, doctor
    assert "localhost" in doctor.split("== certificates")[-1]
    (cleared,) = watch(drill_stack)
    assert "the last off-site copy failed" in cleared_in(cleared), cleared

    # The server is lost: its database and every local backup. Only the
    # off-site repository and the secrets (kept elsewhere) remain.
    drill_stack.make("down")
    drill_stack.run("docker", "volume", "rm", f"{drill_stack.project}_db-data")
    backups = drill_stack.artifacts / "backups"
    shutil.rmtree(backups)
    backups.mkdir()
    drill_stack.make("up")
    assert email not in distinctive_data(drill_stack)

    restored = drill_stack.make("restore-offsite", FORCE="1")

    assert "web is up and ready" in restored, restored
    assert email in distinctive_data(drill_stack)
    # The fetched copy is gone once restored; the undo backup stays.
    assert not list(backups.glob("offsite-*")), list(backups.iterdir())
    assert list(backups.glob("podcast-*-before-restore.dump"))
