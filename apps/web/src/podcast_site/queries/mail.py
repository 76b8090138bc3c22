"""Queue e-mails, claim the next one due, and record how sending went."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import OutboundEmail


async def queue_email(session: AsyncSession, to_address: str, message: bytes) -> None:
    """Queue an e-mail; it goes out once the caller's transaction commits and the mailer runs."""
    session.add(OutboundEmail(to_address=to_address, message=message))
    await session.flush()


async def claim_due_email(session: AsyncSession) -> OutboundEmail | None:
    """Lock the next unsent e-mail that is due, skipping those another worker holds."""
    query = (
        select(OutboundEmail)
        .where(OutboundEmail.sent_at.is_(None), OutboundEmail.send_after <= func.now())
        .order_by(OutboundEmail.send_after)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await session.scalar(query)


async def mark_email_sent(session: AsyncSession, email_id: int) -> None:
    """Record that an e-mail went out."""
    await session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email_id).values(sent_at=func.now())
    )


async def mark_email_failed(
    session: AsyncSession, email_id: int, error: str, retry_in: timedelta
) -> None:
    """Record a failed attempt and when to try again."""
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(
            attempts=OutboundEmail.attempts + 1,
            last_error=error[:500],
            send_after=func.now() + retry_in,
        )
    )


@dataclass(frozen=True)
class MailQueue:
    """How many e-mails wait, since when, and why the last attempt failed."""

    waiting: int
    oldest: datetime | None
    last_error: str | None


async def get_mail_queue(session: AsyncSession) -> MailQueue:
    """Describe the unsent e-mails (for make doctor and the logs)."""
    unsent = OutboundEmail.sent_at.is_(None)
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
    return MailQueue(waiting, oldest, last_error)
