"""Read the show's identity from site.toml: its name, host, feed details, artwork and apps."""

import difflib
import re
import tomllib
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
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


class Txt(BaseModel):
    """A free-form text for the feed (podcast:txt): a directory's verification code, say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # What it is for: "applepodcastsverify", "verify", a service's domain.
    purpose: str | None = Field(default=None, min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=4000)


# RFC 5545's RECUR: NAME=VALUE parts joined by `;`, FREQ among them.
RRULE_PART = re.compile(r"[A-Z]+=[A-Za-z0-9,.:+-]+")
FREQUENCIES = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}


def recurrence_rule(rule: str) -> str:
    """Refuse a text that is not an iCalendar recurrence rule with a FREQ."""
    parts = rule.split(";")
    names = dict(part.split("=", 1) for part in parts if RRULE_PART.fullmatch(part))
    if len(names) != len(parts) or names.get("FREQ") not in FREQUENCIES:
        raise ValueError(
            f"not an iCalendar rule (RFC 5545): {rule!r}; write e.g. FREQ=WEEKLY or"
            " FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
        )
    return rule


class UpdateFrequency(BaseModel):
    """How often the show means to publish (podcast:updateFrequency): words and a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # As apps may show it: "Weekly", "Every other Monday".
    text: str = Field(min_length=1, max_length=128)
    rrule: Annotated[str, AfterValidator(recurrence_rule)] | None = None
    # When the rule begins: a TOML date, or a time with its offset.
    dtstart: AwareDatetime | date | None = None
    # No more episodes will come.
    complete: bool = False

    @model_validator(mode="after")
    def count_has_a_start(self) -> Self:
        """Require dtstart with a COUNT, which counts from it (the namespace says so)."""
        if self.rrule and "COUNT=" in self.rrule and self.dtstart is None:
            raise ValueError("a rule with COUNT needs dtstart, the day it counts from")
        return self

    @property
    def start(self) -> str | None:
        """Return dtstart as the namespace writes it (ISO 8601, a time in UTC)."""
        if isinstance(self.dtstart, datetime):
            return self.dtstart.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return self.dtstart.isoformat() if self.dtstart else None


@dataclass(frozen=True)
class PodcastApp:
    """An app or directory listeners subscribe in: its name, and the domains of its show pages."""

    name: str
    domains: tuple[str, ...]


# The apps a subscribe link may name by key (`app = "overcast"`); any other
# takes a `name`. The domains catch a link pasted into the wrong app's entry.
PODCAST_APPS = {
    "apple-podcasts": PodcastApp("Apple Podcasts", ("apple.com",)),
    "spotify": PodcastApp("Spotify", ("spotify.com",)),
    "youtube": PodcastApp("YouTube", ("youtube.com", "youtu.be")),
    "youtube-music": PodcastApp("YouTube Music", ("music.youtube.com",)),
    "overcast": PodcastApp("Overcast", ("overcast.fm",)),
    "pocket-casts": PodcastApp("Pocket Casts", ("pocketcasts.com", "pca.st")),
    "castro": PodcastApp("Castro", ("castro.fm",)),
    "podcast-addict": PodcastApp("Podcast Addict", ("podcastaddict.com",)),
    "fountain": PodcastApp("Fountain", ("fountain.fm",)),
}


class SubscribeLink(BaseModel):
    """The show's page in one podcast app: a known app by key, or any other by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=60)
    url: HttpsUrl

    @field_validator("app")
    @classmethod
    def app_is_known(cls, app: str | None) -> str | None:
        """Refuse an app key not in PODCAST_APPS, listing the keys there are."""
        if app is not None and app not in PODCAST_APPS:
            keys = ", ".join(PODCAST_APPS)
            raise ValueError(f'unknown app {app!r}: use one of {keys}, or name = "..." instead')
        return app

    @field_validator("url")
    @classmethod
    def url_is_the_apps(cls, url: str, info: ValidationInfo) -> str:
        """Refuse a known app's link that points to another site."""
        app = PODCAST_APPS.get(info.data.get("app") or "")
        host = (urlsplit(url).hostname or "").lower()
        if app and not any(host == domain or host.endswith(f".{domain}") for domain in app.domains):
            raise ValueError(f"{app.name} links are on {' or '.join(app.domains)}, not {host}")
        return url

    @model_validator(mode="after")
    def names_one_app(self) -> Self:
        """Require exactly one of `app` and `name`."""
        if (self.app is None) == (self.name is None):
            raise ValueError(
                'give either app = "<key>" for a known app or name = "..." for another'
            )
        return self

    @property
    def label(self) -> str:
        """Return the app's name, as the link shows it."""
        return PODCAST_APPS[self.app].name if self.app else self.name or ""


