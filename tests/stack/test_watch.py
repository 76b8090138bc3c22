"""make watch: the owner gets one mail when a problem starts and one when it clears, never more."""

import os
import tomllib
from pathlib import Path

import pytest

from tests.stack.conftest import REPO_DIR, Stack

# Whoever a fork names in its site.toml.
OWNER = tomllib.loads((REPO_DIR / "site.toml").read_text())["owner_email"]
# A real small disk: tests/compose.yaml gives the runner this 8 MiB tmpfs.
SMALL_DISK = Path("/small-disk")


@pytest.fixture(scope="module", autouse=True)
def catcher_known_by_name(stack: Stack) -> None:
    """Restart the mail catcher, so that new containers find it by name again.

    Docker 20.10 forgets the names of running containers, for containers
    started later, once a swarm is left (test_swarm.py runs before this);
    a restart registers the name again. mail-owner runs in a new container.
    """
    stack.compose("restart", "mailcatcher")


def owner_mails(stack: Stack) -> list[str]:
    """Return what `make mail` shows of each message to the owner (each has its Date)."""
    shown = stack.make("mail", N="200", timeout=60)
    return [message for message in shown.split("=" * 72) if f"To: {OWNER}" in message]


def watch(stack: Stack, backup_dir: str | None = None) -> list[str]:
    """Run make watch (checking BACKUP_DIR=`backup_dir`); return the mails to the owner it sent."""
    before = owner_mails(stack)
    if backup_dir:
        stack.make("watch", BACKUP_DIR=backup_dir)
    else:
        stack.make("watch")
    return [mail for mail in owner_mails(stack) if mail not in before]


def started_in(mail: str) -> str:
    """Return the part of an alert that lists the problems that started."""
    return mail.split("Cleared (")[0]


def test_an_old_backup_is_mailed_once_when_it_starts_and_once_when_it_clears(
    stack: Stack,
) -> None:
    watch(stack)  # whatever is open already (no off-site copies, on a test stack)
    (newest,) = sorted((stack.artifacts / "backups").glob("podcast-*Z.dump"))[-1:]
    real_time = newest.stat().st_mtime
    os.utime(newest, (real_time - 30 * 3600, real_time - 30 * 3600))
    try:
        (started,) = watch(stack)
        assert "the newest scheduled backup is 1d 6h old" in started_in(started), started
        # Still open: not mailed again (the backup service's healthcheck,
        # which goes by the same file, may turn unhealthy: that one is new).
        for mail in watch(stack):
            assert "scheduled backup is" not in started_in(mail), mail
    finally:
        os.utime(newest, (real_time, real_time))
    (cleared,) = watch(stack)
    assert "Cleared" in cleared, cleared
    assert "the newest scheduled backup is 1d 6h old" in cleared.split("Cleared (")[1]


def test_a_full_disk_is_mailed_and_so_is_its_end(stack: Stack) -> None:
    assert os.statvfs(SMALL_DISK).f_blocks * os.statvfs(SMALL_DISK).f_frsize <= 16 << 20, (
        "run through make test-stack: its runner has an 8 MiB tmpfs at /small-disk"
    )
    filler = SMALL_DISK / "filler"
    watch(stack, str(SMALL_DISK))  # its backups are elsewhere: "no scheduled backup" opens
    filler.write_bytes(b"\0" * (7 << 20))
    try:
        (started,) = watch(stack, str(SMALL_DISK))
        assert "/small-disk's disk is" in started and "% full" in started, started
    finally:
        filler.unlink()
    (cleared,) = watch(stack, str(SMALL_DISK))
    assert "Cleared" in cleared and "/small-disk's disk is" in cleared, cleared
    watch(stack)  # back to the stack's own backup folder
