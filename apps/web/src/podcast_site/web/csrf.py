"""Refuse cross-site form posts by what browsers say of them, with no token and no cookie.

As Go 1.25's net/http CrossOriginProtection does (Filippo Valsorda's "CSRF"
write-up, docs/csrf.md): a browser sends `Sec-Fetch-Site` with every
request, and says `same-origin` only for a request one of our own pages
made (`none`: the visitor typed it, or followed a bookmark). Any other value
is another site's page posting here: refused. A browser too old for
Sec-Fetch-Site (before 2023) still sends `Origin` with a POST, which must
then be this site. A request with neither comes from no browser (curl, a
mail provider's one-click unsubscribe, RFC 8058), so no visitor's cookies
or session can be abused by it, and it is let through.

So the site keeps no session at all (NoSessions): no cookie, no per-visitor
token, and every page is the same for everyone, cacheable by Caddy or a CDN
and free of any secret (no BREACH). A fork that adds logins adds sessions
back, and keeps this check.
"""

from urllib.parse import urlsplit

from quart import Quart, abort, request
from quart.sessions import SecureCookieSession, SecureCookieSessionInterface
from quart.wrappers import BaseRequestWebsocket

# Methods that change nothing, which browsers send cross-site freely (links, images).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What Sec-Fetch-Site says of a request from this site, or from no site at all.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})
REFUSED = "This form was not sent from this site. Please go back, reload the page and try again."


class NoSessions(SecureCookieSessionInterface):
    """Keep no session: no cookie is read or set, and responses never vary by one."""

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SecureCookieSession | None:
        """Open none: Quart then gives a null session, which refuses to be written."""
        return None


def is_same_origin(origin: str) -> bool:
    """Say whether an Origin header names this site (its scheme, host and port)."""
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" == f"{request.scheme}://{request.host}"


async def refuse_cross_origin_posts() -> None:
    """Answer 403 to an unsafe request another site's page made, before any view runs."""
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site not in TRUSTED_FETCH_SITES:
            abort(403, REFUSED)
        return
    origin = request.headers.get("Origin")
    if origin is not None and not is_same_origin(origin):
        abort(403, REFUSED)


def init_app(app: Quart) -> None:
    """Keep no sessions, and check every unsafe request's origin."""
    app.session_interface = NoSessions()
    app.before_request(refuse_cross_origin_posts)
