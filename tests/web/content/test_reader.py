"""Reading and checking the content folder: every problem named with its file."""

from pathlib import Path
from typing import Any

import pytest
from mutagen.mp3 import MP3

from podcast_site.content.reader import ContentError, read_content
from tests.web.content.samples import EPISODE, write_content
from tests.web.paths import SITE_CONTENT


def test_the_sites_own_content_reads_without_problems() -> None:
    # Whatever content/ holds (the demo here, a fork's show there) must import.
    assert read_content(SITE_CONTENT).episodes


def test_durations_are_read_as_seconds(tmp_path: Path) -> None:
    (episode,) = read_content(write_content(tmp_path)).episodes
    assert episode.meta.duration == 3723
    assert episode.slug == "hello"


def test_every_problem_is_reported_with_its_file(tmp_path: Path) -> None:
    broken = EPISODE.replace('duration: "01:02:03"', "duration: soon").replace(
        "guests: [ada]", "guests: [nobody]\nrating: 5"
    )
    with pytest.raises(ContentError) as raised:
        read_content(write_content(tmp_path, broken))
    message = str(raised.value)
    assert "episodes/001-hello.md: duration:" in message
    assert "episodes/001-hello.md: rating: Extra inputs are not permitted" in message


def test_what_postgres_could_not_store_is_a_problem_of_its_file(tmp_path: Path) -> None:
    root = write_content(tmp_path, EPISODE.replace("number: 1", f"number: {2**31}"))
    (root / "guests" / f"{'a' * 101}.md").write_text("---\nname: Long\n---\n")
    (root / "guests" / "nul.md").write_text("---\nname: Nul\n---\nA \0 bio.\n")

    with pytest.raises(ContentError) as raised:
        read_content(root)

    message = str(raised.value)
    assert "episodes/001-hello.md: number: Input should be less than or equal to 2147483647" in (
        message
    )
    assert f"guests/{'a' * 101}.md: the slug is longer than 100 characters" in message
    assert "guests/nul.md: contains a NUL character, which Postgres cannot store" in message


def test_a_missing_folder_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="is not a folder"):
        read_content(tmp_path / "nope")


def mp3_seconds(path: Path) -> float:
    """Return an MP3 file's duration, as podcast apps compute it (mutagen has no types)."""
    mp3: Any = MP3(path)  # type: ignore[no-untyped-call]
    return float(mp3.info.length)


def test_the_sites_own_media_match_what_its_content_says() -> None:
    # Media that live in content/media (served at /media/ unless MEDIA_BASE_URL
    # says otherwise) are what the feed promises: size and duration.
    content = read_content(SITE_CONTENT)
    checked = 0
    for episode in content.episodes:
        local = SITE_CONTENT / "media" / episode.meta.audio_url
        if episode.meta.audio_url.startswith("https://") or not local.is_file():
            continue
        assert local.stat().st_size == episode.meta.audio_bytes, local
        assert abs(mp3_seconds(local) - episode.meta.duration) <= 1, local
        checked += 1
    for guest in content.guests:
        if guest.meta.photo_url and not guest.meta.photo_url.startswith("https://"):
            assert (SITE_CONTENT / "media" / guest.meta.photo_url).is_file(), guest.slug
    assert checked or not any(not e.meta.audio_url.startswith("https://") for e in content.episodes)


def test_media_paths_cannot_leave_the_media_folder(tmp_path: Path) -> None:
    for bad in ("../secrets.mp3", "/etc/passwd", "audio/../../x.mp3", "http://plain.example/x.mp3"):
        with pytest.raises(ContentError, match="audio_url"):
            read_content(
                write_content(
                    tmp_path / bad.replace("/", "_"),
                    EPISODE.replace(
                        "audio_url: https://cdn.test.example/1.mp3", f"audio_url: {bad}"
                    ),
                )
            )


def test_chapters_out_of_order_or_past_the_end_are_problems(tmp_path: Path) -> None:
    # The episode lasts 01:02:03.
    chapters = """chapters:
  - {start: 60, title: One}
  - {start: 60, title: Two}
  - {start: "01:10:00", title: Late}
"""
    with pytest.raises(ContentError) as raised:
        read_content(write_content(tmp_path, EPISODE.replace("---\nSome", chapters + "---\nSome")))
    message = str(raised.value)
    assert "episodes/1: chapters.1: starts at or before the chapter above it" in message
    assert "episodes/1: chapters.2: starts after the episode ends" in message


def test_a_transcript_whose_times_run_backwards_is_a_problem(tmp_path: Path) -> None:
    root = write_content(tmp_path)
    (root / "episodes" / "001-hello.transcript.txt").write_text(
        "[00:00:10] Ada: Hello.\n\n[00:00:05] Bob: Earlier?\n"
    )
    with pytest.raises(ContentError, match=r"episodes/1: transcript: \[00:00:05\] is not after"):
        read_content(root)


def test_hundreds_of_problems_print_the_first_twenty_and_a_count(tmp_path: Path) -> None:
    root = write_content(tmp_path)
    for number in range(2, 502):
        (root / "episodes" / f"{number:03d}-broken.md").write_text("---\nnumber: x\n---\n")
    with pytest.raises(ContentError) as raised:
        read_content(root)
    lines = str(raised.value).splitlines()
    assert lines[0] == "content has problems:"
    assert len(lines) == 1 + 20 + 1 and lines[-1].strip().startswith("and ")
    assert lines[-1].strip().endswith(" more problems")


def test_seasons_episode_types_art_and_explicit_are_read(tmp_path: Path) -> None:
    extra = "season: 2\nepisode_type: trailer\nimage_url: art/1.png\nexplicit: true\n---"
    root = write_content(tmp_path, EPISODE.replace("---\nSome", extra + "\nSome"))
    (episode,) = read_content(root).episodes
    assert (episode.meta.season, episode.meta.episode_type) == (2, "trailer")
    assert (episode.meta.image_url, episode.meta.explicit) == ("art/1.png", True)
    (plain,) = read_content(write_content(tmp_path / "plain")).episodes
    assert (plain.meta.season, plain.meta.episode_type, plain.meta.explicit) == (None, "full", None)


def test_a_bad_season_or_episode_type_is_named_with_its_file(tmp_path: Path) -> None:
    bad = "season: 0\nepisode_type: teaser\nimage_url: ../cover.png\nexplicit: maybe\n---"
    with pytest.raises(ContentError) as raised:
        read_content(write_content(tmp_path, EPISODE.replace("---\nSome", bad + "\nSome")))
    message = str(raised.value)
    assert "episodes/001-hello.md: season: Input should be greater than or equal to 1" in message
    assert "episodes/001-hello.md: episode_type: Input should be 'full', 'trailer' or 'bonus'" in (
        message
    )
    assert "episodes/001-hello.md: image_url: String should match pattern" in message
    assert "episodes/001-hello.md: explicit: Input should be a valid boolean" in message
