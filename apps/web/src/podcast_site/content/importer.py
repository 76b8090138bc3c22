"""Sync a checked content folder into the database: create or update, never delete.

The import writes the episodes a batch at a time, reading each one's texts
again as it goes, so its memory and each statement's size stay flat however
large the catalog. It records each file's state (content_files), so the
next import reads only what changed. Everything happens in the caller's
one transaction: a failed import records no state either.
"""

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from podcast_site.content.markdown import render_markdown
from podcast_site.content.media import find_media, sha256_of
from podcast_site.content.reader import AudioClaim, Content, ContentError, EpisodeContent, FileState
from podcast_site.core.models import (
    Base,
    ContentFile,
    ContentFilesRevision,
    ContentRevision,
    Episode,
    Guest,
    Sponsor,
)

# Episodes written per statement: few enough that a statement stays short and
# the import's memory small (100 hour-long transcripts are about 6 MB), many
# enough that round trips do not dominate.
EPISODE_BATCH = 100
# File states written per statement: a few hundred bytes each.
FILE_BATCH = 1000
# Lines the summary gives new episodes, as for problems (reader.SHOWN_PROBLEMS).
SHOWN_NEW_EPISODES = 20
# Relationships compared as sets: their order_by (name) leaves ties unordered,
# and two guests of one name made a no-op import rewrite their episode.
UNORDERED = ("guests", "sponsors")


@dataclass(frozen=True)
class EpisodeChange:
    """An episode the import created or changed, as the deploy's output names it."""

    number: int
    title: str
    status: str
    published_at: datetime


@dataclass
class ImportReport:
    """What an import created, changed and left alone."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_episodes: list[EpisodeChange] = field(default_factory=list)
    updated_episodes: list[EpisodeChange] = field(default_factory=list)
    # Episodes whose status became `removed` in this import (also in updated_episodes).
    removed_episodes: list[EpisodeChange] = field(default_factory=list)
    # Files read because they are new or changed, skipped unchanged, and gone.
    files_read: int = 0
    files_unchanged: int = 0
    files_gone: int = 0

    @property
    def changed(self) -> bool:
        """Say whether the import wrote anything."""
        return bool(self.created or self.updated)

    def summary(self, zone: tzinfo = UTC, seconds: float | None = None) -> str:
        """Describe the import for the terminal: a line per new episode (20), then counts."""
        now = datetime.now(UTC)
        lines = []
        for episode in self.new_episodes[:SHOWN_NEW_EPISODES]:
            when = episode.published_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
            state = (
                "draft" if episode.status == "draft"
                else f"scheduled for {when}" if episode.published_at > now
                else "public"
            )  # fmt: skip
            lines.append(f"new: {episode.number:03d} {episode.title} ({state})")
        if len(self.new_episodes) > SHOWN_NEW_EPISODES:
            lines.append(f"and {len(self.new_episodes) - SHOWN_NEW_EPISODES} more new episodes")
        changed = [e for e in self.updated_episodes if e not in self.removed_episodes]
        if changed:
            numbers = ", ".join(str(episode.number) for episode in changed[:20])
            more = f" and {len(changed) - 20} more" if len(changed) > 20 else ""
            lines.append(f"updated: {len(changed)} episodes ({numbers}{more})")
        lines += [
            f"removed: {e.number:03d} {e.title} (now 410 Gone)" for e in self.removed_episodes
        ]
        others = [f"new {name}" for name in self.created if not name.startswith("episode ")]
        others += [f"updated {name}" for name in self.updated if not name.startswith("episode ")]
        lines += others[:SHOWN_NEW_EPISODES]
        if len(others) > SHOWN_NEW_EPISODES:
            lines.append(f"and {len(others) - SHOWN_NEW_EPISODES} more guests and sponsors")
        files = self.files_read + self.files_unchanged
        took = "" if seconds is None else f"; {seconds:.1f} s"
        lines.append(
            f"{files} files: {self.files_unchanged} unchanged, {self.files_read} read,"
            f" {self.files_gone} gone; {len(self.created)} created, {len(self.updated)} updated,"
            f" {self.unchanged} unchanged, {len(self.removed_episodes)} removed; 0 problems{took}"
        )
        return "\n".join(lines)


def _digest(text: str | None) -> str | None:
    """Hash a text as Postgres's md5() does; only to notice a change, not for security."""
    return None if text is None else hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _upsert[M: Base](
    session: AsyncSession,
    report: ImportReport,
    label: str,
    existing: M | None,
    create_as: tuple[type[M], dict[str, Any]],
    values: dict[str, Any],
    stored_digests: Mapping[str, str | None] | None = None,
) -> M:
    """Add a new row (`model(**identity)`), or copy the changed `values` onto the existing one.

    A column named in `stored_digests` is compared by its hash, so the row
    need not carry its (long) text; only what changed is written.
    """
    if existing is None:
        model, identity = create_as
        row = model(**identity, **values)
        session.add(row)
        report.created.append(label)
        return row
    digests = stored_digests or {}
    changes = {
        name: value
        for name, value in values.items()
        if (
            digests[name] != _digest(value) if name in digests
            else set(getattr(existing, name)) != set(value) if name in UNORDERED
            else getattr(existing, name) != value
        )
    }  # fmt: skip
    for name, value in changes.items():
        setattr(existing, name, value)
    if changes:
        report.updated.append(label)
    else:
        report.unchanged += 1
    return existing


