"""Read episodes and guests: small functions that take the session first."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from podcast_site.models import Episode


async def list_latest_episodes(session: AsyncSession, limit: int) -> Sequence[Episode]:
    """Return the newest episodes with their guests."""
    query = (
        select(Episode)
        .options(selectinload(Episode.guests))
        .order_by(Episode.number.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def get_episode(session: AsyncSession, number: int) -> Episode | None:
    """Return one episode by its number, with its guests, or None."""
    query = select(Episode).options(selectinload(Episode.guests)).where(Episode.number == number)
    return await session.scalar(query)


async def count_episodes(session: AsyncSession) -> int:
    """Return how many episodes exist."""
    return await session.scalar(select(func.count()).select_from(Episode)) or 0
