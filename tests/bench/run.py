"""make bench: load private copies of the site with wrk, and write down what they sustain.

infra/scripts/bench.sh runs this in tests/compose.yaml's `bench` container,
which drives the host's Docker as the stack tests do (and reuses their Stack):
each copy has its own project name, ports and volumes, and is removed at the
end, on failure and on Ctrl-C too. wrk runs here, on the host's network, and
sends every request over HTTPS through Caddy to 127.0.0.1.

BENCH_SCALES=25,1000,10000 measures the same rows at each catalogue size, on
a fresh stack per size into which a synthetic catalogue of that size is
imported with `make import`; unset, the demo content. BENCH_SECONDS,
BENCH_CONNECTIONS and BENCH_THREADS shape each row's load. At the end of a
complete run the report goes to docs/performance-results.md and its numbers
to docs/performance-results.json (tests/bench/results.py writes both).
"""

import gzip
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import httpx
import pytest

from tests.bench.results import (
    Measurement,
    MemorySample,
    Row,
    Run,
    Size,
    parse_docker_stats,
    parse_wrk,
    report,
    results_table,
    write_results,
)
from tests.stack.conftest import REPO_DIR, Stack, running_stack, stack_name

REPORT_SCRIPT = Path(__file__).with_name("report.lua")
RESULTS_FILE = REPO_DIR / "docs" / "performance-results.md"
# A word most episodes of the demo and of the generated catalog contain.
SEARCH_WORD = "postgres"
# A word few episodes have (a guest's surname: 3 of the demo's 25, 48 of a
# generated 1,000), and a phrase, for which Postgres also checks where each
# word is (3 of 25, 62 of 1,000). With the search cache, a repeated query
# costs the same whatever it is, so only the common word has that row.
RARE_WORD, SEARCH_PHRASE = "kowalski", '"event loop"'
HEALTH, STATIC_PAGE = "/health", "/blog/"
# The row every rate is also given as a multiple of (× static).
STATIC_KEY = "static-page"
# The feed's own bytes as files in the owner's media folder (MEDIA_DIR, which
# Caddy serves at /media/), so the feed's rows compare to Caddy's file_server
# handing out the same bytes: the gzipped body as it is (what `precompressed`
# sends; Caddy does not compress application/gzip again), and the plain XML,
# which Caddy gzips on every request.
FEED_FILE_GZIP, FEED_FILE_PLAIN = "bench/feed.xml.gz", "bench/feed.xml"
# What each kind of client sends: browsers offer zstd (Caddy and the page
# cache both have it); podcast apps, crawlers and API clients gzip; an uptime
# monitor asks for /health uncompressed.
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
GZIP = {"Accept-Encoding": "gzip"}
# Longer than the slowest answer (a search on a large catalog, 32 at a time)
# takes: wrk counts a request it gave up on as an error, not as a latency.
WRK_TIMEOUT = "60s"
# Every variable that shapes a run, as the command line in the results names them.
SETTINGS = ("BENCH_SCALES", "BENCH_SECONDS", "BENCH_CONNECTIONS", "BENCH_THREADS")


class BenchError(Exception):
    """The bench cannot measure what it should; the message says why."""


@dataclass(frozen=True)
class Load:
    """How hard each row pushes, and the catalogue sizes to push against."""

    seconds: int
    connections: int
    threads: int
    # Episodes of each generated catalogue, in order; () is the demo content.
    scales: tuple[int, ...]

    @classmethod
    def from_environment(cls) -> "Load":
        """Read BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS and BENCH_SCALES."""
        values = {}
        for name, default in (("seconds", 10), ("connections", 32), ("threads", 2)):
            text = os.environ.get(f"BENCH_{name.upper()}") or str(default)
            if not text.isdigit() or int(text) < 1:
                raise BenchError(f"BENCH_{name.upper()}={text}: must be a whole number above 0")
            values[name] = int(text)
        text = os.environ.get("BENCH_SCALES", "").strip()
        scales = [part.strip().replace("_", "") for part in text.split(",")] if text else []
        if not all(part.isdigit() and int(part) >= 1 for part in scales):
            raise BenchError(
                f"BENCH_SCALES={text}: must be episode counts above 0, comma-separated "
                "(BENCH_SCALES=25,1000,10000)"
            )
        return cls(**values, scales=tuple(int(part) for part in scales))


