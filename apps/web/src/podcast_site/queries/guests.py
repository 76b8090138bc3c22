"""Read the guests: their list, their pages and the episodes they were on."""

from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import Episode, Guest, episode_guests
from podcast_site.queries.episodes import EpisodeItem, is_public, item_from, page_of_items


@dataclass(frozen=True, slots=True)
class GuestItem:
    """A guest in the list of guests."""

    slug: str
    name: str
    appearances: int


def public_appearances() -> Select[int]:
    """Count, per guest, the public episodes they were on (correlated to Guest)."""
    return (
        select(func.count())
        .select_from(episode_guests.join(Episode))
        .where(episode_guests.c.guest_id == Guest.id, is_public())
    )


async def list_guests(session: AsyncSession) -> list[GuestItem]:
    """Return every guest of a public episode with how many they were on, by name.

    A guest of nothing public yet (next week's episode) is not shown: their
    page would announce the episode before its release.
    """
    appearances = public_appearances().scalar_subquery()
    query = select(Guest.slug, Guest.name, appearances).where(appearances > 0).order_by(Guest.name)
    return [GuestItem(*row) for row in await session.execute(query)]


@dataclass(frozen=True, slots=True)
class GuestPage:
    """A guest with what their page shows, and how many episodes they were on."""

    id: int
    slug: str
    name: str
    bio_html: str
    photo_url: str | None
    links: list[dict[str, str]]
    appearances: int


async def get_guest(session: AsyncSession, slug: str) -> GuestPage | None:
    """Return one guest of a public episode for their page, or None.

    Their episodes come a page at a time (list_guest_episodes).
    """
    appearances = public_appearances().scalar_subquery()
    query = select(
        Guest.id, Guest.slug, Guest.name, Guest.bio_html, Guest.photo_url, Guest.links, appearances
    ).where(Guest.slug == slug, appearances > 0)
    row = (await session.execute(query)).one_or_none()
    return GuestPage(*row) if row else None


GUEST_EPISODE_LIST = compile_for_driver(
    page_of_items(
        select(Episode.number)
        .join(episode_guests, episode_guests.c.episode_id == Episode.id)
        .where(episode_guests.c.guest_id == bindparam("guest_id"), is_public())
    )
)


async def list_guest_episodes(
    session: AsyncSession, guest_id: int, *, offset: int, limit: int
) -> list[EpisodeItem]:
    """Return a page of a guest's public episodes, newest first, with all their guests."""
    rows = await fetch(session, GUEST_EPISODE_LIST, guest_id=guest_id, offset=offset, limit=limit)
    return [item_from(row) for row in rows]
