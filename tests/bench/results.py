"""Read what wrk and docker stats print, lay out make bench's tables, write its results files.

tests/infra/test_bench.py tests all of it without a bench run.
"""

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

    # The row's name in the JSON file (`feed`, `episode-uncached`): stable across runs.
    key: str
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


def parse_wrk(key: str, name: str, path: str, output: str) -> Measurement:
    """Read wrk's output (with report.lua's result line) into a measurement."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise ValueError(f"wrk printed no {RESULT_PREFIX.strip()} line for {path}:\n{output}")
    result = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return Measurement(
        key=key,
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


@dataclass(frozen=True)
class Row:
    """A measurement with the rates it is compared to, measured in the same run."""

    measured: Measurement
    # /health's rate measured just before this row: the machine's other load
    # moves both alike.
    health_rate: float
    memory: MemorySample
    # The key of the row whose rate this one is given as a multiple of in the
    # `× file` column (the feed: the same bytes, served by Caddy as a file).
    file_key: str | None = None


@dataclass(frozen=True)
class Size:
    """Every row measured on one catalogue, and how it was imported."""

    episodes: int
    catalog: str
    rows: list[Row]
    imported: str | None = None

    def rate(self, key: str) -> float:
        """Return the requests per second of the row with this key."""
        return next(row.measured.per_second for row in self.rows if row.measured.key == key)

    def health_rates(self) -> list[float]:
        """Return the /health rates measured before each row."""
        return [row.health_rate for row in self.rows]

    def peak_memory(self) -> MemorySample:
        """Return the sample with the largest total: the whole stack's peak under load."""
        return max(
            (row.memory for row in self.rows),
            key=lambda sample: sum(used for used, _ in sample.values()),
        )


@dataclass(frozen=True)
class Run:
    """One `make bench`: its sizes, its load, and the machine and commit it ran on."""

    sizes: list[Size]
    static_key: str
    command: str
    date: str
    commit: str
    machine: dict[str, Any]
    load: dict[str, int]
    notes: list[str] = field(default_factory=list)


def ratio(rate: float, of: float) -> str:
    """Format a rate as a multiple of another."""
    return f"{rate / of:.2f}"


def results_table(size: Size, static_key: str) -> str:
    """Tabulate one size's rows, each rate as a multiple of its /health, of static, of a file.

    `× /health` divides by the /health measured just before the row;
    `× static` by the static page's rate; `× file` (the feed's rows) by the
    rate Caddy served a file of the same bytes at.
    """
    static_rate = size.rate(static_key)
    rows = [
        [
            row.measured.name,
            f"`{row.measured.path}`",
            f"{row.measured.per_second:,.0f}",
            f"{row.measured.p50_ms:,.1f}",
            f"{row.measured.p99_ms:,.1f}",
            ratio(row.measured.per_second, row.health_rate),
            ratio(row.measured.per_second, static_rate),
            ratio(row.measured.per_second, size.rate(row.file_key)) if row.file_key else "",
            f"{row.measured.errors:,}",
        ]
        for row in size.rows
    ]
    header = [
        "request", "path", "req/s", "p50 ms", "p99 ms", "× /health", "× static", "× file",
        "errors",
    ]  # fmt: skip
    return markdown_table(header, rows, right={2, 3, 4, 5, 6, 7, 8})


def sizes_table(sizes: list[Size]) -> str:
    """Tabulate each row's req/s and p99 per size, and its rate at the largest over the smallest."""
    header = ["request"]
    for size in sizes:
        header += [f"{size.episodes:,}: req/s", f"{size.episodes:,}: p99 ms"]
    header.append("largest ÷ smallest")
    rows = []
    for index, row in enumerate(sizes[0].rows):
        cells = [row.measured.name]
        for size in sizes:
            measured = size.rows[index].measured
            cells += [f"{measured.per_second:,.0f}", f"{measured.p99_ms:,.0f}"]
        cells.append(ratio(sizes[-1].rows[index].measured.per_second, row.measured.per_second))
        rows.append(cells)
    return markdown_table(header, rows, right=set(range(1, len(header))))


def memory_table(sizes: list[Size]) -> str:
    """Tabulate the whole stack's peak (the largest total of one sample) per size, by service."""
    services = sorted({name for size in sizes for name in size.peak_memory()})
    rows = []
    for size in sizes:
        peak = size.peak_memory()
        rows.append([
            f"{size.episodes:,}",
            f"{sum(used for used, _ in peak.values()):,.0f} MiB",
            *(f"{peak[service][0]:,.0f}" if service in peak else "" for service in services),
            f"{sum(limit for _, limit in peak.values()):,.0f} MiB",
        ])  # fmt: skip
    header = ["episodes", "whole stack", *(f"{service} MiB" for service in services), "limits"]
    return markdown_table(header, rows, right=set(range(len(header))))


