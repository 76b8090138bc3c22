"""The page cache and the content revision it is keyed on."""

import asyncio
import gzip
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy.exc
import zstandard
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from podcast_site import queries
from podcast_site.core.settings import Settings
from podcast_site.queries import get_episode, search_episodes
from podcast_site.web import page_cache
from podcast_site.web.page_cache import CachedPage, PageCache, RevisionClock, get_page_caches
from tests.web.factories import add_episode, add_guest, record_download
from tests.web.helpers import app_with_site_file
from tests.web.paths import FIXTURE_SITE_FILE


def test_the_page_cache_forgets_the_least_recently_used_page() -> None:
    cache = PageCache(max_entries=2, max_bytes=1000)
    cache.put("a", CachedPage(b"a", "text/html"))
    cache.put("b", CachedPage(b"b", "text/html"))
    assert cache.get("a") is not None  # now "b" is the oldest
    cache.put("c", CachedPage(b"c", "text/html"))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_the_page_cache_is_bounded_in_bytes_compressed_copies_included() -> None:
    cache = PageCache(max_entries=100, max_bytes=1000)
    for key in "abcd":
        cache.put(key, CachedPage(b"x" * 300, "text/html"))
    assert cache.get("a") is None and cache.bytes == 900  # a went to make room for d
    page = cache.get("b")
    assert page is not None
    cache.add_encoding("b", page, "gzip", b"y" * 200)  # b is the most recent now: c goes
    assert cache.get("c") is None and cache.bytes == 800
    cache.add_encoding("b", page, "gzip", b"y" * 200)  # made twice at once: counted once
    assert cache.bytes == 800


def test_an_encoding_of_a_page_no_longer_cached_is_not_counted() -> None:
    cache = PageCache(max_entries=1, max_bytes=1000)
    page = CachedPage(b"x" * 300, "text/html")
    cache.put("a", page)
    cache.put("b", CachedPage(b"x" * 300, "text/html"))  # a goes while being compressed
    cache.add_encoding("a", page, "zstd", b"z" * 100)
    assert cache.bytes == 300


async def test_every_content_write_changes_the_revision(session: AsyncSession) -> None:
    revisions = [await queries.get_content_revision(session)]
    episode = await add_episode(session, 1)
    revisions.append(await queries.get_content_revision(session))
    episode.guests.append(await add_guest(session))
    await session.flush()
    revisions.append(await queries.get_content_revision(session))
    assert len(set(revisions)) == 3


async def test_downloads_and_signups_leave_the_revision_alone(session: AsyncSession) -> None:
    episode = await add_episode(session, 1)
    before = await queries.get_content_revision(session)
    day = date(2026, 11, 27)
    await queries.add_download_salt(session, day, b"salt")
    assert await record_download(session, episode.id, day) is True
    await queries.add_subscriber(session, "listener@mailbox.org")
    assert await queries.get_content_revision(session) == before


