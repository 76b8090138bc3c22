"""Protect forms against cross-site request forgery with a per-visitor token.

The token lives in the visitor's signed session cookie and in a hidden field of
each form; a POST whose field does not match its cookie was not sent from one
of our pages, and is refused before any view runs.
"""

import hmac
import secrets
from collections.abc import Callable

from quart import Quart, abort, current_app, g, request, session
from werkzeug.datastructures import MultiDict

FIELD = "csrf_token"
# What a page cached for everyone carries where the token goes; each response
# swaps in the visitor's own token (see page_cache.cached_page). Random, so no
# content can ever contain it by accident.
PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


def csrf_token() -> str:
    """Return this visitor's token, creating it on first use (templates call this)."""
    if g.get("render_csrf_placeholder"):
        return PLACEHOLDER
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    token: str = session[FIELD]
    return token


type FormTest = Callable[[MultiDict[str, str]], bool]
EXEMPT_WHEN = "csrf_exempt_when"


def exempt_when[View: Callable[..., object]](test: FormTest) -> Callable[[View], View]:
    """Let a view take POSTs without the token when their form passes `test`.

    Only for views whose URL authorises the request by itself (a signed link).
    """

    def decorator(view: View) -> View:
        setattr(view, EXEMPT_WHEN, test)
        return view

    return decorator


async def check_csrf_token() -> None:
    """Refuse any form POST without the visitor's token (403, nothing is processed)."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return
    form = await request.form
    view = current_app.view_functions.get(request.endpoint or "")
    exempt: FormTest | None = getattr(view, EXEMPT_WHEN, None)
    if exempt is not None and exempt(form):
        return
    sent = form.get(FIELD, "")
    expected = session.get(FIELD, "")
    # Compared as bytes: compare_digest refuses non-ASCII str (a forged token may be).
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(
            403,
            "This form was not sent from this site, or it expired. "
            "Please go back, reload the page and try again.",
        )


def init_app(app: Quart) -> None:
    """Check every POST, and let templates write `{{ csrf_token() }}`."""
    app.before_request(check_csrf_token)
    app.jinja_env.globals["csrf_token"] = csrf_token