def report(run: Run) -> str:
    """Lay out the whole run as Markdown: what ran where, then every table."""
    machine = run.machine
    lines = [
        "# `make bench` results",
        "",
        "Written by `make bench` (tests/bench/run.py) at the end of a complete run; "
        "do not edit by hand. [performance.md](performance.md) explains the rows.",
        "",
        f"- Command: `{run.command}`",
        f"- Date: {run.date}; commit {run.commit}",
        f"- Machine: {machine['cpus']} CPUs (shared with the load generator), "
        f"{machine['memory_mib']:,} MiB of memory, Linux {machine['kernel']}, "
        f"Docker {machine['docker']}",
        f"- Load: wrk with {run.load['threads']} threads and {run.load['connections']} "
        f"connections for {run.load['seconds']} s a row, over HTTPS through Caddy to 127.0.0.1",
        *(f"- {note}" for note in run.notes),
    ]
    if len(run.sizes) > 1:
        lines += ["", "## Every size", "", sizes_table(run.sizes)]
    lines += [
        "",
        "## Memory",
        "",
        "The whole stack's peak under load (docker stats, sampled halfway through each row):",
        "",
        memory_table(run.sizes),
    ]
    for size in run.sizes:
        health = size.health_rates()
        lines += [
            "",
            f"## {size.episodes:,} episodes ({size.catalog})",
            "",
            *([size.imported, ""] if size.imported else []),
            results_table(size, run.static_key),
            "",
            f"/health ranged from {min(health):,.0f} to {max(health):,.0f} req/s in this size's "
            "rows: the wider, the more the machine's other load changed.",
        ]
        if any(row.measured.errors for row in size.rows):
            lines += ["", "Rows with errors count only the requests that were answered."]
    return "\n".join(lines) + "\n"


def results_json(run: Run) -> dict[str, Any]:
    """Return the run as the JSON file holds it (docs/performance.md lists the keys)."""
    sizes = []
    for size in run.sizes:
        static_rate = size.rate(run.static_key)
        peak = size.peak_memory()
        rows = {}
        for row in size.rows:
            rate = row.measured.per_second
            rows[row.measured.key] = {
                "name": row.measured.name,
                "path": row.measured.path,
                "requests_per_second": round(rate, 1),
                "p50_ms": round(row.measured.p50_ms, 1),
                "p99_ms": round(row.measured.p99_ms, 1),
                "errors": row.measured.errors,
                "health_requests_per_second": round(row.health_rate, 1),
                "per_health": round(rate / row.health_rate, 3),
                "per_static_page": round(rate / static_rate, 3),
                "per_same_size_file": (
                    round(rate / size.rate(row.file_key), 3) if row.file_key else None
                ),
            }
        sizes.append({
            "episodes": size.episodes,
            "catalog": size.catalog,
            "import": size.imported,
            "rows": rows,
            "peak_memory_mib": {
                "total": round(sum(used for used, _ in peak.values()), 1),
                "limits": round(sum(limit for _, limit in peak.values()), 1),
                "services": {service: round(used, 1) for service, (used, _) in peak.items()},
            },
        })  # fmt: skip
    return {
        "schema": 1,
        "command": run.command,
        "date": run.date,
        "commit": run.commit,
        "machine": run.machine,
        "load": run.load,
        "static_row": run.static_key,
        "sizes": sizes,
    }


def write_atomically(path: Path, text: str) -> None:
    """Replace a file with new text in one rename: a reader sees the old file or the new, whole."""
    folder = path.parent
    with tempfile.NamedTemporaryFile(
        "w", dir=folder, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as temporary:
        temporary.write(text)
        temporary.flush()
        os.fsync(temporary.fileno())
    # The checkout's owner, not the container's root, owns what the bench writes.
    owner = folder.stat()
    try:
        if os.geteuid() == 0:
            os.chown(temporary.name, owner.st_uid, owner.st_gid)
        os.chmod(temporary.name, 0o644)
        os.replace(temporary.name, path)
    except BaseException:
        Path(temporary.name).unlink(missing_ok=True)
        raise


def write_results(run: Run, markdown: Path) -> Path:
    """Write the report to `markdown` and its numbers beside it (same name, .json); return that."""
    numbers = markdown.with_suffix(".json")
    write_atomically(numbers, json.dumps(results_json(run), indent=2, ensure_ascii=False) + "\n")
    write_atomically(markdown, report(run))
    return numbers
