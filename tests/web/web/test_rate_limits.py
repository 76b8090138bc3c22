"""Rate limits: every route has one or a reason not to, and the counts hold across app instances."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from podcast_site.core.models import RateLimitWindow
from podcast_site.core.settings import Settings
from podcast_site.web.rate_limits import LIMITS_ATTRIBUTE
from podcast_site.web.visitors import keyed_hash
from tests.web.conftest import app_on_the_real_pool

# Routes without a limit, each with the reason; a new route must get a limit
# (@limited) or an entry here, or the first test fails.
EXEMPT = {
    # Served from the page cache: a repeat costs no query at all.
    "pages.home",
    "pages.guests",
    "pages.guest",
    "pages.sponsors",
    "pages.topics",
    "pages.topic",
    "episodes.index",
    "episodes.show",
    "episodes.transcript",
    "episodes.captions",
    "episodes.chapters",
    "feeds.podcast_feed",
    "feeds.sitemap_index",
    "feeds.sitemap",
    "newsletter.form",
    # Health probes: Docker and Caddy ask every few seconds.
    "health.health",
    "health.ready",
    # Static: Caddy serves these; the app only answers names Caddy lacks during a deploy.
    "static",
    # No database: the API's description and fixed texts.
    "openapi",
    "feeds.robots",
    "newsletter.thanks",
    # A signature check, then one primary-key lookup: a forged link costs no query.
    "newsletter.confirm_form",
    "newsletter.confirm",
    "newsletter.unsubscribe_form",
    "newsletter.unsubscribe",
    "episodes.preview",
    # Podcast apps behind one carrier-grade NAT share an address, so a limit
    # would lose real listeners' downloads; each is counted once per listener
    # and day anyway.
    "episodes.download",
}

# Addresses from the documentation ranges (RFC 5737): never a real visitor.
VISITOR, OTHER_VISITOR = "192.0.2.10", "192.0.2.20"


def as_visitor(address: str) -> dict[str, object]:
    """Return the request scope of a visitor at `address` (what Caddy's header gives)."""
    return {"client": (address, 40000)}


def test_every_route_has_a_rate_limit_or_a_reason_not_to(app: Quart, settings: Settings) -> None:
    unlimited, unknown = [], []
    for rule in app.url_map.iter_rules():
        names = getattr(app.view_functions[rule.endpoint], LIMITS_ATTRIBUTE, ())
        unknown += [name for name in names if name not in settings.rate_limits]
        if not names and rule.endpoint not in EXEMPT:
            unlimited.append(f"{rule.endpoint} ({rule.rule})")
    assert unlimited == [], "limit these routes with @limited, or add them to EXEMPT with why"
    assert unknown == [], "these limit names are not in Settings.rate_limits"
    assert EXEMPT <= set(app.view_functions), "EXEMPT names endpoints that no longer exist"


async def test_searches_over_the_limit_get_a_429_page_with_retry_after(
    client: Client, settings: Settings
) -> None:
    limit = settings.rate_limit_search
    for _ in range(limit.requests):
        assert (await client.get("/search?q=x", scope_base=as_visitor(VISITOR))).status_code == 200

    response = await client.get("/search?q=x", scope_base=as_visitor(VISITOR))

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= limit.seconds
    page = await response.get_data(as_text=True)
    assert 'class="site-header"' in page and "Please try again in" in page
    # Another visitor has a budget of their own.
    other = await client.get("/search?q=x", scope_base=as_visitor(OTHER_VISITOR))
    assert other.status_code == 200


async def test_the_page_and_the_api_share_one_search_budget(
    client: Client, settings: Settings
) -> None:
    half = settings.rate_limit_search.requests // 2
    for path in ["/search?q=x"] * half + ["/api/search?q=x"] * (half + 1):
        last = await client.get(path, scope_base=as_visitor(VISITOR))
    assert last.status_code == 429
    body = await last.get_json()
    assert body["status"] == 429 and body["error"] == "Too Many Requests"
    assert int(last.headers["Retry-After"]) > 0


async def test_the_whole_api_has_a_limit(client: Client, settings: Settings) -> None:
    # Not /api/search: the search budget is smaller, and it would run out first.
    paths = ["/api/episodes", "/api/episodes/1"]
    statuses = [
        (await client.get(paths[n % 2], scope_base=as_visitor(VISITOR))).status_code
        for n in range(settings.rate_limit_api.requests + 1)
    ]
    assert 429 not in statuses[:-1]
    assert statuses[-1] == 429


async def test_a_window_that_ended_starts_again(
    client: Client, session: AsyncSession, settings: Settings
) -> None:
    for _ in range(settings.rate_limit_search.requests + 1):
        await client.get("/search?q=x", scope_base=as_visitor(VISITOR))
    # The database's clock, not Python's: the test runs in one transaction,
    # whose now() is its start, seconds ago on a busy machine.
    await session.execute(update(RateLimitWindow).values(ends_at=func.now() - timedelta(seconds=1)))

    response = await client.get("/search?q=x", scope_base=as_visitor(VISITOR))

    assert response.status_code == 200
    (window,) = await session.scalars(select(RateLimitWindow))
    await session.refresh(window)
    assert window.hits == 1


async def test_no_address_is_stored(client: Client, session: AsyncSession) -> None:
    await client.get("/api/search?q=x", scope_base=as_visitor(VISITOR))
    windows = list(await session.scalars(select(RateLimitWindow)))
    assert sorted(window.limit_name for window in windows) == ["api", "search"]
    for window in windows:
        assert len(window.client_key) == 32  # HMAC-SHA256, keyed with the secret key
        assert VISITOR.encode() not in window.client_key


async def test_the_windows_are_unlogged_so_counting_waits_for_no_disk_flush(
    session: AsyncSession,
) -> None:
    persistence = await session.scalar(
        text("SELECT relpersistence::text FROM pg_class WHERE relname = 'rate_limit_windows'")
    )
    assert persistence == "u"


@pytest.fixture
async def second_app(settings: Settings, committing_app: Quart) -> AsyncIterator[Quart]:
    """Another instance on the real pool: what a second worker or web container is."""
    async with app_on_the_real_pool(settings) as app:
        yield app


async def test_two_app_instances_share_one_limit(
    committing_app: Quart, second_app: Quart, engine: AsyncEngine, settings: Settings
) -> None:
    # A fresh address, so rows left by an interrupted run cannot interfere.
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    limit = settings.rate_limit_search.requests
    clients = [committing_app.test_client(), second_app.test_client()]
    try:
        responses = await asyncio.gather(
            *(
                clients[n % 2].get("/search?q=x", scope_base=as_visitor(address))
                for n in range(limit + 10)
            )
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * limit + [429] * 10
    finally:
        async with committing_app.app_context():
            key = keyed_hash(address)
        async with engine.begin() as connection:
            await connection.execute(
                delete(RateLimitWindow).where(RateLimitWindow.client_key == key)
            )


async def test_one_ipv6_subscriber_rotating_addresses_shares_one_limit(
    client: Client, settings: Settings
) -> None:
    limit = settings.rate_limit_search.requests
    statuses = [
        (await client.get("/search?q=x", scope_base=as_visitor(f"2001:db8:7:7::{n:x}"))).status_code
        for n in range(1, limit + 2)
    ]
    assert statuses[:limit] == [200] * limit and statuses[limit] == 429
    # A neighbour's /64 has a budget of its own.
    neighbour = await client.get("/search?q=x", scope_base=as_visitor("2001:db8:7:8::1"))
    assert neighbour.status_code == 200
