"""Read what wrk and docker stats print, and lay out make bench's tables (tests/infra tests it)."""

import json
import re
from dataclasses import dataclass

# report.lua's last line: `BENCH {"requests": ..., ...}`.
RESULT_PREFIX = "BENCH "
UNITS = {"B": 1 / 2**20, "KiB": 1 / 2**10, "MiB": 1.0, "GiB": 2**10, "kB": 1e3 / 2**20,
         "MB": 1e6 / 2**20, "GB": 1e9 / 2**20}  # fmt: skip

# What docker stats saw at one moment: each container (or service) with its
# memory use and its limit, in MiB.
type MemorySample = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Measurement:
    """One row: what wrk measured for one kind of request."""

    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    # Timeouts, refused connections, and answers other than 2xx and 3xx.
    errors: int

    @property
    def per_second(self) -> float:
        """Return the requests answered per second."""
        return self.requests / self.seconds


def parse_wrk(name: str, path: str, output: str) -> Measurement:
    """Read wrk's output (with report.lua's result line) into a measurement."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise ValueError(f"wrk printed no {RESULT_PREFIX.strip()} line for {path}:\n{output}")
    result = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return Measurement(
        name=name,
        path=path,
        requests=result["requests"],
        seconds=result["seconds"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
        errors=result["socket_errors"] + result["bad_statuses"],
    )


def mebibytes(size: str) -> float:
    """Read a size as docker stats writes it (`45.2MiB`, `1.1GiB`, `0B`) in MiB."""
    match = re.fullmatch(r"([\d.]+)\s*([A-Za-z]+)", size.strip())
    if match is None or match[2] not in UNITS:
        raise ValueError(f"not a size: {size!r}")
    return float(match[1]) * UNITS[match[2]]


def parse_docker_stats(output: str) -> MemorySample:
    """Read `docker stats --format '{{.Name}}\\t{{.MemUsage}}'` into a sample by container name."""
    sizes = {}
    for line in output.strip().splitlines():
        name, usage = line.split("\t")
        used, limit = usage.split("/")
        sizes[name.strip()] = (mebibytes(used), mebibytes(limit))
    return sizes


def markdown_table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    """Lay out a Markdown table with padded columns, readable in a terminal as in the README."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = [
        ("-" * (width - 1) + ":") if i in right else "-" * width for i, width in enumerate(widths)
    ]
    return "\n".join([line(header), line(rule), *map(line, rows)])


def results_table(measurements: list[Measurement], health_rates: list[float], static: str) -> str:
    """Tabulate the measurements, each rate divided by its own /health rate and the static page's.

    `health_rates[i]` is the rate of /health measured just before
    `measurements[i]`: the machine's other load moves both alike.
    """
    static_rate = next(m.per_second for m in measurements if m.path == static)
    rows = [
        [
            m.name,
            f"`{m.path}`",
            f"{m.per_second:,.0f}",
            f"{m.p50_ms:,.1f}",
            f"{m.p99_ms:,.1f}",
            f"{m.per_second / health_rate:.2f}",
            f"{m.per_second / static_rate:.2f}",
            f"{m.errors:,}",
        ]
        for m, health_rate in zip(measurements, health_rates, strict=True)
    ]
    header = ["request", "path", "req/s", "p50 ms", "p99 ms", "× /health", "× static", "errors"]
    return markdown_table(header, rows, right={2, 3, 4, 5, 6, 7})


def memory_table(samples: list[MemorySample]) -> str:
    """Tabulate each service's largest sample, and the largest total of one sample."""
    services = sorted({name for sample in samples for name in sample})
    rows = []
    for service in services:
        used = max(sample[service][0] for sample in samples if service in sample)
        limit = max(sample[service][1] for sample in samples if service in sample)
        rows.append([service, f"{used:,.0f} MiB", f"{limit:,.0f} MiB"])
    largest = max(samples, key=lambda sample: sum(used for used, _ in sample.values()))
    rows.append([
        "total (the largest sample)",
        f"{sum(used for used, _ in largest.values()):,.0f} MiB",
        f"{sum(limit for _, limit in largest.values()):,.0f} MiB",
    ])  # fmt: skip
    return markdown_table(["service", "memory under load", "limit"], rows, right={1, 2})
