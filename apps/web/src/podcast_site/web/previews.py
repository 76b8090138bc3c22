"""Signed preview links: a draft's page, for the owner and whoever they send the link to.

The token carries the episode's number and is signed with the site's secret
key (itsdangerous), for its own purpose: it cannot be forged, nor made from
a newsletter link. It expires, so a link sent for review does not show
drafts for ever. `podcast-site preview-link N` prints one.
"""

from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

PREVIEW_LINK_MAX_AGE = timedelta(days=30)
SALT = "episode-preview"


def make_preview_token(secret_key: str, number: int) -> str:
    """Sign an episode's number for its preview link."""
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(number)


def read_preview_token(secret_key: str, token: str) -> int | None:
    """Return the episode number a preview token was made for, or None (forged, or too old)."""
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        number = serializer.loads(token, max_age=int(PREVIEW_LINK_MAX_AGE.total_seconds()))
    except BadSignature:  # SignatureExpired is one too
        return None
    return number if isinstance(number, int) else None
