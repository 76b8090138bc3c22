"""Read the sponsors."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Sponsor


async def list_sponsors(session: AsyncSession) -> Sequence[Sponsor]:
    """Return every sponsor by name."""
    return (await session.scalars(select(Sponsor).order_by(Sponsor.name))).all()
