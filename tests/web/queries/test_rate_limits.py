"""Counting requests against limits: one window per limit and client, restarted when it ends."""

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.core.models import RateLimitWindow


async def test_each_request_adds_a_hit_to_each_named_limit(session: AsyncSession) -> None:
    windows = {"api": 60, "search": 60}
    await queries.count_request(session, b"client", windows)
    counted = await queries.count_request(session, b"client", windows)

    assert {name: hits for name, (hits, _) in counted.items()} == {"api": 2, "search": 2}
    other = await queries.count_request(session, b"another client", {"api": 60})
    assert other["api"][0] == 1


async def test_a_window_that_ended_starts_again_at_one(session: AsyncSession) -> None:
    await queries.count_request(session, b"client", {"signup": 600})
    await session.execute(
        update(RateLimitWindow).values(ends_at=RateLimitWindow.ends_at - timedelta(seconds=601))
    )
    (hits, _) = (await queries.count_request(session, b"client", {"signup": 600}))["signup"]
    assert hits == 1
