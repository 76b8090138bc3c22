"""Hostile input: every route, every path variable, query string, form and method; never a 5xx.

The tests walk `app.url_map`, so a new route is covered the day it is added,
and a new kind of path variable fails until it has a valid example below.
"""

import logging
import re
from collections.abc import AsyncIterator, Sequence

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from werkzeug.routing import AnyConverter, PathConverter, Rule

from podcast_site.app import create_app
from podcast_site.core.database import Database, get_database
from podcast_site.core.settings import RateLimit, Settings
from podcast_site.web.inputs import (
    EpisodeNumberConverter,
    SlugConverter,
    TokenConverter,
    clean_search,
)
from tests.web.factories import add_episode, add_guest

# As they appear in a URL: percent-encoded where a browser would encode.
HOSTILE_VALUES = [
    str(2**31),  # one past Postgres's integer
    str(2**63),  # one past bigint
    "1" + "0" * 100,  # past any integer type
    "-1",
    "0",
    "%00",
    "a%00b",
    "%FF%FE",  # not UTF-8
    "%C0%AF",  # an overlong "/", not UTF-8 either
    "x" * 10_240,
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f",
    "%0d%0aSet-Cookie:%20evil=1",  # CRLF: a forged header or log line
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "'%20OR%201=1--",
]
# Every query parameter a view reads, and one none does; all at once, since
# the API's validation reports every bad parameter, not just the first.
QUERY_PARAMETERS = ["q", "page", "per_page", "limit", "utm_source"]
ODD_METHODS = ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]
# A value each kind of path variable accepts, so that the others' hostile
# values reach the view; a new converter needs an entry here.
VALID_EXAMPLES: dict[type, str] = {
    EpisodeNumberConverter: "1",
    SlugConverter: "episode-1",
    TokenConverter: "not-a-signed-token",
    PathConverter: "site.css",
    AnyConverter: "mp3",  # an audio file's extension
}
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def url_for_rule(rule: Rule, **overrides: str) -> str:
    """Fill a rule's variables with valid examples, except those given."""
    examples = {}
    for name, converter in rule._converters.items():
        assert type(converter) in VALID_EXAMPLES, f"add a valid example for {type(converter)}"
        examples[name] = VALID_EXAMPLES[type(converter)]
    values = examples | overrides
    return VARIABLE.sub(lambda match: values[match[1]], rule.rule)


@pytest.fixture
async def hostile_app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> AsyncIterator[Quart]:
    """The app with rows for the valid examples, and limits that never stop a request."""
    guest = await add_guest(session, "ada-example")
    await add_episode(
        session, 1, slug="episode-1", guests=[guest], transcript="[00:00:01] A: b",
        chapters=[{"start": 0, "title": "All of it"}],
    )  # fmt: skip
    unlimited = RateLimit(requests=10**9, seconds=60)
    names = ("rate_limit_search", "rate_limit_api", "rate_limit_signup")
    app = create_app(settings.model_copy(update=dict.fromkeys(names, unlimited)))
    async with app.test_app():
        database: Database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        yield app


async def send_everywhere(
    client: Client, requests: Sequence[tuple[str, str, bytes | None]]
) -> list[str]:
    """Send (method, path, body) requests; return those answered 5xx, with their status."""
    failures = []
    for method, path, body in requests:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        # quart.typing's protocol leaves out json's default, which the client has.
        response = await client.open(path, method=method, data=body, headers=headers)  # type: ignore[call-arg]
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {method} {path[:120]}")
    return failures


def rules(app: Quart) -> list[Rule]:
    """Return every rule of the app."""
    return list(app.url_map.iter_rules())


