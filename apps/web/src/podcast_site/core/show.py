"""Read the show's identity from site.toml: its name, host, feed details and artwork."""

import tomllib
import uuid
import zoneinfo
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from quart import Quart, current_app

from podcast_site.core.formats import HttpsUrl, SiteOrHttpsUrl

EXTENSION = "podcast_site.show"
# The demo show's guid_namespace (site.toml): a production site that still
# has it is a fork about to publish the demo's episodes as its own.
DEMO_GUID_NAMESPACE = uuid.UUID("6f1d8e52-0a7c-4b55-9a43-2c8e1b7d3f90")


class SiteFileError(Exception):
    """site.toml is missing or wrong; the message says what to fix."""


class Funding(BaseModel):
    """Where listeners can support the show: a link and the words podcast apps show with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpsUrl
    # The namespace asks for at most 128 characters; directories cut longer ones.
    text: str = Field(min_length=1, max_length=128)


def known_time_zone(name: str) -> str:
    """Refuse a time zone that the IANA database (tzdata) does not know."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r}: use an IANA name like Europe/Berlin"
        raise ValueError(message) from None
    return name


class Show(BaseModel):
    """Who the show is: the fields of site.toml (described there)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    tagline: str = Field(min_length=1, max_length=300)
    language: str = Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    host: str = Field(min_length=1, max_length=200)
    host_url: HttpsUrl | None = None
    host_photo_url: SiteOrHttpsUrl | None = None
    owner_name: str = Field(min_length=1, max_length=200)
    owner_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    category: str = Field(min_length=1, max_length=100)
    explicit: bool
    guid_namespace: uuid.UUID
    cover_art: SiteOrHttpsUrl
    podcast_guid: uuid.UUID | None = None
    locked: bool = True
    funding: Funding | None = None
    feed_episodes: int = Field(default=300, ge=1, le=10_000)
    # Where the show lives: `make episode PUBLISH="2027-01-12 06:00"` means
    # that hour here, and pages show dates in it.
    time_zone: Annotated[str, AfterValidator(known_time_zone)] = "UTC"
    # Mail every confirmed subscriber once when an episode goes public.
    announce_episodes: bool = True
    # WebSub hubs told of every new episode, and named in the feed, so that
    # apps subscribed there fetch it within minutes instead of at their next poll.
    websub_hubs: list[HttpsUrl] = []

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Return the show's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)


def read_show(path: Path) -> Show:
    """Read and check site.toml; raise SiteFileError naming every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SiteFileError(f"{path}: cannot be read ({error.strerror}); see SITE_FILE") from error
    except tomllib.TOMLDecodeError as error:
        raise SiteFileError(f"{path}: not valid TOML: {error}") from error
    try:
        return Show.model_validate(data)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in error.errors()]
        raise SiteFileError(f"{path} has problems:\n  " + "\n  ".join(problems)) from error


def attach_show(app: Quart, show: Show) -> None:
    """Keep the show on the app, for `get_show`."""
    app.extensions[EXTENSION] = show


def get_show(app: Quart | None = None) -> Show:
    """Return the app's show (the running app's by default)."""
    show: Show = (app or current_app).extensions[EXTENSION]
    return show
