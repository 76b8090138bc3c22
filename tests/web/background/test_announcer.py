"""Announcements: each new episode mailed once to each confirmed subscriber, over real SMTP.

Never the back catalogue, never an unconfirmed or departed address, at most
MAIL_PER_MINUTE, and a refused address is given up without clogging the rest.
"""

import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs

import pytest
from aiosmtpd import smtp as aiosmtpd_smtp
from aiosmtpd.smtp import Envelope, Session
from quart import Quart
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.app import create_app
from podcast_site.background import announcer, mailer
from podcast_site.core.database import Database
from podcast_site.core.models import Episode, EpisodeAnnouncement, OutboundEmail, Subscriber
from podcast_site.core.settings import Settings
from podcast_site.core.show import get_show
from podcast_site.web import emails
from tests.web.background.conftest import Inbox, StartSmtp
from tests.web.factories import add_episode

NOW = datetime.now(UTC)


@pytest.fixture
async def site(settings: Settings) -> Quart:
    """The app, for what composing a mail needs (its templates and settings); not serving."""
    return create_app(settings.model_copy(update={"site_address": "podcast.test.example"}))


@pytest.fixture
async def show(
    committed_session: AsyncSession, database: Database
) -> AsyncIterator[dict[str, int]]:
    """A new episode, an old one, and subscribers in every state; committed, removed after."""
    new = await add_episode(committed_session, 9100, slug="brand-new", title="Brand new",
                            published_at=NOW - timedelta(hours=1),
                            show_notes_html="<p>What we <em>covered</em>.</p>")  # fmt: skip
    new.created_at = NOW - timedelta(hours=2)
    old = await add_episode(committed_session, 9101, slug="old-one",
                            published_at=NOW - timedelta(days=400))  # fmt: skip
    day_ago = NOW - timedelta(days=1)
    people = [
        Subscriber(email="a@mailbox.test", confirmed_at=day_ago),
        Subscriber(email="b@mailbox.test", confirmed_at=day_ago),
        Subscriber(email="c@bücher.test", confirmed_at=day_ago),
        Subscriber(email="unconfirmed@mailbox.test"),
        Subscriber(email="left@mailbox.test", confirmed_at=day_ago, unsubscribed_at=NOW),
        # Confirmed after the episode went public: it was not news to them.
        Subscriber(email="late@mailbox.test", confirmed_at=NOW - timedelta(minutes=5)),
    ]
    committed_session.add_all(people)
    await committed_session.commit()
    yield {"new": new.id, "old": old.id}
    await committed_session.execute(delete(Episode).where(Episode.number.in_([9100, 9101])))
    await committed_session.execute(delete(Subscriber))
    await committed_session.commit()


def parsed(envelope: Envelope) -> EmailMessage:
    content = envelope.content
    assert isinstance(content, bytes)
    message = message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    return message


async def test_a_new_episode_is_mailed_once_to_each_confirmed_subscriber(
    site: Quart,
    database: Database,
    show: dict[str, int],
    smtp: tuple[Inbox, mailer.SmtpServer],
    committed_session: AsyncSession,
) -> None:
    inbox, server = smtp
    compose = partial(emails.compose_announcement, site)

    done = await announcer.announce_new_episodes(database, get_show(site), NOW)
    again = await announcer.announce_new_episodes(database, get_show(site), NOW)
    assert (done.announced, done.skipped) == ({9100: 3}, [9101])
    assert not again.any  # dealt with, once: a restart or a second worker queues nothing
    assert await mailer.send_due(database, server, compose_announcement=compose) == 3
    assert await mailer.send_due(database, server, compose_announcement=compose) == 0

    recipients = sorted(envelope.rcpt_tos[0] for envelope in inbox.received)
    assert recipients == ["a@mailbox.test", "b@mailbox.test", "c@xn--bcher-kva.test"]
    mail = parsed(inbox.received[0])
    assert mail["Subject"] == "Test Cast #9100: Brand new"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<https://podcast.test.example/newsletter/")
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert "What we covered." in body
    assert "https://podcast.test.example/episodes/show/9100/brand-new" in body
    assert "https://podcast.test.example/episodes/download/9100/brand-new.mp3" in body
    assert "Brand new" in html.get_content()
    rows = await committed_session.scalars(select(EpisodeAnnouncement.skipped))
    assert sorted(rows) == [False, True]


