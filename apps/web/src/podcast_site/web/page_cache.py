"""Make repeat requests for content pages cheap, and keep them up when the database is not.

A content page depends only on its URL, the published content, the code and
the show (site.toml), so its ETag is a hash of the four. The content part is the content revision,
which database triggers replace on every content write (see core/models.py); each
worker re-reads it at most every `content_revision_ttl_seconds`. A repeat
visit is then a 304, and a first visit is served from a small per-worker
cache of rendered pages, mostly without touching the database. A content
change reaches everyone within that TTL, with nothing to purge.

A cached page is also kept compressed (gzip and zstd, each made once, when a
client asks for a page already cached), so the feed that podcast apps poll
around the clock costs no compression per request, here or in Caddy (which
leaves a response that is already encoded alone). A page just rendered goes
out uncompressed, for Caddy's quicker compression. The cache is bounded in bytes.
Each page is rendered, and each encoding made, by one request at a time:
the others asking for it meanwhile wait and take the result, so a page that
just left the cache (a content change) costs one rendering, not one per
request in flight.
While the database cannot answer, a page that is in the cache is served
from it, marked stale (`Cache-Status`), instead of a 503.
"""

import asyncio
import contextlib
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

import zstandard
from quart import Quart, Response, current_app, make_response, request
from quart.typing import ResponseReturnValue

from podcast_site.core.database import (
    DatabaseUnavailableError,
    get_session,
    is_database_unavailable,
)
from podcast_site.core.show import Show, get_show
from podcast_site.queries import get_content_revision
from podcast_site.web.paging import QUERY_ATTRIBUTE, read_query

type View = Callable[..., Awaitable[ResponseReturnValue]]

log = logging.getLogger(__name__)

EXTENSION = "podcast_site.page_caches"

# Smaller bodies gain little from compression; Caddy still compresses them.
COMPRESS_FROM_BYTES = 1024
COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    # Made once per page and revision, so strong levels cost little later; not
    # the strongest: zstd's level 19 took 2.4 s for a 1,000-episode feed (3 MB),
    # level 12 takes 0.15 s for 10 % more bytes.
    # A compressor per call: one ZstdCompressor must not be used by two threads at once.
    "zstd": lambda body: zstandard.ZstdCompressor(level=12).compress(body),
    "gzip": lambda body: gzip.compress(body, compresslevel=9, mtime=0),
}


@dataclass
class CachedPage:
    """A rendered page: its body, its content type, and the encodings made of it so far."""

    body: bytes
    content_type: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Return the bytes it holds, encodings included."""
        return len(self.body) + sum(len(variant) for variant in self.encoded.values())


class PageCache:
    """A least-recently-used map of rendered pages, bounded in bytes, private to one worker."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()

    def __len__(self) -> int:
        """Return how many pages it holds."""
        return len(self._pages)

    def get(self, key: str) -> CachedPage | None:
        """Return a cached page and mark it recently used."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        """Cache a page, dropping the least recently used ones while over a bound."""
        if key in self._pages:
            self.bytes -= self._pages.pop(key).size
        self._pages[key] = page
        self.bytes += page.size
        self.shrink()

    def add_encoding(self, key: str, page: CachedPage, encoding: str, body: bytes) -> None:
        """Keep an encoded copy of a page; count it while the page is still the one cached."""
        if encoding in page.encoded:
            return  # another request made it meanwhile
        page.encoded[encoding] = body
        if self._pages.get(key) is page:
            self.bytes += len(body)
            self.shrink()

    def shrink(self) -> None:
        """Drop the least recently used pages until both bounds hold."""
        while self._pages and (len(self._pages) > self.max_entries or self.bytes > self.max_bytes):
            _, dropped = self._pages.popitem(last=False)
            self.bytes -= dropped.size


class RevisionClock:
    """The last content revision this worker read, and when it read it."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.revision: str | None = None
        self.read_at = 0.0

    async def current(self) -> str:
        """Return the content revision, asking the database once the last answer is stale.

        If the database cannot answer, the last revision read is kept for
        another TTL (so requests meanwhile do not each wait for it), and the
        error is raised: the caller may serve that revision's pages as stale.
        """
        now = self.clock()
        if self.revision is None or now - self.read_at >= self.ttl_seconds:
            try:
                self.revision = await get_content_revision(get_session())
            finally:
                self.read_at = now
        return self.revision