async def _flush(session: AsyncSession, what: str) -> None:
    """Write what is pending; a database error then says which part of the import it was."""
    try:
        await session.flush()
    except DBAPIError as error:
        error.add_note(f"while writing {what}")
        raise


async def stored_files(session: AsyncSession) -> dict[str, FileState]:
    """Return the state of every file the imports so far stored, by its path.

    None when something else wrote the content tables since the last import
    (the revision it left has moved): the rows may then no longer be what
    the files said, so every file is read and compared again.
    """
    still_current = (
        select(ContentFilesRevision.id)
        .join(ContentRevision, ContentRevision.revision == ContentFilesRevision.revision)
        .exists()
    )
    rows = await session.execute(
        select(
            ContentFile.path,
            ContentFile.size,
            ContentFile.mtime_ns,
            ContentFile.sha256,
            ContentFile.episode_number,
        ).where(still_current)
    )
    return {row.path: FileState(*row) for row in rows}


async def stored_guids(session: AsyncSession) -> dict[str, int]:
    """Return every episode's kept feed guid (import-feed's), with the episode's number."""
    rows = await session.execute(
        select(Episode.guid, Episode.number).where(Episode.guid.is_not(None))
    )
    return {guid: number for guid, number in rows if guid is not None}


async def unchanged_audio(session: AsyncSession, numbers: Sequence[int]) -> list[AudioClaim]:
    """Return what the rows of the episodes whose files were skipped say of their audio."""
    rows = await session.execute(
        select(
            Episode.number,
            Episode.audio_url,
            Episode.audio_bytes,
            Episode.duration_seconds,
            Episode.status,
        ).where(Episode.number.in_(numbers))
    )
    return [AudioClaim(*row) for row in rows]


async def import_content(
    session: AsyncSession,
    content: Content,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = EPISODE_BATCH,
    media_folders: Sequence[Path] = (),
) -> ImportReport:
    """Create or update every guest, sponsor and episode in `content`; the caller commits.

    `progress(done, total)` hears after each batch of episodes. Rows that are
    no longer in the content folder are left alone: the import never deletes.
    An episode that is new, or whose audio changed, has its audio file (if
    one of `media_folders` holds it) checked against its `audio_sha256`: a
    deploy verifies the server's copy of what it publishes, and no other
    file is read again. A mismatch raises ContentError: nothing is written.
    """
    report = ImportReport()

    guests = {guest.slug: guest for guest in await session.scalars(select(Guest))}
    for guest in content.guests:
        guests[guest.slug] = _upsert(
            session, report, f"guest {guest.slug}", guests.get(guest.slug),
            (Guest, {"slug": guest.slug}),
            {
                "name": guest.meta.name,
                "bio": guest.bio,
                "bio_html": render_markdown(guest.bio),
                "photo_url": guest.meta.photo_url,
                "links": [link.model_dump() for link in guest.meta.links],
            },
        )  # fmt: skip

    sponsors = {sponsor.slug: sponsor for sponsor in await session.scalars(select(Sponsor))}
    for sponsor in content.sponsors:
        sponsors[sponsor.slug] = _upsert(
            session, report, f"sponsor {sponsor.slug}", sponsors.get(sponsor.slug),
            (Sponsor, {"slug": sponsor.slug}),
            {
                "name": sponsor.meta.name,
                "url": sponsor.meta.url,
                "blurb": sponsor.blurb,
                "blurb_html": render_markdown(sponsor.blurb),
            },
        )  # fmt: skip
    await _flush(session, "guests and sponsors")

    total = len(content.episodes)
    problems: list[str] = []
    for start in range(0, total, batch_size):
        batch = content.episodes[start : start + batch_size]
        problems += await _import_episodes(session, report, batch, guests, sponsors, media_folders)
        if progress is not None:
            progress(start + len(batch), total)
    if problems:
        raise ContentError.listing("content has problems", problems)
    await _record_files(session, content)
    report.files_read = content.read_files
    report.files_unchanged = content.unchanged_files
    report.files_gone = len(content.gone)
    return report


