"""Queue e-mails, claim the next one due, and record how sending went."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import OutboundEmail


async def queue_email(session: AsyncSession, to_address: str, message: bytes) -> None:
    """Queue an e-mail; it goes out once the caller's transaction commits and the mailer runs."""
    session.add(OutboundEmail(to_address=to_address, message=message))
    await session.flush()


def is_waiting() -> ColumnElement[bool]:
    """Say, in SQL, whether an e-mail is still to be sent: neither sent nor given up on."""
    return OutboundEmail.sent_at.is_(None) & OutboundEmail.dead_at.is_(None)


async def claim_due_email(session: AsyncSession) -> OutboundEmail | None:
    """Lock the next e-mail that is due, most urgent first, skipping those another worker holds.

    The row stays locked until the caller's transaction ends, that is, until
    the message was handed over and marked sent: a worker that dies while
    sending leaves it to be sent again, never lost.
    """
    query = (
        select(OutboundEmail)
        .where(is_waiting(), OutboundEmail.send_after <= func.now())
        .order_by(OutboundEmail.priority, OutboundEmail.send_after)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await session.scalar(query)


async def count_confirmations_since(session: AsyncSession, email: str, *, hours: int) -> int:
    """Return how many confirmation mails were queued for an address in the last `hours`."""
    since = func.now() - timedelta(hours=hours)
    query = (
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            OutboundEmail.to_address == email,
            OutboundEmail.episode_id.is_(None),
            OutboundEmail.created_at > since,
        )
    )
    return await session.scalar(query) or 0


async def count_sent_since(session: AsyncSession, seconds: int) -> int:
    """Return how many e-mails all workers sent in the last `seconds` (for MAIL_PER_MINUTE)."""
    since = func.now() - timedelta(seconds=seconds)
    query = select(func.count()).select_from(OutboundEmail).where(OutboundEmail.sent_at > since)
    return await session.scalar(query) or 0


async def mark_email_sent(session: AsyncSession, email_id: int) -> None:
    """Record that an e-mail went out."""
    await session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email_id).values(sent_at=func.now())
    )


async def mark_email_failed(
    session: AsyncSession, email_id: int, error: str, retry_in: timedelta
) -> None:
    """Record a failed attempt that may succeed later, and when to try again."""
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(
            attempts=OutboundEmail.attempts + 1,
            last_error=error[:500],
            send_after=func.now() + retry_in,
        )
    )


async def mark_email_dead(session: AsyncSession, email_id: int, error: str) -> None:
    """Give an e-mail up: refused for good, or failing for days; it is kept, not sent."""
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(attempts=OutboundEmail.attempts + 1, last_error=error[:500], dead_at=func.now())
    )


async def delete_old_emails(session: AsyncSession, days: int) -> None:
    """Delete sent and dead e-mails older than `days`: their addresses and links go with them."""
    before = func.now() - timedelta(days=days)
    await session.execute(
        delete(OutboundEmail).where(
            (OutboundEmail.sent_at < before) | (OutboundEmail.dead_at < before)
        )
    )


@dataclass(frozen=True)
class MailQueue:
    """How many e-mails wait, since when, why the last attempt failed, and how many died."""

    waiting: int
    oldest: datetime | None
    last_error: str | None
    dead: int


async def get_mail_queue(session: AsyncSession) -> MailQueue:
    """Describe the unsent e-mails (for make doctor and the logs)."""
    unsent = is_waiting()
    waiting, oldest = (
        await session.execute(
            select(func.count(), func.min(OutboundEmail.created_at)).where(unsent)
        )
    ).one()
    last_error = await session.scalar(
        select(OutboundEmail.last_error)
        .where(unsent, OutboundEmail.last_error.is_not(None))
        .order_by(OutboundEmail.send_after.desc())
        .limit(1)
    )
    dead = await session.scalar(
        select(func.count()).select_from(OutboundEmail).where(OutboundEmail.dead_at.is_not(None))
    )
    return MailQueue(waiting, oldest, last_error, dead or 0)