# Apple Podcasts' categories and their subcategories, as its page lists them
# (https://podcasters.apple.com/support/1691-apple-podcasts-categories); a
# feed naming another is filed nowhere. Other directories map from these.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


def one_of(value: str, valid: Iterable[str], what: str) -> str:
    """Refuse a value not among `valid`, naming the closest one (Apple matches exactly)."""
    choices = list(valid)
    if value in choices:
        return value
    by_case = {choice.casefold(): choice for choice in choices}
    closest = by_case.get(value.casefold()) or next(
        iter(difflib.get_close_matches(value, choices, n=1, cutoff=0)), None
    )
    hint = f'; did you mean "{closest}"?' if closest else ""
    raise ValueError(f"{value!r} is not {what}{hint}")


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
    subcategory: str | None = Field(default=None, min_length=1, max_length=100)
    explicit: bool
    # episodic: newest first, as most shows; serial: apps play it from episode 1 in order.
    show_type: Literal["episodic", "serial"] = "episodic"
    copyright: str | None = Field(default=None, min_length=1, max_length=500)
    txt: list[Txt] = []
    update_frequency: UpdateFrequency | None = None
    guid_namespace: uuid.UUID
    cover_art: SiteOrHttpsUrl
    podcast_guid: uuid.UUID | None = None
    # Set when the show moves away from this site: the feed then names the
    # new one (<itunes:new-feed-url>), for the apps that keep polling here.
    new_feed_url: HttpsUrl | None = None
    locked: bool = True
    funding: Funding | None = None
    # The show's page in each podcast app, linked on the home and episode
    # pages beside the feed; none: the feed alone.
    subscribe: list[SubscribeLink] = []
    feed_episodes: int = Field(default=300, ge=1, le=10_000)
    # Where the show lives: `make episode PUBLISH="2027-01-12 06:00"` means
    # that hour here, and pages show dates in it.
    time_zone: Annotated[str, AfterValidator(known_time_zone)] = "UTC"
    # Mail every confirmed subscriber once when an episode goes public.
    announce_episodes: bool = True
    # WebSub hubs told of every new episode, and named in the feed, so that
    # apps subscribed there fetch it within minutes instead of at their next poll.
    websub_hubs: list[HttpsUrl] = []

    @field_validator("category")
    @classmethod
    def category_is_apples(cls, category: str) -> str:
        """Refuse a category Apple Podcasts does not list (APPLE_CATEGORIES)."""
        return one_of(category, APPLE_CATEGORIES, "one of Apple Podcasts' categories")

    @field_validator("subcategory")
    @classmethod
    def subcategory_is_the_categorys(
        cls, subcategory: str | None, info: ValidationInfo
    ) -> str | None:
        """Refuse a subcategory that Apple Podcasts does not list under the category."""
        category = info.data.get("category")
        if subcategory is None or category is None:  # None: the category itself was refused
            return subcategory
        subcategories = APPLE_CATEGORIES[category]
        if not subcategories:
            raise ValueError(f"Apple Podcasts' {category!r} has no subcategories: leave it out")
        return one_of(
            subcategory, subcategories, f"one of Apple Podcasts' {category!r} subcategories"
        )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Return the show's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)


def read_show(path: Path) -> Show:
    """Read and check site.toml; raise SiteFileError naming every problem, one a line."""
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
        if len(problems) == 1:
            raise SiteFileError(f"{path}: {problems[0]}") from error
        raise SiteFileError(f"{path} has problems:\n  " + "\n  ".join(problems)) from error


def attach_show(app: Quart, show: Show) -> None:
    """Keep the show on the app, for `get_show`."""
    app.extensions[EXTENSION] = show


def get_show(app: Quart | None = None) -> Show:
    """Return the app's show (the running app's by default)."""
    show: Show = (app or current_app).extensions[EXTENSION]
    return show
