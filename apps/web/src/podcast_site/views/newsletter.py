"""Sign visitors up for the newsletter, confirm them, and let them leave."""

import logging
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from quart import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from podcast_site import queries
from podcast_site.caching import content_page
from podcast_site.database import get_session
from podcast_site.settings import Settings

blueprint = Blueprint("newsletter", __name__, url_prefix="/newsletter")
log = logging.getLogger(__name__)

CONFIRM_LINK_MAX_AGE = timedelta(days=7)
# A person signs up once or twice; a script signs up thousands of addresses.
SIGNUPS_PER_ADDRESS = 5
SIGNUP_PERIOD = timedelta(minutes=10)


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """Sign tokens with the app's secret; the salt keeps each purpose's tokens apart."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"newsletter-{purpose}")


def make_link(purpose: str, email: str) -> str:
    """Return an absolute, signed confirm or unsubscribe link for an address."""
    token = serializer(purpose).dumps(email)
    return url_for(f"newsletter.{purpose}", token=token, _external=True)


def read_token(purpose: str, token: str, max_age: timedelta | None = None) -> str:
    """Return the address a token was made for, or answer 400 for a bad or old one."""
    try:
        seconds = int(max_age.total_seconds()) if max_age else None
        email: str = serializer(purpose).loads(token, max_age=seconds)
    except SignatureExpired:
        abort(400, "This link has expired. Please sign up again to get a new one.")
    except BadSignature:
        abort(400, "This link is not valid. Please copy the whole link from the email.")
    return email


async def render_form(email: str = "", error: str | None = None, status: int = 200) -> Response:
    """Render the sign-up page, keeping what the visitor typed."""
    body = await render_template("newsletter.html", email=email, error=error)
    return Response(body, status=status)


@blueprint.get("")
@content_page(forms=True)
async def form() -> ResponseReturnValue:
    """Show the sign-up form."""
    return await render_form()


@blueprint.post("")
@rate_limit(SIGNUPS_PER_ADDRESS, SIGNUP_PERIOD)
async def subscribe() -> ResponseReturnValue:
    """Sign an address up (again is fine), then show what happens next."""
    typed = ((await request.form).get("email") or "").strip()
    try:
        email = validate_email(typed, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        return await render_form(typed, f"That address does not look right: {error}", status=400)
    session = get_session()
    await queries.add_subscriber(session, email)
    await session.commit()
    settings: Settings = current_app.extensions["settings"]
    if not settings.is_production:
        # No email is sent yet; a developer can follow the link from the log.
        log.info("newsletter confirmation link for %s: %s", email, make_link("confirm", email))
    return redirect(url_for("newsletter.thanks"), 303)


@blueprint.get("/thanks")
async def thanks() -> ResponseReturnValue:
    """Tell the visitor to look for the confirmation email."""
    return await render_template(
        "message.html",
        title="Check your inbox",
        message="We sent you a link to confirm your address. "
        "Nothing else will arrive until you do.",
    )


@blueprint.get("/confirm/<token>")
async def confirm(token: str) -> ResponseReturnValue:
    """Confirm the address a signed link was sent to."""
    email = read_token("confirm", token, CONFIRM_LINK_MAX_AGE)
    session = get_session()
    if not await queries.confirm_subscriber(session, email, datetime.now(UTC)):
        abort(400, "This address is not signed up any more. Please sign up again.")
    await session.commit()
    return await render_template(
        "message.html",
        title="You are subscribed",
        message="Thanks! New episodes and notes will come to your inbox.",
        unsubscribe_link=make_link("unsubscribe", email),
    )


@blueprint.get("/unsubscribe/<token>")
async def unsubscribe_form(token: str) -> ResponseReturnValue:
    """Ask for a click before unsubscribing: mail scanners open links, people press buttons."""
    email = read_token("unsubscribe", token)
    return await render_template("unsubscribe.html", email=email, token=token)


@blueprint.post("/unsubscribe/<token>")
async def unsubscribe(token: str) -> ResponseReturnValue:
    """Unsubscribe the address a signed link was made for."""
    email = read_token("unsubscribe", token)
    session = get_session()
    await queries.unsubscribe(session, email, datetime.now(UTC))
    await session.commit()
    return await render_template(
        "message.html",
        title="You are unsubscribed",
        message=f"{email} will get no more emails from us.",
    )