async def test_a_trailers_announcement_names_no_number(
    site: Quart,
    database: Database,
    show: dict[str, int],
    smtp: tuple[Inbox, mailer.SmtpServer],
    committed_session: AsyncSession,
) -> None:
    inbox, server = smtp
    trailer = await committed_session.get_one(Episode, show["new"])
    trailer.episode_type = "trailer"
    await committed_session.commit()

    await announcer.announce_new_episodes(database, get_show(site), NOW)
    compose = partial(emails.compose_announcement, site)
    assert await mailer.send_due(database, server, compose_announcement=compose) == 3

    mail = parsed(inbox.received[0])
    assert mail["Subject"] == "Test Cast: Brand new"
    text = mail.get_body(("plain",))
    assert text is not None and text.get_content().startswith("Test Cast: Brand new\r\n")


async def test_the_announcement_respects_mail_per_minute_and_the_owners_switch(
    site: Quart,
    database: Database,
    show: dict[str, int],
    smtp: tuple[Inbox, mailer.SmtpServer],
) -> None:
    inbox, server = smtp
    compose = partial(emails.compose_announcement, site)
    await announcer.announce_new_episodes(database, get_show(site), NOW)

    assert await mailer.send_due(database, server, compose_announcement=compose, per_minute=2) == 2
    assert await mailer.send_due(database, server, compose_announcement=compose, per_minute=2) == 0
    assert len(inbox.received) == 2


async def test_a_show_that_turned_announcements_off_mails_nobody(
    site: Quart, database: Database, show: dict[str, int]
) -> None:
    quiet = get_show(site).model_copy(update={"announce_episodes": False})
    done = await announcer.announce_new_episodes(database, quiet, NOW)
    assert (done.announced, sorted(done.skipped)) == ({}, [9100, 9101])


class RefusingInbox(Inbox):
    """A server that refuses one address for good (550), as a real one does a typo."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's name)
        self,
        server: aiosmtpd_smtp.SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.startswith("a@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_refused_address_is_given_up_and_the_others_still_go(
    site: Quart,
    database: Database,
    show: dict[str, int],
    smtp_with: StartSmtp,
    committed_session: AsyncSession,
) -> None:
    inbox, server = await smtp_with(RefusingInbox())
    compose = partial(emails.compose_announcement, site)
    await announcer.announce_new_episodes(database, get_show(site), NOW)

    assert await mailer.send_due(database, server, compose_announcement=compose) == 2

    dead = (await committed_session.scalars(
        select(OutboundEmail).where(OutboundEmail.dead_at.is_not(None))
    )).all()  # fmt: skip
    assert [email.to_address for email in dead] == ["a@mailbox.test"]
    assert "550" in (dead[0].last_error or "")
    bounced = await committed_session.scalar(
        select(Subscriber.bounced_at).where(Subscriber.email == "a@mailbox.test")
    )
    assert bounced is not None
    assert len(inbox.received) == 2


class HubStandIn(BaseHTTPRequestHandler):
    """A WebSub hub that only records the publish pings it gets."""

    pings: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        HubStandIn.pings.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test's output quiet."""


async def test_the_hubs_are_told_the_feed_changed() -> None:
    hub = ThreadingHTTPServer(("127.0.0.1", 0), HubStandIn)
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"http://127.0.0.1:{hub.server_address[1]}/"
        nobody = "http://127.0.0.1:9/"  # a hub that is down: logged, and the others still told
        await announcer.ping_hubs([nobody, address], "https://podcast.test.example/episodes/rss")
    finally:
        hub.shutdown()
        hub.server_close()
    assert HubStandIn.pings == [
        {"hub.mode": ["publish"], "hub.url": ["https://podcast.test.example/episodes/rss"]}
    ]
