"""Serve the app's own copies of the static files: by content-hashed names, in any byte range.

Caddy serves the static files itself; the app serves them only for a name
Caddy lacks (a deploy in progress, when one side is newer than the other).
"""

from pathlib import Path
from typing import Any

from quart import Quart, Response
from quart.wrappers.response import FileBody

from podcast_site.web.static_names import hashed_names


class SuffixRangeFileBody(FileBody):
    """A file that can also be sent in part from its end (`Range: bytes=-500`).

    Quart (0.23) keeps such a range's negative start, and werkzeug then refuses
    to write its Content-Range: a 500. The app sends files only when Caddy
    lacks one (the static files of a deploy in progress), but it must not fail.
    """

    async def make_conditional(self, begin: int, end: int | None) -> int:
        """Turn a suffix range into the bytes it means, then select them as Quart does."""
        if begin < 0:  # the last -begin bytes, or all of a shorter file (RFC 9110, 14.1.2)
            begin = max(0, self.size + begin)
        return await super().make_conditional(begin, end)


class SiteResponse(Response):
    """Quart's response, with files that can also be sent from their end (a suffix range)."""

    file_body_class = SuffixRangeFileBody


def add_cache_busting(app: Quart) -> None:
    """Give every static file a URL that changes with its content.

    Caddy serves those URLs from its own copies with a one-year `immutable`
    cache: a URL never means two different files. During a deploy, when one
    side is newer than the other, Caddy passes a name it does not have to the
    app, which serves it from here (the preprocessor maps it back to the file).
    """
    hashed = hashed_names(Path(app.static_folder or ""))
    plain = {hashed_path: name for name, hashed_path in hashed.items()}

    @app.url_defaults
    def use_hashed_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in hashed:
            values["filename"] = hashed[values["filename"]]

    @app.url_value_preprocessor
    def find_hashed_file(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if endpoint == "static" and values and values.get("filename") in plain:
            values["filename"] = plain[values["filename"]]


def init_app(app: Quart) -> None:
    """Link static files by their hashed names, and send any range of them."""
    app.response_class = SiteResponse
    add_cache_busting(app)
