"""Answer every error with a page in the site's layout (JSON under /api/), never a traceback."""

import json
import logging
import traceback
from typing import Any

import asyncpg
import sqlalchemy.exc
from quart import Quart, Response, current_app, request
from quart_schema import RequestSchemaValidationError
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from werkzeug.exceptions import BadHost, HTTPException

from podcast_site.web.templating import render

log = logging.getLogger(__name__)

# Errors Postgres itself reports while it cannot serve, by SQLSTATE class:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutting down, starting up, statement timeout),
# 58 system error.
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
# The driver out of step with the server. When Postgres shuts down, it ends
# each idle connection with a FATAL error, which asyncpg reads as out of turn;
# a query in the moment before it reads the socket's close fails so (asyncpg
# issue 1069). Two tasks using one connection at once, a bug, are refused
# before this, as an InterfaceError.
OUT_OF_STEP_ERRORS = (asyncpg.InternalClientError, AsyncAdapt_asyncpg_dbapi.InternalClientError)
# Enough of a path to recognise it in the log; a hostile one may be 10 KB.
LOGGED_PATH_LENGTH = 200


class DatabaseUnavailableError(Exception):
    """The database cannot answer, and nothing can stand in for it (a 503)."""


def is_database_unavailable(error: BaseException) -> bool:
    """Say whether an error means "the database cannot answer now" (503), not a bug (500)."""
    if isinstance(error, DatabaseUnavailableError):
        return True
    if isinstance(error, sqlalchemy.exc.TimeoutError):
        return True  # no pooled connection came free in time: overloaded, not broken
    # Bare from direct reads (database.fetch), wrapped by the session.
    cause = error.orig if isinstance(error, sqlalchemy.exc.DBAPIError) else error
    if isinstance(cause, OUT_OF_STEP_ERRORS):
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        # SQLAlchemy marks lost connections; Postgres says why it refused.
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, asyncpg.PostgresError):
        # The same, from reads that run on the driver itself (database.fetch).
        return (error.sqlstate or "").startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, sqlalchemy.exc.EmulatedDBAPIException):
        # The same, when the pool connects for such a read: SQLAlchemy's
        # asyncpg adapter has wrapped the driver's error, SQLSTATE and all.
        sqlstate = getattr(error, "sqlstate", None) or ""
        return sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, OSError | TimeoutError):
        # While connecting, asyncpg raises these unwrapped: refused, the name
        # `db` does not resolve (its container is down), or no answer. The
        # same errors from anywhere else are bugs.
        return any(
            "/asyncpg/" in frame.filename for frame in traceback.extract_tb(error.__traceback__)
        )
    return False


async def render_error(
    status: int,
    title: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    trace: str | None = None,
) -> Response:
    """Render the error as JSON for the API, else as the site's error page (text if it cannot)."""
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"status": status, "error": title, "message": message}
        if details:
            body["details"] = details
        if trace:
            body["traceback"] = trace
        return Response(json.dumps(body), status=status, content_type="application/json")
    if isinstance(request.routing_exception, BadHost):
        # A Host no URL can be built for (`a..b`): the layout's links cannot
        # be either. Caddy passes only the site's own; this is a direct request.
        return Response(f"{title}: {message}\n", status=status, mimetype="text/plain")
    page = render("error.html", status=status, title=title, message=message, trace=trace)
    return Response(page, status=status)


async def log_client_error(response: Response) -> Response:
    """Log a 4xx answer as one line: a bad link or a probe is not a bug, so no traceback.

    The path is escaped, so a CR/LF in it cannot forge a line of the log.
    """
    if 400 <= response.status_code < 500:
        path = request.path[:LOGGED_PATH_LENGTH].encode("unicode_escape").decode("ascii")
        log.info("%s %s %d", request.method, path, response.status_code)
    return response


def init_app(app: Quart) -> None:
    """Register the handlers for HTTP errors, bad API input, an unavailable database and crashes."""
    app.after_request(log_client_error)

    @app.errorhandler(RequestSchemaValidationError)
    async def invalid_request(error: RequestSchemaValidationError) -> Response:
        cause = error.validation_error
        details = (
            json.loads(cause.json(include_url=False, include_context=False))
            if hasattr(cause, "json")
            else [{"msg": str(cause)}]
        )
        problems = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in details)
        return await render_error(400, "Bad Request", f"Invalid parameters: {problems}", details)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = await render_error(status, error.name, error.description or "")
        # Keep the headers the error carries (Allow on a 405, Retry-After on a 429).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    async def database_unavailable(error: Exception) -> Response:
        log.warning("database unavailable: %r", error)
        response = await render_error(
            503,
            "Back in a moment",
            "The site cannot reach its database right now. Please try again shortly.",
        )
        response.headers["Retry-After"] = "5"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    async def unexpected_error(error: Exception) -> Response:
        if is_database_unavailable(error):
            return await database_unavailable(error)
        log.exception("unhandled error", exc_info=error)
        return await render_error(
            500,
            "Something went wrong",
            "The error has been logged. Please try again later.",
            # Development only: production refuses to start with DEBUG on.
            trace="".join(traceback.format_exception(error)) if current_app.debug else None,
        )
