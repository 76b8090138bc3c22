"""Make repeat requests for content pages cheap.

A content page depends only on its URL, the published content and the code,
so its ETag is a hash of the three. The content part is the content revision,
which database triggers replace on every content write (see models.py); each
worker re-reads it at most every `content_revision_ttl_seconds`. A repeat
visit is then a 304, and a first visit is served from a small per-worker
cache of rendered pages, mostly without touching the database. A content
change reaches everyone within that TTL, with nothing to purge.
"""

import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from quart import Quart, Response, current_app, g, make_response, request
from quart.typing import ResponseReturnValue

from podcast_site import csrf
from podcast_site.database import get_session
from podcast_site.queries import get_content_revision

type View = Callable[..., Awaitable[ResponseReturnValue]]


@dataclass(frozen=True)
class CachedPage:
    """A rendered page body and its content type."""

    body: bytes
    content_type: str


class PageCache:
    """A bounded least-recently-used map of rendered pages, private to one worker."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()

    def get(self, key: str) -> CachedPage | None:
        """Return a cached page and mark it recently used."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        """Cache a page, dropping the least recently used one when full."""
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_entries:
            self._pages.popitem(last=False)


class RevisionClock:
    """The last content revision this worker read, and when it read it."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.revision: uuid.UUID | None = None
        self.read_at = 0.0

    async def current(self) -> uuid.UUID:
        """Return the content revision, asking the database once the last answer is stale."""
        now = self.clock()
        if self.revision is None or now - self.read_at >= self.ttl_seconds:
            self.revision = await get_content_revision(get_session())
            self.read_at = now
        return self.revision


def code_version(package_folder: Path) -> str:
    """Hash the package's code, templates and static files: a deploy changes every ETag."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package_folder.rglob("*")):
        if path.is_file() and path.suffix != ".pyc":
            digest.update(path.read_bytes())
    return digest.hexdigest()


def init_app(app: Quart, max_entries: int, revision_ttl_seconds: float) -> None:
    """Give the app its page cache, its revision clock and the version of its code."""
    app.extensions["page_cache"] = PageCache(max_entries)
    app.extensions["revision_clock"] = RevisionClock(revision_ttl_seconds)
    app.extensions["code_version"] = code_version(Path(app.root_path))


def content_page(
    *,
    max_age: int = 0,
    store: bool = True,
    forms: bool = False,
    uses_query: bool = False,
    cross_origin: bool = False,
) -> Callable[[View], View]:
    """Serve a view that depends only on URL and content with ETags and a page cache.

    `max_age` lets clients reuse the page without asking (feeds); 0 means
    "ask every time", which then costs a 304. `store=False` keeps the ETag but
    skips the cache, for URLs with endless variants (search queries).
    `forms=True` is for pages with a form: the page is rendered and cached
    once with a placeholder where the CSRF token goes, and each visitor gets
    their own token swapped in (so the page and its ETag are private).
    `uses_query=True` is for views that read the query string; for the others
    `?utm_source=...` and the like share one cached page.
    `cross_origin=True` lets scripts on any site read the response (CORS), for
    files that web players fetch from their own pages: transcripts, chapters.
    Responses other than 200 (redirects, 404s) pass through untouched.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        async def cached_view(*args: object, **kwargs: object) -> ResponseReturnValue:
            revision = await current_app.extensions["revision_clock"].current()
            path = request.full_path if uses_query else request.path
            key = f"{revision}|{request.host}|{path}"
            token = csrf.csrf_token() if forms else ""
            version = current_app.extensions["code_version"]
            etag = hashlib.blake2b(f"{version}|{key}|{token}".encode(), digest_size=16)
            headers = {
                "Cache-Control": (
                    "private, no-cache"
                    if forms
                    else f"public, max-age={max_age}"
                    if max_age
                    else "public, no-cache"
                ),
                "ETag": f'W/"{etag.hexdigest()}"',
            }
            if cross_origin:
                # Public data, and a `*` never lets a browser send cookies along.
                headers["Access-Control-Allow-Origin"] = "*"
            if request.if_none_match.contains_weak(etag.hexdigest()):
                return Response(status=304, headers=headers)

            cache: PageCache = current_app.extensions["page_cache"]
            page = cache.get(key) if store else None
            if page is None:
                g.render_csrf_placeholder = forms
                try:
                    response = await make_response(await view(*args, **kwargs))
                finally:
                    g.render_csrf_placeholder = False
                if response.status_code != 200 or not isinstance(response, Response):
                    return response
                body = await response.get_data(as_text=False)
                page = CachedPage(body, response.content_type or "")
                if store:
                    cache.put(key, page)
            body = (
                page.body.replace(csrf.PLACEHOLDER.encode(), token.encode()) if forms else page.body
            )
            return Response(body, content_type=page.content_type, headers=headers)

        return cached_view

    return decorator
