"""Compose the site's e-mails from their templates, as the background mailer will send them."""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from quart import request

from podcast_site.core.settings import get_settings
from podcast_site.core.show import get_show
from podcast_site.web.templating import render


async def compose(
    to_address: str, subject: str, template: str, headers: dict[str, str], **context: Any
) -> bytes:
    """Render `emails/<template>.txt` and `.html` into one message, ready to queue."""
    settings, show = get_settings(), get_show()
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or formataddr((show.name, show.owner_email))
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=urlsplit(request.host_url).hostname)
    for name, value in headers.items():
        message[name] = value
    message.set_content(render(f"emails/{template}.txt", **context))
    message.add_alternative(render(f"emails/{template}.html", **context), subtype="html")
    return message.as_bytes()
