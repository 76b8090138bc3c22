"""Syncing the content folder into the database: created, updated, unchanged, never deleted."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.content.importer import import_content
from podcast_site.content.reader import read_content
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