async def test_the_revision_clock_rereads_only_after_its_ttl(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []

    async def counting_read(session: AsyncSession) -> uuid.UUID:
        reads.append(1)
        return uuid.uuid4()

    monkeypatch.setattr(page_cache, "get_content_revision", counting_read)
    monkeypatch.setattr(page_cache, "get_session", lambda: session)
    now = [1000.0]
    clock = RevisionClock(ttl_seconds=2, clock=lambda: now[0])

    first = await clock.current()
    now[0] += 1.9
    assert await clock.current() == first and len(reads) == 1
    now[0] += 0.2
    assert await clock.current() != first and len(reads) == 2


async def test_pages_with_forms_are_the_same_for_everyone_and_set_no_cookie(app: Quart) -> None:
    first_visitor, second_visitor = app.test_client(), app.test_client()
    gzip_please = {"Accept-Encoding": "gzip"}

    first = await first_visitor.get("/", headers=gzip_please)
    again = await second_visitor.get("/", headers=gzip_please)

    assert 'action="/newsletter"' in await first.get_data(as_text=True)
    for response in (first, again):
        assert "Set-Cookie" not in response.headers
        assert response.headers["Vary"] == "Accept-Encoding"  # never Cookie
        assert response.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["ETag"] == again.headers["ETag"]
    # A repeat is served from the cache, compressed once (no secret in it: no BREACH).
    assert again.headers["Content-Encoding"] == "gzip"
    repeat = await second_visitor.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert repeat.status_code == 304


async def test_a_cached_page_is_rendered_once_then_served_from_the_cache(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_episode(session, 7, slug="seven")
    loads: list[int] = []

    async def counting_get_episode(session: AsyncSession, number: int) -> object:
        loads.append(number)
        return await get_episode(session, number)

    monkeypatch.setattr(queries, "get_episode", counting_get_episode)

    first = await client.get("/episodes/show/7/seven")
    second = await client.get("/episodes/show/7/seven?utm_source=newsletter")

    assert first.status_code == second.status_code == 200
    assert await first.get_data() == await second.get_data()
    assert loads == [7]


async def test_requests_at_once_for_a_page_not_cached_render_it_once(
    committing_app: Quart, committed_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the real pool: eight requests at once need eight connections.
    episode = await add_episode(committed_session, 9300, slug="at-once")
    await committed_session.commit()
    loads: list[int] = []

    async def slow_get_episode(session: AsyncSession, number: int) -> object:
        loads.append(number)
        await asyncio.sleep(0.2)  # long enough for the others to arrive meanwhile
        return await get_episode(session, number)

    monkeypatch.setattr(queries, "get_episode", slow_get_episode)
    made: list[bytes] = []

    def slow_gzip(body: bytes) -> bytes:
        made.append(body)
        time.sleep(0.2)  # in its thread, while the others arrive
        return gzip.compress(body)

    monkeypatch.setitem(page_cache.COMPRESSORS, "gzip", slow_gzip)
    client = committing_app.test_client()
    url, gzip_only = "/episodes/show/9300/at-once", {"Accept-Encoding": "gzip"}
    try:
        await client.get("/episodes")  # the content revision, read once for all eight
        pages = await asyncio.gather(*(client.get(url) for _ in range(8)))
        gzipped = await asyncio.gather(*(client.get(url, headers=gzip_only) for _ in range(8)))
    finally:
        await committed_session.delete(episode)
        await committed_session.commit()

    assert [page.status_code for page in pages] == [200] * 8
    assert len({await page.get_data() for page in pages}) == 1
    assert loads == [9300]
    assert {page.headers["Content-Encoding"] for page in gzipped} == {"gzip"}
    assert len(made) == 1
    assert len(get_page_caches(committing_app).in_flight) == 0


async def test_only_the_parameters_a_view_reads_key_its_page(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(1, 23):
        await add_episode(session, number, title=f"Postgres, part {number}")
    searched: list[tuple[str, int]] = []

    async def counting_search(session: AsyncSession, text: str, **paging: int) -> object:
        searched.append((text, paging["offset"]))
        return await search_episodes(session, text, **paging)

    monkeypatch.setattr(queries, "search_episodes", counting_search)

    first = await client.get("/search?q=postgres&utm_source=newsletter")
    made_up = await client.get("/search?utm_campaign=x&q=postgres&ref=1")
    second_page = await client.get("/search?q=postgres&page=2&utm_source=newsletter")
    # The view reads a parameter's first value, and so does the cache.
    repeated = await client.get("/search?q=postgres&page=2&page=x&q=other")

    assert first.status_code == made_up.status_code == second_page.status_code == 200
    assert first.headers["ETag"] == made_up.headers["ETag"] != second_page.headers["ETag"]
    assert repeated.status_code == 200 and repeated.headers["ETag"] == second_page.headers["ETag"]
    assert searched == [("postgres", 0), ("postgres", 20)]
    # The pager links what the view reads, never the first visitor's other parameters.
    page = await first.get_data(as_text=True)
    assert 'href="/search?q=postgres&amp;page=2"' in page and "utm_" not in page


async def test_a_repeated_search_comes_from_its_own_cache_until_content_changes(
    app: Quart, client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_episode(session, 7, slug="seven", title="Caching with Postgres")
    searched: list[str] = []

    async def counting_search(session: AsyncSession, text: str, **paging: int) -> object:
        searched.append(text)
        return await search_episodes(session, text, **paging)

    monkeypatch.setattr(queries, "search_episodes", counting_search)
    caches = get_page_caches(app)
    page_cache, search_cache = caches.pages, caches.searches
    pages_before = len(page_cache)

    gzip_please = {"Accept-Encoding": "gzip"}
    first = await client.get("/search?q=caching", headers=gzip_please)
    repeat = await client.get("/search?q=caching", headers=gzip_please)
    assert first.status_code == repeat.status_code == 200
    assert searched == ["caching"]
    # A query asked once is left to Caddy to compress; a repeat is compressed once here.
    assert "Content-Encoding" not in first.headers
    assert repeat.headers["Content-Encoding"] == "gzip"
    assert len(search_cache) == 1 and len(page_cache) == pages_before

    await add_episode(session, 8, slug="eight", title="More caching")
    assert "More caching" in await (await client.get("/search?q=caching")).get_data(as_text=True)
    assert searched == ["caching", "caching"]


async def test_the_feed_is_compressed_once_and_served_as_the_client_asks(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(1, 4):
        await add_episode(session, number)
    made: list[str] = []

    def counting(name: str, compress: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
        def counted(body: bytes) -> bytes:
            made.append(name)
            return compress(body)

        return counted

    for name, compress in list(page_cache.COMPRESSORS.items()):
        monkeypatch.setitem(page_cache.COMPRESSORS, name, counting(name, compress))

    plain = await client.get("/episodes/rss", headers={"Accept-Encoding": "identity"})
    body = await plain.get_data(as_text=False)
    for _ in range(3):
        gzipped = await client.get("/episodes/rss", headers={"Accept-Encoding": "gzip, br"})
        assert gzipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(await gzipped.get_data(as_text=False)) == body
    zstd = await client.get("/episodes/rss", headers={"Accept-Encoding": "gzip;q=0.5, zstd"})
    assert zstd.headers["Content-Encoding"] == "zstd"
    assert zstandard.ZstdDecompressor().decompress(await zstd.get_data(as_text=False)) == body

    assert "Content-Encoding" not in plain.headers
    assert made == ["gzip", "zstd"]  # each once, whatever the number of polls
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert plain.headers["ETag"] == gzipped.headers["ETag"]  # weak: the same content


@pytest.mark.parametrize("encoding", sorted(page_cache.COMPRESSORS))
async def test_pages_compressed_in_threads_at_once_come_out_whole(encoding: str) -> None:
    # Workers compress in threads: a compressor shared between them corrupted zstd output.
    pages = [bytes(f"<item>{n}</item>", "ascii") * 40_000 for n in range(8)]
    compress = page_cache.COMPRESSORS[encoding]
    outputs = await asyncio.gather(*(asyncio.to_thread(compress, page) for page in pages))
    decompress = gzip.decompress if encoding == "gzip" else zstandard.ZstdDecompressor().decompress
    assert [decompress(output) for output in outputs] == pages


async def test_while_the_database_is_away_cached_pages_are_served_stale(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_episode(session, 1)
    assert (await client.get("/episodes/show/1/episode-1")).status_code == 200

    async def away(session: AsyncSession) -> uuid.UUID:
        raise sqlalchemy.exc.TimeoutError("no connection came free")  # as the pool says it

    monkeypatch.setattr(page_cache, "get_content_revision", away)
    cached = await client.get("/episodes/show/1/episode-1")
    missing = await client.get("/episodes")

    assert cached.status_code == 200
    assert cached.headers["Cache-Status"] == 'podcast-site; hit; detail="database unavailable"'
    assert missing.status_code == 503 and missing.headers["Retry-After"]


async def test_an_edit_of_site_toml_changes_the_etag_of_every_page(
    client: Client,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    # site.toml lives outside the package and the database: a fork that adds
    # its apps, and deploys, changes neither the code's hash nor the content
    # revision, yet every page shows the show.
    await add_episode(session, 1)
    before = {path: await client.get(path) for path in ("/", "/episodes/show/1/episode-1")}
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        FIXTURE_SITE_FILE.read_text().replace("Buy the tests a coffee", "Buy the tests a tea")
    )

    async with app_with_site_file(settings, sessionmaker, site_file) as edited:
        for path, response in before.items():
            etag = response.headers["ETag"]
            after = await edited.test_client().get(path, headers={"If-None-Match": etag})
            assert after.status_code == 200, path
            assert "Buy the tests a tea" in await after.get_data(as_text=True), path
            assert after.headers["ETag"] != etag, path
