"""Measuring audio and checking the front matter against it: bytes and real durations.

The fixtures (tests/web/fixtures/audio) are three seconds of a tone, made once with
  ffmpeg -f lavfi -i sine=frequency=440:duration=3 -ac 1 -ar 22050 -codec:a libmp3lame -q:a 7
  (and -c:a aac -b:a 32k for .m4a, -c:a libopus -b:a 16k for .opus).
"""

import hashlib
from pathlib import Path

import pytest

from podcast_site.content.media import (
    AudioError,
    audio_problems,
    find_media,
    measure_audio,
    sha256_of,
)
from tests.web.paths import FIXTURES

AUDIO = FIXTURES / "audio"


@pytest.mark.parametrize(
    "name", ["three-seconds-vbr.mp3", "three-seconds.m4a", "three-seconds.opus"]
)
def test_each_kind_of_audio_is_measured_from_its_headers(name: str) -> None:
    facts = measure_audio(AUDIO / name)
    assert facts.size == (AUDIO / name).stat().st_size
    assert facts.seconds == pytest.approx(3.0, abs=0.1)


def test_a_file_that_is_not_audio_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio at all")
    with pytest.raises(AudioError, match="notes.mp3"):
        measure_audio(fake)
    with pytest.raises(AudioError, match="not .mp3, .m4a, .opus"):
        measure_audio(tmp_path / "x.wav")


def test_the_hash_is_the_files_sha256() -> None:
    path = AUDIO / "three-seconds.opus"
    assert sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_media_are_found_in_the_first_folder_that_has_them(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "1.mp3").write_bytes(b"x")
    assert (
        find_media("audio/1.mp3", [tmp_path / "nowhere", tmp_path]) == tmp_path / "audio" / "1.mp3"
    )
    assert find_media("audio/2.mp3", [tmp_path]) is None
    assert find_media("https://cdn.test.example/1.mp3", [tmp_path]) is None


def test_a_wrong_size_or_duration_is_one_line_each() -> None:
    size = (AUDIO / "three-seconds.m4a").stat().st_size
    folders = [FIXTURES]
    assert audio_problems("episodes/1", "audio/three-seconds.m4a", size, 3, folders) == ([], True)

    problems, found = audio_problems("episodes/1", "audio/three-seconds.m4a", size + 1, 60, folders)

    assert found
    assert problems == [
        f"episodes/1: audio_bytes is {size + 1}, but audio/three-seconds.m4a has {size} bytes",
        "episodes/1: duration is 60 s, but audio/three-seconds.m4a plays 3 s",
    ]