def site_version(package_folder: Path, show: Show) -> str:
    """Hash the package's code, templates and static files, and the show: what pages are made of.

    The show too: site.toml lives outside the package, and a deploy that only
    changes it (a new subscribe link) must change every ETag all the same.
    """
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package_folder.rglob("*")):
        if path.is_file() and path.suffix != ".pyc":
            digest.update(path.read_bytes())
    digest.update(show.model_dump_json().encode())
    return digest.hexdigest()


class InFlight:
    """What is being made right now (a page, an encoding), so that others wait for it."""

    def __init__(self) -> None:
        self._done: dict[str, asyncio.Event] = {}

    def __len__(self) -> int:
        """Return how many things are being made."""
        return len(self._done)

    async def wait(self, key: str) -> bool:
        """Wait until what is being made for `key` is done; False if nothing was."""
        done = self._done.get(key)
        if done is None:
            return False
        await done.wait()
        return True

    @contextlib.contextmanager
    def making(self, key: str) -> Iterator[None]:
        """Mark `key` as being made until the block ends, however it ends."""
        if key in self._done:  # a waiter that must make its own (the first could not)
            yield
            return
        done = self._done[key] = asyncio.Event()
        try:
            yield
        finally:
            del self._done[key]
            done.set()


@dataclass(frozen=True)
class PageCaches:
    """What one worker keeps to answer content pages cheaply."""

    pages: PageCache
    # Searches have endless variants, yet visitors type the same few words:
    # a small cache of their own keeps repeats cheap, and a stream of unique
    # queries from evicting the content pages.
    searches: PageCache
    revision_clock: RevisionClock
    # A hash of the package and the show: a deploy changes every ETag.
    site_version: str
    # The pages being rendered, and encodings being made, right now.
    in_flight: InFlight = field(default_factory=InFlight)


