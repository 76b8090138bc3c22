"""Limit how often one client may search, use the API or sign up, across all workers.

A view names its limits with `@limited("search")`; before it runs, one
statement counts the request in Postgres (queries.count_request) against each
of them, and a client over a limit gets a 429 with `Retry-After`. The counts
live in the database because it is the one thing every Granian worker and
every web container shares: a count kept in each process's memory would let
a client have the limit once per process.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime

from quart import Quart, current_app, request
from werkzeug.exceptions import TooManyRequests

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.core.settings import get_settings
from podcast_site.web.visitors import client_address, keyed_hash

# Where @limited leaves the limit names on a view (and the structural test finds them).
LIMITS_ATTRIBUTE = "rate_limits"


def limited[View: Callable[..., object]](*names: str) -> Callable[[View], View]:
    """Count the view's requests against the named limits (`Settings.rate_limits`)."""

    def decorator(view: View) -> View:
        setattr(view, LIMITS_ATTRIBUTE, names)
        return view

    return decorator


async def check_rate_limits() -> None:
    """Count this request against its view's limits; answer 429 once one is used up."""
    view = current_app.view_functions.get(request.endpoint or "")
    names: tuple[str, ...] = getattr(view, LIMITS_ATTRIBUTE, ())
    if not names:
        return
    settings = get_settings()
    limits = {name: settings.rate_limits[name] for name in names}
    session = get_session()
    window_seconds = {name: limit.seconds for name, limit in limits.items()}
    windows = await queries.count_request(session, keyed_hash(client_address()), window_seconds)
    # Other workers must see the count whatever the view does. Counted on a
    # connection of its own, it committed by itself; counted in the session's
    # transaction (one it had begun), it is committed now. A commit with no
    # transaction would still begin and end one in SQLAlchemy (0.15 ms, measured).
    if session.in_transaction():
        await session.commit()
    ends = [ends_at for name, (hits, ends_at) in windows.items() if hits > limits[name].requests]
    if ends:
        seconds = max(1, math.ceil((max(ends) - datetime.now(UTC)).total_seconds()))
        raise TooManyRequests(
            f"Too many requests from your address. Please try again in {seconds} seconds.",
            retry_after=seconds,
        )


def init_app(app: Quart) -> None:
    """Check the limits before every view (and before the origin check: forged posts count too)."""
    app.before_request(check_rate_limits)
