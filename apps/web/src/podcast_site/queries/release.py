"""What the owner sees of episodes not public: scheduled, drafts, taken down; and mail waiting."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Episode, OutboundEmail
from podcast_site.queries.mail import is_waiting


@dataclass(frozen=True, slots=True)
class UnreleasedEpisode:
    """An episode nobody may see yet, or any more."""

    number: int
    title: str
    status: str
    published_at: datetime


async def list_unreleased_episodes(session: AsyncSession) -> list[UnreleasedEpisode]:
    """Return scheduled episodes (soonest first), then drafts, then removed ones."""
    scheduled = (Episode.status == "published") & (
        Episode.published_at > func.statement_timestamp()
    )
    query = (
        select(Episode.number, Episode.title, Episode.status, Episode.published_at)
        .where(scheduled | (Episode.status != "published"))
        .order_by(
            case({"published": 0, "draft": 1}, value=Episode.status, else_=2),
            Episode.published_at,
            Episode.number,
        )
    )
    return [UnreleasedEpisode(*row) for row in await session.execute(query)]


async def count_waiting_announcements(session: AsyncSession) -> int:
    """Return how many announcement mails wait to be sent."""
    query = (
        select(func.count())
        .select_from(OutboundEmail)
        .where(is_waiting(), OutboundEmail.episode_id.is_not(None))
    )
    return await session.scalar(query) or 0
