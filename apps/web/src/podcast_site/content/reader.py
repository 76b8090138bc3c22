"""Read and check the content folder (Markdown with front matter), naming every problem.

Every new or changed file is checked before anything is imported; only the
episodes' front matter stays in memory: their texts are read again, a batch
at a time, by the importer. A file the last import stored, and that has not
changed since, is not read at all (FileState): a re-import costs what
changed, not the catalogue.
"""

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, pairwise
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
            shown.append(f"and {len(problems) - SHOWN_PROBLEMS} more problems")
        return cls(f"{title}:\n  " + "\n  ".join(shown))


@dataclass(frozen=True)
class FileState:
    """A content file as an import stored it: a row of content_files."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    episode_number: int | None = None


# A file written again within this long of being read may keep its size and
# mtime (file systems' clocks are coarse): its state keeps no mtime, so the
# next import hashes it rather than trusting the stat.
RECENT_NS = 2_000_000_000


class _Scan:
    """Decide which files changed since the import that stored `stored`; note each one's state."""

    def __init__(self, root: Path, stored: Mapping[str, FileState], *, force: bool) -> None:
        self.root, self.stored, self.force = root, stored, force
        self.states: dict[str, FileState] = {}
        self.unchanged = 0
        self._started_ns = time.time_ns()
        # The file last hashed, whose bytes the parse that follows would read again.
        self._last: tuple[Path, bytes] | None = None

    def name(self, path: Path) -> str:
        """Return a file's name in content_files: relative to the folder."""
        return path.relative_to(self.root).as_posix()

    def is_unchanged(self, path: Path) -> bool:
        """Say whether a file is as stored: the same size and mtime, or else the same hash."""
        known = None if self.force else self.stored.get(self.name(path))
        if known is None:
            return False
        try:
            stat = path.stat()
            if (stat.st_size, stat.st_mtime_ns) == (known.size, known.mtime_ns):
                self.states[known.path] = known
                return True
            self.read(path)
        except OSError:
            return False  # the parse names the problem
        return self.states[known.path].sha256 == known.sha256

    def read(self, path: Path) -> bytes:
        """Read a file's bytes and note its state; raise OSError."""
        if self._last is not None and self._last[0] == path:
            return self._last[1]
        stat = path.stat()
        data = path.read_bytes()
        name = self.name(path)
        recent = stat.st_mtime_ns > self._started_ns - RECENT_NS
        self.states[name] = FileState(
            name,
            len(data),
            -1 if recent else stat.st_mtime_ns,
            hashlib.sha256(data).hexdigest(),
            self.stored[name].episode_number if name in self.stored else None,
        )
        self._last = (path, data)
        return data


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
    # The hashes of the files as checked: the importer stores only those.
    sha256: str = ""
    transcript_sha256: str | None = None

    @property
    def transcript_path(self) -> Path:
        """Return where the episode's transcript is, if it has one."""
        return self.path.with_name(f"{self.path.stem}.transcript.txt")

    def read_texts(self) -> tuple[str, str | None]:
        """Read the show notes and the transcript again; raise ContentError if that fails now."""
        problems: list[str] = []
        text = _read_checked(self.path, self.sha256, problems)
        transcript = None
        if self.transcript_sha256 is not None or self.transcript_path.is_file():
            transcript = _read_checked(self.transcript_path, self.transcript_sha256, problems)
        if text is None or problems:
            raise ContentError.listing("content changed during the import", problems)
        return frontmatter.loads(text).content.strip(), transcript and transcript.strip()


def _read_checked(path: Path, sha256: str | None, problems: list[str]) -> str | None:
    """Read a file again, noting a problem unless it is still the one checked (`sha256`)."""
    label = f"episodes/{path.name}"
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(f"{label}: cannot be read ({error.strerror})")
        return None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        problems.append(f"{label}: changed since it was checked; import again")
        return None
    return _decode(data, label, problems)


