"""Answer every error with a page in the site's layout (JSON under /api/), never a traceback."""

import json
import logging
import traceback
from typing import Any

from quart import Quart, Response, current_app, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import BadHost, HTTPException

from podcast_site.core.database import is_database_unavailable
from podcast_site.web.templating import render

log = logging.getLogger(__name__)

# Enough of a path to recognise it in the log; a hostile one may be 10 KB.
LOGGED_PATH_LENGTH = 200


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
