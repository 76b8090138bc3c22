"""Answer the liveness and readiness probes of Docker and Caddy."""

from quart import Blueprint, Response

from podcast_site.database import get_database
from podcast_site.errors import DATABASE_UNAVAILABLE

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
async def health() -> Response:
    """Say the process serves requests; never touches the database."""
    return Response("ok\n", content_type="text/plain", headers={"Cache-Control": "no-store"})


@blueprint.get("/ready")
async def ready() -> Response:
    """Say whether requests can be served, which needs the database."""
    headers = {"Cache-Control": "no-store"}
    try:
        await get_database().ping()
    except DATABASE_UNAVAILABLE:
        return Response("database unavailable\n", 503, content_type="text/plain", headers=headers)
    return Response("ready\n", content_type="text/plain", headers=headers)
