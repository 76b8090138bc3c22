"""Read only what the sitemap's URLs need."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Episode, Guest


@dataclass(frozen=True, slots=True)
class EpisodeUrls:
    """What an episode's URLs need: for the sitemap."""

    number: int
    slug: str
    published_on: date
    has_transcript: bool


async def list_episode_urls(session: AsyncSession) -> list[EpisodeUrls]:
    """Return every episode with only what its URLs need (for the sitemap)."""
    query = select(
        Episode.number, Episode.slug, Episode.published_on, Episode.has_transcript
    ).order_by(Episode.number.desc())
    return [EpisodeUrls(*row) for row in await session.execute(query)]


async def list_guest_slugs(session: AsyncSession) -> Sequence[str]:
    """Return every guest's slug (for the sitemap)."""
    return (await session.scalars(select(Guest.slug).order_by(Guest.slug))).all()
