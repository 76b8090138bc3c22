"""Render the templates, with their filters and globals registered in one place.

`render` renders synchronously, with a plain Jinja environment that shares
Quart's loader, globals and filters: Quart's own `render_template` compiles
templates for async rendering, which measured three times slower here (an
episode page: 1.1 ms against 0.34 ms), and no template of this site awaits
anything.
"""

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
import quart
from quart import Quart, current_app, g, request
from quart.ctx import AppContext

from podcast_site.core.formats import AUDIO_TYPES, audio_extension
from podcast_site.core.settings import get_settings
from podcast_site.core.show import Show, get_show
from podcast_site.queries import EpisodeItem

# The header's links, which the blog's header reads too (Hugo mounts the file).
NAVIGATION_FILE = Path(__file__).with_name("navigation.toml")

# XML 1.0 cannot carry these at all, not even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def format_duration(seconds: int) -> str:
    """Format seconds as `H:MM:SS` (or `M:SS` under an hour)."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def local_day(moment: datetime) -> date:
    """Return the day a moment falls on where the show lives (site.toml's time_zone)."""
    return moment.astimezone(get_show().zone).date()


def xml_text(text: str) -> str:
    """Drop characters that no XML document may contain (autoescaping does the rest)."""
    return XML_INVALID.sub("", text)


def absolute_url(path_or_url: str) -> str:
    """Make a path on this site (`/media/cover.png`) absolute; leave full URLs alone."""
    if path_or_url.startswith("/") and not path_or_url.startswith("//"):
        # The usual case, without urljoin's parsing: 6 µs a call, several a page.
        return f"{request.scheme}://{request.host}{path_or_url}"
    return urljoin(request.host_url, path_or_url)


def media_url(path_or_url: str) -> str:
    """Return the absolute URL of a media file (`audio/1.mp3`) under MEDIA_BASE_URL."""
    settings = get_settings()
    return urljoin(absolute_url(settings.media_base_url), path_or_url)


@dataclass(frozen=True, slots=True)
class NavigationLink:
    """A link of the site's main navigation."""

    label: str
    path: str


def read_navigation(path: Path = NAVIGATION_FILE) -> tuple[NavigationLink, ...]:
    """Read the main navigation, in its order, from navigation.toml."""
    links = tomllib.loads(path.read_text(encoding="utf-8"))["links"]
    return tuple(NavigationLink(**link) for link in links)


# Where the app keeps its rendering environment and the URLs built so far.
JINJA, URLS = "podcast_site.jinja", "podcast_site.urls"
# About 2 MB. A full cache starts over: at worst each URL is built as without it.
MAX_CACHED_URLS = 8192


def url_for(endpoint: str, **values: Any) -> str:
    """Build a URL as Quart's url_for does, once: pages build the same ones on every render.

    Werkzeug takes about 7 µs a URL, and an episode page links twenty. A URL
    depends on the endpoint, its values and, for `_external`, the request's
    scheme and host (Caddy lets only the site's own through); the hashed
    names of static files are fixed per app.
    """
    if endpoint.startswith("."):  # relative to the blueprint: not worth a key of its own
        return quart.url_for(endpoint, **values)
    this_request = request._get_current_object()  # one context lookup, not three
    key: tuple[Any, ...] = (this_request.scheme, this_request.host, this_request.root_path)
    key += (endpoint, *sorted(values.items()))
    urls: dict[tuple[Any, ...], str] = current_app.extensions[URLS]
    try:
        return urls[key]
    except KeyError:
        pass
    except TypeError:  # a value that cannot be a key (a list): build it every time
        return quart.url_for(endpoint, **values)
    if len(urls) >= MAX_CACHED_URLS:
        urls.clear()
    url = urls[key] = quart.url_for(endpoint, **values)
    return url


def download_url(episode: EpisodeItem, *, external: bool = False) -> str:
    """Return the URL that counts a download of an episode, ending as its audio file does.

    Behind MEDIA_PREFIX_URL, if set: a third-party counter (OP3, Podtrac,
    Blubrry) gets the request first, counts it and redirects to ours. Every
    link to the audio is this one, so they all count alike.
    """
    prefix = get_settings().media_prefix_url
    url = url_for(
        "episodes.download",
        number=episode.number,
        slug=episode.slug,
        extension=audio_extension(episode.audio_url),
        _external=external or bool(prefix),
    )
    # Prefixes are written to take the URL without its scheme (https:// is assumed).
    return prefix + url.split("://", 1)[1] if prefix else url


def site_request_context(app: Quart) -> AppContext:
    """Return a request context for the site's own address (https://SITE_ADDRESS).

    For what builds links outside any request, as a page would (an
    announcement's mail, the feed URL a WebSub hub is told of): Quart's
    url_for and the templates then work as they do in a request.
    """
    site = get_settings(app).site_address
    return app.test_request_context("/", scheme="https", headers={"Host": site})


def render(template: str, **context: Any) -> str:
    """Render a template with what Quart gives every template (request and g; no session)."""
    environment: jinja2.Environment = current_app.extensions[JINJA]
    return environment.get_template(template).render(request=request, g=g, **context)


def init_app(app: Quart, show: Show) -> None:
    """Make the rendering environment; register the filters and `site` (the show's identity)."""
    quart_environment = app.jinja_env
    environment = jinja2.Environment(
        loader=quart_environment.loader,
        autoescape=quart_environment.autoescape,
        auto_reload=app.debug,  # development: a template edit shows at once
    )
    # The same dicts: filters and globals that Quart or a blueprint adds later count too.
    environment.globals = quart_environment.globals
    environment.filters = quart_environment.filters
    app.extensions[JINJA] = environment
    app.extensions[URLS] = {}
    app.jinja_env.globals["url_for"] = url_for
    app.jinja_env.globals["site"] = show
    app.jinja_env.globals["navigation"] = read_navigation()
    app.jinja_env.filters["media_url"] = media_url
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["xml_text"] = xml_text
    app.jinja_env.filters["day"] = local_day
    app.jinja_env.filters["audio_extension"] = audio_extension
    app.jinja_env.globals["audio_types"] = AUDIO_TYPES
    app.jinja_env.globals["download_url"] = download_url
    app.jinja_env.filters["absolute_url"] = absolute_url
