"""Announce each episode once: claim its announcement, and queue one mail per subscriber."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Episode, EpisodeAnnouncement, OutboundEmail, Subscriber
from podcast_site.queries.episodes import is_public

# Announcements wait behind confirmations, which someone is waiting for.
ANNOUNCEMENT_PRIORITY = 1


@dataclass(frozen=True)
class NewlyPublic:
    """A public episode whose going public has not been dealt with yet."""

    id: int
    number: int
    published_at: datetime
    # When it became visible: its release time, or its import if that came later.
    public_since: datetime


async def list_newly_public_episodes(session: AsyncSession, limit: int) -> list[NewlyPublic]:
    """Return public episodes with no announcement yet, oldest release first."""
    announced = select(EpisodeAnnouncement.episode_id).where(
        EpisodeAnnouncement.episode_id == Episode.id
    )
    query = (
        select(
            Episode.id,
            Episode.number,
            Episode.published_at,
            func.greatest(Episode.published_at, Episode.created_at),
        )
        .where(is_public(), ~announced.exists())
        .order_by(Episode.published_at)
        .limit(limit)
    )
    return [NewlyPublic(*row) for row in await session.execute(query)]


async def record_announcement(
    session: AsyncSession, episode_id: int, *, skipped: bool, recipients: int
) -> bool:
    """Record that this episode's going public is dealt with; False if another worker did.

    The primary key decides: a second worker's insert waits for the first's
    transaction and then finds the row. Written in the transaction that
    queued the mails (queue_announcements), so both stand, or neither.
    """
    claimed = await session.scalar(
        insert(EpisodeAnnouncement)
        .values(episode_id=episode_id, skipped=skipped, recipients=recipients)
        .on_conflict_do_nothing()
        .returning(EpisodeAnnouncement.episode_id)
    )
    return claimed is not None


async def queue_announcements(session: AsyncSession, episode: NewlyPublic) -> int:
    """Queue one mail about the episode for each subscriber who confirmed before it went public.

    One statement, however many subscribers: the mails are rendered when
    sent. An address that left or bounced gets none. At most one row per
    episode and subscriber (a unique constraint): a second worker doing the
    same waits for the first's rows, then queues none. Returns how many.
    """
    recipients = select(
        Subscriber.email,
        literal(ANNOUNCEMENT_PRIORITY),
        literal(episode.id),
        Subscriber.id,
    ).where(
        Subscriber.confirmed_at <= episode.public_since,
        Subscriber.unsubscribed_at.is_(None),
        Subscriber.bounced_at.is_(None),
    )
    result = await session.execute(
        insert(OutboundEmail)
        .from_select(
            [
                OutboundEmail.to_address,
                OutboundEmail.priority,
                OutboundEmail.episode_id,
                OutboundEmail.subscriber_id,
            ],
            recipients,
        )
        .on_conflict_do_nothing()
        .returning(OutboundEmail.id)
    )
    return len(result.all())
