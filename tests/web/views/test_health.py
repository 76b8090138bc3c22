"""The liveness and readiness probes."""

from quart import Quart
from quart.typing import TestClientProtocol as Client

from podcast_site.app import create_app
from podcast_site.core.settings import Settings


async def test_health_answers_with_the_version_without_the_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "ok dev\n"
    assert response.headers["Cache-Control"] == "no-store"


async def test_ready_when_the_database_answers(client: Client) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "ready\n"


async def test_ready_is_503_not_500_when_the_database_is_down(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens, so every connection is refused at once.
    app: Quart = create_app(settings.model_copy(update={"db_host": "127.0.0.1", "db_port": 1}))
    async with app.test_app():
        response = await app.test_client().get("/ready")
    assert response.status_code == 503
    assert "database unavailable" in await response.get_data(as_text=True)


async def test_pages_are_503_with_retry_after_when_the_database_is_down(
    settings: Settings,
) -> None:
    app: Quart = create_app(settings.model_copy(update={"db_host": "127.0.0.1", "db_port": 1}))
    async with app.test_app():
        response = await app.test_client().get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Back in a moment" in await response.get_data(as_text=True)
