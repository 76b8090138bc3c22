"""Read the content folder (Markdown with front matter) and sync it into the database.

An import first checks every file and keeps only the episodes' front matter;
then it writes the episodes a batch at a time, reading each one's texts again
as it goes, so its memory and each statement's size stay flat however large
the catalog. Everything happens in the caller's one transaction.
"""

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import frontmatter
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from podcast_site.content import transcripts
from podcast_site.content.markdown import render_markdown
from podcast_site.core.formats import SLUG, HttpsUrl, MediaUrl
from podcast_site.core.models import Base, Episode, Guest, Sponsor

# Episodes written per statement: few enough that a statement stays short and
# the import's memory small (100 hour-long transcripts are about 6 MB), many
# enough that round trips do not dominate.
EPISODE_BATCH = 100


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
    """An episode whose files passed the checks; its texts are read when it is imported."""

    path: Path
    slug: str
    meta: EpisodeFile

    @property
    def transcript_path(self) -> Path:
        """Return where the episode's transcript is, if it has one."""
        return self.path.with_name(f"{self.path.stem}.transcript.txt")

    def read_texts(self) -> tuple[str, str | None]:
        """Read the show notes and the transcript again; raise ContentError if that fails now."""
        problems: list[str] = []
        text = _read_text(self.path, f"episodes/{self.path.name}", problems)
        transcript = None
        if (path := self.transcript_path).is_file():
            transcript = _read_text(path, f"episodes/{path.name}", problems)
        if text is None or problems:
            raise ContentError("content changed during the import:\n  " + "\n  ".join(problems))
        return frontmatter.loads(text).content.strip(), transcript and transcript.strip()


@dataclass(frozen=True)
class Content:
    """Everything in one content folder."""

    guests: list[GuestContent]
    sponsors: list[SponsorContent]
    episodes: list[EpisodeContent]


def read_content(root: Path) -> Content:
    """Read and check every file under `root`; raise ContentError listing every problem."""
    if not root.is_dir():
        raise ContentError(f"{root} is not a folder")
    problems: list[str] = []
    # Slugs as long as their columns allow (models.py).
    guests = [
        GuestContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            root / "guests", r"(?P<slug>.+)", GuestFile, 100, problems
        )
    ]
    sponsors = [
        SponsorContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            root / "sponsors", r"(?P<slug>.+)", SponsorFile, 100, problems
        )
    ]
    # Only the front matter stays in memory; the texts are checked and dropped.
    episodes = [
        EpisodeContent(path, slug, meta)
        for path, slug, meta, _ in _read_folder(
            root / "episodes", r"\d+-(?P<slug>.+)", EpisodeFile, 200, problems
        )
    ]
    for episode in episodes:
        if (path := episode.transcript_path).is_file():
            transcript = _read_text(path, f"episodes/{path.name}", problems)
            if transcript is not None:
                problems.extend(
                    f"episodes/{episode.meta.number}: transcript: {problem}"
                    for problem in transcripts.find_problems(transcript, episode.meta.duration)
                )
    # A file that is there but broken has its own problem: not one per episode too.
    known_guests = {path.stem for path in (root / "guests").glob("*.md")}
    known_sponsors = {path.stem for path in (root / "sponsors").glob("*.md")}
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


