"""make bench reads wrk and docker stats right and lays out its tables (no load is run here)."""

import json
import re
from pathlib import Path

import pytest

from tests.bench.results import (
    Measurement,
    Row,
    Run,
    Size,
    memory_table,
    parse_docker_stats,
    parse_wrk,
    results_json,
    results_table,
    sizes_table,
    write_results,
)
from tests.infra.conftest import REPO_DIR

# Captured from `wrk --script=tests/bench/report.lua` (Debian's wrk 4.1.0).
WRK_OUTPUT = """\
Running 3s test @ https://localhost:28443/health
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    63.99ms   34.63ms 255.49ms   79.20%
    Req/Sec   245.64    103.43   470.00     72.41%
  1470 requests in 3.03s, 0.88MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    484.53
Transfer/sec:    295.74KB
BENCH {"requests": 1470, "seconds": 3.034, "p50_ms": 59.583, "p99_ms": 188.068, \
"socket_errors": 3, "bad_statuses": 4}
"""

DOCKER_STATS = """\
h3-bench-web-1\t89.45MiB / 224MiB
h3-bench-backup-1\t1.98MiB / 128MiB
h3-bench-db-1\t1.5GiB / 2GiB
h3-bench-caddy-1\t512KiB / 128MiB
"""


def measurement(path: str, per_second: float, p99_ms: float = 20.25) -> Measurement:
    key = path.strip("/").replace("/", "-") or "home"
    return Measurement(key, key, path, round(per_second * 10), 10.0, 1.5, p99_ms, 0)


def row(path: str, per_second: float, health: float = 500, **options: object) -> Row:
    memory = options.pop("memory", {"web": (80.0, 224.0), "db": (60.0, 288.0)})
    p99_ms = options.pop("p99_ms", 20.25)
    return Row(measurement(path, per_second, p99_ms), health, memory, **options)  # type: ignore[arg-type]


def cells(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()]


def a_run(sizes: list[Size]) -> Run:
    return Run(
        sizes=sizes,
        static_key="blog",
        command="make bench BENCH_SCALES=25,1000",
        date="2026-12-07 16:00 UTC",
        commit="abc1234",
        machine={
            "cpus": 2,
            "memory_mib": 3915,
            "kernel": "6.1.0-28-cloud-amd64",
            "docker": "20.10.24",
        },
        load={"seconds": 10, "connections": 32, "threads": 2},
        notes=["¹ page cache off."],
    )


def test_wrk_output_is_read_from_the_scripts_result_line() -> None:
    result = parse_wrk("health", "health", "/health", WRK_OUTPUT)

    assert result == Measurement(
        "health", "health", "/health", 1470, 3.034, 59.583, 188.068, errors=7
    )
    assert result.per_second == pytest.approx(484.5, abs=0.1)


def test_the_result_line_has_the_fields_report_lua_writes() -> None:
    lua = (REPO_DIR / "tests" / "bench" / "report.lua").read_text()
    written = set(re.findall(r'"(\w+)": %', lua))
    (line,) = [line for line in WRK_OUTPUT.replace("\\\n", "").splitlines() if "BENCH" in line]
    assert written == set(json.loads(line.removeprefix("BENCH ")))


def test_wrk_output_without_a_result_line_is_an_error_that_shows_it() -> None:
    with pytest.raises(ValueError, match="no BENCH line for /health:\nunable to connect"):
        parse_wrk(
            "health", "health", "/health", "unable to connect to localhost:1 Connection refused"
        )


def test_docker_stats_sizes_are_read_in_mebibytes() -> None:
    assert parse_docker_stats(DOCKER_STATS) == {
        "h3-bench-web-1": (89.45, 224.0),
        "h3-bench-backup-1": (1.98, 128.0),
        "h3-bench-db-1": (1536.0, 2048.0),
        "h3-bench-caddy-1": (0.5, 128.0),
    }


