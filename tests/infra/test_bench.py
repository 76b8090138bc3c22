"""make bench reads wrk and docker stats right and lays out its tables (no load is run here)."""

import json
import re

import pytest

from tests.bench.results import (
    Measurement,
    memory_table,
    parse_docker_stats,
    parse_wrk,
    results_table,
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


def measurement(path: str, per_second: float) -> Measurement:
    return Measurement(path.strip("/") or "home", path, round(per_second * 10), 10.0, 1.5, 20.25, 0)


def test_wrk_output_is_read_from_the_scripts_result_line() -> None:
    result = parse_wrk("health", "/health", WRK_OUTPUT)

    assert result == Measurement("health", "/health", 1470, 3.034, 59.583, 188.068, errors=7)
    assert result.per_second == pytest.approx(484.5, abs=0.1)


def test_the_result_line_has_the_fields_report_lua_writes() -> None:
    lua = (REPO_DIR / "tests" / "bench" / "report.lua").read_text()
    written = set(re.findall(r'"(\w+)": %', lua))
    (line,) = [line for line in WRK_OUTPUT.replace("\\\n", "").splitlines() if "BENCH" in line]
    assert written == set(json.loads(line.removeprefix("BENCH ")))


def test_wrk_output_without_a_result_line_is_an_error_that_shows_it() -> None:
    with pytest.raises(ValueError, match="no BENCH line for /health:\nunable to connect"):
        parse_wrk("health", "/health", "unable to connect to localhost:1 Connection refused")


def test_docker_stats_sizes_are_read_in_mebibytes() -> None:
    assert parse_docker_stats(DOCKER_STATS) == {
        "h3-bench-web-1": (89.45, 224.0),
        "h3-bench-backup-1": (1.98, 128.0),
        "h3-bench-db-1": (1536.0, 2048.0),
        "h3-bench-caddy-1": (0.5, 128.0),
    }


def test_the_results_table_gives_each_rate_as_a_multiple_of_its_health_and_of_static() -> None:
    rows = [measurement("/blog/", 2000), measurement("/health", 500), measurement("/", 250)]

    # Each row against the /health measured just before it.
    table = results_table(rows, health_rates=[500, 500, 625], static="/blog/").splitlines()

    header, rule, *cells = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table]
    assert header == [
        "request", "path", "req/s", "p50 ms", "p99 ms", "× /health", "× static", "errors"
    ]  # fmt: skip
    # Markdown's rule: numbers are right-aligned.
    assert [cell.endswith(":") for cell in rule] == [False, False] + [True] * 6
    assert cells == [
        ["blog", "`/blog/`", "2,000", "1.5", "20.2", "4.00", "1.00", "0"],
        ["health", "`/health`", "500", "1.5", "20.2", "1.00", "0.25", "0"],
        ["home", "`/`", "250", "1.5", "20.2", "0.40", "0.12", "0"],
    ]
    # Padded to one width: a table in a terminal as well as in Markdown.
    assert len({len(line) for line in table}) == 1


def test_the_memory_table_keeps_each_services_peak_and_the_largest_total() -> None:
    samples = [
        {"web": (80.0, 224.0), "db": (60.0, 288.0)},
        {"web": (120.0, 224.0), "db": (50.0, 288.0)},
    ]

    table = memory_table(samples).splitlines()

    cells = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table[2:]]
    assert cells == [
        ["db", "60 MiB", "288 MiB"],
        ["web", "120 MiB", "224 MiB"],
        ["total (the largest sample)", "170 MiB", "512 MiB"],
    ]
