#!/usr/bin/env python3
"""Print the newest messages the mail catcher received: headers, then the plain text."""

import email
import mailbox
import sys
from email.policy import default

MAILDIR = "/var/mail/catcher"
HEADERS = ("Date", "From", "To", "Subject", "List-Unsubscribe")


def main(count: int) -> int:
    """Show the newest `count` messages, oldest of them first (as a terminal scrolls)."""
    box = mailbox.Maildir(MAILDIR, create=True)
    newest = sorted(box, key=lambda message: message.get_date())[-count:]
    if not newest:
        print("No mail yet. Sign up on the site, then run make mail again.")
    for delivered in newest:
        message = email.message_from_bytes(delivered.as_bytes(), policy=default)
        print("=" * 72)
        for header in HEADERS:
            if message[header]:
                print(f"{header}: {message[header]}")
        body = message.get_body(("plain",))
        print()
        print(body.get_content().strip() if body else "(no plain text part)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
