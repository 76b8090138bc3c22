"""Create rows for tests with sensible defaults; override only what a test is about."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site import queries
from podcast_site.core.models import Episode, Guest, Sponsor


async def add_guest(session: AsyncSession, slug: str = "ada-example", **fields: Any) -> Guest:
    """Insert a guest and flush it."""
    values: dict[str, Any] = {"name": slug.replace("-", " ").title(), "bio": "", "bio_html": ""}
    guest = Guest(slug=slug, **(values | fields))
    session.add(guest)
    await session.flush()
    return guest


async def add_sponsor(session: AsyncSession, slug: str = "acme", **fields: Any) -> Sponsor:
    """Insert a sponsor and flush it."""
    values: dict[str, Any] = {
        "name": slug.title(),
        "url": f"https://{slug}.test.example",
        "blurb": "",
        "blurb_html": "<p>Buy things.</p>",
    }
    sponsor = Sponsor(slug=slug, **(values | fields))
    session.add(sponsor)
    await session.flush()
    return sponsor


async def add_episode(session: AsyncSession, number: int = 1, **fields: Any) -> Episode:
    """Insert a public episode and flush it.

    It was published `number` weeks after a fixed day, counted modulo 40
    weeks: always in the past, so public, however high the number.
    """
    values: dict[str, Any] = {
        "slug": f"episode-{number}",
        "title": f"Episode {number}",
        "summary": f"What episode {number} is about.",
        "published_at": datetime(2026, 1, 6, tzinfo=UTC) + timedelta(weeks=number % 40),
        "duration_seconds": 2400,
        "audio_url": f"https://cdn.test.example/{number}.mp3",
        "audio_bytes": 2400 * 16_000,
        "show_notes": "",
        "show_notes_html": "",
        "guests": [],
        "sponsors": [],
    }
    episode = Episode(number=number, **(values | fields))
    session.add(episode)
    await session.flush()
    return episode


async def record_download(
    session: AsyncSession,
    episode_id: int,
    day: date,
    listener: bytes = b"listener",
    *,
    address: bytes = b"address",
    app: str = "Overcast",
    per_address: int = 10,
) -> bool | None:
    """Count a download as the view does, from one address and app unless told otherwise."""
    return await queries.record_download(
        session, episode_id, day, listener, address=address, app=app, per_address=per_address
    )
