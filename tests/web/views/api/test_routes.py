"""The JSON API: pagination, validation errors, and its OpenAPI description."""

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from tests.web.factories import add_episode, add_guest


@pytest.fixture
async def episodes(session: AsyncSession) -> None:
    guest = await add_guest(session, "ada-example", name="Ada Example")
    for number in range(1, 26):
        await add_episode(session, number, guests=[guest] if number == 25 else [])


@pytest.mark.usefixtures("episodes")
async def test_episodes_come_a_page_at_a_time(client: Client) -> None:
    first = await (await client.get("/api/episodes?per_page=10")).get_json()
    assert [item["number"] for item in first["items"]] == list(range(25, 15, -1))
    assert first["total"] == 25
    assert first["items"][0]["guests"] == [
        {"name": "Ada Example", "url": "http://localhost/guests/ada-example"}
    ]
    assert first["next_page"] == "http://localhost/api/episodes?page=2&per_page=10"

    last = await (await client.get("/api/episodes?page=3&per_page=10")).get_json()
    assert [item["number"] for item in last["items"]] == [5, 4, 3, 2, 1]
    assert last["next_page"] is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/api/episodes?per_page=0", "per_page: Input should be greater than or equal to 1"),
        ("/api/episodes?per_page=101", "per_page: Input should be less than or equal to 100"),
        ("/api/episodes?page=abc", "page: Input should be a valid integer"),
        ("/api/episodes?page=-1", "page: Input should be greater than or equal to 1"),
        # pydantic would read each of these as 20: five URLs, five cached copies.
        *(
            (f"/api/episodes?per_page={twenty}", "per_page: Input should be a valid integer, in")
            for twenty in ("020", "%2B20", "%2020", "2_0", "20.0")
        ),
        ("/api/search?q=x&limit=05", "limit: Input should be a valid integer, in plain digits"),
    ],
)
async def test_bad_parameters_are_a_400_with_a_clear_message(
    client: Client, url: str, problem: str
) -> None:
    response = await client.get(url)
    assert response.status_code == 400
    body = await response.get_json()
    assert body["error"] == "Bad Request"
    assert problem in body["message"]


@pytest.mark.usefixtures("episodes")
async def test_one_episode_in_detail(client: Client) -> None:
    body = await (await client.get("/api/episodes/25")).get_json()
    assert body["number"] == 25
    assert body["url"] == "http://localhost/episodes/show/25/episode-25"
    assert body["audio_url"] == "http://localhost/episodes/download/25/episode-25.mp3"
    assert body["transcript_url"] is None


async def test_an_unknown_episode_is_a_json_404(client: Client) -> None:
    response = await client.get("/api/episodes/999")
    assert response.status_code == 404
    assert await response.get_json() == {
        "status": 404,
        "error": "Not Found",
        "message": "There is no episode 999.",
    }


async def test_search_returns_ranked_results_with_plain_snippets(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 1, title="Postgres backups", summary="All about backups.")
    body = await (await client.get("/api/search?q=backups&limit=5")).get_json()
    assert [item["number"] for item in body["items"]] == [1]
    assert body["total"] == 1
    assert "<mark>" not in body["items"][0]["snippet"]
    assert "backups" in body["items"][0]["snippet"]


@pytest.mark.parametrize("query", ["", "q=", "q=" + "x" * 201, "q=a&limit=51"])
async def test_search_validates_its_parameters(client: Client, query: str) -> None:
    response = await client.get(f"/api/search?{query}")
    assert response.status_code == 400
    assert "Invalid parameters" in (await response.get_json())["message"]


async def test_the_openapi_document_describes_the_api_only(client: Client) -> None:
    document = await (await client.get("/openapi.json")).get_json()
    assert set(document["paths"]) == {
        "/api/episodes",
        "/api/episodes/{number}",
        "/api/search",
    }
    parameters = document["paths"]["/api/episodes"]["get"]["parameters"]
    assert {parameter["name"] for parameter in parameters} == {"page", "per_page"}


async def test_the_openapi_document_states_every_status_and_required_parameter(
    client: Client,
) -> None:
    document = await (await client.get("/openapi.json")).get_json()
    operations = {path: item["get"] for path, item in document["paths"].items()}
    assert {path: sorted(op["responses"]) for path, op in operations.items()} == {
        "/api/episodes": ["200", "400", "429"],
        "/api/episodes/{number}": ["200", "400", "404", "410", "429"],
        "/api/search": ["200", "400", "429"],
    }
    q = next(p for p in operations["/api/search"]["parameters"] if p["name"] == "q")
    assert q["required"] is True
    (number,) = operations["/api/episodes/{number}"]["parameters"]
    assert number["schema"] | {"minimum": 1, "maximum": 2**31 - 1} == number["schema"]
    too_many = operations["/api/search"]["responses"]["429"]
    assert too_many["headers"]["retry-after"]["required"] is True

    # The documented error is what web/error_pages.py sends.
    schema = operations["/api/episodes/{number}"]["responses"]["404"]["content"]
    error_schema = schema["application/json"]["schema"]
    body = await (await client.get("/api/episodes/999")).get_json()
    assert set(error_schema["required"]) <= set(body) <= set(error_schema["properties"])
