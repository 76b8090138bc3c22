"""Release: a scheduled, draft or removed episode exists nowhere, until its time or its status.

Every URL an episode reaches a listener by, in one place: its page, lists,
the feed, the sitemap, search, the API, its guest's page, the download.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Episode
from podcast_site.web.previews import make_preview_token
from tests.web.factories import add_episode, add_guest

# Every place an episode numbered 2, slug "secret-plans", with the guest
# "gina-guest" and the word "zeppelin" in its title, could show.
LISTINGS = [
    "/",
    "/episodes",
    "/episodes/rss",
    "/sitemap-site.xml",
    "/guests",
    # Episode 1's related episodes, and the topic both episodes have.
    "/episodes/show/1/episode-1",
    "/topics/airships",
    "/search?q=zeppelin",
    "/api/episodes",
    "/api/search?q=zeppelin",
]
OWN_URLS = [
    "/episodes/show/2/secret-plans",
    "/episodes/transcript/2/secret-plans",
    "/episodes/transcript/2/secret-plans.vtt",
    "/episodes/chapters/2/secret-plans.json",
    "/episodes/download/2/secret-plans.mp3",
    "/api/episodes/2",
    "/guests/gina-guest",
    # A topic episode 2 alone has.
    "/topics/zeppelins",
]
# Pages of what episode 2 brings with it, which are no page without it: 404, never 410.
SHARED_PAGES = ("/guests/gina-guest", "/topics/zeppelins")


async def add_unreleased(session: AsyncSession, **fields: object) -> Episode:
    """Add a public episode 1, and episode 2 as `fields` make it (with a guest of its own)."""
    await add_episode(session, 1, tags=["airships"])
    guest = await add_guest(session, "gina-guest", name="Gina Guest")
    return await add_episode(
        session,
        2,
        slug="secret-plans",
        title="Secret zeppelin plans",
        guests=[guest],
        transcript="[00:00:01] Gina: the zeppelin.",
        chapters=[{"start": 0, "title": "Intro"}],
        tags=["airships", "zeppelins"],
        **fields,
    )


async def seen(client: Client) -> dict[str, object]:
    """Return what each URL answers: its status, or for listings whether they name episode 2."""
    answers: dict[str, object] = {}
    for path in LISTINGS:
        response = await client.get(path)
        assert response.status_code == 200, path
        body = await response.get_data(as_text=True)
        answers[path] = "secret-plans" in body or "gina-guest" in body
    for path in OWN_URLS:
        answers[path] = (await client.get(path)).status_code
    return answers


def nowhere(status: int) -> dict[str, object]:
    """Return what a listener sees of an episode nobody may see: no listing, `status` for it."""
    return {path: False for path in LISTINGS} | {
        path: 404 if path in SHARED_PAGES else status for path in OWN_URLS
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"published_at": datetime.now(UTC) + timedelta(days=7)},
        {"status": "draft"},
    ],
    ids=["scheduled", "draft"],
)
async def test_an_episode_that_is_not_out_yet_is_nowhere(
    client: Client, session: AsyncSession, fields: dict[str, object]
) -> None:
    await add_unreleased(session, **fields)
    assert await seen(client) == nowhere(404)


async def test_a_removed_episode_is_gone_everywhere_with_410(
    client: Client, session: AsyncSession
) -> None:
    await add_unreleased(session, status="removed")
    assert await seen(client) == nowhere(410)


async def test_a_scheduled_episode_appears_at_its_time_with_no_write(
    client: Client, session: AsyncSession
) -> None:
    soon = await session.scalar(select(func.statement_timestamp() + timedelta(seconds=1)))
    await add_unreleased(session, published_at=soon)
    before = await client.get("/episodes/rss")
    assert "secret-plans" not in await before.get_data(as_text=True)
    assert (await client.get("/episodes/show/2/secret-plans")).status_code == 404

    await asyncio.sleep(1.2)  # its time comes; nothing is written meanwhile

    # The revision moved by itself, so the feed is not a 304 any more.
    after = await client.get("/episodes/rss", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "secret-plans" in await after.get_data(as_text=True)
    answers = await seen(client)
    assert all(answers[path] is True for path in LISTINGS)
    assert [answers[path] for path in OWN_URLS] == [200, 200, 200, 200, 302, 200, 200, 200]


async def test_a_drafts_signed_preview_shows_it_to_whoever_has_the_link(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    await add_unreleased(session, status="draft")
    token = make_preview_token(app.config["SECRET_KEY"], 2)

    response = await client.get(f"/episodes/preview/{token}")

    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    assert "Secret zeppelin plans" in page and "A preview: this episode is not public" in page
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]
    assert (await client.get(f"/episodes/preview/{token[:-2]}xx")).status_code == 404
    other_purpose = make_preview_token("another key", 2)
    assert (await client.get(f"/episodes/preview/{other_purpose}")).status_code == 404
