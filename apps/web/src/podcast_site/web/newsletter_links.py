"""Signed newsletter links: confirm and unsubscribe, in the pages and in every mail."""

from itsdangerous import URLSafeTimedSerializer
from quart import current_app, url_for


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """Sign tokens with the app's secret; the salt keeps each purpose's tokens apart."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"newsletter-{purpose}")


def make_link(purpose: str, subscriber_id: int) -> str:
    """Return an absolute, signed confirm or unsubscribe link for a subscriber.

    The token carries the subscriber's id, not the address: tokens are only
    signed, not encrypted, and links end up in logs.
    """
    token = serializer(purpose).dumps(subscriber_id)
    return url_for(f"newsletter.{purpose}_form", token=token, _external=True)
