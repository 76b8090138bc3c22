"""Writing the next episode from a recording: measured front matter, the audio copied, TODOs."""

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import pytest

from podcast_site.content.media import sha256_of
from podcast_site.content.new_episode import (
    NewEpisodeError,
    parse_release_time,
    slugify,
    write_new_episode,
)
from podcast_site.content.reader import ContentError, check_audio, read_content
from tests.web.content.samples import write_content
from tests.web.paths import FIXTURES

RECORDING = FIXTURES / "audio" / "three-seconds-vbr.mp3"
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_the_next_episode_is_written_from_what_the_file_says(tmp_path: Path) -> None:
    content, media = write_content(tmp_path / "content"), tmp_path / "media"

    written = write_new_episode(
        content, media, RECORDING, title="Über small servers!", release=None, now=NOW
    )

    assert written.episode_file.name == "002-uber-small-servers.md"
    assert written.audio_file == media / "audio" / "002-uber-small-servers.mp3"
    assert written.audio_file.read_bytes() == RECORDING.read_bytes()
    post = frontmatter.load(written.episode_file)
    assert post["number"] == 2 and post["title"] == "Über small servers!"
    assert post["audio_bytes"] == RECORDING.stat().st_size
    assert post["duration"] == "00:00:03"
    assert post["audio_sha256"] == sha256_of(RECORDING)
    assert post["audio_url"] == "audio/002-uber-small-servers.mp3"
    assert post["status"] == "draft"  # no release time: nothing goes out unasked
    assert "TODO:" in str(post["summary"]) and "TODO:" in post.content


def test_the_written_episode_imports_as_a_draft_and_matches_its_audio(tmp_path: Path) -> None:
    content, media = write_content(tmp_path / "content"), tmp_path / "media"
    write_new_episode(content, media, RECORDING, title="Two", release=None, now=NOW)

    read = read_content(content)

    assert [episode.meta.status for episode in read.episodes] == ["published", "draft"]
    assert check_audio(read, [media], require=True) == 1


def test_a_published_episode_with_placeholders_is_refused(tmp_path: Path) -> None:
    content, media = write_content(tmp_path / "content"), tmp_path / "media"
    release = datetime(2027, 1, 12, 6, tzinfo=BERLIN)

    written = write_new_episode(content, media, RECORDING, title="Two", release=release, now=NOW)

    post = frontmatter.load(written.episode_file)
    assert post["status"] == "published"
    assert post["published"] == datetime(2027, 1, 12, 5, tzinfo=UTC)
    with pytest.raises(ContentError, match="episodes/2: still holds make episode's TODO:"):
        read_content(content)


def test_an_edited_size_or_a_missing_file_fails_the_check(tmp_path: Path) -> None:
    content, media = write_content(tmp_path / "content"), tmp_path / "media"
    written = write_new_episode(content, media, RECORDING, title="Two", release=None, now=NOW)
    text = written.episode_file.read_text().replace("status: draft", "status: published")
    text = text.replace("TODO:", "Done:")
    size = RECORDING.stat().st_size
    written.episode_file.write_text(text.replace(f"audio_bytes: {size}", "audio_bytes: 123"))

    with pytest.raises(ContentError, match=f"episodes/2: audio_bytes is 123, but .* has {size}"):
        check_audio(read_content(content), [media], require=False)
    shutil.rmtree(media)
    # Here (no media folder), only a deploy's check misses the file.
    assert check_audio(read_content(content), [media], require=False) == 0
    with pytest.raises(ContentError, match="episodes/2: audio/002-two.mp3 is not in"):
        check_audio(read_content(content), [media], require=True)


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    content, media = write_content(tmp_path / "content"), tmp_path / "media"
    (media / "audio").mkdir(parents=True)
    (media / "audio" / "002-two.mp3").write_bytes(b"someone's else")
    with pytest.raises(NewEpisodeError, match="exists already"):
        write_new_episode(content, media, RECORDING, title="Two", release=None, now=NOW)
    assert not (content / "episodes" / "002-two.md").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", datetime(2026, 12, 7, 10, 30, tzinfo=BERLIN)),
        ("2027-01-12", datetime(2027, 1, 12, tzinfo=BERLIN)),
        ("2027-01-12 06:00", datetime(2027, 1, 12, 6, tzinfo=BERLIN)),
        ("2027-01-12T06:00:00-05:00", datetime(2027, 1, 12, 11, tzinfo=UTC)),
    ],
)
def test_a_release_time_is_read_in_the_shows_time_zone(text: str, expected: datetime) -> None:
    assert parse_release_time(text, BERLIN, NOW) == expected


def test_a_release_time_that_cannot_be_read_says_how_to_write_it() -> None:
    with pytest.raises(NewEpisodeError, match="write it like 2027-01-12"):
        parse_release_time("next tuesday", BERLIN, NOW)


def test_slugs_are_lowercase_ascii_words() -> None:
    assert slugify("Postgres & Caddy: 2 tools") == "postgres-caddy-2-tools"
    assert slugify("!!!") == "episode"
