"""Error pages: in the site's layout, with the right status, never a traceback."""

import logging

import asyncpg
import pytest
from pydantic import SecretStr
from quart import Quart
from quart.typing import TestClientProtocol as Client

from podcast_site.app import create_app
from podcast_site.core.settings import Settings


async def test_a_wrong_method_is_a_405_page_with_allow(client: Client) -> None:
    response = await client.post("/episodes", form={}, headers={"Sec-Fetch-Site": "cross-site"})
    # The cross-origin check runs first, so a forged POST never reaches routing...
    assert response.status_code == 403
    response = await client.delete("/episodes")
    # ...while other methods get the method error, with the methods that work.
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert 'class="site-header"' in await response.get_data(as_text=True)


@pytest.mark.parametrize("app_env", ["development", "production"])
async def test_a_crash_is_a_500_page_without_the_traceback(
    settings: Settings, app_env: str
) -> None:
    # model_copy does not validate: give the secrets their real type.
    overrides = {
        "app_env": app_env,
        "secret_key": SecretStr("k" * 40),
        "db_password": SecretStr("p" * 20),
    }
    app: Quart = create_app(settings.model_copy(update=overrides))

    @app.get("/crash")
    async def crash() -> str:
        raise RuntimeError("secret internals")

    async with app.test_app():
        response = await app.test_client().get("/crash")
    page = await response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and 'class="site-header"' in page
    assert "secret internals" not in page and "Traceback" not in page


async def test_debug_shows_the_traceback_and_production_refuses_it(settings: Settings) -> None:
    app: Quart = create_app(settings.model_copy(update={"debug": True}))

    @app.get("/crash")
    async def crash() -> str:
        raise RuntimeError("look here")

    async with app.test_app():
        page = await (await app.test_client().get("/crash")).get_data(as_text=True)
    assert "Traceback" in page and "RuntimeError: look here" in page
    with pytest.raises(ValueError, match="DEBUG must be off"):
        Settings(app_env="production", secret_key="k" * 64, db_password="p" * 64, debug=True)


async def test_an_api_error_is_json(client: Client) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert (await response.get_json())["error"] == "Not Found"


async def status_when_a_view_raises(settings: Settings, error: Exception) -> int:
    """Return the status the app answers with when a view raises `error`."""
    app: Quart = create_app(settings)

    @app.get("/fails")
    async def fails() -> str:
        raise error

    async with app.test_app():
        response = await app.test_client().get("/fails")
    return response.status_code


async def test_a_database_that_cannot_answer_is_a_503_page_and_a_bug_a_500(
    settings: Settings,
) -> None:
    # Which errors mean "cannot answer" is the database module's (tests/web/core).
    unavailable = asyncpg.exceptions.AdminShutdownError("terminating connection")
    assert await status_when_a_view_raises(settings, unavailable) == 503
    bug = asyncpg.exceptions.UniqueViolationError("duplicate key")
    assert await status_when_a_view_raises(settings, bug) == 500


@pytest.mark.parametrize("host", ["a..b", ".", "x" * 64 + ".example"])
async def test_a_host_no_url_can_be_built_for_is_a_plain_400(
    client: Client, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert (await client.get("/api/episodes", headers={"Host": host})).status_code == 400
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
