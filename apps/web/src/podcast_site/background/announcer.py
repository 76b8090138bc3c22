"""Tell subscribers and podcast apps when an episode goes public, once, whatever crashes.

An episode goes public when it is imported (a deploy) or when its release
time passes; no request marks either moment. So a task in every web worker
looks every POLL_SECONDS for public episodes that nobody dealt with yet,
and for each one, in one transaction: queues one mail per subscriber who
had confirmed by then (queries.queue_announcements) and records the
announcement (its primary key lets one worker do it). Then it wakes the
mailer, which sends them at MAIL_PER_MINUTE, and pings the WebSub hubs
site.toml names.

The back catalogue is never announced: an episode that was already public
for more than BACK_CATALOGUE_AFTER when it arrived (500 imported episodes
of a show that moves here, an old episode's late fix) is recorded as skipped.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from quart import Quart

from podcast_site import queries
from podcast_site.background import mailer
from podcast_site.background.tasks import run_while_serving
from podcast_site.core.database import Database, get_database, is_database_unavailable
from podcast_site.core.settings import get_settings
from podcast_site.core.show import Show, get_show
from podcast_site.web.templating import site_request_context, url_for

log = logging.getLogger(__name__)

POLL_SECONDS = 15.0
# Later than this after its release time, an episode arriving is old news.
BACK_CATALOGUE_AFTER = timedelta(days=3)
EPISODES_PER_PASS = 50
HUB_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Announced:
    """What one pass did: episodes announced (with how many mails) and skipped."""

    announced: dict[int, int]
    skipped: list[int]

    @property
    def any(self) -> bool:
        """Say whether any episode went public since the last pass."""
        return bool(self.announced or self.skipped)


async def announce_new_episodes(database: Database, show: Show, now: datetime) -> Announced:
    """Queue the mails of every episode that went public and was not dealt with yet."""
    announced: dict[int, int] = {}
    skipped: list[int] = []
    async with database.sessionmaker() as session:
        found = await queries.list_newly_public_episodes(session, EPISODES_PER_PASS)
    for episode in found:
        old_news = now - episode.published_at > BACK_CATALOGUE_AFTER
        skip = old_news or not show.announce_episodes
        async with database.sessionmaker() as session:
            mails = 0 if skip else await queries.queue_announcements(session, episode)
            if not await queries.record_announcement(
                session, episode.id, skipped=skip, recipients=mails
            ):
                await session.rollback()  # another worker dealt with it
                continue
            await session.commit()
        if skip:
            skipped.append(episode.number)
        else:
            announced[episode.number] = mails
            log.info("episode %d is public: %d announcements queued", episode.number, mails)
    return Announced(announced, skipped)


async def ping_hubs(hubs: list[str], feed_url: str) -> None:
    """Tell each WebSub hub that the feed changed (a publish ping); failures are logged only."""
    async with httpx.AsyncClient(timeout=HUB_TIMEOUT_SECONDS) as client:
        for hub in hubs:
            try:
                response = await client.post(hub, data={"hub.mode": "publish", "hub.url": feed_url})
                response.raise_for_status()
            except httpx.HTTPError as error:
                log.warning("WebSub hub %s not told of the new episode: %r", hub, error)


async def run(app: Quart) -> None:
    """Look for newly public episodes every POLL_SECONDS, for as long as the app serves."""
    database, show = get_database(app), get_show(app)
    async with site_request_context(app):
        feed_url = url_for("feeds.podcast_feed", _external=True)
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            done = await announce_new_episodes(database, show, datetime.now(UTC))
        except Exception as error:
            if not is_database_unavailable(error):
                log.exception("the announcer failed", exc_info=error)
            continue
        if done.announced:
            mailer.wake(app)
        if done.any and show.websub_hubs:
            await ping_hubs(show.websub_hubs, feed_url)


def init_app(app: Quart) -> None:
    """Announce while the app serves (after the database opens, before it closes).

    Only where SEND_MAIL is on (every web worker, by default; not the tests,
    which run it themselves).
    """
    if not get_settings(app).send_mail:
        return

    run_while_serving(app, lambda: run(app))