def _read_text(path: Path, label: str, problems: list[str]) -> str | None:
    """Return a file's text, or note why it cannot be read or stored and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(f"{label}: not UTF-8 text ({error.reason} at byte {error.start})")
        return None
    except OSError as error:
        problems.append(f"{label}: cannot be read ({error.strerror})")
        return None
    if "\0" in text:
        problems.append(f"{label}: contains a NUL character, which Postgres cannot store")
        return None
    return text


def _read_folder[M: BaseModel](
    folder: Path, name_pattern: str, model: type[M], max_slug: int, problems: list[str]
) -> list[tuple[Path, str, M, str]]:
    """Parse each `*.md` in `folder` into (path, slug, front matter, body), noting problems."""
    found = []
    for path in sorted(folder.glob("*.md")):
        label = f"{folder.name}/{path.name}"
        match = re.fullmatch(name_pattern, path.stem)
        if match is None or not re.fullmatch(SLUG, match["slug"]):
            problems.append(f"{label}: file name must be {name_pattern} with a lowercase slug")
            continue
        if len(match["slug"]) > max_slug:
            problems.append(f"{label}: the slug is longer than {max_slug} characters")
            continue
        text = _read_text(path, label, problems)
        if text is None:
            continue
        try:
            post = frontmatter.loads(text)
            meta = model.model_validate(post.metadata)
        except yaml.YAMLError as error:
            # PyYAML's own message spans lines; a problem takes one.
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            reason = getattr(error, "problem", None) or error
            problems.append(f"{label}: unreadable front matter{where}: {reason}")
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


def _digest(text: str | None) -> str | None:
    """Hash a text as Postgres's md5() does; only to notice a change, not for security."""
    return None if text is None else hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _upsert[M: Base](
    session: AsyncSession,
    report: ImportReport,
    label: str,
    existing: M | None,
    create_as: tuple[type[M], dict[str, Any]],
    values: dict[str, Any],
    stored_digests: Mapping[str, str | None] | None = None,
) -> M:
    """Add a new row (`model(**identity)`), or copy the changed `values` onto the existing one.

    A column named in `stored_digests` is compared by its hash, so the row
    need not carry its (long) text; only what changed is written.
    """
    if existing is None:
        model, identity = create_as
        row = model(**identity, **values)
        session.add(row)
        report.created.append(label)
        return row
    digests = stored_digests or {}
    changes = {
        name: value
        for name, value in values.items()
        if (
            digests[name] != _digest(value) if name in digests else getattr(existing, name) != value
        )
    }
    for name, value in changes.items():
        setattr(existing, name, value)
    if changes:
        report.updated.append(label)
    else:
        report.unchanged += 1
    return existing


async def _flush(session: AsyncSession, what: str) -> None:
    """Write what is pending; a database error then says which part of the import it was."""
    try:
        await session.flush()
    except DBAPIError as error:
        error.add_note(f"while writing {what}")
        raise


async def import_content(
    session: AsyncSession,
    content: Content,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = EPISODE_BATCH,
) -> ImportReport:
    """Create or update every guest, sponsor and episode in `content`; the caller commits.

    `progress(done, total)` hears after each batch of episodes. Rows that are
    no longer in the content folder are left alone: the import never deletes.
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
    await _flush(session, "guests and sponsors")

    total = len(content.episodes)
    for start in range(0, total, batch_size):
        batch = content.episodes[start : start + batch_size]
        await _import_episodes(session, report, batch, guests, sponsors)
        if progress is not None:
            progress(start + len(batch), total)
    return report


async def _import_episodes(
    session: AsyncSession,
    report: ImportReport,
    batch: list[EpisodeContent],
    guests: dict[str, Guest],
    sponsors: dict[str, Sponsor],
) -> None:
    """Create or update one batch of episodes and write it."""
    # Postgres hashes the long texts it holds: comparing them moves no text.
    long_texts = ("show_notes", "show_notes_html", "transcript")
    found = await session.execute(
        select(Episode, *(func.md5(getattr(Episode, name)) for name in long_texts))
        .where(Episode.number.in_([episode.meta.number for episode in batch]))
        .options(selectinload(Episode.guests), selectinload(Episode.sponsors))
    )
    stored = {row[0].number: (row[0], dict(zip(long_texts, row[1:], strict=True))) for row in found}
    for episode in batch:
        meta = episode.meta
        show_notes, transcript = episode.read_texts()
        existing, digests = stored.get(meta.number, (None, None))
        _upsert(
            session, report, f"episode {meta.number} ({episode.slug})", existing,
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
                "show_notes": show_notes,
                "show_notes_html": render_markdown(show_notes),
                "transcript": transcript,
                "chapters": [chapter.model_dump(exclude_none=True) for chapter in meta.chapters],
                # Sorted as the relationships load them, so equal lists compare equal.
                "guests": sorted((guests[slug] for slug in meta.guests), key=by_name),
                "sponsors": sorted((sponsors[slug] for slug in meta.sponsors), key=by_name),
            },
            digests,
        )  # fmt: skip
    # Once written, the rows are clean, and the session's weak references let
    # them (and their texts) go: memory stays at about one batch.
    await _flush(session, f"episodes {batch[0].meta.number} to {batch[-1].meta.number}")


def by_name(row: Guest | Sponsor) -> str:
    """Sort key matching the relationships' `order_by`."""
    return row.name
