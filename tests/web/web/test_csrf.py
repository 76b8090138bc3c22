"""Cross-site request forgery: a post another site's page makes is refused, unread.

The cases Go's CrossOriginProtection tests (docs/csrf.md): what browsers
say in Sec-Fetch-Site, Origin for those that do not send it, and requests
from no browser at all (a mail provider's one-click unsubscribe).
"""

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Subscriber


async def sign_up(client: Client, headers: dict[str, str]) -> int:
    response = await client.post("/newsletter", form={"email": "a@mailbox.org"}, headers=headers)
    return response.status_code


async def subscribers(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Subscriber)) or 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # Sec-Fetch-Site decides
        {"Origin": "https://evil.example"},  # a browser from before Sec-Fetch-Site
        {"Origin": "http://localhost:8443"},  # another port is another origin
        {"Origin": "https://localhost"},  # and another scheme
        {"Origin": "null"},  # a sandboxed frame or a data: page
    ],
)
async def test_a_post_from_another_sites_page_is_refused(
    client: Client, session: AsyncSession, headers: dict[str, str]
) -> None:
    assert await sign_up(client, headers) == 403
    assert await subscribers(session) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},  # our own form
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked: the visitor's own doing
        {"Origin": "http://localhost"},  # an older browser on our own page
        {},  # no browser (curl, a mail provider's one-click unsubscribe): no cookie to abuse
    ],
)
async def test_a_post_from_this_site_or_from_no_browser_goes_through(
    client: Client, session: AsyncSession, headers: dict[str, str]
) -> None:
    assert await sign_up(client, headers) == 303
    assert await subscribers(session) == 1


async def test_safe_methods_are_never_checked(client: Client) -> None:
    response = await client.get("/newsletter", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200


async def test_no_page_sets_a_cookie(client: Client) -> None:
    for path in ("/", "/newsletter", "/episodes", "/search?q=x"):
        response = await client.get(path)
        assert "Set-Cookie" not in response.headers, path
        assert "Cookie" not in response.headers.get("Vary", ""), path
