"""Render the episode pages, their transcripts and chapters, and count and redirect downloads."""

import json
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import NoReturn

from quart import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from sqlalchemy.ext.asyncio import AsyncSession
from werkzeug.datastructures import Range

from podcast_site import queries
from podcast_site.content import transcripts
from podcast_site.core.database import get_session
from podcast_site.core.settings import get_settings
from podcast_site.core.show import get_show
from podcast_site.web import linked_data
from podcast_site.web.inputs import PLAIN_NUMBER
from podcast_site.web.page_cache import cached_page
from podcast_site.web.paging import page_of
from podcast_site.web.previews import read_preview_token
from podcast_site.web.templating import media_url, render
from podcast_site.web.user_agents import get_user_agents
from podcast_site.web.visitors import client_address, keyed_hash

blueprint = Blueprint("episodes", __name__, url_prefix="/episodes")

# The Podcasting 2.0 JSON chapters format, and the type its files are served with.
CHAPTERS_VERSION = "1.2.0"
CHAPTERS_TYPE = "application/json+chapters"
# How /transcript/<n>/<slug>.<form> writes the transcript, and the type it says it is.
CAPTION_FORMS: dict[str, tuple[Callable[[list[transcripts.Cue]], str], str]] = {
    "vtt": (transcripts.to_webvtt, "text/vtt; charset=utf-8"),
    "srt": (transcripts.to_srt, "application/x-subrip"),
}


# The latest `?t=` an episode page honours: a day, longer than any episode.
MAX_START_SECONDS = 86_400

# More digits than any season number has (seasons are counted from 1).
MAX_SEASON_DIGITS = 4
# A page of the list is about 15 KB, whatever the size of the catalog.
EPISODES_PER_PAGE = 50


async def not_public(session: AsyncSession, number: int) -> NoReturn:
    """Answer for an episode nobody may see: 410 if it was taken down, else 404 (never was)."""
    if await queries.is_removed(session, number):
        abort(410, "This episode was taken down.")
    abort(404)


@blueprint.get("")
@cached_page(query=("page", "season"))
async def index() -> ResponseReturnValue:
    """List the episodes (or one season's, `?season=2`), newest first, a page at a time."""
    session = get_session()
    seasons = await queries.list_seasons(session)
    season = requested_season()
    if season is None:
        page = page_of(EPISODES_PER_PAGE, await queries.count_episodes(session))
        episodes = await queries.list_episodes(session, offset=page.offset, limit=page.size)
    else:
        if season not in seasons:
            abort(404, f"This show has no season {season}.")
        page = page_of(EPISODES_PER_PAGE, await queries.count_season_episodes(session, season))
        episodes = await queries.list_season_episodes(
            session, season, offset=page.offset, limit=page.size
        )
    return render("episodes.html", episodes=episodes, page=page, seasons=seasons, season=season)


def requested_season() -> int | None:
    """Return the season the URL asks for (None: all); 404 for one written oddly.

    Written plainly (`2`, never `02`), as `?page=` is: one URL, one cached page.
    """
    raw = request.args.get("season")
    if raw is None:
        return None
    if len(raw) > MAX_SEASON_DIGITS or not PLAIN_NUMBER.fullmatch(raw):
        abort(404, "A season is a number: /episodes?season=2.")
    return int(raw)


def requested_start() -> int | None:
    """Return the second `?t=754` asks the audio to start at; None without a usable one.

    Only what the page's own time links write (whole seconds, plainly); any
    other value is ignored rather than refused, as a player would: the
    listener still gets the episode, from its start.
    """
    raw = request.args.get("t", "")
    if len(raw) > len(str(MAX_START_SECONDS)) or not PLAIN_NUMBER.fullmatch(raw):
        return None
    start = int(raw)
    return start if 0 < start <= MAX_START_SECONDS else None


