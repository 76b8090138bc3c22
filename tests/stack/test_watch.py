"""make watch: the owner gets one mail when a problem starts and one when it clears, never more."""

import os
import time
import uuid
from pathlib import Path

import httpx

from tests.stack.conftest import Stack, cleared_in, sign_up, sql, started_in, watch

# A real small disk: tests/compose.yaml gives the runner this 8 MiB tmpfs.
SMALL_DISK = Path("/small-disk")


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
        # The backup service may have seen it too and taken a new one since,
        # and rotated this one out: that clears the problem as well.
        if newest.exists():
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


def test_mail_given_up_and_mail_stuck_are_mailed_and_so_is_their_end(
    stack: Stack, client: httpx.Client
) -> None:
    # The catcher refuses `refused-*` for good (550) and defers `greylisted-*`
    # for ever (451), as real servers do (infra/mailcatcher/catcher.py).
    tag = uuid.uuid4().hex[:8]
    refused, greylisted = f"refused-{tag}@mailbox.org", f"greylisted-{tag}@mailbox.org"
    watch(stack)
    sign_up(client, refused)
    sign_up(client, greylisted)
    ours = f"to_address IN ('{refused}', '{greylisted}')"
    deadline = time.monotonic() + 60
    while sql(stack, f"SELECT count(*) FROM outbound_emails WHERE {ours} AND"
                     " (dead_at IS NOT NULL OR last_error IS NOT NULL)") != "2":  # fmt: skip
        assert time.monotonic() < deadline, sql(
            stack, f"SELECT * FROM outbound_emails WHERE {ours}"
        )
        time.sleep(1)
    # An hour of waiting, without the hour: the greylisted mail was queued 2 h ago.
    sql(stack, "UPDATE outbound_emails SET created_at = now() - interval '2 hours'"
               f" WHERE to_address = '{greylisted}'")  # fmt: skip
    try:
        (started,) = watch(stack)
        assert "some e-mails were given up" in started_in(started), started
        assert "e-mails wait to be sent" in started_in(started), started
        assert watch(stack) == [], "mailed again while the problems last"
    finally:
        # What the owner does once they know: let go of the two messages.
        sql(stack, f"DELETE FROM outbound_emails WHERE {ours}")
    (cleared,) = watch(stack)
    assert "some e-mails were given up" in cleared_in(cleared), cleared
    assert "e-mails wait to be sent" in cleared_in(cleared), cleared


def test_an_expiring_certificate_is_mailed_and_so_is_its_renewal(stack: Stack) -> None:
    # A real certificate with three days left, where Caddy keeps the ones it
    # gets from Let's Encrypt (a name this site does not serve: Caddy leaves it).
    folder = "/caddy/caddy/certificates/acme-v02.api.letsencrypt.org-directory/podcast.example"
    caddy_data = f"{stack.project}_caddy-data:/caddy"

    def in_caddy_data(script: str) -> None:
        stack.compose("run", "--rm", "--no-deps", "-T", "--user", "0:0", "--volume", caddy_data,
                      "backup", "sh", "-c", script)  # fmt: skip

    watch(stack)
    in_caddy_data(
        f"mkdir -p {folder} && openssl req -x509 -newkey rsa:2048 -nodes -days 3"
        f" -subj /CN=podcast.example -keyout /dev/null -out {folder}/podcast.example.crt"
    )
    try:
        (started,) = watch(stack)
        assert "podcast.example.crt expires in 2 days" in started_in(started), started
    finally:
        in_caddy_data(f"rm -r {folder}")
    (cleared,) = watch(stack)
    assert "podcast.example.crt expires in" in cleared_in(cleared), cleared


def database_back(stack: Stack) -> None:
    """Wait until the database's healthcheck passes again (60 s at most)."""
    # Healthy, not only answering: make watch notes a db still "starting".
    deadline = time.monotonic() + 60
    while stack.containers("db")[0].get("Health") != "healthy":
        assert time.monotonic() < deadline, "the database was not healthy within 60 s"
        time.sleep(1)


def test_a_database_that_does_not_answer_is_mailed_and_so_is_its_return(stack: Stack) -> None:
    watch(stack)
    stack.compose("stop", "db")
    try:
        (started,) = watch(stack)
        assert "the database does not answer" in started_in(started), started
    finally:
        stack.compose("start", "db")
    database_back(stack)
    (cleared,) = watch(stack)
    assert "the database does not answer" in cleared_in(cleared), cleared


# Turns every request in Caddy's access log into one made in 1970: older
# than any hour the watch counts. Rewritten in place, since Caddy appends to
# the file it opened.
AGE_ACCESS_LOG = (
    'sed -E \'s/"ts":[0-9.]+/"ts":0/\' /data/access.log > /tmp/aged'
    " && cat /tmp/aged > /data/access.log && rm /tmp/aged"
)


def test_a_stream_of_error_answers_is_mailed_and_so_is_its_end(
    stack: Stack, client: httpx.Client
) -> None:
    stack.compose("exec", "-T", "caddy", "sh", "-c", AGE_ACCESS_LOG)  # others' 5xx
    watch(stack)
    stack.compose("stop", "db")
    try:
        # Episodes no page cache holds: each one asks the database, which is gone.
        statuses = [client.get(f"/episodes/show/{900_000 + n}").status_code for n in range(25)]
        assert statuses == [503] * 25, statuses
    finally:
        stack.compose("start", "db")
    database_back(stack)
    (started,) = watch(stack)
    assert "25 error answers (5xx) in the last hour" in started_in(started), started
    assert watch(stack) == [], "mailed again while the problem lasts"
    # An hour later, without the hour.
    stack.compose("exec", "-T", "caddy", "sh", "-c", AGE_ACCESS_LOG)
    (cleared,) = watch(stack)
    assert "error answers (5xx) in the last hour" in cleared_in(cleared), cleared
