"""The mailer: queued mail goes out over a real SMTP exchange, once, with retries when it cannot."""

import asyncio
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.background import mailer
from podcast_site.core.database import Database
from podcast_site.core.models import OutboundEmail
from podcast_site.core.settings import Settings
from tests.web.background.conftest import Inbox, free_port


def message(to: str, subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Test Cast <owner@testcast.example>", to, subject
    mail.set_content("Hello.")
    return mail.as_bytes()


async def queue(database: Database, *addresses: str) -> None:
    async with database.sessionmaker() as session:
        for address in addresses:
            await queries.queue_email(session, address, message(address, f"For {address}"))
        await session.commit()


async def unsent(session: AsyncSession) -> list[OutboundEmail]:
    return list(await session.scalars(select(OutboundEmail).where(OutboundEmail.sent_at.is_(None))))


async def test_queued_mail_goes_out_once(
    database: Database, smtp: tuple[Inbox, mailer.SmtpServer]
) -> None:
    inbox, server = smtp
    await queue(database, "a@mailbox.org", "b@mailbox.org")

    assert await mailer.send_due(database, server) == 2
    assert await mailer.send_due(database, server) == 0

    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.received) == [
        "a@mailbox.org",
        "b@mailbox.org",
    ]
    assert b"Subject: For a@mailbox.org" in (inbox.received[0].content or b"")
    async with database.sessionmaker() as session:
        assert await unsent(session) == []


async def test_two_mailers_at_once_send_each_message_once(
    database: Database, smtp: tuple[Inbox, mailer.SmtpServer]
) -> None:
    inbox, server = smtp
    addresses = [f"listener-{n}@mailbox.org" for n in range(20)]
    await queue(database, *addresses)

    # As two web workers (or two containers) would: each row is locked by one.
    sent = await asyncio.gather(
        mailer.send_due(database, server), mailer.send_due(database, server)
    )

    assert sum(sent) == 20
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.received) == sorted(addresses)


async def test_a_mail_server_that_is_away_loses_nothing(
    database: Database, smtp: tuple[Inbox, mailer.SmtpServer]
) -> None:
    inbox, server = smtp
    away = mailer.SmtpServer("127.0.0.1", free_port(), "none", "", "")  # nobody listens
    await queue(database, "patient@mailbox.org")

    assert await mailer.send_due(database, away) == 0
    async with database.sessionmaker() as session:
        (waiting,) = await unsent(session)
        assert waiting.attempts == 1 and waiting.last_error
        assert (await queries.get_mail_queue(session)).waiting == 1
    # Not due again until its retry time: nothing goes, even with the server back.
    assert await mailer.send_due(database, server) == 0

    async with database.sessionmaker() as session:  # the retry time has come
        await session.execute(update(OutboundEmail).values(send_after=OutboundEmail.created_at))
        await session.commit()
    assert await mailer.send_due(database, server) == 1
    assert [envelope.rcpt_tos for envelope in inbox.received] == [["patient@mailbox.org"]]


def test_each_retry_waits_twice_as_long_up_to_an_hour() -> None:
    assert [mailer.retry_delay(n).total_seconds() for n in range(4)] == [10, 20, 40, 80]
    assert mailer.retry_delay(100) == timedelta(hours=1)


def test_development_mails_the_catcher_and_production_only_its_own_server() -> None:
    development = Settings(secret_key="k" * 40)
    assert mailer.smtp_server(development) == mailer.SmtpServer("mailcatcher", 1025, "none", "", "")
    production = Settings(
        site_address="podcast.example.com", secret_key="k" * 64, db_password="p" * 64
    )
    assert mailer.smtp_server(production) is None
    configured = production.model_copy(update={"smtp_host": "smtp.example.com"})
    server = mailer.smtp_server(configured)
    assert server is not None and (server.host, server.port, server.tls) == (
        "smtp.example.com",
        587,
        "starttls",
    )
