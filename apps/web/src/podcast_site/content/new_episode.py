"""Write the next episode's file from its recording: measured, never typed (`make episode`).

The front matter gets what the audio file says (its bytes, its duration, its
SHA-256) and the audio a copy in the media folder under the episode's name;
what only the owner can write (the summary, the notes) is a TODO
placeholder, which the import refuses to publish.
"""

import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from podcast_site.content.media import measure_audio, sha256_of
from podcast_site.content.schema import PLACEHOLDER

MAX_SLUG_LENGTH = 60


class NewEpisodeError(Exception):
    """The episode cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class NewEpisode:
    """What `write_new_episode` wrote."""

    episode_file: Path
    audio_file: Path
    number: int
    status: str


def slugify(title: str) -> str:
    """Turn a title into the lowercase, hyphenated slug of its file and URL."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "episode"


def parse_release_time(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """Read PUBLISH: `now`, a day, a time in the show's zone, or an ISO time with its offset."""
    if text == "now":
        return now.astimezone(zone).replace(microsecond=0)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(), zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise NewEpisodeError(
            f"PUBLISH={text!r}: write it like 2027-01-12, 2027-01-12 06:00 (in the show's time"
            " zone), 2027-01-12T06:00:00-05:00, or now"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def next_number(episodes: Path) -> int:
    """Return the number after the highest one the episode files use (1 for none)."""
    numbers = [
        int(match[1]) for path in episodes.glob("*.md") if (match := re.match(r"(\d+)-", path.name))
    ]
    return max(numbers, default=0) + 1


def clock(seconds: float) -> str:
    """Format a duration as the content's `HH:MM:SS`."""
    whole = round(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def write_new_episode(
    content_dir: Path,
    media_dir: Path,
    audio: Path,
    *,
    title: str | None,
    release: datetime | None,
    now: datetime,
) -> NewEpisode:
    """Measure `audio`, copy it into `media_dir/audio/`, and write the next episode's file.

    With a release time the episode is published then (scheduled, if that is
    ahead); without one it is a draft, dated now, which nothing shows until
    its status says `published`.
    """
    if not audio.is_file():
        raise NewEpisodeError(f"AUDIO={audio}: no such file")
    facts = measure_audio(audio)
    episodes = content_dir / "episodes"
    if not episodes.is_dir():
        raise NewEpisodeError(f"{episodes} is not a folder: CONTENT names the content folder")
    number = next_number(episodes)
    title = title or audio.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    slug = slugify(title)
    stem = f"{number:03d}-{slug}"
    audio_path = Path("audio") / f"{stem}{audio.suffix.lower()}"
    target = media_dir / audio_path
    episode_file = episodes / f"{stem}.md"
    for existing in (target, episode_file):
        if existing.exists():
            raise NewEpisodeError(f"{existing} exists already: nothing was written")
    target.parent.mkdir(parents=True, exist_ok=True)
    # A copy under a temporary name, renamed when whole: an interrupted copy
    # never leaves a file that looks finished.
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(audio, partial)
    partial.rename(target)
    status = "published" if release else "draft"
    when = (release or now.replace(microsecond=0)).isoformat()
    lines = [
        "---",
        f"number: {number}",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f'summary: "{PLACEHOLDER} one or two sentences for podcast apps, search and the mail"',
        f"published: {when}",
        f"status: {status}",
        f'duration: "{clock(facts.seconds)}"',
        f"audio_url: {audio_path.as_posix()}",
        f"audio_bytes: {facts.size}",
        f"audio_sha256: {sha256_of(target)}",
        "guests: []",
        "sponsors: []",
        "tags: []",
        "---",
        f"{PLACEHOLDER} the show notes, in Markdown: what the episode covers, and its links.",
        "",
    ]
    episode_file.write_text("\n".join(lines), encoding="utf-8")
    return NewEpisode(episode_file, target, number, status)
