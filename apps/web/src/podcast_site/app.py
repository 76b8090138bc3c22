"""Build the Quart app: settings, database lifecycle, pages, API and error handling."""

import logging

from quart import Quart

from podcast_site.background import announcer, housekeeping, mailer
from podcast_site.core import database
from podcast_site.core.settings import Settings, attach_settings
from podcast_site.core.show import attach_show, read_show
from podcast_site.views import episodes, feeds, health, newsletter, pages, search
from podcast_site.views.api import openapi, routes
from podcast_site.web import (
    csrf,
    error_pages,
    inputs,
    page_cache,
    paging,
    rate_limits,
    static_files,
    templating,
    user_agents,
)


def create_app(settings: Settings | None = None) -> Quart:
    """Create the app; tests pass their own settings, servers read the environment."""
    settings = settings or Settings()
    show = read_show(settings.site_file)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    app = Quart(__name__)
    app.debug = settings.debug
    app.config.update(
        SECRET_KEY=settings.signing_key(),
        # Tracebacks never reach a browser; they go to the log.
        PROPAGATE_EXCEPTIONS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    attach_settings(app, settings)
    attach_show(app, show)

    templating.init_app(app, show)
    paging.init_app(app)
    database.init_app(app, settings)
    housekeeping.init_app(app)
    mailer.init_app(app)
    announcer.init_app(app)
    error_pages.init_app(app)
    # Before the cross-origin check (csrf): bad input is refused unread, and
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
    openapi.init_app(app, show)
    static_files.init_app(app)
    user_agents.init_app(app)

    for module in (health, pages, episodes, search, feeds, newsletter, routes):
        app.register_blueprint(module.blueprint)
    return app