async def _record_files(session: AsyncSession, content: Content) -> None:
    """Record the state of the files read, and forget those gone; a statement per FILE_BATCH."""
    for start in range(0, len(content.files), FILE_BATCH):
        rows = [vars(state) for state in content.files[start : start + FILE_BATCH]]
        statement = insert(ContentFile).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ContentFile.path],
                set_={name: statement.excluded[name] for name in rows[0] if name != "path"},
            )
        )
    for start in range(0, len(content.gone), FILE_BATCH):
        gone = content.gone[start : start + FILE_BATCH]
        await session.execute(delete(ContentFile).where(ContentFile.path.in_(gone)))
    # Last, after every content write of this transaction: the revision they left.
    statement = insert(ContentFilesRevision).from_select(
        ["id", "revision"], select(literal(1), ContentRevision.revision)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ContentFilesRevision.id],
            set_={"revision": statement.excluded.revision},
        )
    )


async def _import_episodes(
    session: AsyncSession,
    report: ImportReport,
    batch: list[EpisodeContent],
    guests: dict[str, Guest],
    sponsors: dict[str, Sponsor],
    media_folders: Sequence[Path],
) -> list[str]:
    """Create or update one batch of episodes and write it; return the audio that does not match."""
    problems = []
    # Postgres hashes the long texts it holds: comparing them moves no text.
    long_texts = ("show_notes", "show_notes_html", "transcript")
    found = await session.execute(
        select(Episode, *(func.md5(getattr(Episode, name)) for name in long_texts))
        .where(Episode.number.in_([episode.meta.number for episode in batch]))
        .options(selectinload(Episode.guests), selectinload(Episode.sponsors))
    )
    stored = {row[0].number: (row[0], dict(zip(long_texts, row[1:], strict=True))) for row in found}
    for episode in batch:
        meta = episode.meta
        show_notes, transcript = episode.read_texts()
        existing, digests = stored.get(meta.number, (None, None))
        was_removed = existing is not None and existing.status == "removed"
        audio_changed = existing is None or (existing.audio_url, existing.audio_sha256) != (
            meta.audio_url,
            meta.audio_sha256,
        )
        if audio_changed and meta.audio_sha256:
            path = find_media(meta.audio_url, list(media_folders))
            if path is not None and await asyncio.to_thread(sha256_of, path) != meta.audio_sha256:
                problems.append(
                    f"episodes/{meta.number}: {meta.audio_url} is not the file audio_sha256 names"
                )
        updates_before = len(report.updated)
        _upsert(
            session, report, f"episode {meta.number} ({episode.slug})", existing,
            (Episode, {"number": meta.number}),
            {
                "slug": episode.slug,
                "title": meta.title,
                "summary": meta.summary,
                "published_at": meta.published,
                "status": meta.status,
                "duration_seconds": meta.duration,
                "audio_url": meta.audio_url,
                "audio_bytes": meta.audio_bytes,
                "audio_sha256": meta.audio_sha256,
                "youtube_id": meta.youtube_id,
                "guid": meta.guid,
                "tags": meta.tags,
                "show_notes": show_notes,
                "show_notes_html": render_markdown(show_notes),
                "transcript": transcript,
                "chapters": [chapter.model_dump(exclude_none=True) for chapter in meta.chapters],
                "season": meta.season,
                "episode_type": meta.episode_type,
                "image_url": meta.image_url,
                "explicit": meta.explicit,
                # Sorted as the relationships load them, so equal lists compare equal.
                "guests": sorted((guests[slug] for slug in meta.guests), key=by_name),
                "sponsors": sorted((sponsors[slug] for slug in meta.sponsors), key=by_name),
            },
            digests,
        )  # fmt: skip
        change = EpisodeChange(meta.number, meta.title, meta.status, meta.published)
        if existing is None:
            report.new_episodes.append(change)
        elif len(report.updated) > updates_before:
            report.updated_episodes.append(change)
            if meta.status == "removed" and not was_removed:
                report.removed_episodes.append(change)
    # Once written, the rows are clean, and the session's weak references let
    # them (and their texts) go: memory stays at about one batch.
    await _flush(session, f"episodes {batch[0].meta.number} to {batch[-1].meta.number}")
    return problems


def by_name(row: Guest | Sponsor) -> str:
    """Sort key matching the relationships' `order_by`."""
    return row.name
