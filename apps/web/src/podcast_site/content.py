"""Read the content folder (Markdown with front matter) and sync it into the database."""

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import frontmatter
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, undefer

from podcast_site import transcripts
from podcast_site.markdown import render_markdown
from podcast_site.models import Base, Episode, Guest, Sponsor

# Lower-case words of letters and digits joined by single hyphens; the URL
# converter for slugs (inputs.py) accepts exactly these.
SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG = rf"^{SLUG_PATTERN}$"


class ContentError(Exception):
    """The content folder has files that cannot be imported; the message lists them all."""


def parse_duration(value: Any) -> Any:
    """Accept `HH:MM:SS`, `MM:SS` or plain seconds."""
    if isinstance(value, str) and re.fullmatch(r"\d+(:\d{1,2}){1,2}", value):
        seconds = 0
        for part in value.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    return value


HttpsUrl = Annotated[str, Field(pattern=r"^https://\S+$", max_length=500)]
# Audio and photos: a full https URL, or a path under MEDIA_BASE_URL
# (content/media/ on this site by default, a CDN in production), such as
# `audio/001-hello.mp3`. Lowercase, no `..`: a path can never leave that folder.
MEDIA_PATH = r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9._-]*)*"
MediaUrl = Annotated[str, Field(pattern=rf"^(https://\S+|{MEDIA_PATH})$", max_length=500)]


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

    number: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1)
    published: date
    duration: Annotated[int, BeforeValidator(parse_duration), Field(gt=0)]
    audio_url: MediaUrl
    audio_bytes: int = Field(gt=0)
    youtube_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{11}$")
    guests: list[str] = []
    sponsors: list[str] = []
    tags: list[Annotated[str, Field(pattern=SLUG, max_length=50)]] = []
    chapters: list[Chapter] = []


@dataclass(frozen=True)
class GuestContent:
    """A guest as read from disk."""

    slug: str
    meta: GuestFile
    bio: str


@dataclass(frozen=True)
class SponsorContent:
    """A sponsor as read from disk."""

    slug: str
    meta: SponsorFile
    blurb: str


@dataclass(frozen=True)
class EpisodeContent:
    """An episode as read from disk, with its transcript if one lies beside it."""

    slug: str
    meta: EpisodeFile
    show_notes: str
    transcript: str | None


@dataclass(frozen=True)
class Content:
    """Everything in one content folder."""

    guests: list[GuestContent]
    sponsors: list[SponsorContent]
    episodes: list[EpisodeContent]


def read_content(root: Path) -> Content:
    """Read and validate every file under `root`; raise ContentError listing every problem."""
    if not root.is_dir():
        raise ContentError(f"{root} is not a folder")
    problems: list[str] = []
    guests = [
        GuestContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            root / "guests", r"(?P<slug>.+)", GuestFile, problems
        )
    ]
    sponsors = [
        SponsorContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            root / "sponsors", r"(?P<slug>.+)", SponsorFile, problems
        )
    ]
    episodes = [
        EpisodeContent(slug, meta, body, _read_transcript(path))
        for path, slug, meta, body in _read_folder(
            root / "episodes", r"\d+-(?P<slug>.+)", EpisodeFile, problems
        )
    ]
    known_guests = {guest.slug for guest in guests}
    known_sponsors = {sponsor.slug for sponsor in sponsors}
    seen_numbers: dict[int, str] = {}
    for episode in episodes:
        name = f"episodes/{episode.meta.number}"
        if episode.meta.number in seen_numbers:
            problems.append(f"{name}: number also used by {seen_numbers[episode.meta.number]}")
        seen_numbers[episode.meta.number] = episode.slug
        for guest in sorted(set(episode.meta.guests) - known_guests):
            problems.append(f"{name}: unknown guest {guest!r} (no guests/{guest}.md)")
        for sponsor in sorted(set(episode.meta.sponsors) - known_sponsors):
            problems.append(f"{name}: unknown sponsor {sponsor!r} (no sponsors/{sponsor}.md)")
        problems.extend(f"{name}: {problem}" for problem in _chapter_problems(episode.meta))
        if episode.transcript is not None:
            problems.extend(
                f"{name}: transcript: {problem}"
                for problem in transcripts.find_problems(episode.transcript, episode.meta.duration)
            )
    if problems:
        raise ContentError("content has problems:\n  " + "\n  ".join(problems))
    return Content(
        guests=guests,
        sponsors=sponsors,
        episodes=sorted(episodes, key=lambda episode: episode.meta.number),
    )


def _chapter_problems(meta: EpisodeFile) -> list[str]:
    """Say which chapters start out of order or after the episode ends."""
    problems = [
        f"chapters.{index}: starts at or before the chapter above it"
        for index, (above, chapter) in enumerate(pairwise(meta.chapters), start=1)
        if chapter.start <= above.start
    ]
    problems += [
        f"chapters.{index}: starts after the episode ends"
        for index, chapter in enumerate(meta.chapters)
        if chapter.start >= meta.duration
    ]
    return problems


