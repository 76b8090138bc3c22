"""make bench: load a private copy of the site with wrk, and print what it sustains.

infra/scripts/bench.sh runs this in tests/compose.yaml's `bench` container,
which drives the host's Docker as the stack tests do (and reuses their Stack):
the copy has its own project name, ports and volumes, and is removed at the
end, on failure and on Ctrl-C too. wrk runs here, on the host's network, and
sends every request over HTTPS through Caddy to 127.0.0.1.

BENCH_EPISODES=1000 first writes a synthetic catalog of that size and imports
it with `make import`, into a stack started without the demo content.
BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_THREADS shape each row's load.
"""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import httpx
import pytest

from tests.bench.results import (
    Measurement,
    MemorySample,
    memory_table,
    parse_docker_stats,
    parse_wrk,
    results_table,
)
from tests.stack.conftest import Stack, running_stack, stack_name

REPORT_SCRIPT = Path(__file__).with_name("report.lua")
# A word most episodes of the demo and of the generated catalog contain.
SEARCH_WORD = "postgres"
# A word few episodes have (a guest's surname: 3 of the demo's 25, 48 of a
# generated 1,000), and a phrase, for which Postgres also checks where each
# word is (3 of 25, 62 of 1,000). With the search cache, a repeated query
# costs the same whatever it is, so only the common word has that row.
RARE_WORD, SEARCH_PHRASE = "kowalski", '"event loop"'
HEALTH, STATIC_PAGE = "/health", "/blog/"
# What each kind of client sends: browsers offer zstd (Caddy and the page
# cache both have it); podcast apps, crawlers and API clients gzip; an uptime
# monitor asks for /health uncompressed.
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
GZIP = {"Accept-Encoding": "gzip"}
# Longer than the slowest answer (a search on a large catalog, 32 at a time)
# takes: wrk counts a request it gave up on as an error, not as a latency.
WRK_TIMEOUT = "60s"


class BenchError(Exception):
    """The bench cannot measure what it should; the message says why."""


@dataclass(frozen=True)
class Load:
    """How hard each row pushes, and how big a catalog to push against."""

    seconds: int
    connections: int
    threads: int
    episodes: int

    @classmethod
    def from_environment(cls) -> "Load":
        """Read BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS and BENCH_EPISODES."""
        values = {}
        for name, default in (
            ("seconds", 10),
            ("connections", 32),
            ("threads", 2),
            ("episodes", 0),
        ):
            text = os.environ.get(f"BENCH_{name.upper()}") or str(default)
            if not text.isdigit() or (name != "episodes" and int(text) < 1):
                raise BenchError(f"BENCH_{name.upper()}={text}: must be a whole number above 0")
            values[name] = int(text)
        return cls(**values)


@dataclass(frozen=True)
class Scenario:
    """One row of the table: a request as a visitor, a podcast app or a crawler sends it."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    # False: measured last, after web restarts with PAGE_CACHE_ENTRIES=0.
    page_cache: bool = True


def say(message: str) -> None:
    """Say what is happening, on stderr: stdout is for the tables."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def scenarios(client: httpx.Client) -> list[Scenario]:
    """Find the URLs to load (a hashed asset, the newest episode, the feed's ETag) and list them."""
    stylesheet = re.search(r"/static/site\.[0-9a-f]{12}\.css", client.get("/").text)
    if stylesheet is None:
        raise BenchError("the home page links no /static/site.<hash>.css")
    newest = client.get("/api/episodes", params={"per_page": 1}).json()["items"][0]
    episode = urlsplit(newest["url"]).path
    # Podcast apps poll: after the first fetch they ask only whether it changed.
    etag = client.get("/episodes/rss", headers=GZIP).headers["ETag"]
    return [
        Scenario("static page (Caddy)", STATIC_PAGE, BROWSER),
        Scenario("static asset (Caddy)", stylesheet[0], BROWSER),
        Scenario("health (app, no database)", HEALTH),
        Scenario("episode page (page cache)", episode, BROWSER),
        Scenario("episode page, page cache off ¹", episode, BROWSER, page_cache=False),
        Scenario("home page (page cache)", "/", BROWSER),
        Scenario("all episodes (page cache)", "/episodes", BROWSER),
        Scenario("feed, as podcast apps fetch it", "/episodes/rss", GZIP),
        Scenario("feed, unchanged since", "/episodes/rss", GZIP | {"If-None-Match": etag}, 304),
        Scenario(f"search {SEARCH_WORD!r} (search cache)", f"/search?q={SEARCH_WORD}", BROWSER),
        *(
            Scenario(
                f"search {query!r}, caches off ¹",
                f"/search?q={quote_plus(query)}",
                BROWSER,
                page_cache=False,
            )
            for query in (SEARCH_WORD, RARE_WORD, SEARCH_PHRASE)
        ),
        Scenario("API, a page of episodes", "/api/episodes", GZIP),
        Scenario(
            "API, a page of episodes, page cache off ¹", "/api/episodes", GZIP, page_cache=False
        ),
        Scenario(
            "API, one episode, page cache off ¹",
            f"/api/episodes/{newest['number']}",
            GZIP,
            page_cache=False,
        ),
        Scenario("sitemap of every page", "/sitemap-site.xml", GZIP),
    ]


def memory_sample(stack: Stack) -> MemorySample:
    """Return each running service's memory and limit (MiB) now, as docker stats sees them."""
    services = {
        row["Name"]: row["Service"] for row in stack.containers() if row["State"] == "running"
    }
    output = stack.run(
        "docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", *services
    )  # fmt: skip
    return {services[name]: size for name, size in parse_docker_stats(output).items()}


