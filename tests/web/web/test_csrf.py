"""Cross-site request forgery: a form POST without the visitor's own token is refused unread."""

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import Subscriber
from tests.web.helpers import csrf_token


async def sign_up(client: Client, email: str, token: str) -> tuple[int, str]:
    response = await client.post("/newsletter", form={"email": email, "csrf_token": token})
    return response.status_code, await response.get_data(as_text=True)


async def subscribers(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Subscriber)) or 0


@pytest.mark.parametrize("token", ["", "forged-token"])
async def test_a_post_without_the_visitors_token_is_refused(
    client: Client, session: AsyncSession, token: str
) -> None:
    await csrf_token(client)  # the visitor has a session, but the form is forged
    status, page = await sign_up(client, "listener@mailbox.org", token=token)
    assert status == 403
    assert "This form was not sent from this site" in page
    assert await subscribers(session) == 0


async def test_a_forged_token_with_unusual_characters_is_a_403_not_a_500(
    client: Client,
) -> None:
    await csrf_token(client)
    status, _ = await sign_up(client, "listener@mailbox.org", token="é☃")
    assert status == 403
