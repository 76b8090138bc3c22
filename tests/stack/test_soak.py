"""The soak: a podcast's routine under traffic, through every operation; nothing fails or grows.

A realistic mix (mostly feed polls, most of them conditional, then pages,
downloads, searches and a few sign-ups) flows for SOAK_MINUTES (2 in `make
test`, 30 in `make soak`) while a backup, an import, a redeploy and a restart
of each service run one after the other. The run reports each kind's p99,
every 5xx, and each service's memory, logs and volumes and each table's rows
at the start and at the end; `make soak` writes them to docs/soak-results.md.
"""

import asyncio
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.bench.results import write_atomically
from tests.stack.conftest import (
    REPO_DIR,
    SLOW_COMMAND_SECONDS,
    Stack,
    progress,
    running_copy,
    sql,
)
from tests.stack.load import Outcome, SteadyLoad
from tests.stack.test_site import SITE

MINUTES = float(os.environ.get("SOAK_MINUTES") or 2)
RATE_PER_SECOND = 10
# Per 100 requests, about what a podcast's server sees: apps polling the feed
# (most with the ETag they have), then listeners' downloads and pages.
MIX = {"feed poll": 45, "feed": 5, "page": 22, "download": 15, "search": 10, "sign-up": 3}
# What each kind answers when all is well (a poll gets 200 once the feed changed).
EXPECTED: dict[str, set[int | None]] = {
    "feed poll": {200, 304}, "feed": {200}, "page": {200}, "download": {302},
    "search": {200}, "sign-up": {303},
}  # fmt: skip
# While these restart, a request may fail: the database's answers 503 (pages
# the cache holds still 200), Caddy's cannot connect. Each operation counts
# for so long after it returns (web, restarted, still starts).
OUTAGES: dict[str, set[int | None]] = {"restart db": {503}, "restart caddy": {None}}
OUTAGE_GRACE_SECONDS = 10
# The tables that may grow: those visitors write to, and the announcer's
# (one row per episode, once: the demo's back catalogue is seen at start).
GROWING_TABLES = {"episode_announcements",
    "episode_downloads", "episode_app_downloads", "download_salts", "download_listeners",
    "download_addresses", "rate_limit_windows", "newsletter_subscribers", "outbound_emails",
}  # fmt: skip
# Exact counts of every table, in one psql call: name=rows name=rows ...
ROWS_PER_TABLE = """
    SELECT string_agg(table_name || '=' || (xpath('/row/n/text()', query_to_xml(
        format('SELECT count(*) AS n FROM %I', table_name), false, true, '')))[1]::text,
        ' ' ORDER BY table_name)
    FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
"""
RESULTS = REPO_DIR / "docs" / "soak-results.md"


@dataclass
class Operation:
    """One routine step the owner takes, and when it ran."""

    name: str
    # A make target with its variables, or "compose" and compose's arguments.
    command: tuple[str, ...]
    started: float = 0.0
    ended: float = 0.0
    failed: str = ""


@dataclass
class Snapshot:
    """What the stack holds at one moment: memory, logs, volumes and rows."""

    memory_mib: dict[str, float] = field(default_factory=dict)
    log_bytes: dict[str, int] = field(default_factory=dict)
    volume_bytes: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


class VisitorMix(SteadyLoad):
    """SteadyLoad with MIX's kinds of request instead of fixed paths."""

    def __init__(self, stack: Stack) -> None:
        kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]
        random.Random(0).shuffle(kinds)
        super().__init__(stack.base_url, ca_file(stack), kinds, rate=RATE_PER_SECOND)
        self.kinds: list[tuple[str, Outcome]] = []
        self.feed_etag = ""
        self.random = random.Random(1)
        self.sign_ups = 0

    def pick(self, kind: str) -> httpx.Request:
        """Return one request of a kind, as a podcast app or a visitor makes it."""
        episode = self.random.choice(SITE.episodes)
        page = f"/episodes/show/{episode.meta.number}/{episode.slug}"
        if kind == "feed poll":
            return self.client.build_request(
                "GET", "/episodes/rss", headers={"If-None-Match": self.feed_etag}
            )
        if kind == "feed":
            return self.client.build_request("GET", "/episodes/rss")
        if kind == "page":
            path = self.random.choice(["/", "/episodes", "/blog/", page, page])
            return self.client.build_request("GET", path)
        if kind == "download":
            path = f"/episodes/download/{episode.meta.number}/{episode.slug}.mp3"
            agent = self.random.choice(["Overcast/3.0", "AppleCoreMedia/1.0.0", "Spotify/8.9"])
            return self.client.build_request("GET", path, headers={"User-Agent": agent})
        if kind == "search":
            word = self.random.choice(re.findall(r"[A-Za-z]{5,}", episode.meta.title) or ["python"])
            return self.client.build_request("GET", "/search", params={"q": word})
        self.sign_ups += 1
        return self.client.build_request(
            "POST", "/newsletter", data={"email": f"soak-{self.sign_ups}@mailbox.org"},
            headers={"Sec-Fetch-Site": "same-origin"},
        )  # fmt: skip

    async def _request(self, path: str) -> None:
        request = self.pick(path)
        started = time.monotonic()
        try:
            response = await self.client.send(request)
            outcome = Outcome(request.url.path, started, time.monotonic() - started,
                              response.status_code)  # fmt: skip
            if path.startswith("feed") and response.status_code == 200:
                self.feed_etag = response.headers.get("ETag", "")
        except httpx.HTTPError as error:
            outcome = Outcome(request.url.path, started, time.monotonic() - started, None,
                              repr(error))  # fmt: skip
        self.kinds.append((path, outcome))


