"""A real SMTP server on loopback, and the real pool, for the mailer's and the announcer's tests."""

import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from aiosmtpd import smtp as aiosmtpd_smtp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from podcast_site.background import mailer
from podcast_site.core.database import Database
from podcast_site.core.models import OutboundEmail


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []

    async def handle_DATA(  # noqa: N802 (aiosmtpd's name)
        self, server: aiosmtpd_smtp.SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


type StartSmtp = Callable[[Inbox], Awaitable[tuple[Inbox, mailer.SmtpServer]]]


@pytest.fixture
def smtp_with() -> Iterator[StartSmtp]:
    """Start real SMTP servers on loopback with a handler of the test's; stop them after."""
    controllers: list[Controller] = []

    async def start(inbox: Inbox) -> tuple[Inbox, mailer.SmtpServer]:
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox, mailer.SmtpServer("127.0.0.1", port, "none", "", "")

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
async def smtp(smtp_with: StartSmtp) -> tuple[Inbox, mailer.SmtpServer]:
    """A real SMTP server on loopback that takes every message, and how to reach it."""
    return await smtp_with(Inbox())


@pytest.fixture
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    """The real pool, since two mailers must see each other's locks; clears the queue after."""
    database = Database(engine)
    yield database
    async with database.sessionmaker() as session:
        await session.execute(delete(OutboundEmail))
        await session.commit()