@dataclass(frozen=True)
class Scenario:
    """One row of the table: a request as a visitor, a podcast app or a crawler sends it."""

    key: str
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    # False: measured last, after web restarts with PAGE_CACHE_ENTRIES=0.
    page_cache: bool = True
    # The row whose rate the `× file` column divides by (the feed's file).
    file_key: str | None = None


def say(message: str) -> None:
    """Say what is happening, on stderr: stdout is for the tables."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def write_feed_files(stack: Stack, client: httpx.Client) -> None:
    """Write the feed's gzipped and plain bytes where Caddy serves the owner's media."""
    with client.stream("GET", "/episodes/rss", headers=GZIP) as response:
        if response.headers.get("Content-Encoding") != "gzip":
            raise BenchError("/episodes/rss: not gzipped for Accept-Encoding: gzip")
        compressed = b"".join(response.iter_raw())
    folder = stack.artifacts / "media"
    for name, data in (
        (FEED_FILE_GZIP, compressed),
        (FEED_FILE_PLAIN, gzip.decompress(compressed)),
    ):
        (folder / name).parent.mkdir(mode=0o755, exist_ok=True)
        (folder / name).write_bytes(data)
        (folder / name).chmod(0o644)
    served = client.get(f"/media/{FEED_FILE_GZIP}", headers=GZIP)
    if served.headers.get("Content-Encoding") or len(served.content) != len(compressed):
        raise BenchError(
            f"/media/{FEED_FILE_GZIP}: Caddy did not serve the file's bytes as they are"
        )


def scenarios(client: httpx.Client) -> list[Scenario]:
    """Find the URLs to load (a hashed asset, the newest episode, a guest, the feed's ETag)."""
    stylesheet = re.search(r"/static/site\.[0-9a-f]{12}\.css", client.get("/").text)
    if stylesheet is None:
        raise BenchError("the home page links no /static/site.<hash>.css")
    listed = client.get("/api/episodes", params={"per_page": 50}).json()["items"]
    newest = listed[0]
    episode = urlsplit(newest["url"]).path
    guests = [guest["url"] for item in listed for guest in item["guests"]]
    if not guests:
        raise BenchError("none of the newest 50 episodes has a guest")
    guest = urlsplit(guests[0]).path
    # Podcast apps poll: after the first fetch they ask only whether it changed.
    etag = client.get("/episodes/rss", headers=GZIP).headers["ETag"]
    return [
        Scenario(STATIC_KEY, "static page (Caddy)", STATIC_PAGE, BROWSER),
        Scenario("static-asset", "static asset (Caddy)", stylesheet[0], BROWSER),
        Scenario(
            "feed-file",
            "the feed's gzipped bytes as a file (Caddy)",
            f"/media/{FEED_FILE_GZIP}",
            GZIP,
        ),
        Scenario(
            "feed-file-gzipped-by-caddy",
            "the feed as a file, gzipped by Caddy each time",
            f"/media/{FEED_FILE_PLAIN}",
            GZIP,
        ),
        Scenario("health", "health (app, no database)", HEALTH),
        Scenario("episode", "episode page (page cache)", episode, BROWSER),
        Scenario("home", "home page (page cache)", "/", BROWSER),
        Scenario("episodes", "all episodes, page 1 (page cache)", "/episodes", BROWSER),
        Scenario("guest", "a guest's page (page cache)", guest, BROWSER),
        Scenario(
            "feed", "feed, as podcast apps fetch it", "/episodes/rss", GZIP, file_key="feed-file"
        ),
        Scenario(
            "feed-304",
            "feed, unchanged since",
            "/episodes/rss",
            GZIP | {"If-None-Match": etag},
            304,
            file_key="feed-file",
        ),  # fmt: skip
        Scenario(
            "search-cached",
            f"search {SEARCH_WORD!r} (search cache)",
            f"/search?q={SEARCH_WORD}",
            BROWSER,
        ),  # fmt: skip
        Scenario("api-list", "API, a page of episodes", "/api/episodes", GZIP),
        Scenario("sitemap", "sitemap of every page", "/sitemap-site.xml", GZIP),
        Scenario(
            "episode-uncached",
            "episode page, page cache off ¹",
            episode,
            BROWSER,
            page_cache=False,
        ),  # fmt: skip
        Scenario("home-uncached", "home page, page cache off ¹", "/", BROWSER, page_cache=False),
        Scenario(
            "episodes-uncached",
            "all episodes, page 1, page cache off ¹",
            "/episodes",
            BROWSER,
            page_cache=False,
        ),  # fmt: skip
        *(
            Scenario(
                f"search-{kind}-uncached",
                f"search {query!r}, caches off ¹",
                f"/search?q={quote_plus(query)}",
                BROWSER,
                page_cache=False,
            )
            for kind, query in (
                ("common", SEARCH_WORD),
                ("rare", RARE_WORD),
                ("phrase", SEARCH_PHRASE),
            )  # fmt: skip
        ),
        Scenario(
            "api-list-uncached",
            "API, a page of episodes, page cache off ¹",
            "/api/episodes",
            GZIP,
            page_cache=False,
        ),  # fmt: skip
        Scenario(
            "api-episode-uncached",
            "API, one episode, page cache off ¹",
            f"/api/episodes/{newest['number']}",
            GZIP,
            page_cache=False,
        ),
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
    return parse_wrk(scenario.key, scenario.name, scenario.path, output), memory


def import_catalog(stack: Stack, episodes: int) -> str:
    """Write a synthetic catalog, import it twice with make import; describe the times taken.

    Only the first import is needed to measure the rows: a failed second one
    (nothing changed, so it should only check) is reported, not fatal.
    """
    folder = stack.artifacts / "catalog"
    started = time.monotonic()
    stack.run("podcast-site", "generate-catalog", str(episodes), str(folder), timeout=1800)
    written = time.monotonic() - started
    timings = []
    for attempt in ("first", "again"):
        say(f"make import CONTENT={folder}")
        started = time.monotonic()
        try:
            printed = stack.make("import", CONTENT=str(folder), timeout=3600)
        except pytest.fail.Exception as error:
            if attempt == "first":
                raise
            # What the import said, not make's own `*** Error` line.
            said = [line for line in (error.msg or "").splitlines() if " failed " in line]
            problem = said[-1].strip() if said else "see `make import`"
            timings.append((time.monotonic() - started, f"FAILED: {problem}"))
            continue
        summary = printed.strip().splitlines()
        timings.append((time.monotonic() - started, next(s for s in summary if " created, " in s)))
    (first, first_summary), (second, second_summary) = timings
    return (
        f"{episodes:,} generated episodes written in {written:.1f} s; `make import` took "
        f"{first:.1f} s ({first_summary}), and {second:.1f} s again ({second_summary})."
    )


def measure_row(stack: Stack, client: httpx.Client, scenario: Scenario, load: Load) -> Row:
    """Measure /health, then the scenario; return the row with that /health's rate.

    The machine's other load changes within a run (here /health moved by a
    third between rows), and it moves two rows measured one after the other
    alike: each row's ratio is to the /health measured just before it.
    """
    if scenario.path == HEALTH:
        health, memory = measure(stack, client, scenario, load)
        return Row(health, health.per_second, memory)
    health, _ = measure(stack, client, Scenario("health", "health", HEALTH), load)
    measured, memory = measure(stack, client, scenario, load)
    return Row(measured, health.per_second, memory, scenario.file_key)


def bench(stack: Stack, load: Load, episodes: int | None) -> Size:
    """Import a catalog of this size (None: the demo's), measure every row; return the size."""
    imported = import_catalog(stack, episodes) if episodes else None
    measured: dict[str, Row] = {}
    with stack.client(timeout=120) as client:
        write_feed_files(stack, client)
        rows = scenarios(client)
        total = client.get("/api/episodes").json()["total"]
        for row in rows:
            if row.page_cache:
                measured[row.key] = measure_row(stack, client, row, load)
        # Last, so that every other row runs with the production settings.
        say("restarting web with PAGE_CACHE_ENTRIES=0")
        stack.settings["PAGE_CACHE_ENTRIES"] = "0"
        stack.compose("up", "--detach", "--no-deps", "--wait", "web")
        for row in rows:
            if not row.page_cache:
                measured[row.key] = measure_row(stack, client, row, load)
    catalog = "a generated catalogue" if episodes else "the demo content"
    return Size(total, catalog, [measured[row.key] for row in rows], imported)


def machine() -> dict[str, object]:
    """Describe the machine: CPUs, memory, kernel and Docker (the runner shares the host's)."""
    meminfo = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo)[1])  # type: ignore[index]
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return {
        "cpus": os.cpu_count(),
        "memory_mib": total_kib // 1024,
        "kernel": platform.release(),
        "docker": docker,
    }


