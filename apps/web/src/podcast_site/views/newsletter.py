"""Sign visitors up for the newsletter, confirm them, and let them leave."""

from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired
from quart import (
    Blueprint,
    Response,
    abort,
    redirect,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.background import mailer
from podcast_site.core.database import get_session
from podcast_site.core.models import Subscriber
from podcast_site.core.show import get_show
from podcast_site.web import emails
from podcast_site.web.newsletter_links import make_link, serializer
from podcast_site.web.page_cache import cached_page
from podcast_site.web.rate_limits import limited
from podcast_site.web.templating import render

blueprint = Blueprint("newsletter", __name__, url_prefix="/newsletter")

CONFIRM_LINK_MAX_AGE = timedelta(days=7)
CONFIRMATIONS_PER_HOUR = 1
CONFIRMATIONS_PER_DAY = 3


async def subscriber_from_token(
    purpose: str, token: str, max_age: timedelta | None = None
) -> tuple[Subscriber, datetime]:
    """Return the subscriber a link was made for and when, or answer 400 for a bad or old link."""
    try:
        seconds = int(max_age.total_seconds()) if max_age else None
        subscriber_id, made_at = serializer(purpose).loads(
            token, max_age=seconds, return_timestamp=True
        )
    except SignatureExpired:
        abort(400, "This link has expired. Please sign up again to get a new one.")
    except BadSignature:
        abort(400, "This link is not valid. Please copy the whole link from the email.")
    subscriber = await queries.get_subscriber(get_session(), int(subscriber_id))
    if subscriber is None:
        abort(400, "This address is not signed up any more. Please sign up again.")
    return subscriber, made_at


async def render_form(email: str = "", error: str | None = None, status: int = 200) -> Response:
    """Render the sign-up page, keeping what the visitor typed."""
    body = render("newsletter.html", email=email, error=error)
    return Response(body, status=status)


@blueprint.get("")
@cached_page()
async def form() -> ResponseReturnValue:
    """Show the sign-up form."""
    return await render_form()


@blueprint.post("")
@limited("signup")
async def subscribe() -> ResponseReturnValue:
    """Sign an address up (again is fine), then show what happens next."""
    typed = ((await request.form).get("email") or "").strip()
    try:
        email = validate_email(typed, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        return await render_form(typed, f"That address does not look right: {error}", status=400)
    session = get_session()
    subscriber_id, needs_confirming = await queries.add_subscriber(session, email)
    # Anyone can type anyone's address: at most CONFIRMATIONS_PER_HOUR and
    # CONFIRMATIONS_PER_DAY confirmation mails go to one, however often it
    # is typed, so the form cannot be used to bomb a mailbox.
    send = needs_confirming and await confirmations_allowed(session, email)
    if send:
        # Queued in the sign-up's own transaction: both are stored, or neither.
        await queries.queue_email(session, email, await confirmation_email(email, subscriber_id))
    await session.commit()
    if send:
        mailer.wake()
    # The same answer either way: the page never tells who is subscribed.
    return redirect(url_for("newsletter.thanks"), 303)


async def confirmations_allowed(session: AsyncSession, email: str) -> bool:
    """Say whether another confirmation mail may go to this address now."""
    last_hour = await queries.count_confirmations_since(session, email, hours=1)
    last_day = await queries.count_confirmations_since(session, email, hours=24)
    return last_hour < CONFIRMATIONS_PER_HOUR and last_day < CONFIRMATIONS_PER_DAY


async def confirmation_email(to_address: str, subscriber_id: int) -> bytes:
    """Compose the mail with the confirm link, and the one-click unsubscribe of RFC 8058."""
    show = get_show()
    unsubscribe_link = make_link("unsubscribe", subscriber_id)
    return await emails.compose(
        to_address,
        f"Confirm your subscription to {show.name}",
        "confirm",
        {
            # Mail programs show an unsubscribe button, and POST
            # "List-Unsubscribe=One-Click" to this link when it is pressed.
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        confirm_link=make_link("confirm", subscriber_id),
        unsubscribe_link=unsubscribe_link,
    )


@blueprint.get("/thanks")
async def thanks() -> ResponseReturnValue:
    """Tell the visitor to look for the confirmation email."""
    return render(
        "message.html",
        title="Check your inbox",
        message="Confirm your address with the link in our email. "
        "Nothing else will arrive until you do.",
    )


async def confirmable(token: str) -> Subscriber:
    """Return whom a confirm link is for; 400 if they left since it was sent.

    Leaving is the later, deliberate act: an old confirm link (they last a
    week, and sit in mailboxes) must not sign someone up again.
    """
    subscriber, made_at = await subscriber_from_token("confirm", token, CONFIRM_LINK_MAX_AGE)
    if subscriber.unsubscribed_at is not None and subscriber.unsubscribed_at > made_at:
        abort(400, "You unsubscribed after this link was sent. Sign up again to come back.")
    return subscriber


@blueprint.get("/confirm/<token:token>")
async def confirm_form(token: str) -> ResponseReturnValue:
    """Ask for a click before confirming: mail scanners open links, people press buttons."""
    subscriber = await confirmable(token)
    return render(
        "newsletter_action.html",
        title="Confirm your subscription",
        question=f"Send the newsletter to {subscriber.email}?",
        button="Yes, subscribe me",
        action=url_for("newsletter.confirm", token=token),
    )


@blueprint.post("/confirm/<token:token>")
async def confirm(token: str) -> ResponseReturnValue:
    """Confirm the subscriber a signed link was made for."""
    subscriber = await confirmable(token)
    subscriber.confirmed_at = subscriber.confirmed_at or datetime.now(UTC)
    subscriber.unsubscribed_at = None
    # The confirmation mail arrived, so the address takes mail again.
    subscriber.bounced_at = None
    await get_session().commit()
    return render(
        "message.html",
        title="You are subscribed",
        message="Thanks! New episodes and notes will come to your inbox.",
        unsubscribe_link=make_link("unsubscribe", subscriber.id),
    )


@blueprint.get("/unsubscribe/<token:token>")
async def unsubscribe_form(token: str) -> ResponseReturnValue:
    """Ask for a click before unsubscribing, for the same reason as confirming."""
    subscriber, _ = await subscriber_from_token("unsubscribe", token)
    return render(
        "newsletter_action.html",
        title="Unsubscribe",
        question=f"Stop sending the newsletter to {subscriber.email}?",
        button="Unsubscribe",
        action=url_for("newsletter.unsubscribe", token=token),
    )


@blueprint.post("/unsubscribe/<token:token>")
async def unsubscribe(token: str) -> ResponseReturnValue:
    """Unsubscribe; the row stays (unsubscribed), so nothing is lost or re-added unasked.

    From the page's button, or from a mail program's one-click button (RFC
    8058): a mail provider's server posts it, with no Origin and no
    Sec-Fetch-Site, which web/csrf.py lets through as no browser's; the
    signed link itself says who may be unsubscribed.
    """
    subscriber, _ = await subscriber_from_token("unsubscribe", token)
    subscriber.unsubscribed_at = subscriber.unsubscribed_at or datetime.now(UTC)
    await get_session().commit()
    return render(
        "message.html",
        title="You are unsubscribed",
        message=f"{subscriber.email} will get no more emails from us.",
    )
