"""Send the queued e-mails over SMTP, with retries, without ever making a visitor wait.

A view composes a message (web/emails.py) and queues it (`queries.queue_email`)
in the same transaction as what it is about, then wakes the mailer; the
announcer (background/announcer.py) queues an episode's announcements, which
are rendered when sent. The mailer is a task in every web worker: it sends
what is due one message at a time, confirmations first, each in a short
transaction that locks its row (FOR UPDATE SKIP LOCKED), so two workers or
two web containers never send the same message.

A server that is away is a retry later, waiting longer each time (10 s,
20 s, 40 s, ... at most an hour), so nothing is lost meanwhile. A 4xx for
one message retries that one and goes on with the next; a 5xx gives it up
(and a refused address is marked bounced, so it gets nothing more); so does
a message still failing after three days. Dead messages are kept, and
housekeeping deletes them with the sent ones after 30 days. A message whose
server accepted it but whose "sent" mark could not be stored (the database
went away at that moment) goes out again: at least once, never zero times.
"""

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP
from functools import partial

import aiosmtplib
from quart import Quart, current_app
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.background.tasks import run_while_serving
from podcast_site.core.database import Database, get_database, is_database_unavailable
from podcast_site.core.models import OutboundEmail
from podcast_site.core.settings import Settings, get_settings
from podcast_site.web import emails

log = logging.getLogger(__name__)

# Where development mail goes when SMTP_HOST is empty: the mail catcher
# (infra/mailcatcher), which keeps every message for `make mail`.
MAIL_CATCHER = ("mailcatcher", 1025)
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(hours=1)
# A message still failing after this long is given up (kept, marked dead):
# a mail server that is away for days will not take it either.
GIVE_UP_AFTER = timedelta(days=3)
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


# An announcement rendered when sent: (address, message), or None when it
# must not go out any more (web/emails.py's compose_announcement).
type Composer = Callable[[AsyncSession, OutboundEmail], Awaitable[tuple[str, bytes] | None]]


class Outcome(enum.Enum):
    """What one SMTP attempt says about the message, and about the server."""

    SENT = "sent"
    # A 4xx for this message (a full mailbox, greylisting): try it again
    # later, and go on with the next one.
    RETRY = "retry"
    # A 5xx for this address or this message: never again. A refused
    # recipient's address is marked bounced.
    REFUSED = "refused"
    BOUNCED = "bounced"
    # The server is away or refuses us (connection, login, sender): all
    # messages wait, so the batch ends.
    SERVER_AWAY = "server away"


def classify(error: Exception) -> Outcome:
    """Tell a refusal of this message from a server that cannot take any now."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        return Outcome.BOUNCED if codes and min(codes) >= 500 else Outcome.RETRY
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return Outcome.BOUNCED if error.code >= 500 else Outcome.RETRY
    if isinstance(error, aiosmtplib.SMTPDataError):
        return Outcome.REFUSED if error.code >= 500 else Outcome.RETRY
    return Outcome.SERVER_AWAY  # connect, TLS, login, sender refused, timeouts, OSError


async def send_due(
    database: Database,
    server: SmtpServer,
    *,
    compose_announcement: Composer | None = None,
    per_minute: int | None = None,
) -> int:
    """Send every message that is due, until none is, the server is away, or the rate is used up.

    Each message is claimed, handed over and marked sent in one transaction
    that locks its row: if the worker dies meanwhile, the row unlocks unsent
    and goes again later. It is lost never; sent twice only if the worker
    dies in the instant between the server's acceptance and the commit.
    `per_minute` caps what all workers together send in any minute (the
    SMTP provider's limit). Returns how many went.
    """
    sent = 0
    while True:
        async with database.sessionmaker() as session:
            if per_minute is not None and await queries.count_sent_since(session, 60) >= per_minute:
                return sent  # the rest go at the next poll
            email = await queries.claim_due_email(session)
            if email is None:
                return sent
            to_address, message = email.to_address, email.message
            if message is None:  # an announcement, rendered now
                composer = compose_announcement
                composed = await composer(session, email) if composer else None
                if composed is None:
                    await queries.mark_email_dead(
                        session, email.id, "not sent: the subscriber left or the episode is gone"
                    )
                    await session.commit()
                    continue
                to_address, message = composed
            try:
                await hand_over(server, emails.sendable_address(to_address), message)
                outcome = Outcome.SENT
            except (aiosmtplib.SMTPException, OSError) as error:
                outcome = classify(error)
                await record_failure(session, email, outcome, error)
            else:
                await queries.mark_email_sent(session, email.id)
            await session.commit()
            if outcome is Outcome.SERVER_AWAY:
                return sent
            sent += outcome is Outcome.SENT


async def record_failure(
    session: AsyncSession, email: OutboundEmail, outcome: Outcome, error: Exception
) -> None:
    """Mark a message refused for good, or due again later; give up after GIVE_UP_AFTER."""
    too_old = datetime.now(UTC) - email.created_at > GIVE_UP_AFTER
    if outcome in (Outcome.REFUSED, Outcome.BOUNCED) or too_old:
        await queries.mark_email_dead(session, email.id, repr(error))
        if outcome is Outcome.BOUNCED:
            await queries.mark_bounced(session, email.to_address)
        log.warning("e-mail %d given up (%s): %r", email.id, outcome.value, error)
        return
    delay = retry_delay(email.attempts)
    await queries.mark_email_failed(session, email.id, repr(error), delay)
    log.warning(
        "e-mail %d not sent (attempt %d, %s); next try in %s: %r",
        email.id, email.attempts + 1, outcome.value, delay, error,
    )  # fmt: skip


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
            await send_due(
                database,
                server,
                compose_announcement=partial(emails.compose_announcement, app),
                per_minute=settings.mail_per_minute,
            )
        except Exception as error:
            if not is_database_unavailable(error):
                log.exception("the mailer failed", exc_info=error)


def wake(app: Quart | None = None) -> None:
    """Tell this worker's mailer that a message was queued (after the commit)."""
    (app or current_app).extensions[WAKEUP].set()


def init_app(app: Quart) -> None:
    """Run the mailer while the app serves (after the database opens, before it closes)."""
    app.extensions[WAKEUP] = asyncio.Event()

    run_while_serving(app, lambda: run(app))
