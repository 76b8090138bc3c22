"""Answer the liveness and readiness probes of Docker and Caddy."""

from quart import Blueprint, Response

from podcast_site.core.database import get_database, is_database_unavailable
from podcast_site.core.settings import get_settings

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
async def health() -> Response:
    """Say the process serves requests, and which version; never touches the database."""
    version = get_settings().app_version
    body = f"ok {version}\n"
    return Response(body, content_type="text/plain", headers={"Cache-Control": "no-store"})


@blueprint.get("/ready")
async def ready() -> Response:
    """Say whether requests can be served, which needs the database."""
    headers = {"Cache-Control": "no-store"}
    try:
        await get_database().ping()
    except Exception as error:
        if not is_database_unavailable(error):
            raise
        return Response("database unavailable\n", 503, content_type="text/plain", headers=headers)
    return Response("ready\n", content_type="text/plain", headers=headers)
