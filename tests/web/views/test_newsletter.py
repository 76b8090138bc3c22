"""The newsletter: validation, idempotent sign-up, rate limit, signed links."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import OutboundEmail, Subscriber
from podcast_site.core.settings import Settings
from podcast_site.web.newsletter_links import make_link
from tests.web.helpers import FROM_OUR_PAGE, page_text


async def subscribers(session: AsyncSession) -> list[Subscriber]:
    return list(await session.scalars(select(Subscriber).order_by(Subscriber.id)))


async def sign_up(client: Client, email: str) -> tuple[int, str]:
    response = await client.post("/newsletter", form={"email": email}, headers=FROM_OUR_PAGE)
    return response.status_code, await response.get_data(as_text=True)


async def test_the_home_page_has_the_signup_form(client: Client) -> None:
    assert 'action="/newsletter"' in await page_text(client, "/")


async def test_signing_up_stores_the_normalised_address_and_says_what_is_next(
    client: Client, session: AsyncSession
) -> None:
    response = await client.post(
        "/newsletter", form={"email": "  Listener@Mailbox.ORG "}, headers=FROM_OUR_PAGE
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/newsletter/thanks"
    assert [row.email for row in await subscribers(session)] == ["listener@mailbox.org"]


async def test_signing_up_twice_is_fine_and_keeps_one_row(
    client: Client, session: AsyncSession
) -> None:
    assert (await sign_up(client, "listener@mailbox.org"))[0] == 303
    assert (await sign_up(client, "LISTENER@mailbox.org"))[0] == 303
    assert len(await subscribers(session)) == 1


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x@@mailbox.org", "a" * 400])
async def test_a_bad_address_is_a_400_that_keeps_what_was_typed(
    client: Client, session: AsyncSession, email: str
) -> None:
    status, page = await sign_up(client, email)
    assert status == 400
    assert "That address does not look right" in page
    assert f'value="{email}"' in page
    assert await subscribers(session) == []


async def test_too_many_signups_from_one_address_get_a_429_page(
    client: Client, settings: Settings
) -> None:
    for attempt in range(settings.rate_limit_signup.requests):
        assert (await sign_up(client, f"reader{attempt}@mailbox.org"))[0] == 303
    response = await client.post(
        "/newsletter", form={"email": "one-more@mailbox.org"}, headers=FROM_OUR_PAGE
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert 'class="site-header"' in await response.get_data(as_text=True)


async def queued_emails(session: AsyncSession) -> list[EmailMessage]:
    """Return the queued e-mails, parsed, oldest first."""
    rows = await session.scalars(
        select(OutboundEmail.message)
        .where(OutboundEmail.message.is_not(None))
        .order_by(OutboundEmail.id)
    )
    return [message_from_bytes(raw or b"", policy=default) for raw in rows]


async def test_signing_up_queues_a_confirmation_that_confirms_on_a_click(
    client: Client, session: AsyncSession
) -> None:
    await sign_up(client, "listener@mailbox.org")

    (mail,) = await queued_emails(session)
    assert mail["To"] == "listener@mailbox.org"
    assert mail["Subject"] == "Confirm your subscription to Test Cast"
    assert mail["From"] == "Test Cast <owner@testcast.example>"
    text, html = (mail.get_body((kind,)) for kind in ("plain", "html"))
    assert text is not None and html is not None
    link = re.search(r"http://localhost(/newsletter/confirm/\S+)", text.get_content())
    assert link, text.get_content()
    assert link[0] in html.get_content()
    assert "listener" not in link[1], "links carry an id, never the address"

    # Opening the link (as a mail scanner would) confirms nothing...
    assert "Send the newsletter to listener@mailbox.org?" in await page_text(client, link[1])
    (subscriber,) = await subscribers(session)
    assert subscriber.confirmed_at is None
    # ...pressing the button does.
    response = await client.post(link[1], headers=FROM_OUR_PAGE)

    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert "You are subscribed" in page and "/newsletter/unsubscribe/" in page
    await session.refresh(subscriber)
    assert subscriber.confirmed_at is not None
    # Signing up again once confirmed sends nothing more (and says the same).
    status, _ = await sign_up(client, "listener@mailbox.org")
    assert status == 303 and len(await queued_emails(session)) == 1


# RFC 8058: mail programs SHOULD post multipart/form-data, and MAY post URL-encoded.
ONE_CLICK_BODIES = {
    "multipart/form-data; boundary=x": (
        b'--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--x--\r\n"
    ),
    "application/x-www-form-urlencoded": b"List-Unsubscribe=One-Click",
}


@pytest.mark.parametrize("content_type", ONE_CLICK_BODIES)
async def test_the_mail_unsubscribes_with_one_click_as_rfc_8058_says(
    client: Client, session: AsyncSession, content_type: str
) -> None:
    await sign_up(client, "listener@mailbox.org")
    (mail,) = await queued_emails(session)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        r"<http://localhost(/newsletter/unsubscribe/\S+)>", mail["List-Unsubscribe"]
    )
    assert link, mail["List-Unsubscribe"]

    # A mail program's button: its provider's server posts that body, with no
    # cookie, no Origin and no Sec-Fetch-Site (it is no browser).
    fresh = client.app.test_client()
    body = ONE_CLICK_BODIES[content_type]
    response = await fresh.post(link[1], data=body, headers={"Content-Type": content_type})

    assert response.status_code == 200
    (subscriber,) = await subscribers(session)
    await session.refresh(subscriber)
    assert subscriber.unsubscribed_at is not None
    # Another site's page posting the same is still refused.
    forged = await fresh.post(
        link[1], form={"List-Unsubscribe": "One-Click"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403


async def test_a_tampered_link_is_a_400(client: Client) -> None:
    for path in ("/newsletter/confirm/bogus", "/newsletter/unsubscribe/bogus"):
        response = await client.get(path)
        assert response.status_code == 400
        assert "This link is not valid" in await response.get_data(as_text=True)


async def link_for(app: Quart, purpose: str, subscriber: Subscriber) -> str:
    async with app.test_request_context("/"):
        return make_link(purpose, subscriber.id).removeprefix("http://localhost")


async def test_unsubscribing_asks_first_then_keeps_the_row(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    await sign_up(client, "listener@mailbox.org")
    (subscriber,) = await subscribers(session)
    link = await link_for(app, "unsubscribe", subscriber)

    assert "Stop sending the newsletter to" in await page_text(client, link)
    assert subscriber.unsubscribed_at is None
    response = await client.post(link, headers=FROM_OUR_PAGE)

    assert response.status_code == 200
    assert "You are unsubscribed" in await response.get_data(as_text=True)
    await session.refresh(subscriber)
    assert subscriber.unsubscribed_at is not None
    assert await session.scalar(select(func.count()).select_from(Subscriber)) == 1


async def test_signing_up_again_after_unsubscribing_needs_a_new_confirmation(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    # Anyone can type anyone's address: only the owner's click may resubscribe it.
    await sign_up(client, "listener@mailbox.org")
    (subscriber,) = await subscribers(session)
    confirm = await link_for(app, "confirm", subscriber)
    await client.post(confirm, headers=FROM_OUR_PAGE)
    unsubscribe = await link_for(app, "unsubscribe", subscriber)
    await client.post(unsubscribe, headers=FROM_OUR_PAGE)

    await sign_up(client, "listener@mailbox.org")

    await session.refresh(subscriber)
    assert subscriber.unsubscribed_at is None
    assert subscriber.confirmed_at is None


async def test_typing_an_address_again_and_again_sends_at_most_a_few_confirmations(
    client: Client, session: AsyncSession
) -> None:
    for _ in range(3):
        await sign_up(client, "victim@mailbox.org")
    assert len(await queued_emails(session)) == 1  # one an hour
    for hours_ago in (5, 3):  # as if the earlier ones were that old
        await session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.created_at > func.now() - timedelta(hours=1))
            .values(created_at=func.now() - timedelta(hours=hours_ago))
        )
        status, _ = await sign_up(client, "victim@mailbox.org")
        assert status == 303  # the same answer either way
    assert len(await queued_emails(session)) == 3
    await session.execute(update(OutboundEmail).values(created_at=func.now() - timedelta(hours=2)))
    await sign_up(client, "victim@mailbox.org")
    assert len(await queued_emails(session)) == 3  # three a day


async def test_an_old_confirm_link_cannot_sign_up_someone_who_left_since(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    await sign_up(client, "listener@mailbox.org")
    (subscriber,) = await subscribers(session)
    confirm = await link_for(app, "confirm", subscriber)
    await client.post(confirm, headers=FROM_OUR_PAGE)
    await client.post(await link_for(app, "unsubscribe", subscriber), headers=FROM_OUR_PAGE)

    response = await client.post(confirm, headers=FROM_OUR_PAGE)

    assert response.status_code == 400
    assert "You unsubscribed after this link was sent" in await response.get_data(as_text=True)
    await session.refresh(subscriber)
    assert subscriber.unsubscribed_at is not None
