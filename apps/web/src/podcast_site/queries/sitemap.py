"""Read only what the sitemap's URLs need."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Episode, Guest
from podcast_site.queries.episodes import is_public
from podcast_site.queries.guests import public_appearances


@dataclass(frozen=True, slots=True)
class EpisodeUrls:
    """What an episode's URLs need: for the sitemap."""

    number: int
    slug: str
    published_at: datetime
    has_transcript: bool


async def list_episode_urls(session: AsyncSession) -> list[EpisodeUrls]:
    """Return every public episode with only what its URLs need (for the sitemap)."""
    query = (
        select(Episode.number, Episode.slug, Episode.published_at, Episode.has_transcript)
        .where(is_public())
        .order_by(Episode.number.desc())
    )
    return [EpisodeUrls(*row) for row in await session.execute(query)]


async def list_guest_slugs(session: AsyncSession) -> Sequence[str]:
    """Return the slug of every guest who has a page (a public episode), for the sitemap."""
    appearances = public_appearances().scalar_subquery()
    query = select(Guest.slug).where(appearances > 0).order_by(Guest.slug)
    return (await session.scalars(query)).all()
