"""Operations under load: redeploys (also of a broken image), a rollback, a database restart,
and more web replicas: one killed, the rate limits shared, a redeploy one at a time."""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.stack.conftest import (
    SLOW_COMMAND_SECONDS,
    Stack,
    running_copy,
    sigkill_main_process,
)
from tests.stack.load import LoadReport, SteadyLoad
from tests.stack.test_site import NEWEST, SEARCH_WORD

# A mix of what visitors and podcast apps ask for: cached pages, a page with a
# form, the feed, a search (always a query), and the database probe.
PATHS = [
    "/",
    "/episodes",
    f"/episodes/show/{NEWEST.meta.number}/{NEWEST.slug}",
    "/episodes/rss",
    f"/search?q={SEARCH_WORD}",
    "/ready",
    "/health",
]
# The pages of PATHS that the page cache holds (and /health, which needs no database).
CACHED_PATHS = frozenset(PATHS) - {f"/search?q={SEARCH_WORD}", "/ready"}
RATE_PER_SECOND = 20


@pytest.fixture(scope="module")
def ops_stack() -> Iterator[Stack]:
    """A stack of its own, from a copy of the checkout that the tests may break."""
    with running_copy("ops") as stack:
        yield stack


def serving_version(stack: Stack) -> str:
    with stack.client() as client:
        return client.get("/health").text.removeprefix("ok ").strip()


async def under_load(stack: Stack, *command: str, **variables: str) -> tuple[LoadReport, str]:
    """Run a make target while steady traffic flows; return what the traffic saw and the output."""
    load = load_on(stack)
    running = asyncio.create_task(load.run())
    await asyncio.sleep(3)  # steady traffic before the command starts
    result = await asyncio.to_thread(
        stack.run, "make", *command, *[f"{k}={v}" for k, v in variables.items()],
        check=False, timeout=SLOW_COMMAND_SECONDS,
    )  # fmt: skip
    await asyncio.sleep(3)  # and after it
    report = await load.stop()
    await running
    return report, result


def ca_file(stack: Stack) -> str:
    return str(stack.artifacts / "secrets" / "caddy-local-ca.crt")


def load_on(stack: Stack) -> SteadyLoad:
    return SteadyLoad(stack.base_url, ca_file(stack), PATHS, rate=RATE_PER_SECOND)


def container_state(stack: Stack, service: str) -> dict[str, object]:
    """Return a service's container id, start time and restart count."""
    (container,) = stack.containers(service)
    (inspected,) = json.loads(stack.run("docker", "inspect", container["ID"]))
    return {
        "id": inspected["Id"],
        "started": inspected["State"]["StartedAt"],
        "restarts": inspected["RestartCount"],
    }