def ca_file(stack: Stack) -> str:
    return str(stack.artifacts / "secrets" / "caddy-local-ca.crt")


def mebibytes(usage: str) -> float:
    """Return docker stats' "12.5MiB / 128MiB" as 12.5."""
    number, unit = re.match(r"([\d.]+)\s*([KMG]i?B|B)", usage).groups()  # type: ignore[union-attr]
    return float(number) * {"B": 2**-20, "KiB": 2**-10, "MiB": 1, "GiB": 2**10}[unit]


def take_snapshot(stack: Stack) -> Snapshot:
    """Measure what the stack holds now."""
    snapshot = Snapshot()
    containers = {c["Service"]: c["ID"] for c in stack.containers() if c["State"] == "running"}
    stats = stack.run("docker", "stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}}",
                      *containers.values())  # fmt: skip
    usage = dict(line.split(" ", 1) for line in stats.splitlines() if " " in line)
    for service, container in containers.items():
        snapshot.memory_mib[service] = mebibytes(usage[container[:12]])
        snapshot.log_bytes[service] = len(stack.run("docker", "logs", container).encode())
    volumes = stack.run("docker", "volume", "ls", "--quiet", "--filter",
                        f"label=com.docker.compose.project={stack.project}").split()  # fmt: skip
    for volume in volumes:
        size = stack.run("docker", "run", "--rm", "--network", "none", "--volume",
                         f"{volume}:/v:ro", stack.image("backup"), "du", "-sb", "/v")  # fmt: skip
        snapshot.volume_bytes[volume.removeprefix(f"{stack.project}_")] = int(size.split()[0])
    backups = stack.artifacts / "backups"
    snapshot.volume_bytes["backups (folder)"] = sum(f.stat().st_size for f in backups.iterdir())
    counted = sql(stack, ROWS_PER_TABLE)
    snapshot.rows = {name: int(n) for name, n in (pair.split("=") for pair in counted.split())}
    return snapshot


def run_operations(stack: Stack, operations: list[Operation], seconds: float) -> None:
    """Run the operations one after another, spread over `seconds`."""
    started = time.monotonic()
    for n, operation in enumerate(operations, 1):
        time.sleep(max(0.0, started + n * seconds / (len(operations) + 1) - time.monotonic()))
        progress(f"soak: {operation.name}")
        operation.started = time.monotonic()
        try:
            if operation.command[0] == "compose":
                stack.compose(*operation.command[1:])
            else:
                stack.run("make", *operation.command, timeout=SLOW_COMMAND_SECONDS)
        except pytest.fail.Exception as failure:  # what Stack.run raises on an exit status
            operation.failed = str(failure)[-3000:]
        operation.ended = time.monotonic()


def unexpected(mix: VisitorMix, operations: list[Operation]) -> list[tuple[str, Outcome]]:
    """Return the requests that failed outside what an outage allows."""
    wrong = []
    for kind, outcome in mix.kinds:
        if outcome.status in EXPECTED[kind]:
            continue
        # Overlapping the outage: a request under way when it began counts too.
        allowed = any(
            op.started <= outcome.started + outcome.seconds
            and outcome.started <= op.ended + OUTAGE_GRACE_SECONDS
            and outcome.status in OUTAGES[op.name]
            for op in operations if op.name in OUTAGES
        )  # fmt: skip
        if not allowed:
            wrong.append((kind, outcome))
    return wrong