def test_the_results_table_gives_each_rate_as_a_multiple_of_its_health_of_static_and_a_file() -> (
    None
):
    rows = [
        row("/blog/", 2000),
        row("/feed.gz", 1000),
        row("/health", 500),
        # Each row against the /health measured just before it.
        row("/", 250, health=625),
        row("/episodes/rss", 900, file_key="feed.gz"),
    ]

    table = results_table(Size(25, "demo", rows), static_key="blog")

    header, rule, *body = cells(table)
    assert header == [
        "request", "path", "req/s", "p50 ms", "p99 ms", "× /health", "× static", "× file",
        "errors",
    ]  # fmt: skip
    # Markdown's rule: numbers are right-aligned.
    assert [cell.endswith(":") for cell in rule] == [False, False] + [True] * 7
    assert body == [
        ["blog", "`/blog/`", "2,000", "1.5", "20.2", "4.00", "1.00", "", "0"],
        ["feed.gz", "`/feed.gz`", "1,000", "1.5", "20.2", "2.00", "0.50", "", "0"],
        ["health", "`/health`", "500", "1.5", "20.2", "1.00", "0.25", "", "0"],
        ["home", "`/`", "250", "1.5", "20.2", "0.40", "0.12", "", "0"],
        ["episodes-rss", "`/episodes/rss`", "900", "1.5", "20.2", "1.80", "0.45", "0.90", "0"],
    ]  # fmt: skip
    # Padded to one width: a table in a terminal as well as in Markdown.
    assert len({len(line) for line in table.splitlines()}) == 1


def test_the_sizes_table_gives_each_rows_rate_and_p99_per_size_and_largest_over_smallest() -> None:
    small = Size(25, "generated", [row("/blog/", 2000), row("/", 400, p99_ms=50)])
    large = Size(10_000, "generated", [row("/blog/", 1900), row("/", 300, p99_ms=120)])

    header, _, *body = cells(sizes_table([small, large]))

    assert header == [
        "request", "25: req/s", "25: p99 ms", "10,000: req/s", "10,000: p99 ms",
        "largest ÷ smallest",
    ]  # fmt: skip
    assert body == [
        ["blog", "2,000", "20", "1,900", "20", "0.95"],
        ["home", "400", "50", "300", "120", "0.75"],
    ]


def test_the_memory_table_gives_each_sizes_largest_total_sample_by_service() -> None:
    rows = [
        row("/blog/", 2000, memory={"web": (80.0, 224.0), "db": (60.0, 288.0)}),
        # The largest total, though db's peak is in the other sample.
        row("/", 300, memory={"web": (120.0, 224.0), "db": (50.0, 288.0)}),
    ]

    _, _, *body = cells(memory_table([Size(1000, "generated", rows)]))

    assert body == [["1,000", "170 MiB", "50", "120", "512 MiB"]]


def test_the_results_files_hold_the_run_and_its_numbers_under_documented_keys(
    tmp_path: Path,
) -> None:
    sizes = [
        Size(25, "generated", [row("/blog/", 2000), row("/", 400)], "25 generated episodes"),
        Size(1000, "generated", [row("/blog/", 1800), row("/", 360)]),
    ]
    (tmp_path / "performance-results.md").write_text("an older run")

    numbers = write_results(a_run(sizes), tmp_path / "performance-results.md")

    markdown = (tmp_path / "performance-results.md").read_text()
    for fact in (
        "make bench BENCH_SCALES=25,1000", "2026-12-07 16:00 UTC", "abc1234", "2 CPUs",
        "3,915 MiB", "6.1.0-28-cloud-amd64", "Docker 20.10.24", "## Every size",
        "## 1,000 episodes", "25 generated episodes", "¹ page cache off.",
    ):  # fmt: skip
        assert fact in markdown
    assert numbers == tmp_path / "performance-results.json"
    written = json.loads(numbers.read_text())
    assert set(written) == {
        "schema", "command", "date", "commit", "machine", "load", "static_row", "sizes"
    }  # fmt: skip
    assert [size["episodes"] for size in written["sizes"]] == [25, 1000]
    assert written["sizes"][1]["rows"]["home"] == {
        "name": "home", "path": "/", "requests_per_second": 360.0, "p50_ms": 1.5,
        "p99_ms": 20.2, "errors": 0, "health_requests_per_second": 500.0, "per_health": 0.72,
        "per_static_page": 0.2, "per_same_size_file": None,
    }  # fmt: skip
    assert written["sizes"][0]["peak_memory_mib"] == {
        "total": 140.0, "limits": 512.0, "services": {"web": 80.0, "db": 60.0}
    }  # fmt: skip
    # Renamed into place: no temporary file is left beside them.
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "performance-results.json", "performance-results.md"
    ]  # fmt: skip


def test_docs_performance_md_names_every_key_of_the_json_file() -> None:
    documented = (REPO_DIR / "docs" / "performance.md").read_text()
    sizes = [Size(25, "generated", [row("/blog/", 2000, file_key="blog")])]

    numbers = results_json(a_run(sizes))

    (size,) = numbers["sizes"]
    (values,) = size["rows"].values()
    keys = set(numbers) | set(numbers["machine"]) | set(size) | set(values)
    keys |= set(size["peak_memory_mib"])
    assert sorted(key for key in keys if f"`{key}`" not in documented) == []
