"""Read the content revision: the value that changes whenever public content does."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import ContentRevision, Episode
from podcast_site.queries.episodes import is_public

# The newest release time that has passed: it moves when a scheduled episode
# goes public, a change no write made. A backward scan of the index on
# published_at, stopped at the first public episode.
LATEST_RELEASE = select(func.max(Episode.published_at)).where(is_public()).scalar_subquery()


async def get_content_revision(session: AsyncSession) -> str:
    """Return the value that changes whenever public content changes.

    The stored revision, which triggers replace on every content write, and
    the latest release time that has passed: so pages cached before a
    scheduled episode's time are stale the moment it goes public.
    """
    row = (await session.execute(select(ContentRevision.revision, LATEST_RELEASE))).one_or_none()
    if row is None:
        return "none"
    revision, released = row
    return f"{revision}.{released.timestamp() if released else 0:.0f}"
