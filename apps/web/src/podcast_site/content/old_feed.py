"""Read a show's feed from the host it is leaving: the channel, and each episode as it was.

The feed is untrusted input from the web, so it is parsed with defusedxml,
which refuses entity declarations (the "billion laughs" and external
entities) instead of expanding them; what a tag may hold is read the
lenient way real feeds need (dates in their RFC 822 variants, durations in
every form Apple allows, either of the Podcasting 2.0 namespace's URIs).
Nothing here writes a file: `move_in` does, from what this returns.
"""

import html
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

import httpx
import webvtt
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from markdownify import markdownify
from webvtt.errors import MalformedCaptionError, MalformedFileError

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
# The namespace's first URI, which its spec says readers must take as the same.
PODCAST_ALIASES = {
    PODCAST,
    "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
}
NAMESPACES = {
    "itunes": ITUNES,
    "podcast": PODCAST,
    "content": "http://purl.org/rss/1.0/modules/content/",
}
# A feed of a thousand episodes with their notes is a few megabytes; nothing
# a podcast host serves is near these, and a runaway download stops at them.
MAX_FEED_BYTES = 100 * 1024 * 1024
MAX_FILE_BYTES = 25 * 1024 * 1024
USER_AGENT = "rightsized-import-feed/1 (moving a show to its own site)"


class FeedError(Exception):
    """A feed, or a file it links, cannot be read; the message says why, in one line."""


@dataclass(frozen=True)
class Person:
    """Someone a feed names with podcast:person."""

    name: str
    role: str
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Link:
    """A file an item links (chapters, a transcript), with the type the feed gives it."""

    url: str
    type: str


@dataclass
class Item:
    """One episode of the old feed, as read; `problem` says why it cannot be imported."""

    title: str
    guid: str
    published: datetime | None
    duration: int | None
    audio_url: str | None
    audio_bytes: int | None
    audio_type: str
    notes_html: str
    summary_html: str
    number: int | None = None
    episode_type: str = "full"
    season: int | None = None
    explicit: bool | None = None
    image_url: str | None = None
    people: list[Person] = field(default_factory=list)
    chapters: Link | None = None
    transcripts: list[Link] = field(default_factory=list)
    problem: str | None = None


@dataclass
class Channel:
    """The show as the old feed describes it, and its episodes in the feed's order."""

    values: dict[str, Any]
    cover_url: str | None
    items: list[Item]


