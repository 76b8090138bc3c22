"""Compose the site's e-mails from their templates, as the background mailer will send them."""

import html as html_module
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

import idna
import nh3
from quart import Quart, request
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.core.models import OutboundEmail
from podcast_site.core.settings import get_settings
from podcast_site.core.show import get_show
from podcast_site.web.newsletter_links import make_link
from podcast_site.web.templating import download_url, render, site_request_context, url_for

# What an announcement quotes of the show notes, as plain text.
EXCERPT_CHARACTERS = 600


def sendable_address(address: str) -> str:
    """Return the form of an address that needs no SMTPUTF8: its domain in ASCII (IDNA 2008).

    Sign-ups are stored normalised, with the domain as typed (`bücher.example`);
    mail servers want `xn--bcher-kva.example`. A local part that is not ASCII
    has no such form, and goes as it is (SMTPUTF8).
    """
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return address


def excerpt(html: str) -> str:
    """Return the start of a text's words without their markup, cut at a word."""
    text = " ".join(nh3.clean(html, tags=set()).split())
    text = html_module.unescape(text)
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    return text[:EXCERPT_CHARACTERS].rsplit(" ", 1)[0] + " …"


async def compose(
    to_address: str, subject: str, template: str, headers: dict[str, str], **context: Any
) -> bytes:
    """Render `emails/<template>.txt` and `.html` into one message, ready to queue."""
    settings, show = get_settings(), get_show()
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or formataddr((show.name, show.owner_email))
    message["To"] = sendable_address(to_address)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=urlsplit(request.host_url).hostname)
    for name, value in headers.items():
        message[name] = value
    message.set_content(render(f"emails/{template}.txt", **context))
    message.add_alternative(render(f"emails/{template}.html", **context), subtype="html")
    return message.as_bytes()


async def compose_announcement(
    app: Quart, session: AsyncSession, email: OutboundEmail
) -> tuple[str, bytes] | None:
    """Render a queued announcement for its subscriber; None if it must not go out any more.

    Rendered when sent, not when queued: it says what the episode says now,
    and goes to nobody who left, bounced, or whose episode was taken down
    meanwhile. Its links are the site's own (https://SITE_ADDRESS), built in
    a request context of that address, as a page's would be.
    """
    assert email.episode_id is not None and email.subscriber_id is not None
    episode = await queries.get_public_episode_by_id(session, email.episode_id)
    subscriber = await queries.get_subscriber(session, email.subscriber_id)
    if episode is None or subscriber is None:
        return None
    if subscriber.unsubscribed_at or subscriber.bounced_at or not subscriber.confirmed_at:
        return None
    async with site_request_context(app):
        show = get_show()
        unsubscribe_link = make_link("unsubscribe", subscriber.id)
        # A trailer's number only names its URL (EpisodeItem.numbered).
        number = f" #{episode.number}" if episode.numbered else ""
        message = await compose(
            subscriber.email,
            f"{show.name}{number}: {episode.title}",
            "announce",
            {
                "List-Unsubscribe": f"<{unsubscribe_link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                # What bulk senders mark their mail with (RFC 3834's cousin, for
                # auto-responders): no out-of-office replies to a newsletter.
                "Precedence": "bulk",
                "Auto-Submitted": "auto-generated",
            },
            episode=episode,
            page_link=url_for(
                "episodes.show", number=episode.number, slug=episode.slug, _external=True
            ),
            audio_link=download_url(episode, external=True),
            notes=excerpt(episode.show_notes_html),
            unsubscribe_link=unsubscribe_link,
        )
    return sendable_address(subscriber.email), message
