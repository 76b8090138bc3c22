"""Sync a checked content folder into the database: create or update, never delete.

The import writes the episodes a batch at a time, reading each one's texts
again as it goes, so its memory and each statement's size stay flat however
large the catalog. Everything happens in the caller's one transaction.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from podcast_site.content.markdown import render_markdown
from podcast_site.content.reader import Content, EpisodeContent
from podcast_site.core.models import Base, Episode, Guest, Sponsor

# Episodes written per statement: few enough that a statement stays short and
# the import's memory small (100 hour-long transcripts are about 6 MB), many
# enough that round trips do not dominate.
EPISODE_BATCH = 100


@dataclass
class ImportReport:
    """What an import created, changed and left alone."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Say whether the import wrote anything."""
        return bool(self.created or self.updated)

    def summary(self) -> str:
        """Describe the import in a few lines for the terminal."""
        lines = [f"created {name}" for name in self.created]
        lines += [f"updated {name}" for name in self.updated]
        lines.append(
            f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"
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
            digests[name] != _digest(value) if name in digests else getattr(existing, name) != value
        )
    }
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


async def import_content(
    session: AsyncSession,
    content: Content,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = EPISODE_BATCH,
) -> ImportReport:
    """Create or update every guest, sponsor and episode in `content`; the caller commits.

    `progress(done, total)` hears after each batch of episodes. Rows that are
    no longer in the content folder are left alone: the import never deletes.
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
    for start in range(0, total, batch_size):
        batch = content.episodes[start : start + batch_size]
        await _import_episodes(session, report, batch, guests, sponsors)
        if progress is not None:
            progress(start + len(batch), total)
    return report


async def _import_episodes(
    session: AsyncSession,
    report: ImportReport,
    batch: list[EpisodeContent],
    guests: dict[str, Guest],
    sponsors: dict[str, Sponsor],
) -> None:
    """Create or update one batch of episodes and write it."""
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
        _upsert(
            session, report, f"episode {meta.number} ({episode.slug})", existing,
            (Episode, {"number": meta.number}),
            {
                "slug": episode.slug,
                "title": meta.title,
                "summary": meta.summary,
                "published_on": meta.published,
                "duration_seconds": meta.duration,
                "audio_url": meta.audio_url,
                "audio_bytes": meta.audio_bytes,
                "youtube_id": meta.youtube_id,
                "tags": meta.tags,
                "show_notes": show_notes,
                "show_notes_html": render_markdown(show_notes),
                "transcript": transcript,
                "chapters": [chapter.model_dump(exclude_none=True) for chapter in meta.chapters],
                # Sorted as the relationships load them, so equal lists compare equal.
                "guests": sorted((guests[slug] for slug in meta.guests), key=by_name),
                "sponsors": sorted((sponsors[slug] for slug in meta.sponsors), key=by_name),
            },
            digests,
        )  # fmt: skip
    # Once written, the rows are clean, and the session's weak references let
    # them (and their texts) go: memory stays at about one batch.
    await _flush(session, f"episodes {batch[0].meta.number} to {batch[-1].meta.number}")


def by_name(row: Guest | Sponsor) -> str:
    """Sort key matching the relationships' `order_by`."""
    return row.name