def p99(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def table(header: str, rows: list[str]) -> list[str]:
    """Return a Markdown table: its header, its rule (numbers right), its rows."""
    rule = " | ".join(
        "---:" if "ms" in c or c in ("requests", "seconds") else "---" for c in header.split(" | ")
    )
    return ["", f"| {header} |", f"| {rule} |", *(f"| {row} |" for row in rows)]


def report(
    mix: VisitorMix,
    operations: list[Operation],
    before: Snapshot,
    after: Snapshot,
    limits: dict[str, int],
) -> str:
    """Return the run as Markdown: requests by kind, operations, and what grew."""

    def during(operation: Operation) -> list[Outcome]:
        end = operation.ended + OUTAGE_GRACE_SECONDS
        return [o for _, o in mix.kinds if operation.started <= o.started <= end]

    busy = {id(o) for operation in operations for o in during(operation)}
    kinds = []
    for kind in MIX:
        ours = [o for k, o in mix.kinds if k == kind]
        statuses = Counter(str(o.status or "no answer") for o in ours)
        timings = sorted(o.seconds for o in ours)
        quiet = [o.seconds for o in ours if id(o) not in busy]
        median = timings[len(timings) // 2] if timings else 0.0
        ms = f"{median * 1000:.0f} | {p99(timings) * 1000:.0f} | {p99(quiet) * 1000:.0f}"
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        kinds.append(f"{kind} | {len(ours)} | {ms} | {counts}")
    errors = sum(1 for _, o in mix.kinds if o.status and o.status >= 500)
    unanswered = sum(1 for _, o in mix.kinds if o.status is None)
    wrong = len(unexpected(mix, operations))
    lines = [
        f"Soak of {MINUTES:g} minutes at {RATE_PER_SECOND} requests a second.",
        *table("kind | requests | p50 ms | p99 ms | p99 ms between operations | statuses", kinds),
        "",
        f"5xx answers: {errors}; requests without an answer: {unanswered}; failures"
        f" outside a restart of the database or Caddy: {wrong}.",
        *table(
            f"operation | seconds | requests meanwhile (+{OUTAGE_GRACE_SECONDS} s) | slowest ms"
            " | result",
            [f"{o.name} | {o.ended - o.started:.0f} | {len(during(o))} |"
             f" {max((r.seconds for r in during(o)), default=0) * 1000:.0f} |"
             f" {'failed' if o.failed else 'ok'}" for o in operations],
        ),
        *table(
            "service | memory MiB, start → end (limit) | log KiB, start → end",
            [f"{name} | {before.memory_mib.get(name, 0):.0f} → {after.memory_mib[name]:.0f}"
             f" ({limits.get(name, 0)}) | {before.log_bytes.get(name, 0) // 1024} →"
             f" {after.log_bytes[name] // 1024}" for name in sorted(after.memory_mib)],
        ),
        *table(
            "volume | MiB, start → end",
            [f"{name} | {before.volume_bytes.get(name, 0) / 2**20:.1f} →"
             f" {after.volume_bytes[name] / 2**20:.1f}" for name in sorted(after.volume_bytes)],
        ),
        *table(
            "table | rows, start → end",
            [f"{name} | {before.rows.get(name, 0)} → {after.rows[name]}"
             for name in sorted(after.rows)],
        ),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def soak_stack() -> Iterator[Stack]:
    """A stack of its own, from a copy of the checkout, since it is redeployed."""
    with running_copy("soak") as stack:
        yield stack


async def test_a_soak_through_every_operation_fails_nothing_and_grows_only_with_visitors(
    soak_stack: Stack,
) -> None:
    stack = soak_stack
    operations = [
        Operation("backup", ("backup",)),
        Operation("import", ("import",)),
        Operation("restart db", ("compose", "restart", "db")),
        Operation("redeploy", ("redeploy", "APP_VERSION=soak-redeployed")),
        *(Operation(f"restart {service}", ("compose", "restart", service))
          for service in ("web", "caddy", "backup", "mailcatcher")),
    ]  # fmt: skip
    limits = {
        c["Service"]: json.loads(stack.run("docker", "inspect", c["ID"]))[0]["HostConfig"]["Memory"]
        // 2**20
        for c in stack.containers()
        if c["State"] == "running"
    }
    before = take_snapshot(stack)
    mix = VisitorMix(stack)
    traffic = asyncio.create_task(mix.run())
    await asyncio.to_thread(run_operations, stack, operations, MINUTES * 60)
    await asyncio.sleep(max(5.0, MINUTES * 60 / (len(operations) + 1)))  # and after them
    await mix.stop()
    await traffic
    after = take_snapshot(stack)
    summary = report(mix, operations, before, after, limits)
    print(summary)
    assert not [op.name for op in operations if op.failed], [op.failed for op in operations]
    assert unexpected(mix, operations) == [], summary
    for service, used in after.memory_mib.items():
        assert not limits.get(service) or used < limits[service] * 0.9, summary
    grown = {t for t, n in after.rows.items() if n != before.rows.get(t)} - GROWING_TABLES
    assert grown == set(), f"{grown} changed, though no visitor writes to them\n{summary}"
    signed_up = sum(1 for kind, o in mix.kinds if kind == "sign-up" and o.status == 303)
    assert after.rows["newsletter_subscribers"] - before.rows["newsletter_subscribers"] == signed_up
    # Only a run that passed replaces the figures in docs/.
    if os.environ.get("SOAK_MINUTES"):
        day = time.strftime("%Y-%m-%d")
        write_atomically(
            RESULTS,
            f"# Soak results\n\nWritten by `make soak` on {day};"
            f" what they show: docs/operations.md.\n\n{summary}",
        )
