"""Delete what is kept only for a while: rate-limit windows, download salts, old mail.

Every worker of every web container runs this every few minutes. That is
harmless (a delete that finds nothing costs an index lookup), and needs no
scheduler: a site that serves requests keeps house.
"""

import asyncio
import logging
from datetime import UTC, datetime

from quart import Quart
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.background.tasks import run_while_serving
from podcast_site.core.database import Database, get_database, is_database_unavailable

log = logging.getLogger(__name__)

# Yesterday's salt lives at most this long into today.
INTERVAL_SECONDS = 300.0
# Sent and given-up mail is kept this long (to see what went out, in make
# doctor and psql), then deleted with the addresses and signed links it holds.
KEEP_MAIL_DAYS = 30


async def keep_house(session: AsyncSession) -> None:
    """Delete ended rate-limit windows, past days' salts and listener keys, and old mail."""
    await queries.delete_ended_rate_limit_windows(session)
    await queries.delete_old_emails(session, KEEP_MAIL_DAYS)
    await queries.delete_past_download_days(session, datetime.now(UTC).date())
    await session.commit()


async def keep_house_forever(database: Database) -> None:
    """Keep house every INTERVAL_SECONDS, surviving a database that is away for a while."""
    while True:
        await asyncio.sleep(INTERVAL_SECONDS)
        try:
            async with database.sessionmaker() as session:
                await keep_house(session)
        except Exception as error:
            if not is_database_unavailable(error):
                log.exception("housekeeping failed", exc_info=error)
            else:
                log.warning("housekeeping skipped: database unavailable: %r", error)


def init_app(app: Quart) -> None:
    """Keep house while the app serves (after the database opens, before it closes)."""

    run_while_serving(app, lambda: keep_house_forever(get_database(app)))
