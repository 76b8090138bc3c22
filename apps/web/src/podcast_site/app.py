"""Build the Quart app: settings, database lifecycle, pages and error handling."""

import hashlib
import logging
from pathlib import Path
from typing import Any

from quart import Quart, Response, request

from podcast_site import database, errors
from podcast_site.settings import Settings
from podcast_site.views import health, pages


def create_app(settings: Settings | None = None) -> Quart:
    """Create the app; tests pass their own settings, servers read the environment."""
    settings = settings or Settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    app = Quart(__name__)
    app.config.update(
        SECRET_KEY=settings.signing_key(),
        # Tracebacks only ever reach a browser on a developer's own machine.
        PROPAGATE_EXCEPTIONS=False,
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.extensions["settings"] = settings
    app.jinja_env.globals["site"] = settings

    database.init_app(app, settings)
    errors.init_app(app)
    add_static_cache_busting(app)
    app.after_request(make_conditional)

    app.register_blueprint(health.blueprint)
    app.register_blueprint(pages.blueprint)
    return app


def add_static_cache_busting(app: Quart) -> None:
    """Append a content hash to every static URL, so Caddy can cache them for a year."""
    static_folder = Path(app.static_folder or "")
    versions = {
        str(path.relative_to(static_folder)): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in static_folder.rglob("*")
        if path.is_file()
    }

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in versions:
            values["v"] = versions[values["filename"]]


async def make_conditional(response: Response) -> Response:
    """Tag successful pages with an ETag so a repeat visit can be a bodiless 304."""
    if request.method in {"GET", "HEAD"} and response.status_code == 200:
        response.headers.setdefault("Cache-Control", "no-cache")
        await response.add_etag(weak=True)
        await response.make_conditional(request)
    return response