def measure(
    stack: Stack, client: httpx.Client, scenario: Scenario, load: Load
) -> tuple[Measurement, MemorySample]:
    """Load one URL with wrk; return what it measured and the memory sampled halfway."""
    response = client.get(scenario.path, headers=scenario.headers)
    if response.status_code != scenario.status:
        raise BenchError(f"{scenario.path}: {response.status_code}, not {scenario.status}")
    command = [
        "wrk", f"--threads={load.threads}", f"--connections={load.connections}",
        f"--duration={load.seconds}s", f"--timeout={WRK_TIMEOUT}", f"--script={REPORT_SCRIPT}",
        *(f"--header={name}: {value}" for name, value in scenario.headers.items()),
        stack.base_url + scenario.path,
    ]  # fmt: skip
    say(f"{scenario.name}: {scenario.path}")
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as wrk:
        time.sleep(load.seconds / 2)
        memory = memory_sample(stack)
        output, _ = wrk.communicate(timeout=load.seconds + 120)
    if wrk.returncode != 0:
        raise BenchError(f"wrk exited {wrk.returncode} on {scenario.path}:\n{output}")
    return parse_wrk(scenario.name, scenario.path, output), memory


def import_catalog(stack: Stack, episodes: int) -> str:
    """Write a synthetic catalog, import it twice with make import; describe the times taken."""
    folder = stack.artifacts / "catalog"
    started = time.monotonic()
    stack.run("podcast-site", "generate-catalog", str(episodes), str(folder))
    written = time.monotonic() - started
    timings = []
    for _ in range(2):
        say(f"make import CONTENT={folder}")
        started = time.monotonic()
        summary = stack.make("import", CONTENT=str(folder)).strip().splitlines()
        timings.append((time.monotonic() - started, next(s for s in summary if " created, " in s)))
    (first, first_summary), (second, second_summary) = timings
    return (
        f"{episodes} generated episodes written in {written:.1f} s; `make import` took "
        f"{first:.1f} s ({first_summary}), and {second:.1f} s again ({second_summary})."
    )


def measure_against_health(
    stack: Stack, client: httpx.Client, scenario: Scenario, load: Load
) -> tuple[Measurement, float, MemorySample]:
    """Measure /health, then the scenario; return its measurement, /health's rate, its memory.

    The machine's other load changes within a run (here /health moved by a
    third between rows), and it moves two rows measured one after the other
    alike: each row's ratio is to the /health measured just before it.
    """
    if scenario.path == HEALTH:
        health, memory = measure(stack, client, scenario, load)
        return health, health.per_second, memory
    health, _ = measure(stack, client, Scenario("health", HEALTH), load)
    measured, memory = measure(stack, client, scenario, load)
    return measured, health.per_second, memory


def bench(stack: Stack, load: Load) -> str:
    """Measure every scenario on a running stack; return the report."""
    imported = import_catalog(stack, load.episodes) if load.episodes else None
    measured: dict[str, tuple[Measurement, float, MemorySample]] = {}
    with stack.client(timeout=120) as client:
        rows = scenarios(client)
        total = client.get("/api/episodes").json()["total"]
        for row in rows:
            if row.page_cache:
                measured[row.name] = measure_against_health(stack, client, row, load)
        # Last, so that every other row runs with the production settings.
        say("restarting web with PAGE_CACHE_ENTRIES=0")
        stack.settings["PAGE_CACHE_ENTRIES"] = "0"
        stack.compose("up", "--detach", "--no-deps", "--wait", "web")
        for row in rows:
            if not row.page_cache:
                measured[row.name] = measure_against_health(stack, client, row, load)
    results = [measured[row.name] for row in rows]
    health_rates = [health_rate for _, health_rate, _ in results]
    catalog = "a generated catalog" if load.episodes else "the demo content"
    lines = [
        f"make bench: {catalog} ({total} episodes), wrk with {load.threads} threads and "
        f"{load.connections} connections for {load.seconds} s a row,",
        f"over HTTPS through Caddy to 127.0.0.1, on {os.cpu_count()} CPUs that the load "
        "generator shares. Only ratios within one run compare.",
        "Pages are asked for as browsers do (Accept-Encoding: gzip, deflate, br, zstd); "
        "the feed, the API and the sitemap with gzip; /health uncompressed.",
        *(["", imported] if imported else []),
        "",
        results_table([m for m, _, _ in results], health_rates, static=STATIC_PAGE),
        "",
        "¹ web restarted with PAGE_CACHE_ENTRIES=0 for these rows only (measured last).",
        "",
        "× /health is each row's rate over that of /health measured just before it; "
        f"/health ranged from {min(health_rates):,.0f} to {max(health_rates):,.0f} req/s "
        "in this run: the wider, the more the machine's other load changed.",
        "",
        "Memory, sampled by docker stats halfway through each row:",
        "",
        memory_table([memory for _, _, memory in results]),
    ]
    if any(m.errors for m, _, _ in results):
        lines += ["", "Rows with errors count only the requests that were answered."]
    return "\n".join(lines)


def main() -> int:
    """Run the bench on a stack of its own and print the report; 1 if it could not."""
    try:
        load = Load.from_environment()
        if load.episodes:
            # An empty database, so the import creates every row it times.
            os.environ["LOAD_DEMO_CONTENT"] = "false"
        with running_stack(os.environ.get("BENCH_PROJECT") or stack_name("bench")) as stack:
            report = bench(stack, load)
            print(report, flush=True)
    except BenchError as error:
        print(f"make bench: {error}", file=sys.stderr)
        return 1
    except pytest.fail.Exception as error:
        # Stack's commands report a failure as the stack tests want it.
        print(f"make bench: {error.msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make bench: interrupted; its stack is removed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
