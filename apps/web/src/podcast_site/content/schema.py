"""The content folder's format: the front matter of each kind of file, checked by pydantic."""

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from podcast_site.core.formats import SLUG, HttpsUrl, MediaUrl


def parse_duration(value: Any) -> Any:
    """Accept `HH:MM:SS`, `MM:SS` or plain seconds."""
    if isinstance(value, str) and re.fullmatch(r"\d+(:\d{1,2}){1,2}", value):
        seconds = 0
        for part in value.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    return value


def parse_release_time(value: Any) -> Any:
    """Read `published`: a day (midnight UTC, as before) or a time with its offset.

    YAML reads `2027-01-12` as a date and `2027-01-12T06:00:00-05:00` as a
    time; a time without an offset would mean a different instant on every
    machine, so pydantic refuses it (AwareDatetime).
    """
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), UTC)
    return value


# What `make episode` writes where the owner still has to write something:
# an episode that still carries it cannot be published (content/reader.py).
PLACEHOLDER = "TODO:"


class Link(BaseModel):
    """A titled link on a guest's page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=100)
    url: HttpsUrl


class GuestFile(BaseModel):
    """The front matter of `guests/<slug>.md`; the body is the bio."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    photo_url: MediaUrl | None = None
    links: list[Link] = []


class SponsorFile(BaseModel):
    """The front matter of `sponsors/<slug>.md`; the body is the blurb."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    url: HttpsUrl


class Chapter(BaseModel):
    """A chapter of an episode: where it starts, its title, and a page about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Annotated[int, BeforeValidator(parse_duration), Field(ge=0)]
    title: str = Field(min_length=1, max_length=200)
    url: HttpsUrl | None = None


class EpisodeFile(BaseModel):
    """The front matter of `episodes/<number>-<slug>.md`; the body is the show notes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Postgres's `integer`, the type of episodes.number.
    number: int = Field(ge=1, le=2**31 - 1)
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1)
    published: Annotated[AwareDatetime, BeforeValidator(parse_release_time)]
    # draft: only its signed preview link shows it; removed: gone (410), kept.
    status: Literal["draft", "published", "removed"] = "published"
    duration: Annotated[int, BeforeValidator(parse_duration), Field(gt=0)]
    # A path in the media folder, or the full https URL of audio that stays
    # where it is (on the old host, after `make import-feed`).
    audio_url: MediaUrl
    audio_bytes: int = Field(gt=0)
    audio_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    youtube_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{11}$")
    guests: list[str] = []
    sponsors: list[str] = []
    tags: list[Annotated[str, Field(pattern=SLUG, max_length=50)]] = []
    chapters: list[Chapter] = []
    # What podcast apps group and label it by: a season (Apple shows season
    # numbers once a feed has two), and whether it is a whole episode, a
    # trailer of the show or of its season, or extra material (Apple's
    # itunes:episodeType). It keeps its number either way: URLs, the file
    # name and the feed GUID all derive from it.
    season: int | None = Field(default=None, ge=1, le=2**31 - 1)
    episode_type: Literal["full", "trailer", "bonus"] = "full"
    # Its own cover art, where apps show it instead of the show's: square,
    # JPEG or PNG, 1400-3000 px (content/artwork.py checks the file).
    image_url: MediaUrl | None = None
    # Overrides site.toml's `explicit` for this episode alone.
    explicit: bool | None = None
    # The feed's <guid>, verbatim, instead of the one derived from the
    # number: an episode brought from another host keeps its old one, so
    # podcast apps see it as the episode they already have.
    guid: str | None = Field(default=None, min_length=1, max_length=500)
