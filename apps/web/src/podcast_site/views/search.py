"""Search the episodes: titles, summaries, show notes and transcripts."""

from markupsafe import Markup, escape
from quart import Blueprint, abort, request
from quart.typing import ResponseReturnValue

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.web.inputs import MAX_SEARCH_LENGTH, clean_search
from podcast_site.web.page_cache import cached_page
from podcast_site.web.paging import Page, requested_page
from podcast_site.web.rate_limits import limited
from podcast_site.web.templating import render

blueprint = Blueprint("search", __name__)

RESULTS_PER_PAGE = 20


def highlight(snippet: str) -> Markup:
    """Escape a snippet, then turn Postgres's match markers into <mark> elements."""
    return Markup(
        str(escape(snippet))
        .replace(queries.HIGHLIGHT_START, "<mark>")
        .replace(queries.HIGHLIGHT_STOP, "</mark>")
    )


@blueprint.get("/search")
@limited("search")
@cached_page(store="searches", query=("q", "page"))
async def search() -> ResponseReturnValue:
    """Show the search form and, for a query, the ranked results."""
    text = clean_search(request.args.get("q", ""))
    if len(text) > MAX_SEARCH_LENGTH:
        message = f"Please shorten your search to {MAX_SEARCH_LENGTH} characters or fewer."
        return render("search.html", query=text[:MAX_SEARCH_LENGTH], error=message), 400
    number = requested_page()  # first: a made-up `page` is a 404, not a form to cache
    if not text:
        return render("search.html", query=text)
    if (number - 1) * RESULTS_PER_PAGE >= queries.MAX_SEARCH_RESULTS:
        abort(404)  # past the results a search shows, however many match
    found = await queries.search_episodes(
        get_session(), text, offset=(number - 1) * RESULTS_PER_PAGE, limit=RESULTS_PER_PAGE
    )
    page = Page(number, RESULTS_PER_PAGE, found.total)
    if number > page.count:
        abort(404)
    return render("search.html", query=text, found=found, page=page, highlight=highlight)
