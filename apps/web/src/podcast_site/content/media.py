"""Measure episode audio, and check the content's front matter against the files themselves.

Podcast apps trust the enclosure's `length` and the duration the feed
gives: a wrong byte count makes Apple Podcasts cut or refuse a download. So
nobody types them: `make episode` writes what the file says, and every
import compares the front matter with each audio file it can find.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen

from podcast_site.core.formats import AUDIO_TYPES

# The largest difference between a front matter's whole seconds and the file's.
DURATION_TOLERANCE_SECONDS = 1.0
HASH_CHUNK_BYTES = 1 << 20


class AudioError(Exception):
    """A file is not audio that mutagen can read; the message says which."""


@dataclass(frozen=True)
class AudioFacts:
    """What a podcast feed says of an audio file: its size and how long it plays."""

    size: int
    seconds: float


def measure_audio(path: Path) -> AudioFacts:
    """Read an audio file's size and its real duration from its headers (VBR MP3, M4A, Opus)."""
    if path.suffix.lower().lstrip(".") not in AUDIO_TYPES:
        kinds = ", ".join(f".{extension}" for extension in AUDIO_TYPES)
        raise AudioError(f"{path.name}: not {kinds}")
    try:
        audio: Any = mutagen.File(path)
    except (mutagen.MutagenError, OSError) as error:
        raise AudioError(f"{path.name}: cannot be read as audio ({error})") from error
    if audio is None or not getattr(audio.info, "length", 0):
        raise AudioError(f"{path.name}: no audio stream mutagen can measure")
    return AudioFacts(path.stat().st_size, float(audio.info.length))


def sha256_of(path: Path) -> str:
    """Hash a file a megabyte at a time, so an hour of audio needs no more memory than that."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def find_media(media_url: str, folders: list[Path]) -> Path | None:
    """Return the file a media path (`audio/042-x.mp3`) names, from the first folder holding it.

    A full https:// URL lives elsewhere (another host, a CDN the owner
    uploads to): there is nothing here to check.
    """
    if media_url.startswith("https://"):
        return None
    for folder in folders:
        if (path := folder / media_url).is_file():
            return path
    return None


def audio_problems(
    label: str, audio_url: str, audio_bytes: int, duration: int, folders: list[Path]
) -> tuple[list[str], bool]:
    """Compare an episode's front matter with its audio file; say whether the file was found."""
    path = find_media(audio_url, folders)
    if path is None:
        return [], False
    try:
        facts = measure_audio(path)
    except AudioError as error:
        return [f"{label}: audio_url: {error}"], True
    problems = []
    if facts.size != audio_bytes:
        problems.append(
            f"{label}: audio_bytes is {audio_bytes}, but {audio_url} has {facts.size} bytes"
        )
    if abs(facts.seconds - duration) > DURATION_TOLERANCE_SECONDS:
        problems.append(
            f"{label}: duration is {duration} s, but {audio_url} plays {round(facts.seconds)} s"
        )
    return problems, True
