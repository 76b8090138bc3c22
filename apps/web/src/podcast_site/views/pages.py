"""Render the site's HTML pages."""

from quart import Blueprint, abort, redirect, render_template, url_for
from quart.typing import ResponseReturnValue

from podcast_site import queries
from podcast_site.database import get_session

blueprint = Blueprint("pages", __name__)

HOME_PAGE_EPISODES = 10


@blueprint.get("/")
async def home() -> ResponseReturnValue:
    """Show the latest episodes."""
    episodes = await queries.list_latest_episodes(get_session(), HOME_PAGE_EPISODES)
    return await render_template("home.html", episodes=episodes)


@blueprint.get("/episodes/show/<int:number>")
@blueprint.get("/episodes/show/<int:number>/<slug>")
async def episode(number: int, slug: str | None = None) -> ResponseReturnValue:
    """Show one episode; any other slug for its number redirects to the canonical URL."""
    found = await queries.get_episode(get_session(), number)
    if found is None:
        abort(404)
    if slug != found.slug:
        return redirect(url_for("pages.episode", number=number, slug=found.slug), 301)
    return await render_template("episode.html", episode=found)
