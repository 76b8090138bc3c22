"""Render the home page and the guest and sponsor pages."""

from quart import Blueprint, abort
from quart.typing import ResponseReturnValue

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.core.show import get_show
from podcast_site.web import linked_data
from podcast_site.web.page_cache import cached_page
from podcast_site.web.paging import page_of
from podcast_site.web.templating import render

blueprint = Blueprint("pages", __name__)

HOME_PAGE_EPISODES = 10
GUEST_PAGE_EPISODES = 20


@blueprint.get("/")
@cached_page()
async def home() -> ResponseReturnValue:
    """Show the latest episodes and the newsletter form."""
    episodes = await queries.list_episodes(get_session(), limit=HOME_PAGE_EPISODES)
    show = get_show()
    return render("home.html", episodes=episodes, linked_data=linked_data.podcast_series(show))


@blueprint.get("/guests")
@cached_page()
async def guests() -> ResponseReturnValue:
    """List every guest with their number of episodes."""
    return render("guests.html", guests=await queries.list_guests(get_session()))


@blueprint.get("/guests/<slug:slug>")
@cached_page(query=("page",))
async def guest(slug: str) -> ResponseReturnValue:
    """Show a guest's bio, links and episodes, a page of episodes at a time."""
    session = get_session()
    found = await queries.get_guest(session, slug)
    if found is None:
        abort(404)
    page = page_of(GUEST_PAGE_EPISODES, found.appearances)
    episodes = await queries.list_guest_episodes(
        session, found.id, offset=page.offset, limit=page.size
    )
    return render("guest.html", guest=found, episodes=episodes, page=page)


@blueprint.get("/sponsors")
@cached_page()
async def sponsors() -> ResponseReturnValue:
    """List the show's sponsors."""
    found = await queries.list_sponsors(get_session())
    return render("sponsors.html", sponsors=found)
