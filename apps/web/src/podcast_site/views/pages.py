"""Render the home page and the guest, sponsor and topic pages."""

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
TOPIC_PAGE_EPISODES = 20


def episode_to_play(episodes: list[queries.EpisodeItem]) -> queries.EpisodeItem | None:
    """Pick the newest episode that is not a trailer; a show with trailers alone, its newest.

    A listener who comes back wants the newest episode, not the preview
    they may have heard already (Apple and Castopod show trailers apart).
    """
    return next((e for e in episodes if e.episode_type != "trailer"), next(iter(episodes), None))


@blueprint.get("/")
@cached_page()
async def home() -> ResponseReturnValue:
    """Show the show's cover and tagline, the newest episode's player, the latest episodes."""
    episodes = await queries.list_episodes(get_session(), limit=HOME_PAGE_EPISODES)
    show = get_show()
    return render(
        "home.html",
        episodes=episodes,
        newest=episode_to_play(episodes),
        linked_data=linked_data.podcast_series(show),
    )


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


@blueprint.get("/topics")
@cached_page()
async def topics() -> ResponseReturnValue:
    """List every topic with its number of episodes."""
    return render("topics.html", topics=await queries.list_topics(get_session()))


@blueprint.get("/topics/<slug:slug>")
@cached_page(query=("page",))
async def topic(slug: str) -> ResponseReturnValue:
    """List a topic's episodes, newest first, a page at a time; 404 for a topic no episode has."""
    session = get_session()
    total = await queries.count_topic_episodes(session, slug)
    if total == 0:
        abort(404)
    page = page_of(TOPIC_PAGE_EPISODES, total)
    episodes = await queries.list_topic_episodes(session, slug, offset=page.offset, limit=page.size)
    return render("topic.html", topic=slug, total=total, episodes=episodes, page=page)
