"""Render the home page and the guest and sponsor pages."""

from quart import Blueprint, abort, current_app, render_template
from quart.typing import ResponseReturnValue

from podcast_site import linked_data, queries
from podcast_site.caching import content_page
from podcast_site.database import get_session
from podcast_site.identity import Identity

blueprint = Blueprint("pages", __name__)

HOME_PAGE_EPISODES = 10


@blueprint.get("/")
@content_page(forms=True)
async def home() -> ResponseReturnValue:
    """Show the latest episodes and the newsletter form."""
    episodes = await queries.list_episodes(get_session(), limit=HOME_PAGE_EPISODES)
    identity: Identity = current_app.extensions["identity"]
    return await render_template(
        "home.html", episodes=episodes, linked_data=linked_data.podcast_series(identity)
    )


@blueprint.get("/guests")
@content_page()
async def guests() -> ResponseReturnValue:
    """List every guest with their number of episodes."""
    return await render_template("guests.html", guests=await queries.list_guests(get_session()))


@blueprint.get("/guests/<slug:slug>")
@content_page()
async def guest(slug: str) -> ResponseReturnValue:
    """Show a guest's bio, links and episodes."""
    found = await queries.get_guest(get_session(), slug)
    if found is None:
        abort(404)
    return await render_template("guest.html", guest=found)


@blueprint.get("/sponsors")
@content_page()
async def sponsors() -> ResponseReturnValue:
    """List the show's sponsors."""
    found = await queries.list_sponsors(get_session())
    return await render_template("sponsors.html", sponsors=found)