@blueprint.get("/show/<episode_number:number>")
@blueprint.get("/show/<episode_number:number>/<slug:slug>")
async def show(number: int, slug: str | None = None) -> ResponseReturnValue:
    """Show one episode; any other slug for its number redirects to the canonical URL.

    `?t=754` (a chapter's or a paragraph's time link, or a shared deep link)
    renders the audio as `src="...mp3#t=754"`, a media fragment: the browser
    starts there by itself, even without JavaScript. That page is rendered
    for each request and never enters the page cache, so made-up times
    cannot crowd the episode pages out of it. It is the rarer path: with
    JavaScript, static/player.js seeks in place on a click and writes the
    `#t=754` form into the address bar, which never reaches the server, so
    a link copied from there is the cached page. The canonical link and
    robots.txt keep crawlers to the page without `t`.
    """
    start = requested_start()
    if start is None:
        return await cached_episode_page(number, slug)
    response = await make_response(await episode_page(number, slug, start))
    if response.status_code == 200:
        # Not personal: the same for everyone with this link.
        response.headers["Cache-Control"] = "public, no-cache"
    return response


async def episode_page(
    number: int, slug: str | None, start: int | None = None
) -> ResponseReturnValue:
    """Render an episode's page, its audio starting at `start` seconds (its beginning: None)."""
    session = get_session()
    episode = await queries.get_episode(session, number)
    if episode is None:
        await not_public(session, number)
    if slug != episode.slug:
        canonical = url_for("episodes.show", number=number, slug=episode.slug, t=start)
        return redirect(canonical, 301)
    related = await queries.list_related_episodes(session, number, episode.tags)
    return render_episode(episode, related=related, start=start)


cached_episode_page = cached_page()(episode_page)


def render_episode(
    episode: queries.FullEpisode,
    *,
    related: Sequence[queries.EpisodeLink] = (),
    start: int | None = None,
    preview: bool = False,
) -> str:
    """Render episode.html: the page, its linked data, and the opening of its transcript."""
    opening, more = transcripts.read_opening(
        episode.transcript_opening or "", queries.TRANSCRIPT_OPENING_CHARACTERS
    )
    return render(
        "episode.html",
        episode=episode,
        related=related,
        linked_data=linked_data.podcast_episode(get_show(), episode),
        transcript_opening=opening,
        more_transcript=more,
        start=start if start is not None and start < episode.duration_seconds else None,
        preview=preview,
    )


@blueprint.get("/transcript/<episode_number:number>")
@blueprint.get("/transcript/<episode_number:number>/<slug:slug>")
@cached_page()
async def transcript(number: int, slug: str | None = None) -> ResponseReturnValue:
    """Show an episode's transcript, speaker by speaker."""
    session = get_session()
    episode = await queries.get_episode_transcript(session, number)
    if episode is None:
        await not_public(session, number)
    if episode.transcript is None:
        abort(404)
    if slug != episode.slug:
        return redirect(url_for("episodes.transcript", number=number, slug=episode.slug), 301)
    paragraphs = transcripts.read_paragraphs(episode.transcript)
    return render("transcript.html", episode=episode, paragraphs=paragraphs)


@blueprint.get("/transcript/<episode_number:number>/<slug:slug>.vtt", defaults={"form": "vtt"})
@blueprint.get("/transcript/<episode_number:number>/<slug:slug>.srt", defaults={"form": "srt"})
@cached_page(cross_origin=True)
async def captions(number: int, slug: str, form: str) -> ResponseReturnValue:
    """Serve an episode's transcript as timed captions: WebVTT or SubRip."""
    session = get_session()
    episode = await queries.get_episode_transcript(session, number)
    if episode is None:
        await not_public(session, number)
    if episode.transcript is None:
        abort(404)
    if slug != episode.slug:
        canonical = url_for("episodes.captions", number=number, slug=episode.slug, form=form)
        return redirect(canonical, 301)
    write, content_type = CAPTION_FORMS[form]
    cues = transcripts.make_cues(episode.transcript, episode.duration_seconds)
    return Response(write(cues), content_type=content_type)