def _read_transcript(episode_path: Path) -> str | None:
    """Return the text of the `.transcript.txt` beside an episode's file, if there is one."""
    path = episode_path.with_name(f"{episode_path.stem}.transcript.txt")
    return path.read_text().strip() if path.is_file() else None


def _read_folder[M: BaseModel](
    folder: Path, name_pattern: str, model: type[M], problems: list[str]
) -> list[tuple[Path, str, M, str]]:
    """Parse each `*.md` in `folder` into (path, slug, front matter, body), noting problems."""
    found = []
    for path in sorted(folder.glob("*.md")):
        label = f"{folder.name}/{path.name}"
        match = re.fullmatch(name_pattern, path.stem)
        if match is None or not re.fullmatch(SLUG, match["slug"]):
            problems.append(f"{label}: file name must be {name_pattern} with a lowercase slug")
            continue
        try:
            post = frontmatter.load(path)
            meta = model.model_validate(post.metadata)
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            problems.append(f"{label}: unreadable front matter: {error}")
            continue
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"])
                problems.append(f"{label}: {where}: {detail['msg']}")
            continue
        found.append((path, match["slug"], meta, post.content.strip()))
    return found


@dataclass
class ImportReport:
    """What an import created, changed and left alone."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Say whether the import wrote anything."""
        return bool(self.created or self.updated)

    def summary(self) -> str:
        """Describe the import in a few lines for the terminal."""
        lines = [f"created {name}" for name in self.created]
        lines += [f"updated {name}" for name in self.updated]
        lines.append(
            f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"
        )
        return "\n".join(lines)


def _upsert[M: Base](
    session: AsyncSession,
    report: ImportReport,
    label: str,
    existing: M | None,
    create_as: tuple[type[M], dict[str, Any]],
    values: dict[str, Any],
) -> M:
    """Add a new row (`model(**identity)`), or copy `values` onto the existing one."""
    if existing is None:
        model, identity = create_as
        row = model(**identity, **values)
        session.add(row)
        report.created.append(label)
        return row
    if any(getattr(existing, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(existing, name, value)
        report.updated.append(label)
    else:
        report.unchanged += 1
    return existing


async def import_content(session: AsyncSession, content: Content) -> ImportReport:
    """Create or update every guest, sponsor and episode in `content`; the caller commits.

    Rows that are no longer in the content folder are left alone: the import
    never deletes.
    """
    report = ImportReport()

    guests = {guest.slug: guest for guest in await session.scalars(select(Guest))}
    for guest in content.guests:
        guests[guest.slug] = _upsert(
            session, report, f"guest {guest.slug}", guests.get(guest.slug),
            (Guest, {"slug": guest.slug}),
            {
                "name": guest.meta.name,
                "bio": guest.bio,
                "bio_html": render_markdown(guest.bio),
                "photo_url": guest.meta.photo_url,
                "links": [link.model_dump() for link in guest.meta.links],
            },
        )  # fmt: skip

    sponsors = {sponsor.slug: sponsor for sponsor in await session.scalars(select(Sponsor))}
    for sponsor in content.sponsors:
        sponsors[sponsor.slug] = _upsert(
            session, report, f"sponsor {sponsor.slug}", sponsors.get(sponsor.slug),
            (Sponsor, {"slug": sponsor.slug}),
            {
                "name": sponsor.meta.name,
                "url": sponsor.meta.url,
                "blurb": sponsor.blurb,
                "blurb_html": render_markdown(sponsor.blurb),
            },
        )  # fmt: skip

    episodes = {
        episode.number: episode
        for episode in await session.scalars(
            select(Episode).options(
                selectinload(Episode.guests),
                selectinload(Episode.sponsors),
                undefer(Episode.show_notes),
                undefer(Episode.show_notes_html),
                undefer(Episode.transcript),
            )
        )
    }
    for episode in content.episodes:
        meta = episode.meta
        _upsert(
            session, report, f"episode {meta.number} ({episode.slug})", episodes.get(meta.number),
            (Episode, {"number": meta.number}),
            {
                "slug": episode.slug,
                "title": meta.title,
                "summary": meta.summary,
                "published_on": meta.published,
                "duration_seconds": meta.duration,
                "audio_url": meta.audio_url,
                "audio_bytes": meta.audio_bytes,
                "youtube_id": meta.youtube_id,
                "tags": meta.tags,
                "show_notes": episode.show_notes,
                "show_notes_html": render_markdown(episode.show_notes),
                "transcript": episode.transcript,
                "chapters": [chapter.model_dump(exclude_none=True) for chapter in meta.chapters],
                # Sorted as the relationships load them, so equal lists compare equal.
                "guests": sorted((guests[slug] for slug in meta.guests), key=by_name),
                "sponsors": sorted((sponsors[slug] for slug in meta.sponsors), key=by_name),
            },
        )  # fmt: skip
    await session.flush()
    return report


def by_name(row: Guest | Sponsor) -> str:
    """Sort key matching the relationships' `order_by`."""
    return row.name
