"""The synthetic catalog: a content folder the import accepts, the same for the same size."""

import re
from pathlib import Path

import pytest

from podcast_site.cli import main
from podcast_site.content.reader import read_content
from podcast_site.content.synthetic import TRANSCRIPT_BYTES, write_catalog
from podcast_site.content.transcripts import TIMED_PARAGRAPH


def files(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` by its relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_same_size_gives_the_same_files(tmp_path: Path) -> None:
    write_catalog(8, tmp_path / "one")
    write_catalog(8, tmp_path / "two")
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_a_catalog_is_content_the_import_accepts(tmp_path: Path) -> None:
    write_catalog(40, tmp_path)

    content = read_content(tmp_path)

    assert [episode.meta.number for episode in content.episodes] == list(range(1, 41))
    assert len(content.guests) == 16 and len(content.sponsors) >= 3
    guests_used = {slug for episode in content.episodes for slug in episode.meta.guests}
    assert len(guests_used) > 10
    for episode in content.episodes:
        assert 1 <= len(episode.meta.guests) <= 3
        show_notes, transcript = episode.read_texts()
        assert "## Topics" in show_notes and len(episode.meta.summary) > 100
        assert transcript is not None
        assert TRANSCRIPT_BYTES <= len(transcript) <= TRANSCRIPT_BYTES * 1.1
        paragraphs = transcript.split("\n\n")
        assert all(TIMED_PARAGRAPH.fullmatch(paragraph) for paragraph in paragraphs)
        # The audio lasts as long as the conversation.
        last = re.match(r"\[(\d+):(\d+):(\d+)\]", paragraphs[-1])
        assert last is not None
        hours, minutes, seconds = map(int, last.groups())
        assert 0 < episode.meta.duration - (hours * 3600 + minutes * 60 + seconds) < 120
        assert 3 <= len(episode.meta.chapters) <= 5 and episode.meta.chapters[0].start == 0


def test_the_command_never_writes_into_a_folder_with_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    assert main(["generate-catalog", "3", str(tmp_path)]) == 1
    assert "is not an empty folder" in capsys.readouterr().err
    assert main(["generate-catalog", "3", str(tmp_path / "new")]) == 0
    assert "make import CONTENT=" in capsys.readouterr().out