def command_line() -> str:
    """Return the command as typed, with the settings this run was given."""
    settings = [f"{name}={os.environ[name]}" for name in SETTINGS if os.environ.get(name)]
    return " ".join(["make bench", *settings])


def check_writable(path: Path) -> None:
    """Fail before the run, not after it, when the results cannot be written."""
    if not os.access(path.parent, os.W_OK):
        raise BenchError(f"{path.parent} is not writable here, so the results could not be kept")


def main() -> int:
    """Run the bench on a stack per size, print the report and write it down; 1 if it could not."""
    try:
        load = Load.from_environment()
        check_writable(RESULTS_FILE)
        if load.scales:
            # An empty database, so the import creates every row it times.
            os.environ["LOAD_DEMO_CONTENT"] = "false"
        project = os.environ.get("BENCH_PROJECT") or stack_name("bench")
        sizes = []
        for episodes in load.scales or (None,):
            # A fresh stack per size: generated catalogues of different sizes
            # share no episodes (the seed is the size), so importing one on top
            # of another would time a rewrite of every episode, not a first
            # import, and leave the smaller one's dead rows behind.
            with running_stack(project) as stack:
                say(f"measuring {f'{episodes:,} generated episodes' if episodes else 'the demo'}")
                sizes.append(bench(stack, load, episodes))
            # At once, on stderr: a later size that fails loses no numbers.
            say(
                f"{sizes[-1].episodes:,} episodes measured:\n{results_table(sizes[-1], STATIC_KEY)}"
            )
        run = Run(
            sizes=sizes,
            static_key=STATIC_KEY,
            command=command_line(),
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            commit=os.environ.get("BENCH_COMMIT") or "unknown",
            machine=machine(),
            load={
                "seconds": load.seconds,
                "connections": load.connections,
                "threads": load.threads,
            },
            notes=[
                "¹ web restarted with PAGE_CACHE_ENTRIES=0 for these rows only (measured last).",
                "Pages are asked for as browsers do (Accept-Encoding: gzip, deflate, br, zstd); "
                "the feed, the API and the sitemap with gzip; /health uncompressed.",
                "× /health: the row's rate over that of /health measured just before it; "
                "× static: over the static page's; × file: over the feed's gzipped bytes "
                "served by Caddy as a file. Only ratios within one run compare.",
            ],
        )
        print(report(run), flush=True)
        numbers = write_results(run, RESULTS_FILE)
        say(f"written to {RESULTS_FILE.relative_to(REPO_DIR)} and {numbers.relative_to(REPO_DIR)}")
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