@dataclass(frozen=True)
class Content:
    """Everything in one content folder."""

    # Only the new and changed ones: the others are as the last import stored them.
    guests: list[GuestContent]
    sponsors: list[SponsorContent]
    episodes: list[EpisodeContent]
    # The files whose state content_files is to record anew, and those gone since.
    files: list[FileState] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    # Files skipped, and episodes skipped (both their files unchanged), by number.
    unchanged_files: int = 0
    read_files: int = 0
    unchanged_episodes: list[int] = field(default_factory=list)


def read_content(
    root: Path,
    stored: Mapping[str, FileState] | None = None,
    *,
    force: bool = False,
    stored_guids: Mapping[str, int] | None = None,
) -> Content:
    """Read and check the files under `root` that differ from `stored` (all, with `force`).

    `stored_guids` (each kept `guid` and its episode's number, from the
    database) lets a changed file's guid be checked against the skipped ones.
    Raises ContentError listing every problem of the files read.
    """
    if not root.is_dir():
        raise ContentError(f"{root} is not a folder")
    stored = stored or {}
    scan = _Scan(root, stored, force=force)
    problems: list[str] = []
    guest_files = sorted((root / "guests").glob("*.md"))
    sponsor_files = sorted((root / "sponsors").glob("*.md"))
    episode_files = sorted((root / "episodes").glob("*.md"))
    transcript_files = {path.name for path in (root / "episodes").glob("*.transcript.txt")}
    present = {scan.name(path) for path in chain(guest_files, sponsor_files, episode_files)} | {
        f"episodes/{name}" for name in transcript_files
    }
    gone = sorted(set(stored) - present)

    def unchanged_file(path: Path) -> bool:
        skip = scan.is_unchanged(path)
        scan.unchanged += skip
        return skip

    # Slugs as long as their columns allow (core/models.py).
    guests = [
        GuestContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            guest_files, r"(?P<slug>.+)", GuestFile, 100, problems, scan, unchanged_file
        )
    ]
    sponsors = [
        SponsorContent(slug, meta, body)
        for _, slug, meta, body in _read_folder(
            sponsor_files, r"(?P<slug>.+)", SponsorFile, 100, problems, scan, unchanged_file
        )
    ]
    # A guest or sponsor gone may leave an episode that names it: the episodes
    # are all read then, so that check sees every one (seldom, and correct).
    names_gone = any(name.startswith(("guests/", "sponsors/")) for name in gone)
    unchanged_episodes: dict[int, str] = {}

    def unchanged_episode(path: Path) -> bool:
        """Skip an episode only if its file and its transcript (or its absence) are unchanged."""
        transcript = path.with_name(f"{path.stem}.transcript.txt")
        name = scan.name(transcript)
        had_transcript = name in stored and not force
        skip = (
            not names_gone
            and scan.is_unchanged(path)
            and (scan.is_unchanged(transcript) if transcript.name in transcript_files
                 else not had_transcript)
        )  # fmt: skip
        if skip:
            known = stored[scan.name(path)]
            scan.unchanged += 1 + (transcript.name in transcript_files)
            if known.episode_number is not None:
                unchanged_episodes[known.episode_number] = path.stem.partition("-")[2]
        return skip

    # Only the front matter stays in memory; the texts are checked and dropped.
    episodes = []
    for path, slug, meta, notes in _read_folder(
        episode_files, r"\d+-(?P<slug>.+)", EpisodeFile, 200, problems, scan, unchanged_episode
    ):
        state = scan.states[scan.name(path)] = replace(
            scan.states[scan.name(path)], episode_number=meta.number
        )
        transcript_sha256 = None
        if (transcript_path := path.with_name(f"{path.stem}.transcript.txt")).name in (
            transcript_files
        ):
            transcript = _read_file(transcript_path, problems, scan)
            if transcript is not None:
                transcript_sha256 = scan.states[scan.name(transcript_path)].sha256
                problems.extend(
                    f"episodes/{meta.number}: transcript: {problem}"
                    for problem in transcripts.find_problems(transcript, meta.duration)
                )
        episodes.append(EpisodeContent(path, slug, meta, state.sha256, transcript_sha256))
        if meta.status != "draft" and any(PLACEHOLDER in text for text in (meta.summary, notes)):
            problems.append(
                f"episodes/{meta.number}: still holds make episode's {PLACEHOLDER} placeholders:"
                " write them, or keep it a draft (status: draft)"
            )
    # A file that is there but broken has its own problem: not one per episode too.
    known_guests = {path.stem for path in guest_files}
    known_sponsors = {path.stem for path in sponsor_files}
    seen_numbers = dict(unchanged_episodes)
    # The skipped episodes' guids stand as they are in the database.
    seen_guids = {
        guid: number
        for guid, number in (stored_guids or {}).items()
        if number in unchanged_episodes
    }
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
        files=[
            state for _, state in sorted(scan.states.items()) if stored.get(state.path) != state
        ],
        gone=gone,
        unchanged_files=scan.unchanged,
        read_files=len(present) - scan.unchanged,
        unchanged_episodes=sorted(unchanged_episodes),
    )


