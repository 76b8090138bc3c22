"""A bounded, steady HTTP load for the stack tests: N requests a second, recorded."""

import asyncio
import itertools
import ssl
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

# Longer than Caddy's lb_try_duration (30 s): a held request must be able to finish.
REQUEST_TIMEOUT_SECONDS = 45


@dataclass(frozen=True)
class Outcome:
    """What one request got: a status, or the error instead."""

    path: str
    started: float
    seconds: float
    status: int | None
    error: str | None = None


@dataclass
class LoadReport:
    """Everything a load run saw."""

    outcomes: list[Outcome] = field(default_factory=list)

    def failures(self, allowed: frozenset[int] = frozenset(range(200, 400))) -> list[Outcome]:
        """Return the requests that errored or got a status outside `allowed`."""
        return [o for o in self.outcomes if o.error or o.status not in allowed]

    def summary(self, allowed: frozenset[int] = frozenset(range(200, 400))) -> str:
        """Describe the run in one line: the numbers the tests report."""
        statuses = Counter(o.status if o.status else "error" for o in self.outcomes)
        longest = max((o.seconds for o in self.outcomes), default=0.0)
        return (
            f"{len(self.outcomes)} requests, {len(self.failures(allowed))} failed, "
            f"longest {longest:.2f} s, statuses {dict(sorted(statuses.items(), key=str))}"
        )


class SteadyLoad:
    """Send `rate` requests a second, round-robin over `paths`, until stopped."""

    def __init__(self, base_url: str, ca_file: str, paths: Sequence[str], rate: float = 20) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url,
            verify=ssl.create_default_context(cafile=ca_file),
            timeout=REQUEST_TIMEOUT_SECONDS,
            limits=httpx.Limits(max_connections=200),
        )
        self.paths = itertools.cycle(paths)
        self.interval = 1 / rate
        self.report = LoadReport()
        self._stopped = asyncio.Event()
        self._requests: list[asyncio.Task[None]] = []

    async def _request(self, path: str) -> None:
        started = time.monotonic()
        try:
            response = await self.client.get(path)
            outcome = Outcome(path, started, time.monotonic() - started, response.status_code)
        except httpx.HTTPError as error:
            outcome = Outcome(path, started, time.monotonic() - started, None, repr(error))
        self.report.outcomes.append(outcome)

    async def run(self) -> None:
        """Start requests on a fixed schedule (not waiting for answers) until `stop`."""
        next_start = time.monotonic()
        while not self._stopped.is_set():
            self._requests.append(asyncio.create_task(self._request(next(self.paths))))
            next_start += self.interval
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))

    async def stop(self) -> LoadReport:
        """Stop starting requests, wait for those in flight, and return the report."""
        self._stopped.set()
        await asyncio.gather(*self._requests)
        await self.client.aclose()
        return self.report
