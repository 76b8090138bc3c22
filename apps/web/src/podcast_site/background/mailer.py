"""Send the queued e-mails over SMTP, with retries, without ever making a visitor wait.

A view composes a message (web/emails.py) and queues it (`queries.queue_email`)
in the same transaction as what it is about, then wakes the mailer. The
mailer is a task in every web worker: it sends what is due one message at a
time, each in a short transaction that locks its row (FOR UPDATE SKIP LOCKED), so two workers or
two web containers never send the same message. A failure is one log line
and a retry later, waiting longer each time (10 s, 20 s, 40 s, ... at most an
hour), so nothing is lost while the mail server is away. A message whose
server accepted it but whose "sent" mark could not be stored (the database
went away at that moment) goes out again: at least once, never zero times.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from email.policy import SMTP

import aiosmtplib
from quart import Quart, current_app

from podcast_site import queries
from podcast_site.core.database import Database, get_database, is_database_unavailable
from podcast_site.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Where development mail goes when SMTP_HOST is empty: the mail catcher
# (infra/mailcatcher), which keeps every message for `make mail`.
MAIL_CATCHER = ("mailcatcher", 1025)
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(hours=1)
# Without a wake-up (another worker queued the mail), look this often.
POLL_SECONDS = 15.0
SMTP_TIMEOUT_SECONDS = 10.0
# The event a view sets when it has queued a message (`wake`).
WAKEUP = "podcast_site.mailer_wakeup"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand mail over."""

    host: str
    port: int
    tls: str
    user: str
    password: str


def smtp_server(settings: Settings) -> SmtpServer | None:
    """Return SMTP_HOST's server, else the development catcher; None in production."""
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value()
        return SmtpServer(
            settings.smtp_host, settings.smtp_port, settings.smtp_tls, settings.smtp_user, password
        )
    if settings.is_production:
        return None
    return SmtpServer(*MAIL_CATCHER, tls="none", user="", password="")


def retry_delay(attempts: int) -> timedelta:
    """Wait twice as long after each failed attempt, up to an hour."""
    return min(FIRST_RETRY * (1 << min(attempts, 20)), LAST_RETRY)


async def hand_over(server: SmtpServer, to_address: str, message: bytes) -> None:
    """Give one message to the SMTP server (raises on any refusal or network error)."""
    await aiosmtplib.send(
        message_from_bytes(message, policy=SMTP),
        recipients=[to_address],
        hostname=server.host,
        port=server.port,
        use_tls=server.tls == "tls",
        start_tls=server.tls == "starttls",
        username=server.user or None,
        password=server.password or None,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


async def send_due(database: Database, server: SmtpServer) -> int:
    """Send every message that is due, until none is or one fails; return how many went."""
    sent = 0
    while True:
        async with database.sessionmaker() as session:
            email = await queries.claim_due_email(session)
            if email is None:
                return sent
            # Only confirmations are queued so far, rendered when queued.
            assert email.message is not None
            try:
                await hand_over(server, email.to_address, email.message)
            except (aiosmtplib.SMTPException, OSError) as error:
                delay = retry_delay(email.attempts)
                await queries.mark_email_failed(session, email.id, repr(error), delay)
                await session.commit()
                log.warning(
                    "e-mail %d not sent (attempt %d); next try in %s: %r",
                    email.id, email.attempts + 1, delay, error,
                )  # fmt: skip
                return sent  # the server is likely away: the others wait their turn
            await queries.mark_email_sent(session, email.id)
            await session.commit()
            sent += 1


async def run(app: Quart) -> None:
    """Send whenever woken or every POLL_SECONDS, for as long as the app serves."""
    settings = get_settings(app)
    database = get_database(app)
    wakeup: asyncio.Event = app.extensions[WAKEUP]
    server = smtp_server(settings)
    if not settings.send_mail:
        return
    if server is None:
        log.warning("SMTP_HOST is not set: e-mails are queued, not sent (make doctor shows them)")
        return
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), POLL_SECONDS)
        wakeup.clear()
        try:
            await send_due(database, server)
        except Exception as error:
            if not is_database_unavailable(error):
                log.exception("the mailer failed", exc_info=error)


def wake() -> None:
    """Tell this worker's mailer that a message was queued (after the commit)."""
    current_app.extensions[WAKEUP].set()


def init_app(app: Quart) -> None:
    """Run the mailer while the app serves (after the database opens, before it closes)."""
    app.extensions[WAKEUP] = asyncio.Event()

    @app.while_serving
    async def run_mailer() -> AsyncGenerator[None]:
        task = asyncio.create_task(run(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