async def test_redeploy_serves_every_request_and_then_the_new_version(ops_stack: Stack) -> None:
    before = container_state(ops_stack, "web")
    report, output = await under_load(ops_stack, "redeploy", APP_VERSION="redeployed-by-test")

    print(f"redeploy under load: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert len(report.outcomes) >= RATE_PER_SECOND * 6
    assert "Now serving version redeployed-by-test." in output, output
    assert serving_version(ops_stack) == "redeployed-by-test"
    assert container_state(ops_stack, "web")["id"] != before["id"]
    # The database was backed up before the migrations ran.
    assert list((ops_stack.artifacts / "backups").glob("podcast-*-before-deploy.dump"))


async def test_a_redeploy_that_crashes_at_start_fails_loudly_and_the_old_version_serves(
    ops_stack: Stack,
) -> None:
    # A release that builds, migrates and then dies as the server imports it.
    entry = ops_stack.checkout / "apps/web/src/podcast_site/asgi.py"
    good = entry.read_text()
    entry.write_text(
        good + '\nraise RuntimeError("this release cannot start (the test made it so)")\n'
    )
    try:
        report, output = await under_load(ops_stack, "redeploy", APP_VERSION="broken-by-test")
    finally:
        entry.write_text(good)

    print(f"redeploy of a crashing image under load: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert "did not become healthy, so it never took over" in output, output
    assert "Now serving version" not in output
    assert serving_version(ops_stack) == "redeployed-by-test"
    assert len(ops_stack.containers("web")) == 1


async def test_rollback_goes_back_to_the_previous_version_without_a_build(
    ops_stack: Stack,
) -> None:
    versions = (ops_stack.checkout / ".deployed-versions").read_text().split()
    assert versions[-1] == "redeployed-by-test" and "broken-by-test" not in versions
    started = time.monotonic()
    report, output = await under_load(ops_stack, "rollback")
    seconds = time.monotonic() - started - 6  # without the load's lead-in and tail

    print(f"rollback under load, {seconds:.0f} s: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert f"Now serving version {versions[-2]} again." in output, output
    assert "Building" not in output and "naming to" not in output
    assert serving_version(ops_stack) == versions[-2]


def test_after_a_rollback_neither_up_nor_restore_brings_the_bad_version_back(
    ops_stack: Stack,
) -> None:
    # The checkout (a server's `current` release) is still the version rolled
    # back from: make it the Makefile's version, as it is there.
    back_to, left = (ops_stack.checkout / ".rolled-back").read_text().split()
    up = ops_stack.make("up", APP_VERSION=left)
    assert f"make rollback went back from {left} to {back_to}" in up, up
    assert serving_version(ops_stack) == back_to

    (dump, *_) = sorted((ops_stack.artifacts / "backups").glob("*-before-deploy.dump"))
    restored = ops_stack.make("restore", FILE=str(dump), FORCE="1", APP_VERSION=left)
    assert f"restoring under the version that runs, {back_to}" in restored, restored
    # The restore migrated and started the version that runs, not the one left.
    assert serving_version(ops_stack) == back_to


async def test_a_database_restart_serves_cached_pages_503s_the_rest_then_recovers(
    ops_stack: Stack,
) -> None:
    web_before = container_state(ops_stack, "web")
    load = load_on(ops_stack)
    # The restart takes about a second: probe the database path often enough
    # to be sure to see it (cached pages rightly keep answering 200).
    probe = SteadyLoad(ops_stack.base_url, ca_file(ops_stack), ["/ready"], rate=20)
    runs = [asyncio.create_task(load.run()), asyncio.create_task(probe.run())]
    await asyncio.sleep(2)

    await asyncio.to_thread(ops_stack.compose, "restart", "db")
    recovered = await wait_until_ready(ops_stack.client(), seconds=60)
    await asyncio.sleep(2)
    report, probes = await load.stop(), await probe.stop()
    await asyncio.gather(*runs)

    expected = frozenset({200, 503})
    print(
        f"database restart under load (200 and 503 expected): {report.summary(expected)}; "
        f"/ready probes: {probes.summary(expected)}"
    )
    # While Postgres is away the app answers 503, never a 500 or a hang...
    for run in (report, probes):
        assert run.failures(expected) == [], run.summary(expected)
        assert max(o.seconds for o in run.outcomes) < 15, run.summary(expected)
    assert any(o.status == 503 for o in probes.outcomes), "the outage was seen as 503s"
    # ...except for pages in the page cache: those are served stale, never fail.
    cached = LoadReport([o for o in report.outcomes if o.path in CACHED_PATHS])
    assert cached.outcomes and cached.failures() == [], cached.summary()
    # ...and it recovers by itself: same web container, never restarted.
    assert recovered, "the site became ready again"
    last = [o for o in report.outcomes if o.started > report.outcomes[-1].started - 1]
    assert all(o.status == 200 for o in last), LoadReport(last).summary()
    assert container_state(ops_stack, "web") == web_before


async def wait_until_ready(client: httpx.Client, seconds: float) -> bool:
    """Poll /ready (after the restart began) until it answers 200."""
    with client:
        for _ in range(int(seconds * 4)):
            response = await asyncio.to_thread(client.get, "/ready")
            if response.status_code == 200:
                return True
            await asyncio.sleep(0.25)
    return False


# Low enough to cross in a test; the load above never calls the API.
API_LIMIT = 30


def test_more_replicas_start_with_make_up(ops_stack: Stack) -> None:
    ops_stack.settings |= {"WEB_REPLICAS": "2", "RATE_LIMIT_API": f"{API_LIMIT}/600"}
    ops_stack.make("up")
    assert len(ops_stack.containers("web")) == 2


async def test_a_replica_that_crashes_fails_no_request_and_comes_back(ops_stack: Stack) -> None:
    victim, survivor = (container["ID"] for container in ops_stack.containers("web"))
    load = load_on(ops_stack)
    running = asyncio.create_task(load.run())
    try:
        await asyncio.sleep(3)
        await asyncio.to_thread(sigkill_main_process, victim)
        back = await asyncio.to_thread(wait_for_health, ops_stack, victim, 60)
        await asyncio.sleep(3)
    finally:
        report = await load.stop()
        await running

    print(f"a replica killed under load: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert back, "the killed replica restarted and became healthy"
    restarts = {
        c["ID"]: container_restarts(ops_stack, c["ID"]) for c in ops_stack.containers("web")
    }
    assert restarts == {victim: 1, survivor: 0}


def container_restarts(stack: Stack, container: str) -> int:
    return int(stack.run("docker", "inspect", "--format", "{{.RestartCount}}", container))


def wait_for_health(stack: Stack, container: str, seconds: float) -> bool:
    """Wait until a container has restarted and is healthy again."""
    template = "{{.RestartCount}} {{.State.Health.Status}}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stack.run("docker", "inspect", "--format", template, container).split() == [
            "1",
            "healthy",
        ]:
            return True
        time.sleep(0.5)
    return False


def wait_until_caddy_routes_to_every_replica(stack: Stack, client: httpx.Client) -> None:
    """Ask for made-up pages until every web container has logged one of them (a 404).

    Caddy keeps a container that failed a request out of its rotation for
    fail_duration (5 s): right after the crash test, that can be one of two.
    """
    containers = [container["ID"] for container in stack.containers("web")]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        probe = f"/replica-probe-{uuid.uuid4().hex}"
        for _ in range(10):
            client.get(probe)
        if all(f"GET {probe} 404" in stack.run("docker", "logs", c) for c in containers):
            return
        time.sleep(1)
    raise AssertionError(f"Caddy sent no request to some of {containers} for 30 s")


def test_a_rate_limit_counts_requests_to_every_replica(ops_stack: Stack) -> None:
    # Every request comes from the same address (Docker's gateway), to random replicas.
    with ops_stack.client() as client:
        wait_until_caddy_routes_to_every_replica(ops_stack, client)
        statuses = [client.get("/api/episodes").status_code for _ in range(API_LIMIT + 20)]
    assert statuses.count(200) == API_LIMIT and statuses.count(429) == 20, statuses
    refused_by = [
        ops_stack.run("docker", "logs", container["ID"]).count("GET /api/episodes 429")
        for container in ops_stack.containers("web")
    ]
    assert all(refused_by), f"each replica refused some ({refused_by}): the count is shared"


async def test_a_redeploy_replaces_the_replicas_one_at_a_time(ops_stack: Stack) -> None:
    before = {container["ID"] for container in ops_stack.containers("web")}
    report, output = await under_load(ops_stack, "redeploy", APP_VERSION="replicas-by-test")

    print(f"redeploy of 2 replicas under load: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert "web: starting replicas-by-test (2 of 2)" in output, output
    after = {container["ID"] for container in ops_stack.containers("web")}
    assert len(after) == 2 and not after & before
    assert serving_version(ops_stack) == "replicas-by-test"


def test_under_the_memory_limits_no_container_was_killed(ops_stack: Stack) -> None:
    # After the redeploys, the rollback and the database restart under load
    # above (which saw no 5xx), within compose.yaml's memory and pid limits.
    for container in ops_stack.containers():
        (inspected,) = json.loads(ops_stack.run("docker", "inspect", container["ID"]))
        limit = inspected["HostConfig"]["Memory"]
        name = container["Service"]
        assert limit > 0, f"{name} has no memory limit"
        assert not inspected["State"]["OOMKilled"], f"{name} was killed for memory"
        print(f"{name}: limit {limit // 2**20} MiB, restarts {inspected['RestartCount']}")
    print(ops_stack.run("docker", "stats", "--no-stream", "--format",
                        "{{.Name}} {{.MemUsage}} {{.PIDs}}"))  # fmt: skip
