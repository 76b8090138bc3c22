"""Build the Quart app: settings, database lifecycle, pages, API and error handling."""

import logging
from pathlib import Path
from typing import Any

from quart import Quart, Response, request
from quart.wrappers.response import FileBody
from quart_schema import Info, QuartSchema

from podcast_site.background import housekeeping, mailer
from podcast_site.core import database
from podcast_site.core.settings import Settings
from podcast_site.core.show import read_identity
from podcast_site.views import episodes, feeds, health, newsletter, pages, search
from podcast_site.views.api import routes as api
from podcast_site.web import csrf, error_pages, inputs, page_cache, rate_limits, templating
from podcast_site.web.static_names import hashed_names


def create_app(settings: Settings | None = None) -> Quart:
    """Create the app; tests pass their own settings, servers read the environment."""
    settings = settings or Settings()
    identity = read_identity(settings.site_file)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    app = Quart(__name__)
    app.response_class = SiteResponse
    app.debug = settings.debug
    app.config.update(
        SECRET_KEY=settings.signing_key(),
        # Tracebacks never reach a browser; they go to the log.
        PROPAGATE_EXCEPTIONS=False,
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["settings"] = settings
    app.extensions["identity"] = identity

    templating.init_app(app, identity)
    database.init_app(app, settings)
    housekeeping.init_app(app)
    mailer.init_app(app)
    error_pages.init_app(app)
    # Before CSRF, which parses the form: bad input is refused unread, and
    # the limits count forged posts too.
    inputs.init_app(app)
    rate_limits.init_app(app)
    csrf.init_app(app)
    page_cache.init_app(
        app,
        settings.page_cache_entries,
        settings.page_cache_megabytes * 2**20,
        settings.content_revision_ttl_seconds,
    )
    # Only the machine-readable description: the interactive docs pages load
    # their scripts from public CDNs, which the site's CSP rightly refuses.
    QuartSchema(
        app,
        info=Info(title=f"{identity.name} API", version="1"),
        openapi_provider_class=api.ApiOnlyOpenAPIProvider,
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    add_static_cache_busting(app)
    app.after_request(make_conditional)

    for module in (health, pages, episodes, search, feeds, newsletter, api):
        app.register_blueprint(module.blueprint)
    return app


class SuffixRangeFileBody(FileBody):
    """A file that can also be sent in part from its end (`Range: bytes=-500`).

    Quart (0.23) keeps such a range's negative start, and werkzeug then refuses
    to write its Content-Range: a 500. The app sends files only when Caddy
    lacks one (the static files of a deploy in progress), but it must not fail.
    """

    async def make_conditional(self, begin: int, end: int | None) -> int:
        """Turn a suffix range into the bytes it means, then select them as Quart does."""
        if begin < 0:  # the last -begin bytes, or all of a shorter file (RFC 9110, 14.1.2)
            begin = max(0, self.size + begin)
        return await super().make_conditional(begin, end)


class SiteResponse(Response):
    """Quart's response, with files that can also be sent from their end (a suffix range)."""

    file_body_class = SuffixRangeFileBody


def add_static_cache_busting(app: Quart) -> None:
    """Give every static file a URL that changes with its content.

    Caddy serves those URLs from its own copies with a one-year `immutable`
    cache: a URL never means two different files. During a deploy, when one
    side is newer than the other, Caddy passes a name it does not have to the
    app, which serves it from here (the preprocessor maps it back to the file).
    """
    hashed = hashed_names(Path(app.static_folder or ""))
    plain = {hashed_path: name for name, hashed_path in hashed.items()}

    @app.url_defaults
    def use_hashed_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in hashed:
            values["filename"] = hashed[values["filename"]]

    @app.url_value_preprocessor
    def find_hashed_file(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if endpoint == "static" and values and values.get("filename") in plain:
            values["filename"] = plain[values["filename"]]


async def make_conditional(response: Response) -> Response:
    """Tag other successful pages with an ETag, so a repeat visit can be a bodiless 304.

    Pages not served by `page_cache.content_page` may be personal (the CSRF token
    in a form), so they are `private`: only the visitor's browser may keep them.
    Those served by it carry its ETag and have answered `If-None-Match` already.
    """
    if (
        request.method in {"GET", "HEAD"}
        and response.status_code == 200
        and "ETag" not in response.headers
    ):
        response.headers.setdefault("Cache-Control", "private, no-cache")
        await response.add_etag(weak=True)
        await response.make_conditional(request)
    return response
