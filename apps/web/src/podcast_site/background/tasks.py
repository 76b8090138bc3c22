"""Run the background work as tasks of each Granian worker, while it serves."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from quart import Quart


def run_while_serving(app: Quart, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `work` as a task while the app serves: after the database opens, until it closes."""

    @app.while_serving
    async def run() -> AsyncGenerator[None]:
        task = asyncio.create_task(work())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
