"""Signing up: one row per address, and a new confirmation after leaving."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries


async def test_signing_up_twice_keeps_one_row(session: AsyncSession) -> None:
    first_id, needs_confirming = await queries.add_subscriber(session, "a@mailbox.test")
    again_id, still_needs = await queries.add_subscriber(session, "a@mailbox.test")

    assert first_id == again_id and needs_confirming and still_needs


async def test_a_confirmed_address_stays_confirmed_until_it_leaves(session: AsyncSession) -> None:
    subscriber_id, _ = await queries.add_subscriber(session, "b@mailbox.test")
    subscriber = await queries.get_subscriber(session, subscriber_id)
    assert subscriber is not None
    subscriber.confirmed_at = datetime.now(UTC)
    await session.flush()
    assert (await queries.add_subscriber(session, "b@mailbox.test"))[1] is False

    subscriber.unsubscribed_at = datetime.now(UTC)
    await session.flush()

    # Anyone may type anyone's address: only the owner's click may resubscribe it.
    assert (await queries.add_subscriber(session, "b@mailbox.test"))[1] is True
