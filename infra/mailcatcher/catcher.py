"""Keep every message in a maildir, but refuse some recipients as real mail servers do.

A recipient whose address starts with `refused-` gets 550 (no such mailbox:
a permanent failure, so the site gives the mail up), one that starts with
`greylisted-` gets 451 (try again later, for ever). With them a local site
can show, and the stack tests prove, what the mailer and `make watch` do
when mail does not go through; every other address is accepted.
"""

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, Envelope, Session


class RefusingMailbox(Mailbox):
    """A Mailbox that refuses recipients named `refused-*` and defers `greylisted-*`."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept the recipient, or refuse it by the start of its address."""
        if address.lower().startswith("refused-"):
            return "550 5.1.1 No such mailbox here"
        if address.lower().startswith("greylisted-"):
            return "451 4.7.1 Greylisted: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
