"""Sign newsletter subscribers up and look them up."""

from sqlalchemy import case, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Subscriber


async def add_subscriber(session: AsyncSession, email: str) -> tuple[int, bool]:
    """Sign an address up; return its id and whether it still needs confirming.

    Signing up again keeps one row. Signing up again after unsubscribing needs
    a new confirmation: anyone can type anyone's address, so only the owner's
    click may resubscribe it.
    """
    statement = insert(Subscriber).values(email=email)
    was_unsubscribed = Subscriber.unsubscribed_at.isnot(None)
    row = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[Subscriber.email],
                set_={
                    "confirmed_at": case((was_unsubscribed, None), else_=Subscriber.confirmed_at),
                    "unsubscribed_at": None,
                },
            ).returning(Subscriber.id, Subscriber.confirmed_at.is_(None))
        )
    ).one_or_none()
    assert row is not None  # an upsert always returns its row
    return row[0], row[1]


async def get_subscriber(session: AsyncSession, subscriber_id: int) -> Subscriber | None:
    """Return a subscriber by id, or None."""
    return await session.get(Subscriber, subscriber_id)


async def mark_bounced(session: AsyncSession, email: str) -> None:
    """Record that the mail server refused an address for good: it gets nothing more."""
    await session.execute(
        update(Subscriber)
        .where(Subscriber.email == email, Subscriber.bounced_at.is_(None))
        .values(bounced_at=func.now())
    )