def init_app(app: Quart, max_entries: int, max_bytes: int, revision_ttl_seconds: float) -> None:
    """Give the app its page caches, its revision clock and the version of its code and show."""
    app.extensions[EXTENSION] = PageCaches(
        pages=PageCache(max_entries, max_bytes),
        searches=PageCache(max_entries // 4, max_bytes // 8),
        revision_clock=RevisionClock(revision_ttl_seconds),
        site_version=site_version(Path(app.root_path), get_show(app)),
    )
    app.after_request(make_conditional)


def get_page_caches(app: Quart | None = None) -> PageCaches:
    """Return the app's page caches (the running app's by default)."""
    caches: PageCaches = (app or current_app).extensions[EXTENSION]
    return caches


def query_string(names: tuple[str, ...]) -> str:
    """Return `?` and the request's value of each of `names`, in that order; "" for none.

    The first value only, as `request.args.get` gives the view: a repeat
    (`?page=1&page=x`) must not make another page of the same one.
    """
    kept = read_query(names)
    return f"?{urlencode(kept)}" if kept else ""


def cached_page(
    *,
    max_age: int = 0,
    store: Literal["pages", "searches"] = "pages",
    query: tuple[str, ...] = (),
    cross_origin: bool = False,
) -> Callable[[View], View]:
    """Serve a view that depends only on URL and content with ETags and a page cache.

    `max_age` lets clients reuse the page without asking (feeds); 0 means
    "ask every time", which then costs a 304. `store` names the cache the
    rendered page goes into: "searches" for URLs with endless variants.
    `query` names the query parameters the view reads (`("page",)`): they
    key the page, and any others (`?utm_source=...`) share it, so made-up
    parameters cannot make a view render again for every request.
    `cross_origin=True` lets scripts on any site read the response (CORS), for
    files that web players fetch from their own pages: transcripts, chapters.
    Responses other than 200 (redirects, 404s) pass through untouched.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        async def cached_view(*args: object, **kwargs: object) -> ResponseReturnValue:
            caches = get_page_caches()
            clock = caches.revision_clock
            cache = caches.searches if store == "searches" else caches.pages
            stale = False
            try:
                revision = await clock.current()
            except Exception as error:
                if clock.revision is None or not is_database_unavailable(error):
                    raise
                revision, stale = clock.revision, True
            path = request.path + query_string(query)
            key = f"{revision}|{request.host}|{path}"
            etag = hashlib.blake2b(f"{caches.site_version}|{key}".encode(), digest_size=16)
            headers = {
                "Cache-Control": f"public, max-age={max_age}" if max_age else "public, no-cache",
                "ETag": f'W/"{etag.hexdigest()}"',
            }
            if cross_origin:
                # Public data, and a `*` never lets a browser send cookies along.
                headers["Access-Control-Allow-Origin"] = "*"
            if request.if_none_match.contains_weak(etag.hexdigest()):
                return Response(status=304, headers=headers)

            page = cache.get(key)
            if stale:
                if page is None:
                    raise DatabaseUnavailableError(f"{path} is not in the {store}")
                # RFC 9211: served from this cache, while the origin (the database) is away.
                headers["Cache-Status"] = 'podcast-site; hit; detail="database unavailable"'
                log.warning("database unavailable: served %s from the page cache", path)
            # With the cache off (no entries) there is no result to wait for.
            shared = cache.max_entries > 0
            if page is None and shared and await caches.in_flight.wait(key):
                page = cache.get(key)  # rendered by the request this one waited for
            if page is None:
                # Still none (an error page, one too large to keep): render it here.
                with caches.in_flight.making(key) if shared else contextlib.nullcontext():
                    response = await make_response(await view(*args, **kwargs))
                    if response.status_code != 200 or not isinstance(response, Response):
                        return response
                    body = await response.get_data(as_text=False)
                    page = CachedPage(body, response.content_type or "")
                    cache.put(key, page)
                # A page just rendered goes out as it is, for Caddy's quicker
                # compression: compressing it here, hard, costs more than the
                # rendering (zstd at level 12, 0.2 ms for an episode page),
                # and a miss may never be asked for again (a search, a
                # catalog larger than the cache). A hit, below, gets its
                # strong copies made once, so the page varies all the same.
                headers["Vary"] = "Accept-Encoding"
                return Response(page.body, content_type=page.content_type, headers=headers)
            return await encoded_response(key, page, cache, headers, caches.in_flight)

        setattr(cached_view, QUERY_ATTRIBUTE, query)
        return cached_view

    return decorator


async def encoded_response(
    key: str, page: CachedPage, cache: PageCache, headers: dict[str, str], in_flight: InFlight
) -> Response:
    """Answer with the body in the best encoding the client takes, made once per page."""
    headers["Vary"] = "Accept-Encoding"
    encoding = (
        request.accept_encodings.best_match(list(COMPRESSORS))
        if len(page.body) >= COMPRESS_FROM_BYTES
        else None
    )
    if encoding is None:
        return Response(page.body, content_type=page.content_type, headers=headers)
    making = f"{key}|{encoding}"
    if encoding not in page.encoded:
        await in_flight.wait(making)
    if encoding not in page.encoded:  # not made by a request this one waited for
        with in_flight.making(making):
            # In a thread (zlib and zstd release the GIL): the worker keeps
            # serving other requests while a large feed is compressed.
            body = await asyncio.to_thread(COMPRESSORS[encoding], page.body)
            cache.add_encoding(key, page, encoding, body)
    headers["Content-Encoding"] = encoding
    return Response(page.encoded[encoding], content_type=page.content_type, headers=headers)


async def make_conditional(response: Response) -> Response:
    """Tag other successful pages with an ETag, so a repeat visit can be a bodiless 304.

    Pages not served by `cached_page` may be personal (a confirm page names
    the subscriber's address), so they are `private`: only the visitor's
    browser may keep them.
    Those served by it carry its ETag and have answered `If-None-Match` already.
    """
    if (
        request.method in {"GET", "HEAD"}
        and response.status_code == 200
        and "ETag" not in response.headers
    ):
        response.headers.setdefault("Cache-Control", "private, no-cache")
        await response.add_etag(weak=True)
        await response.make_conditional(request)
    return response
