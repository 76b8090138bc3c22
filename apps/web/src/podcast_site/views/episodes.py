"""Render the episode pages, and count and redirect audio downloads."""

import re
import secrets
from datetime import UTC, datetime

from quart import Blueprint, Response, abort, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue

from podcast_site import queries
from podcast_site.caching import content_page
from podcast_site.database import get_session
from podcast_site.templating import media_url
from podcast_site.visitors import client_address, keyed_hash

blueprint = Blueprint("episodes", __name__, url_prefix="/episodes")

# "[00:12:34] Name: what they said" — one paragraph of a transcript file.
TRANSCRIPT_LINE = re.compile(
    r"\[(?P<time>\d+:\d{2}:\d{2})\]\s*(?P<speaker>[^:\n]{1,60}):\s*(?P<text>.*)", re.S
)


@blueprint.get("")
@content_page()
async def index() -> ResponseReturnValue:
    """List every episode, newest first, in one table."""
    episodes = await queries.list_episodes(get_session())
    return await render_template("episodes.html", episodes=episodes)


@blueprint.get("/show/<episode_number:number>")
@blueprint.get("/show/<episode_number:number>/<slug:slug>")
@content_page()
async def show(number: int, slug: str | None = None) -> ResponseReturnValue:
    """Show one episode; any other slug for its number redirects to the canonical URL."""
    episode = await queries.get_episode(get_session(), number)
    if episode is None:
        abort(404)
    if slug != episode.slug:
        return redirect(url_for("episodes.show", number=number, slug=episode.slug), 301)
    return await render_template("episode.html", episode=episode)


@blueprint.get("/transcript/<episode_number:number>")
@blueprint.get("/transcript/<episode_number:number>/<slug:slug>")
@content_page()
async def transcript(number: int, slug: str | None = None) -> ResponseReturnValue:
    """Show an episode's transcript, speaker by speaker."""
    episode = await queries.get_episode_transcript(get_session(), number)
    if episode is None or episode.transcript is None:
        abort(404)
    if slug != episode.slug:
        return redirect(url_for("episodes.transcript", number=number, slug=episode.slug), 301)
    paragraphs = [
        match.groupdict()
        if (match := TRANSCRIPT_LINE.fullmatch(paragraph))
        else {"text": paragraph}
        for paragraph in re.split(r"\n\s*\n", episode.transcript)
    ]
    return await render_template("transcript.html", episode=episode, paragraphs=paragraphs)


@blueprint.get("/download/<episode_number:number>/<slug:slug>.mp3")
async def download(number: int, slug: str) -> ResponseReturnValue:
    """Count a download once per listener and day, then send the player to the CDN.

    A listener is an address and a user agent, as the IAB's podcast
    measurement guidelines count them (players fetch one episode in several
    requests); only a hash salted with the day's random salt is stored, and
    both are deleted after the day. HEAD requests (players probing the file)
    are not counted. The slug is cosmetic: old links keep working and counting.
    """
    session = get_session()
    target = await queries.get_download_target(session, number)
    if target is None:
        abort(404)
    episode_id, audio_url = target
    if request.method == "GET":
        listener = keyed_hash(client_address(), request.headers.get("User-Agent", ""))
        day = datetime.now(UTC).date()
        if await queries.record_download(session, episode_id, day, listener) is None:
            # The day's first download makes its salt; a worker that races
            # this one waits on the insert, then uses the salt that won.
            await queries.add_download_salt(session, day, secrets.token_bytes(32))
            await queries.record_download(session, episode_id, day, listener)
        await session.commit()
    # Every request must reach us to be counted: no cache may keep the redirect.
    location = media_url(audio_url)
    return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
