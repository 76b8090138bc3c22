"""Small helpers the app tests share."""

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import html5lib
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site.app import create_app
from podcast_site.core.database import get_database
from podcast_site.core.settings import Settings


async def page_text(client: Client, path: str, status: int = 200) -> str:
    """GET a page, check its status, and return its body."""
    response = await client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return await response.get_data(as_text=True)


# What a browser sends with a form posted from one of the site's own pages.
FROM_OUR_PAGE = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


def parse_html(page: str) -> ElementTree.Element:
    """Parse a page as browsers do, failing on any HTML parse error (html5lib in strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document: ElementTree.Element = parser.parse(page)
    return document


def linked_data(document: ElementTree.Element) -> list[dict[str, Any]]:
    """Return the JSON-LD objects in a parsed page's `<script type="application/ld+json">`."""
    return [
        json.loads(script.text or "")
        for script in document.iter("script")
        if script.get("type") == "application/ld+json"
    ]


def meta_properties(document: ElementTree.Element) -> dict[str, str]:
    """Return a parsed page's `<meta property=... content=...>` (OpenGraph) and `name=` tags."""
    return {
        meta.get("property") or meta.get("name") or "": meta.get("content") or ""
        for meta in document.iter("meta")
        if meta.get("content") is not None
    }


@asynccontextmanager
async def app_with_site_file(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], site_file: Path
) -> AsyncIterator[Quart]:
    """Run the app for another show (site.toml), its requests inside the test's transaction."""
    app = create_app(settings.model_copy(update={"site_file": site_file}))
    async with app.test_app():
        database = get_database(app)
        database.sessionmaker = database.autocommit = sessionmaker
        yield app