def fetch(client: httpx.Client, url: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """GET a URL (redirects followed); raise FeedError naming what went wrong."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FeedError(f"{url}: the server answered {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FeedError(f"{url}: larger than {limit // (1024 * 1024)} MB")
            return bytes(body)
    except httpx.InvalidURL as error:
        raise FeedError(f"{url}: not a URL ({error})") from None
    except httpx.HTTPError as error:
        raise FeedError(f"{url}: cannot be reached ({error or type(error).__name__})") from None


def read_channel(data: bytes, source: str, base_url: str | None) -> Channel:
    """Parse a feed's bytes; raise FeedError if it is not an RSS podcast feed at all."""
    try:
        root = fromstring(data)
    except ParseError as error:
        raise FeedError(f"{source}: not well-formed XML ({error})") from None
    except DefusedXmlException as error:
        raise FeedError(f"{source}: refused, it declares XML entities ({error})") from None
    _normalise_namespaces(root)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedError(f"{source}: not an RSS feed (the document is <{_local(root.tag)}>)")

    def absolute(url: str | None) -> str | None:
        return urljoin(base_url, url) if url and base_url else url

    image = channel.find("itunes:image", NAMESPACES)
    cover = (image.get("href") or _text(image)) if image is not None else None
    owner = channel.find("itunes:owner", NAMESPACES)
    category = channel.find("itunes:category", NAMESPACES)
    values = {
        "name": _text(channel.find("title")),
        "tagline": _plain(
            _text(channel.find("itunes:subtitle", NAMESPACES))
            or _text(channel.find("description"))
            or ""
        )[:300].strip()
        or None,
        "language": _text(channel.find("language")),
        "host": _text(channel.find("itunes:author", NAMESPACES)),
        "owner_name": _text(owner.find("itunes:name", NAMESPACES)) if owner is not None else None,
        "owner_email": _text(owner.find("itunes:email", NAMESPACES)) if owner is not None else None,
        "category": category.get("text") if category is not None else None,
        "explicit": _yes(_text(channel.find("itunes:explicit", NAMESPACES))),
        "podcast_guid": _text(channel.find("podcast:guid", NAMESPACES)),
    }
    items = [_read_item(item, absolute) for item in channel.findall("item")]
    return Channel(
        {key: value for key, value in values.items() if value is not None},
        absolute(cover or _text(channel.find("image/url"))),
        items,
    )


def _read_item(item: Element, absolute: Any) -> Item:
    """Read one <item>; a missing enclosure, date or duration becomes its `problem`."""
    title = _text(item.find("title")) or _text(item.find("itunes:title", NAMESPACES)) or ""
    enclosure = item.find("enclosure")
    audio_url = absolute(enclosure.get("url", "").strip()) if enclosure is not None else None
    notes = (
        _text(item.find("content:encoded", NAMESPACES))
        or _text(item.find("description"))
        or _text(item.find("itunes:summary", NAMESPACES))
        or ""
    )
    found = Item(
        title=title,
        # No <guid>: apps go by the enclosure's URL, so that is what they know it by.
        guid=_text(item.find("guid")) or audio_url or "",
        published=parse_date(_text(item.find("pubDate"))),
        duration=parse_duration(_text(item.find("itunes:duration", NAMESPACES))),
        audio_url=audio_url or None,
        audio_bytes=_integer(enclosure.get("length")) if enclosure is not None else None,
        audio_type=(enclosure.get("type") or "") if enclosure is not None else "",
        notes_html=notes,
        summary_html=_text(item.find("itunes:subtitle", NAMESPACES))
        or _text(item.find("itunes:summary", NAMESPACES))
        or _text(item.find("description"))
        or notes,
        number=_integer(_text(item.find("itunes:episode", NAMESPACES)))
        or _integer(_text(item.find("podcast:episode", NAMESPACES))),
        episode_type=(_text(item.find("itunes:episodeType", NAMESPACES)) or "full").lower(),
        season=_integer(_text(item.find("itunes:season", NAMESPACES)))
        or _integer(_text(item.find("podcast:season", NAMESPACES))),
        explicit=_yes(_text(item.find("itunes:explicit", NAMESPACES))),
        image_url=absolute(_item_image(item)),
    )
    for person in item.findall("podcast:person", NAMESPACES):
        if name := _text(person):
            found.people.append(
                Person(
                    name,
                    (person.get("role") or "host").strip().lower(),
                    absolute(person.get("href")),
                    absolute(person.get("img")),
                )
            )
    if (chapters := item.find("podcast:chapters", NAMESPACES)) is not None and chapters.get("url"):
        found.chapters = Link(absolute(chapters.get("url")), chapters.get("type", ""))
    for transcript in item.findall("podcast:transcript", NAMESPACES):
        if transcript.get("url"):
            found.transcripts.append(
                Link(absolute(transcript.get("url")), transcript.get("type", "").lower())
            )
    if not title:
        found.problem = "no <title>"
    elif not audio_url:
        found.problem = "no <enclosure> with a url: nothing to play"
    elif not found.audio_bytes:
        found.problem = "its <enclosure> has no length: podcast apps need the size"
    elif found.published is None:
        found.problem = f"no readable <pubDate> ({_text(item.find('pubDate'))!r})"
    elif found.duration is None:
        found.problem = "no readable <itunes:duration>"
    return found


def parse_date(text: str | None) -> datetime | None:
    """Read an RSS date (RFC 822: `Tue, 9 Oct 2020 4:30:38 GMT`, `-0500`, `EST`), or ISO 8601.

    A date without a zone is taken as UTC, as most readers take it.
    """
    if not text:
        return None
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_duration(text: str | None) -> int | None:
    """Read itunes:duration in seconds: `3723`, `3723.5`, `62:03`, `1:02:03` or `01:02:03.250`."""
    match = re.fullmatch(r"(\d+(?::\d{1,2}){0,2})(\.\d+)?", (text or "").strip())
    if match is None:
        return None
    seconds = 0
    for part in match[1].split(":"):
        seconds = seconds * 60 + int(part)
    return round(seconds + float(match[2] or 0)) or None


def notes_markdown(notes_html: str) -> str:
    """Convert show notes (HTML, or plain text) to Markdown, as the content folder holds them."""
    with warnings.catch_warnings():
        # Notes that are one URL look like a file name to Beautiful Soup: it is text.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        markdown = markdownify(notes_html, heading_style="ATX", bullets="-", strip=["img"])
    # <br> pairs become hard breaks around blank lines: plain blank lines say the same.
    markdown = re.sub(r"[ \t]+(?=\n)", lambda m: m[0] if len(m[0]) == 2 else "", markdown)
    markdown = re.sub(r"[ \t]+\n(?=[ \t]*\n)", "\n", markdown)
    return re.sub(r"\n[ \t]*\n(\s*\n)*", "\n\n", markdown).strip()


def _plain(text: str) -> str:
    """Return the words of a piece of HTML, whitespace squeezed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        words = BeautifulSoup(text, "html.parser").get_text(" ")
    return " ".join(words.split())


def summary_of(item: Item, limit: int = 400) -> str:
    """Return an item's summary as plain text, cut at a word before `limit` characters."""
    words = _plain(item.summary_html) or item.title
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class Cue:
    """A stretch of a transcript file: when it starts, who speaks (if it says), what is said."""

    start: float
    speaker: str | None
    text: str


def read_transcript(link: Link, body: bytes) -> list[Cue]:
    """Read a transcript file the namespace allows: WebVTT, SRT, its JSON, or plain text."""
    text = body.decode("utf-8-sig", errors="replace")
    kind = link.type.split(";")[0].strip()
    if kind == "text/vtt" or (not kind and text.lstrip().startswith("WEBVTT")):
        return list(_vtt_cues(text, speaker_prefix=False))
    if kind in {"application/x-subrip", "application/srt", "text/srt"}:
        # SRT is WebVTT with commas in its times and no header.
        vtt = "WEBVTT\n\n" + re.sub(r"(\d\d:\d\d:\d\d),(\d{3})", r"\1.\2", text)
        return list(_vtt_cues(vtt, speaker_prefix=True))
    if kind == "application/json":
        segments = json.loads(text).get("segments", [])
        return [
            Cue(float(segment.get("startTime", 0)), segment.get("speaker"), segment["body"].strip())
            for segment in segments
            if str(segment.get("body", "")).strip()
        ]
    if kind == "text/plain":
        return [Cue(0, None, part.strip()) for part in re.split(r"\n\s*\n", text) if part.strip()]
    raise FeedError(f"{link.url}: a {kind or 'typeless'} transcript, which is not read here")


def _vtt_cues(text: str, *, speaker_prefix: bool) -> Iterator[Cue]:
    """Yield WebVTT's cues, the speaker from its voice span (or SRT's `Name:` prefix)."""
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise FeedError(f"not a caption file ({error})") from None
    for caption in captions:
        words = " ".join(html.unescape(caption.text).split())
        speaker = caption.voice
        if speaker is None and speaker_prefix:
            if match := re.match(r"([A-Z][^:]{0,40}):\s+(.+)", words):
                speaker, words = match[1], match[2]
        if words:
            yield Cue(caption.start_in_seconds, speaker, words)


def read_chapters(body: bytes) -> list[dict[str, Any]]:
    """Read a JSON chapters file (`{"chapters": [{"startTime": 0, "title": ...}]}`)."""
    try:
        data = json.loads(body)
        chapters = data["chapters"]
        return [chapter for chapter in chapters if isinstance(chapter, dict)]
    except (ValueError, KeyError, TypeError) as error:
        raise FeedError(f"not a JSON chapters file ({error})") from None


def _normalise_namespaces(root: Element) -> None:
    """Write every tag in the namespace spellings NAMESPACES uses (iTunes's case varies)."""
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith("{"):
            continue
        namespace, local = element.tag[1:].split("}", 1)
        if namespace.lower() == ITUNES.lower():
            element.tag = f"{{{ITUNES}}}{local}"
        elif namespace.lower().rstrip("/") in PODCAST_ALIASES:
            element.tag = f"{{{PODCAST}}}{local}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str | None:
    """Return an element's text, stripped; None for a missing or empty one."""
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _integer(text: str | None) -> int | None:
    # ASCII digits only: isdigit() also takes "²", which int() refuses.
    return int(text) if text and re.fullmatch(r"[0-9]{1,9}", text.strip()) else None


def _item_image(item: Element) -> str | None:
    """Return the address of an item's own art (itunes:image's href), if it has one."""
    image = item.find("itunes:image", NAMESPACES)
    return None if image is None else (image.get("href") or _text(image))


def _yes(text: str | None) -> bool | None:
    return None if text is None else text.lower() in {"yes", "true", "explicit"}
