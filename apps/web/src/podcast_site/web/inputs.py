"""Refuse bad input before any view runs: bounded path variables, readable query strings and forms.

Postgres refuses what Python accepts (an integer above 2^31-1, a NUL in
text), and it says so with an exception, which would be a 500. So every path
variable goes through a converter that matches only values a row can have
(anything else matches no route: a 404), and every query string and form is
checked once here (a 400 with the reason), whatever view it is for.
"""

import re
from typing import Annotated
from urllib.parse import unquote_to_bytes

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from quart import Quart, abort, request
from werkzeug.routing import BaseConverter, IntegerConverter, Map, ValidationError

from podcast_site.core.formats import SLUG_PATTERN

# Postgres's `integer`, the type of episodes.number.
MAX_EPISODE_NUMBER = 2**31 - 1
# The longest slug column (episodes.slug).
MAX_SLUG_LENGTH = 200
# No path of this site has a longer segment: it is the longest file name
# Linux allows, so the static files handler never asks the file system about one.
MAX_PATH_SEGMENT_BYTES = 255
# Nor a longer path (the longest, a transcript's captions, is under 250 bytes).
# Linux refuses file paths over 4,096 bytes, and Python's Path.is_file()
# raises on those instead of answering False: a 500 under /static/.
MAX_PATH_BYTES = 1024
# The longest query a page sends is a search of 200 characters: 2,400 bytes
# if each is four bytes of UTF-8, percent-encoded. Trackers' parameters
# (utm_*, fbclid) fit beside it.
MAX_QUERY_STRING_BYTES = 4096
# The longest search the site answers (the page's and the API's).
MAX_SEARCH_LENGTH = 200
# C0 controls and DEL, but not tab, newline and carriage return, which a
# textarea may send. No keyboard types the others; Postgres refuses NUL.
CONTROL_CHARACTER_RANGES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CHARACTER_RANGES}]")
# The same rule for a validation model, so the API's description states it.
WITHOUT_CONTROL_CHARACTERS = f"^[^{CONTROL_CHARACTER_RANGES}]*$"


# A number as it is written: `20`, never `020`, `+20`, ` 20` or `2_0`, which
# Werkzeug or pydantic would read as 20 too. So one value has one URL, and the
# page cache (keyed on the URL) one copy of its page. A minus is let through
# for the bounds to refuse, with their clearer message (`page=-1`).
PLAIN_NUMBER = re.compile(r"0|-?[1-9][0-9]*")


def require_plain_number(value: object) -> object:
    """Refuse a query parameter's number unless it is written plainly (PLAIN_NUMBER)."""
    if isinstance(value, str) and not PLAIN_NUMBER.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing",
            "Input should be a valid integer, in plain digits (like 20)",
        )
    return value


# An integer in a validated query string (the API's): written plainly, or a 400.
# An assignment, not a `type` statement: pydantic then puts a Field's bounds
# into the OpenAPI description (`minimum`), where clients read them.
QueryInteger = Annotated[int, BeforeValidator(require_plain_number)]


class EpisodeNumberConverter(IntegerConverter):
    """Match an episode number: 1 to the largest Postgres integer, written plainly."""

    # ASCII digits only (\d would take other scripts' digits), no leading zero,
    # and never more than the ten the largest number has.
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_EPISODE_NUMBER)


class SlugConverter(BaseConverter):
    """Match a slug as the content folder's file names spell them."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        """Refuse a slug longer than any stored one."""
        if len(value) > MAX_SLUG_LENGTH:
            raise ValidationError()
        return value


class TokenConverter(BaseConverter):
    """Match a signed link token: URL-safe base64 parts joined by dots."""

    regex = r"[A-Za-z0-9_.-]{1,200}"


def clean_search(raw: str) -> str:
    """Squeeze a search's whitespace: the rest is searched as typed (control characters refused)."""
    return " ".join(raw.split())


def check_encoded(raw: bytes, what: str) -> None:
    """Refuse percent-encoded input that is not UTF-8 text free of control characters."""
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode()
    except UnicodeDecodeError:
        abort(400, f"The {what} is not valid UTF-8 text.")
    if CONTROL_CHARACTERS.search(text):
        abort(400, f"The {what} contains control characters (such as NUL), which no form sends.")


async def check_request_input() -> None:
    """Answer 404 for a path no page has, 400 for a query string or form no page would send."""
    path = request.path
    if (
        CONTROL_CHARACTERS.search(path)
        or len(path.encode()) > MAX_PATH_BYTES
        or any(len(segment.encode()) > MAX_PATH_SEGMENT_BYTES for segment in path.split("/"))
    ):
        abort(404)
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        abort(400, f"The query string is longer than {MAX_QUERY_STRING_BYTES} bytes.")
    check_encoded(request.query_string, "query string")
    # Read raw, before anything parses the form: Quart's parser raises on
    # bytes that are not UTF-8. Multipart forms, which mail programs post for
    # RFC 8058's one-click unsubscribe, are decoded leniently, and each view
    # validates what it reads.
    if request.mimetype == "application/x-www-form-urlencoded":
        body = await request.get_data(cache=True, as_text=False, parse_form_data=False)
        check_encoded(body, "form")


def init_app(app: Quart) -> None:
    """Register the converters (before any route uses them) and the check of every request."""
    app.url_map.converters["episode_number"] = EpisodeNumberConverter
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["token"] = TokenConverter
    app.before_request(check_request_input)