@dataclass(frozen=True)
class AudioClaim:
    """What an episode says of its audio: from its file, or from its row if the file was skipped."""

    number: int
    audio_url: str
    audio_bytes: int
    duration: int
    status: str


def check_audio(
    content: Content,
    media_folders: list[Path],
    *,
    require: bool,
    unchanged: Iterable[AudioClaim] = (),
) -> int:
    """Check each episode's size and duration against its audio file; return how many were here.

    Only files found in `media_folders` are checked; `unchanged` are the
    episodes whose files were skipped, as their rows hold them (media can
    change while the content does not). With `require` (a deploy, on the
    server), a published episode whose audio is a path with no file behind
    it is a problem too: it would be a broken download.
    Raises ContentError with one line per mismatch.
    """
    problems = []
    checked = 0
    claims = chain(
        (
            AudioClaim(m.number, m.audio_url, m.audio_bytes, m.duration, m.status)
            for m in (episode.meta for episode in content.episodes)
        ),
        unchanged,
    )
    for meta in sorted(claims, key=lambda claim: claim.number):
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


def _read_file(path: Path, problems: list[str], scan: _Scan) -> str | None:
    """Return a file's text (noting its state), or note why it cannot be read or stored."""
    label = f"{path.parent.name}/{path.name}"
    try:
        data = scan.read(path)
    except OSError as error:
        problems.append(f"{label}: cannot be read ({error.strerror})")
        return None
    return _decode(data, label, problems)


def _decode(data: bytes, label: str, problems: list[str]) -> str | None:
    """Return a file's bytes as text with universal newlines, or note why they cannot be."""
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        problems.append(f"{label}: not UTF-8 text ({error.reason} at byte {error.start})")
        return None
    if "\0" in text:
        problems.append(f"{label}: contains a NUL character, which Postgres cannot store")
        return None
    return text


def _read_folder[M: BaseModel](
    paths: Sequence[Path],
    name_pattern: str,
    model: type[M],
    max_slug: int,
    problems: list[str],
    scan: _Scan,
    unchanged: Callable[[Path], bool],
) -> list[tuple[Path, str, M, str]]:
    """Parse each of `paths` but the `unchanged` into (path, slug, front matter, body).

    Every file's name is checked, read or not; problems are noted.
    """
    found = []
    for path in paths:
        label = f"{path.parent.name}/{path.name}"
        match = re.fullmatch(name_pattern, path.stem)
        if match is None or not re.fullmatch(SLUG, match["slug"]):
            problems.append(f"{label}: file name must be {name_pattern} with a lowercase slug")
            continue
        if len(match["slug"]) > max_slug:
            problems.append(f"{label}: the slug is longer than {max_slug} characters")
            continue
        if unchanged(path):
            continue
        text = _read_file(path, problems, scan)
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
