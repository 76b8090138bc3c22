"""Syncing the content folder into the database: created, updated, unchanged, never deleted."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from podcast_site import queries
from podcast_site.content.importer import (
    EpisodeChange,
    ImportReport,
    import_content,
    stored_files,
    stored_guids,
)
from podcast_site.content.reader import ContentError, read_content
from podcast_site.content.synthetic import write_catalog
from podcast_site.core.models import Episode
from tests.web.content.samples import EPISODE, write_content
from tests.web.paths import FIXTURE_CONTENT


async def test_importing_twice_changes_nothing_the_second_time(session: AsyncSession) -> None:
    content = read_content(FIXTURE_CONTENT)

    first = await import_content(session, content)
    second = await import_content(session, content)

    assert len(first.created) == (
        len(content.episodes) + len(content.guests) + len(content.sponsors)
    )
    assert not second.changed
    assert await session.scalar(select(func.count()).select_from(Episode)) == len(content.episodes)


async def test_episodes_are_written_in_batches_the_session_then_lets_go_of(
    session: AsyncSession, tmp_path: Path
) -> None:
    write_catalog(7, tmp_path)
    heard: list[tuple[int, int]] = []

    report = await import_content(
        session,
        read_content(tmp_path),
        progress=lambda done, total: heard.append((done, total)),
        batch_size=3,
    )

    assert heard == [(3, 7), (6, 7), (7, 7)]
    assert len([name for name in report.created if name.startswith("episode ")]) == 7
    assert await session.scalar(select(func.count()).select_from(Episode)) == 7
    # However large the catalog, the session holds no episode (and no transcript).
    assert not [row for row in session.identity_map.values() if isinstance(row, Episode)]


async def test_an_edited_file_updates_its_episode(session: AsyncSession, tmp_path: Path) -> None:
    root = write_content(tmp_path)
    await import_content(session, read_content(root))
    (root / "episodes" / "001-hello.md").write_text(EPISODE.replace("Hello &", "Goodbye &"))

    report = await import_content(session, read_content(root))

    assert report.updated == ["episode 1 (hello)"]
    episode = await session.scalar(select(Episode).where(Episode.number == 1))
    assert episode is not None and episode.title == "Goodbye & welcome"


async def test_show_notes_are_rendered_and_sanitised(session: AsyncSession, tmp_path: Path) -> None:
    await import_content(session, read_content(write_content(tmp_path)))
    notes_html = await session.scalar(select(Episode.show_notes_html))
    assert notes_html == "<p>Some <em>notes</em> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


CHAPTERS = """chapters:
  - {start: "00:00:00", title: Welcome}
  - {start: "05:30", title: "Backups & restores", url: https://docs.test.example/backups}
  - {start: 3600, title: The end}
"""


async def test_chapters_are_read_as_seconds_and_stored(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path, EPISODE.replace("---\nSome", CHAPTERS + "---\nSome"))

    await import_content(session, read_content(root))

    assert await session.scalar(select(Episode.chapters)) == [
        {"start": 0, "title": "Welcome"},
        {"start": 330, "title": "Backups & restores", "url": "https://docs.test.example/backups"},
        {"start": 3600, "title": "The end"},
    ]


async def test_seasons_types_art_and_explicit_are_stored_and_updated(
    session: AsyncSession, tmp_path: Path
) -> None:
    extra = "season: 3\nepisode_type: bonus\nimage_url: art/1.jpg\nexplicit: true\n"
    root = write_content(tmp_path, EPISODE.replace("---\nSome", extra + "---\nSome"))
    await import_content(session, read_content(root))
    columns = (Episode.season, Episode.episode_type, Episode.image_url, Episode.explicit)
    assert (await session.execute(select(*columns))).one() == (3, "bonus", "art/1.jpg", True)

    (root / "episodes" / "001-hello.md").write_text(EPISODE)
    report = await import_content(session, read_content(root))

    assert report.updated == ["episode 1 (hello)"]
    assert (await session.execute(select(*columns))).one() == (None, "full", None, None)


async def sync(session: AsyncSession, root: Path, *, force: bool = False) -> ImportReport:
    """Import `root` as the command does: skipping what the last import stored unchanged."""
    return await import_content(
        session, read_content(root, await stored_files(session), force=force)
    )


async def test_a_re_import_reads_only_what_changed(session: AsyncSession, tmp_path: Path) -> None:
    root = write_content(tmp_path)
    first = await sync(session, root)
    assert (first.files_read, first.files_unchanged) == (2, 0)
    revision = await queries.get_content_revision(session)

    again = await sync(session, root)

    assert (again.files_read, again.files_unchanged, again.changed) == (0, 2, False)
    # Nothing written, so cached pages stay valid.
    assert await queries.get_content_revision(session) == revision
    stored = await stored_files(session)
    assert stored["episodes/001-hello.md"].episode_number == 1
    assert set(stored) == {"episodes/001-hello.md", "guests/ada.md"}


async def test_a_touched_file_is_hashed_and_skipped(session: AsyncSession, tmp_path: Path) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    guest = root / "guests" / "ada.md"
    os.utime(guest, ns=(1_000_000_000, 1_000_000_000))

    report = await sync(session, root)

    assert (report.files_read, report.changed) == (0, False)
    assert (await stored_files(session))["guests/ada.md"].mtime_ns == 1_000_000_000


async def test_a_changed_guest_alone_keeps_its_episodes(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    (root / "guests" / "ada.md").write_text("---\nname: Ada Lovelace\n---\nA bio.\n")

    report = await sync(session, root)

    assert (report.updated, report.files_read) == (["guest ada"], 1)
    episode = await session.scalar(
        select(Episode).options(selectinload(Episode.guests)).where(Episode.number == 1)
    )
    assert episode is not None and [guest.name for guest in episode.guests] == ["Ada Lovelace"]


async def test_a_transcript_alone_added_changed_or_deleted_updates_its_episode(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    transcript = root / "episodes" / "001-hello.transcript.txt"
    stored = select(Episode.transcript).where(Episode.number == 1)

    for text in ("[00:00:00] Ada: Hello.\n", "[00:00:00] Ada: Hello again.\n"):
        transcript.write_text(text)
        assert (await sync(session, root)).updated == ["episode 1 (hello)"]
        assert await session.scalar(stored) == text.strip()
    transcript.unlink()
    report = await sync(session, root)

    assert (report.updated, report.files_gone) == (["episode 1 (hello)"], 1)
    assert await session.scalar(stored) is None


async def test_a_guest_gone_is_missed_by_the_unchanged_episode_that_names_it(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    (root / "guests" / "ada.md").unlink()

    with pytest.raises(ContentError, match=r"episodes/1: unknown guest 'ada'"):
        await sync(session, root)


async def test_a_new_file_may_not_take_the_number_of_an_unchanged_one(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    (root / "episodes" / "002-again.md").write_text(EPISODE)

    with pytest.raises(ContentError, match=r"episodes/1: number also used by hello"):
        await sync(session, root)


async def test_a_write_by_anything_else_makes_the_next_import_read_every_file(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path)
    await sync(session, root)
    # psql, another release's import or a restore: the row is no longer the file's.
    await session.execute(update(Episode).values(title="Edited in psql"))

    again = await sync(session, root)

    assert (again.files_read, again.files_unchanged) == (2, 0)
    assert await session.scalar(select(Episode.title)) == "Hello & welcome"
    # And the import after that skips them again.
    assert (await sync(session, root)).files_unchanged == 2


async def test_a_failed_import_records_no_file(session: AsyncSession, tmp_path: Path) -> None:
    root = write_content(tmp_path)
    savepoint = await session.begin_nested()
    await sync(session, root)
    await savepoint.rollback()

    assert await stored_files(session) == {}
    # So the next import reads, and writes, everything again.
    assert (await sync(session, root)).files_read == 2


async def test_force_reads_every_file(session: AsyncSession, tmp_path: Path) -> None:
    root = write_content(tmp_path)
    await sync(session, root)

    report = await sync(session, root, force=True)

    assert (report.files_read, report.unchanged, report.changed) == (2, 2, False)


def test_the_summary_names_twenty_new_episodes_then_counts_the_rest() -> None:
    when = datetime(2026, 1, 6, tzinfo=UTC)
    report = ImportReport(
        created=[f"episode {n}" for n in range(25)],
        new_episodes=[EpisodeChange(n, f"Episode {n}", "published", when) for n in range(25)],
        files_read=25,
    )

    lines = report.summary(seconds=1.25).splitlines()

    assert len(lines) == 20 + 2 and lines[20] == "and 5 more new episodes"
    assert lines[-1] == (
        "25 files: 0 unchanged, 25 read, 0 gone;"
        " 25 created, 0 updated, 0 unchanged, 0 removed; 0 problems; 1.2 s"
    )


async def test_a_changed_episode_may_not_take_a_skipped_ones_guid(
    session: AsyncSession, tmp_path: Path
) -> None:
    root = write_content(tmp_path, EPISODE.replace("guests:", "guid: old-host-1\nguests:"))
    second = EPISODE.replace("number: 1", "number: 2").replace("guests: [ada]", "guests: []")
    (root / "episodes" / "002-second.md").write_text(second)
    await import_content(session, read_content(root, await stored_files(session)))
    # Episode 1 is skipped next time; episode 2 changes, to episode 1's guid.
    (root / "episodes" / "002-second.md").write_text(
        second.replace("guests: []", "guid: old-host-1\nguests: []")
    )

    with pytest.raises(ContentError, match=r"episodes/2: guid also used by episodes/1"):
        read_content(root, await stored_files(session), stored_guids=await stored_guids(session))
