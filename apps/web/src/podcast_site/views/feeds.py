"""Serve the podcast feed, the sitemaps and robots.txt for machines."""

import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import urljoin

from quart import Blueprint, Response, request, url_for
from quart.typing import ResponseReturnValue

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.core.models import ChapterRow
from podcast_site.core.show import Show, get_show
from podcast_site.web.page_cache import cached_page
from podcast_site.web.paging import Page, page_of
from podcast_site.web.templating import render

blueprint = Blueprint("feeds", __name__)

# Podcast apps and crawlers poll: let them reuse a copy for five minutes, and
# after that a revalidation is a 304 until the content changes.
FEED_MAX_AGE = 300
# Hugo writes the blog's own sitemap; Caddy serves it.
BLOG_SITEMAP = "/blog/sitemap.xml"
# Podcasting 2.0's namespace for podcast:guid, a UUIDv5 of the feed's URL.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def rfc2822(moment: datetime) -> str:
    """Format a release time as RSS wants it: `Tue, 17 Nov 2026 06:00:00 +0000`."""
    return format_datetime(moment.astimezone(UTC))


def episode_guid(namespace: uuid.UUID, number: int) -> str:
    """Return an episode's feed GUID: derived from its number, so it never changes."""
    return str(uuid.uuid5(namespace, f"episode-{number}"))


def podcast_guid(show: Show, feed_url: str) -> str:
    """Return the show's podcast:guid: site.toml's, or the one the namespace derives.

    Derived, it is the UUIDv5 of the feed's URL without its scheme and
    trailing slashes, so it changes with the domain: a show that moves sets
    it in site.toml first, to keep it.
    """
    if show.podcast_guid is not None:
        return str(show.podcast_guid)
    address = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, address))


def chapter_line(chapter: ChapterRow) -> str:
    """Write a chapter as Spotify and Apple find it in a description: `00:12:30 Title`."""
    minutes, seconds = divmod(chapter["start"], 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d} {chapter['title']}"


def item_description(episode: queries.FullEpisode) -> str:
    """Return an item's plain-text description: the summary, then a line per chapter.

    Apps that never read the chapters file (Spotify, Apple Podcasts) make
    chapters of the timestamped lines they find here.
    """
    if not episode.chapters:
        return episode.summary
    lines = "\n".join(chapter_line(chapter) for chapter in episode.chapters)
    return f"{episode.summary}\n\n{lines}"


def item_html(episode: queries.FullEpisode) -> str:
    """Return an item's HTML (content:encoded): the show notes, then the chapters as a list."""
    if not episode.chapters:
        return episode.show_notes_html
    items = []
    for chapter in episode.chapters:
        line = escape(chapter_line(chapter))
        if "url" in chapter:
            line = f'<a href="{escape(chapter["url"])}">{line}</a>'
        items.append(f"<li>{line}</li>")
    return f"{episode.show_notes_html}\n<ul>{''.join(items)}</ul>"


def xml(body: str) -> Response:
    """Wrap a rendered XML document in a response."""
    return Response(body, content_type="application/xml; charset=utf-8")


def feed_page_urls(page: Page) -> dict[str, str]:
    """Return the RFC 5005 links of one feed page: `self`, and `first` to `last` when paged."""

    def url(number: int) -> str:
        return url_for("feeds.podcast_feed", page=number if number > 1 else None, _external=True)

    links = {"self": url(page.number)}
    if page.count > 1:
        links |= {"first": url(1), "last": url(page.count)}
        if page.number > 1:
            links["previous"] = url(page.number - 1)
        if page.number < page.count:
            links["next"] = url(page.number + 1)
    return links


@blueprint.get("/episodes/rss")
@cached_page(max_age=FEED_MAX_AGE, query=("page",))
async def podcast_feed() -> ResponseReturnValue:
    """Render the podcast's RSS 2.0 feed, with Apple's and Podcasting 2.0's tags.

    It carries the newest `feed_episodes` (site.toml); the older ones follow
    on pages (`?page=2`), linked as RFC 5005 paged feeds, which AntennaPod
    and other apps follow for the back catalog; an app that does not shows
    the newest ones, and /episodes on the site lists every episode.
    """
    show = get_show()
    session = get_session()
    page = page_of(show.feed_episodes, await queries.count_episodes(session))
    episodes = await queries.list_feed_episodes(session, offset=page.offset, limit=page.size)
    body = render(
        "feeds/podcast.xml",
        episodes=episodes,
        trailers=await queries.list_trailers(session),
        description=item_description,
        html=item_html,
        links=feed_page_urls(page),
        rfc2822=rfc2822,
        guid=lambda number: episode_guid(show.guid_namespace, number),
        podcast_guid=podcast_guid(show, url_for("feeds.podcast_feed", _external=True)),
        # The newest episode's release, which only the first page carries.
        last_build=rfc2822(episodes[0].published_at) if episodes and page.number == 1 else None,
    )
    return Response(body, content_type="application/rss+xml; charset=utf-8")


@blueprint.get("/sitemap.xml")
@cached_page(max_age=FEED_MAX_AGE)
async def sitemap_index() -> ResponseReturnValue:
    """List the app's sitemap and the blog's (which Hugo writes) in one index."""
    sitemaps = [url_for("feeds.sitemap", _external=True), urljoin(request.host_url, BLOG_SITEMAP)]
    return xml(render("feeds/sitemap_index.xml", sitemaps=sitemaps))


@blueprint.get("/sitemap-site.xml")
@cached_page(max_age=FEED_MAX_AGE)
async def sitemap() -> ResponseReturnValue:
    """List every page of the app for search engines."""
    session = get_session()
    episodes = await queries.list_episode_urls(session)
    guest_slugs = await queries.list_guest_slugs(session)
    topics = await queries.list_topics(session)
    return xml(
        render("feeds/sitemap.xml", episodes=episodes, guest_slugs=guest_slugs, topics=topics)
    )


@blueprint.get("/robots.txt")
async def robots() -> ResponseReturnValue:
    """Welcome crawlers, keep them off counters and searches, and point at the sitemap."""
    body = (
        "User-agent: *\n"
        "Disallow: /episodes/download/\n"
        "Disallow: /search\n"
        # The same episode page with its audio at another time (RFC 9309's `*`).
        "Disallow: /episodes/show/*?t=\n"
        "Disallow: /newsletter/\n"
        f"Sitemap: {url_for('feeds.sitemap_index', _external=True)}\n"
    )
    return Response(
        body,
        content_type="text/plain",
        headers={"Cache-Control": f"public, max-age={FEED_MAX_AGE}"},
    )
