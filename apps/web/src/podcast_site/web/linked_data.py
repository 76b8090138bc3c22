"""Describe the show and its episodes to search engines as schema.org JSON-LD.

Built here as plain dicts and written into the page with Jinja's `tojson`,
which escapes `<`, `>`, `&` and `'` as JSON's `\\u003c`-style escapes: no
title or summary can end the `<script>` element it sits in. A
`<script type="application/ld+json">` is a data block that never runs, so
the site's Content-Security-Policy (`default-src 'self'`) allows it as it is.
"""

from typing import Any

from podcast_site.core.formats import AUDIO_TYPES, audio_extension
from podcast_site.core.show import Show
from podcast_site.queries import FullEpisode, GuestLink
from podcast_site.web.templating import absolute_url, download_url, local_day, media_url, url_for

type LinkedData = dict[str, Any]

CONTEXT = "https://schema.org"


def iso_duration(seconds: int) -> str:
    """Format seconds as an ISO 8601 duration: `PT1H2M3S`, `PT40M`."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    fields = ((hours, "H"), (minutes, "M"), (seconds, "S"))
    return "PT" + ("".join(f"{value}{unit}" for value, unit in fields if value) or "0S")


def host(show: Show) -> LinkedData:
    """Describe the show's host as a Person."""
    person: LinkedData = {"@type": "Person", "name": show.host}
    if show.host_url:
        person["url"] = show.host_url
    if show.host_photo_url:
        person["image"] = absolute_url(show.host_photo_url)
    return person


def guest(person: GuestLink) -> LinkedData:
    """Describe a guest as a Person, with their page on this site."""
    described: LinkedData = {
        "@type": "Person",
        "name": person.name,
        "url": url_for("pages.guest", slug=person.slug, _external=True),
    }
    if person.photo_url:
        described["image"] = media_url(person.photo_url)
    return described


def series(show: Show) -> LinkedData:
    """Name the show and its home page: what an episode is part of."""
    return {
        "@type": "PodcastSeries",
        "name": show.name,
        "url": url_for("pages.home", _external=True),
    }


def podcast_series(show: Show) -> LinkedData:
    """Describe the show, for its home page."""
    return {
        "@context": CONTEXT,
        **series(show),
        "description": show.tagline,
        "inLanguage": show.language,
        "image": absolute_url(show.cover_art),
        "webFeed": url_for("feeds.podcast_feed", _external=True),
        "author": host(show),
    }


def podcast_episode(show: Show, episode: FullEpisode) -> LinkedData:
    """Describe an episode, for its page: its audio, its show, its host and guests."""
    duration = iso_duration(episode.duration_seconds)
    cover = absolute_url(show.cover_art)
    described: LinkedData = {
        "@context": CONTEXT,
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": url_for("episodes.show", number=episode.number, slug=episode.slug, _external=True),
        "description": episode.summary,
        "datePublished": local_day(episode.published_at).isoformat(),
        "duration": duration,
        "inLanguage": show.language,
        "image": media_url(episode.image_url) if episode.image_url else cover,
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": download_url(episode, external=True),
            "encodingFormat": AUDIO_TYPES[audio_extension(episode.audio_url)],
            "duration": duration,
        },
        "partOfSeries": series(show),
        "author": host(show),
    }
    if episode.numbered:  # a trailer's number only names its URL
        described["episodeNumber"] = episode.number
    if episode.guests:
        described["actor"] = [guest(person) for person in episode.guests]
    return described
