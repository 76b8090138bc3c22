"""Split long lists into pages (`?page=2`), so no page grows with the catalog."""

from dataclasses import dataclass
from typing import Any

from quart import Quart, abort, current_app, request, url_for

from podcast_site.web.inputs import PLAIN_NUMBER

# Where page_cache.cached_page leaves the query parameters a view reads.
QUERY_ATTRIBUTE = "page_query"
# No list is this long; a larger number is a made-up URL (404, not a query).
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list a page shows, and how many pages there are."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        """Return how many items come before this page."""
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        """Return how many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))


def requested_page() -> int:
    """Return the page number the URL asks for (1 without one); 404 for one that cannot be."""
    raw = request.args.get("page", "1")
    # Written plainly (`2`, never `02`): one URL, and one cached page, per page.
    # Short before int(), which refuses more than 4,300 digits with an error.
    if (
        len(raw) > len(str(MAX_PAGE))
        or not PLAIN_NUMBER.fullmatch(raw)
        or not 1 <= (number := int(raw)) <= MAX_PAGE
    ):
        abort(404)
    return number


def page_of(size: int, total: int) -> Page:
    """Return the requested page of a list, or 404 when the list is not that long."""
    page = Page(requested_page(), size, total)
    if page.number > page.count:
        abort(404)
    return page


def read_query(names: tuple[str, ...]) -> dict[str, str]:
    """Return the first value of each of `names` the query has, as `request.args.get` reads it."""
    return {name: request.args[name] for name in names if name in request.args}


def page_url(number: int) -> str:
    """Return the current URL showing another page (the first has no `?page=`).

    Of the query it keeps what the view reads (cached_page's `query`): a
    cached page is shared by every URL that differs only in the rest, so a
    `?utm_source=` in one visitor's URL must not end up in everyone's links.
    """
    assert request.endpoint is not None  # only ever called while rendering a view's page
    names = getattr(current_app.view_functions[request.endpoint], QUERY_ATTRIBUTE, ())
    values: dict[str, Any] = read_query(names) | (request.view_args or {})
    values["page"] = number if number > 1 else None
    return url_for(request.endpoint, **values)


def init_app(app: Quart) -> None:
    """Let templates link to the other pages of a list: `{{ page_url(2) }}`."""
    app.jinja_env.globals["page_url"] = page_url
