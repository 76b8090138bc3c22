"""Read and check the content folder (Markdown with front matter), naming every problem.

Every file is checked before anything is imported; only the episodes' front
matter stays in memory: their texts are read again, a batch at a time, by
the importer.
"""

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from podcast_site.content import transcripts
from podcast_site.content.media import audio_problems
from podcast_site.content.schema import PLACEHOLDER, EpisodeFile, GuestFile, SponsorFile
from podcast_site.core.formats import SLUG

# Problems an error message lists: 500 broken files printed 5.9 MB, which
# nobody reads; the first twenty and a count say what to fix first.
SHOWN_PROBLEMS = 20


class ContentError(Exception):
    """The content folder has files that cannot be imported; the message lists them."""

    @classmethod
    def listing(cls, title: str, problems: list[str]) -> "ContentError":
        """Make the error for these problems: one line each, the first SHOWN_PROBLEMS of them."""
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(f"and {len(problems) - SHOWN_PROBLEMS} more")
        return cls(f"{title}:\n  " + "\n  ".join(shown))


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
            raise ContentError.listing("content changed during the import", problems)
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
    # Slugs as long as their columns allow (core/models.py).
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
    episodes = []
    for path, slug, meta, notes in _read_folder(
        root / "episodes", r"\d+-(?P<slug>.+)", EpisodeFile, 200, problems
    ):
        episodes.append(EpisodeContent(path, slug, meta))
        if meta.status != "draft" and any(PLACEHOLDER in text for text in (meta.summary, notes)):
            problems.append(
                f"episodes/{meta.number}: still holds make episode's {PLACEHOLDER} placeholders:"
                " write them, or keep it a draft (status: draft)"
            )
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
    seen_guids: dict[str, int] = {}
    for episode in episodes:
        name = f"episodes/{episode.meta.number}"
        if episode.meta.number in seen_numbers:
            problems.append(f"{name}: number also used by {seen_numbers[episode.meta.number]}")
        seen_numbers[episode.meta.number] = episode.slug
        # Two items with one GUID are one episode to a podcast app.
        if (guid := episode.meta.guid) is not None:
            if guid in seen_guids:
                problems.append(f"{name}: guid also used by episodes/{seen_guids[guid]}")
            seen_guids.setdefault(guid, episode.meta.number)
        for guest in sorted(set(episode.meta.guests) - known_guests):
            problems.append(f"{name}: unknown guest {guest!r} (no guests/{guest}.md)")
        for sponsor in sorted(set(episode.meta.sponsors) - known_sponsors):
            problems.append(f"{name}: unknown sponsor {sponsor!r} (no sponsors/{sponsor}.md)")
        problems.extend(f"{name}: {problem}" for problem in _chapter_problems(episode.meta))
    if problems:
        raise ContentError.listing("content has problems", problems)
    return Content(
        guests=guests,
        sponsors=sponsors,
        episodes=sorted(episodes, key=lambda episode: episode.meta.number),
    )


def check_audio(content: Content, media_folders: list[Path], *, require: bool) -> int:
    """Check each episode's size and duration against its audio file; return how many were here.

    Only files found in `media_folders` are checked. With `require` (a
    deploy, on the server), a published episode whose audio is a path with
    no file behind it is a problem too: it would be a broken download.
    Raises ContentError with one line per mismatch.
    """
    problems = []
    checked = 0
    for episode in content.episodes:
        meta = episode.meta
        label = f"episodes/{meta.number}"
        found, here = audio_problems(
            label, meta.audio_url, meta.audio_bytes, meta.duration, media_folders
        )
        problems += found
        checked += here
        local = not meta.audio_url.startswith("https://")
        if require and local and not here and meta.status == "published":
            folders = " or ".join(str(folder) for folder in media_folders)
            problems.append(
                f"{label}: {meta.audio_url} is not in this site's media folder ({folders}):"
                " make media-push uploads it"
            )
    if problems:
        raise ContentError.listing("audio does not match its episode", problems)
    return checked


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
