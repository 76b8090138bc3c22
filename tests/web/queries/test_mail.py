"""The mail queue: the next due message, its attempts, and what waits.

That two senders never claim one message is the mailer's test (tests/web/background).
"""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries


async def test_the_oldest_due_message_is_claimed_and_a_failure_waits(session: AsyncSession) -> None:
    await queries.queue_email(session, "a@mailbox.test", b"first")
    await queries.queue_email(session, "b@mailbox.test", b"second")

    email = await queries.claim_due_email(session)
    assert email is not None
    await queries.mark_email_failed(session, email.id, "421 try later", timedelta(hours=1))

    waiting = await queries.claim_due_email(session)
    assert waiting is not None and waiting.id != email.id
    await queries.mark_email_sent(session, waiting.id)
    assert await queries.claim_due_email(session) is None
    queue = await queries.get_mail_queue(session)
    assert (queue.waiting, queue.last_error) == (1, "421 try later")