@blueprint.get("/chapters/<episode_number:number>/<slug:slug>.json")
@cached_page(cross_origin=True)
async def chapters(number: int, slug: str) -> ResponseReturnValue:
    """Serve an episode's chapters in the Podcasting 2.0 JSON chapters format."""
    session = get_session()
    episode = await queries.get_episode_chapters(session, number)
    if episode is None:
        await not_public(session, number)
    if not episode.chapters:
        abort(404)
    if slug != episode.slug:
        return redirect(url_for("episodes.chapters", number=number, slug=episode.slug), 301)
    show = get_show()
    document = {
        "version": CHAPTERS_VERSION,
        "title": episode.title,
        "podcastName": show.name,
        "author": show.host,
        "chapters": [
            {"startTime": chapter["start"], "title": chapter["title"]}
            | ({"url": chapter["url"]} if "url" in chapter else {})
            for chapter in episode.chapters
        ],
    }
    return Response(json.dumps(document, ensure_ascii=False), content_type=CHAPTERS_TYPE)


@blueprint.get("/preview/<token:token>")
async def preview(token: str) -> ResponseReturnValue:
    """Show an episode page as it will be, draft or scheduled, to whoever has its signed link.

    Never cached, and never indexed: the link is the only way in.
    """
    session = get_session()
    number = read_preview_token(current_app.config["SECRET_KEY"], token)
    episode = None if number is None else await queries.get_episode_preview(session, number)
    if episode is None:
        abort(404, "This preview link is not valid, or it is older than 30 days.")
    # As the page will be: the related episodes are public ones only.
    related = await queries.list_related_episodes(session, episode.number, episode.tags)
    body = render_episode(episode, related=related, start=requested_start(), preview=True)
    headers = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}
    return Response(body, headers=headers)


# Ending as the audio file does: some podcast apps go by the URL's extension.
@blueprint.get("/download/<episode_number:number>/<slug:slug>.<any(mp3, m4a, opus):extension>")
async def download(number: int, slug: str, extension: str) -> ResponseReturnValue:
    """Count a download, then send the player to the audio (MEDIA_BASE_URL).

    Counted: a GET from anything but a bot (OPAWG's lists, web/user_agents.py)
    that asks for at least a minute of the audio (`asks_for_a_minute`), once
    per listener and day, and at most LISTENERS_PER_ADDRESS listeners of the
    episode per address (queries/downloads.py). HEAD requests (players
    probing the file) are not counted. The slug and the extension are
    cosmetic: old links keep working and counting.
    """
    session = get_session()
    target = await queries.get_download_target(session, number)
    if target is None:
        await not_public(session, number)
    user_agent = request.headers.get("User-Agent", "")
    agent = get_user_agents().identify(user_agent)
    if (
        request.method == "GET"
        and agent.is_listener
        and asks_for_a_minute(request.range, target.minute_bytes)
    ):
        await count_download(session, target.episode_id, user_agent, agent.name)
    # Every request must reach us to be counted: no cache may keep the redirect.
    location = media_url(target.audio_url)
    return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def asks_for_a_minute(requested: Range | None, minute_bytes: int) -> bool:
    """Say whether a request asks for a minute of the audio's bytes or more.

    IAB's guidelines count a download only when at least a minute of the
    audio was delivered. The CDN delivers it, after our redirect, so only
    what the player asks for is known here: players send the same Range to
    the address it redirects them to. A probe (`bytes=0-1`) asks for less and
    does not count; the same player's real request counts, once. No Range,
    a Range that is not bytes (the CDN sends it all), or one open to the end
    of the file is the whole rest of it.
    """
    if requested is None or requested.units != "bytes":
        return True
    asked = 0
    for start, stop in requested.ranges:
        if stop is None and start >= 0:
            return True
        asked += -start if stop is None else stop - start
    return asked >= minute_bytes


async def count_download(session: AsyncSession, episode_id: int, user_agent: str, app: str) -> None:
    """Count a listener's download of an episode (queries.record_download says when it counts).

    A listener is an address and a user agent, as the IAB's guidelines count
    them (players fetch one episode in several requests); only hashes salted
    with the day's random salt are stored, and both are deleted after the day.
    """
    address = client_address()
    day = datetime.now(UTC).date()
    record = partial(
        queries.record_download,
        session,
        episode_id,
        day,
        keyed_hash(address, user_agent),
        address=keyed_hash(address),
        app=app,
        per_address=get_settings().listeners_per_address,
    )
    if await record() is None:
        # The day's first download makes its salt; a worker that races
        # this one waits on the insert, then uses the salt that won.
        await queries.add_download_salt(session, day, secrets.token_bytes(32))
        await record()
    await session.commit()
