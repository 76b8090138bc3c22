"""E-mail that arrives: a sign-up through Caddy gets its confirmation, even past a mail outage."""

import time
import uuid

import httpx

from tests.stack.conftest import CONFIRM_LINK, Stack, mail_to, sign_up


def test_the_confirmation_mail_arrives_and_its_link_confirms(
    stack: Stack, client: httpx.Client
) -> None:
    email = f"listener-{uuid.uuid4().hex[:8]}@mailbox.org"
    sign_up(client, email)

    message = mail_to(stack, email, seconds=30)
    assert "Subject: Confirm your subscription to" in message
    assert "List-Unsubscribe: <https://localhost:" in message
    link = CONFIRM_LINK.search(message)
    assert link, message

    assert "Send the newsletter to" in client.get(link[1]).text
    confirmed = client.post(link[1], headers={"Sec-Fetch-Site": "same-origin"})
    # The signed token never reaches the access log (kept 14 days).
    access_log = stack.compose("exec", "-T", "caddy", "cat", "/data/access.log")
    token = link[1].rsplit("/", 1)[1]
    assert token not in access_log
    assert "/newsletter/confirm/REDACTED" in access_log
    assert confirmed.status_code == 200 and "You are subscribed" in confirmed.text
    state = stack.compose(
        "exec", "-T", "db", "psql", "--username=podcast", "--dbname=podcast", "--tuples-only",
        "--no-align", "--command",
        f"SELECT confirmed_at IS NOT NULL FROM newsletter_subscribers WHERE email = '{email}'",
    )  # fmt: skip
    assert state.strip() == "t"


def test_a_sign_up_while_the_mail_server_is_down_is_kept_and_mailed_later(
    stack: Stack, client: httpx.Client
) -> None:
    stack.compose("stop", "mailcatcher")
    email = f"patient-{uuid.uuid4().hex[:8]}@mailbox.org"
    try:
        sign_up(client, email)  # succeeds: the mail waits in the queue
        time.sleep(3)
        waiting = stack.run("make", "doctor", check=False)
        assert "e-mail(s) waiting" in waiting.split("== e-mail")[-1], waiting
    finally:
        stack.compose("start", "mailcatcher")
    # The mailer retries after 10 s, 20 s, 40 s...: it goes out once the server is back.
    message = mail_to(stack, email, seconds=90)
    assert CONFIRM_LINK.search(message)
