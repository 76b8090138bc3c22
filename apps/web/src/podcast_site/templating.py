"""Give the templates their filters and globals, registered in one place."""

import re
from urllib.parse import urljoin

from quart import Quart, current_app, request

from podcast_site.identity import Identity
from podcast_site.settings import Settings

# XML 1.0 cannot carry these at all, not even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def format_duration(seconds: int) -> str:
    """Format seconds as `H:MM:SS` (or `M:SS` under an hour)."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def xml_text(text: str) -> str:
    """Drop characters that no XML document may contain (autoescaping does the rest)."""
    return XML_INVALID.sub("", text)


def absolute_url(path_or_url: str) -> str:
    """Make a path on this site (`/media/cover.png`) absolute; leave full URLs alone."""
    return urljoin(request.host_url, path_or_url)


def media_url(path_or_url: str) -> str:
    """Return the absolute URL of a media file (`audio/1.mp3`) under MEDIA_BASE_URL."""
    settings: Settings = current_app.extensions["settings"]
    return urljoin(absolute_url(settings.media_base_url), path_or_url)


def init_app(app: Quart, identity: Identity) -> None:
    """Register the filters, and `site` (the show's identity) for every template."""
    app.jinja_env.globals["site"] = identity
    app.jinja_env.filters["media_url"] = media_url
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["xml_text"] = xml_text
    app.jinja_env.filters["absolute_url"] = absolute_url