async def test_hostile_path_variables_are_never_a_server_error(
    hostile_app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    requests = [
        (method, url_for_rule(rule, **{name: value}), None)
        for rule in rules(hostile_app)
        for name in rule.arguments
        for value in HOSTILE_VALUES
        for method in sorted(rule.methods or ())
    ]
    assert len(requests) > 500
    assert await send_everywhere(hostile_app.test_client(), requests) == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_hostile_query_strings_are_never_a_server_error(
    hostile_app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    requests = [
        (
            method,
            f"{url_for_rule(rule)}?" + "&".join(f"{p}={value}" for p in QUERY_PARAMETERS),
            None,
        )
        for rule in rules(hostile_app)
        for value in HOSTILE_VALUES
        # HEAD and OPTIONS take the same path through the app as GET.
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert await send_everywhere(hostile_app.test_client(), requests) == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_hostile_forms_and_odd_methods_are_never_a_server_error(
    hostile_app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    client = hostile_app.test_client()
    bodies = [f"email={value}".encode() for value in HOSTILE_VALUES] + [
        b"email=\xff\xfe@example.org",  # raw bytes, not UTF-8
        b"\x00" * 1024,
    ]
    requests = [
        (method, url_for_rule(rule), body)
        for rule in rules(hostile_app)
        for method in [*sorted(rule.methods or ()), *ODD_METHODS]
        for body in (bodies if method in {"POST", "PUT", "PATCH"} else [None])
    ]
    assert await send_everywhere(client, requests) == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "path",
    [
        "/episodes/show/2147483648/episode-1",
        "/episodes/show/0/episode-1",
        "/episodes/transcript/99999999999",
        "/episodes/transcript/2147483648/episode-1.vtt",
        "/episodes/transcript/1/episode-1.vtt.srt",
        "/episodes/chapters/1/Episode_1.json",
        "/episodes/download/9223372036854775808/episode-1.mp3",
        "/api/episodes/2147483648",
        "/guests/a%00b",
        "/guests/Ada_Example",
        "/guests/" + "a" * 201,
        # Each segment short enough, the whole longer than a file path may be.
        "/static/" + "/".join(["a" * 250] * 17),
        "/newsletter/confirm/%00",
    ],
)
async def test_values_no_row_can_have_match_no_route(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404


async def test_a_number_in_a_path_is_written_plainly(client: Client, session: AsyncSession) -> None:
    # `01` and `1` would be two URLs, and two cached copies, of one page.
    await add_episode(session, 1)
    for found, missing in [
        ("/episodes/show/1/episode-1", "/episodes/show/01/episode-1"),
        ("/api/episodes/1", "/api/episodes/01"),
    ]:
        assert (await client.get(found)).status_code == 200, found
        assert (await client.get(missing)).status_code == 404, missing


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("q=back%00ups", "contains control characters"),
        ("q=%07", "contains control characters"),
        ("q=%FF%FE", "is not valid UTF-8"),
        ("q=%F0%28%8C%BC", "is not valid UTF-8"),
        ("q=" + "x" * 4096, "is longer than 4096 bytes"),
    ],
)
async def test_unreadable_query_strings_are_a_400_with_the_reason(
    client: Client, query: str, problem: str
) -> None:
    page = await client.get(f"/search?{query}")
    assert page.status_code == 400
    assert problem in await page.get_data(as_text=True)
    api = await client.get(f"/api/search?{query}")
    assert api.status_code == 400
    assert problem in (await api.get_json())["message"]


async def test_a_form_that_is_not_utf8_is_a_400_before_a_view_reads_it(client: Client) -> None:
    response = await client.post(
        "/newsletter",
        data=b"email=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "The form is not valid UTF-8 text." in await response.get_data(as_text=True)


async def test_a_client_error_is_one_log_line_without_a_traceback(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="podcast_site.web.error_pages"):
        await client.get("/guests/no-one%0d%0aforged")
    (record,) = [r for r in caplog.records if r.name == "podcast_site.web.error_pages"]
    assert record.getMessage() == "GET /guests/no-one\\r\\nforged 404"
    assert record.exc_info is None


def test_searches_are_squeezed_to_single_spaces() -> None:
    # NUL and the other control characters never get that far (above).
    assert clean_search("  back ups\t\n caching\r\n ") == "back ups caching"
