"""Read the topics (episode tags): their counts, a topic's episodes, an episode's related ones.

A topic is a tag, stored in the episode's `tags` array (a slug, as the
content's front matter writes it), not a table of its own: a show has a few
dozen, and an array keeps an episode one row. The GIN index on it (migration
0014) finds an episode by tag (`@>`) and by any shared tag (`&&`).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, Integer, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.database import compile_for_driver, fetch
from podcast_site.core.models import Episode
from podcast_site.queries.episodes import EpisodeItem, is_public, item_from, page_of_items

# An episode's page links this many related episodes at most.
RELATED_EPISODES = 5


@dataclass(frozen=True, slots=True)
class TopicCount:
    """A topic and how many public episodes carry it."""

    slug: str
    episodes: int


@dataclass(frozen=True, slots=True)
class EpisodeLink:
    """An episode as a short list of links shows it: title and day."""

    number: int
    slug: str
    title: str
    published_at: datetime


TAGS = bindparam("tags", type_=ARRAY(String))
# An episode's tags as rows (`FROM episodes, unnest(episodes.tags) AS tag`).
tag = func.unnest(Episode.tags).table_valued("tag").alias("tag")

TOPIC_COUNTS = compile_for_driver(
    select(tag.c.tag.label("slug"), func.count().label("episodes"))
    .select_from(Episode, tag)
    .where(is_public())
    .group_by(tag.c.tag)
    .order_by(tag.c.tag)
)
TOPIC_NUMBERS = select(Episode.number).where(is_public(), Episode.tags.contains(TAGS))
COUNT_TOPIC_EPISODES = compile_for_driver(
    select(func.count().label("count")).where(is_public(), Episode.tags.contains(TAGS))
)
TOPIC_EPISODES = compile_for_driver(page_of_items(TOPIC_NUMBERS))

# How many of `tags` an episode shares: a count over its own few tags.
SHARED_TAGS = (
    select(func.count()).select_from(tag).where(tag.c.tag == func.any(TAGS)).scalar_subquery()
)
# "More like this" offers episodes to listen to next: a trailer previews the
# show the listener is already in.
OTHER_PUBLIC = (
    is_public(),
    Episode.number != bindparam("number"),
    Episode.episode_type != "trailer",
)
LIMIT = bindparam("limit", type_=Integer)
LINK_COLUMNS = (Episode.number, Episode.slug, Episode.title, Episode.published_at)
# Those that share every tag, newest first: Postgres walks the numbers down
# and stops at the limit, so the cost is how far it walks, not the catalogue.
RELATED_SHARING_ALL = compile_for_driver(
    select(*LINK_COLUMNS)
    .where(*OTHER_PUBLIC, Episode.tags.contains(TAGS))
    .order_by(Episode.number.desc())
    .limit(LIMIT)
)
# The rest, most shared tags first: every episode that shares one is counted.
RELATED_SHARING_SOME = compile_for_driver(
    select(*LINK_COLUMNS)
    .where(*OTHER_PUBLIC, Episode.tags.overlap(TAGS), ~Episode.tags.contains(TAGS))
    .order_by(SHARED_TAGS.desc(), Episode.number.desc())
    .limit(LIMIT)
)


async def list_topics(session: AsyncSession) -> list[TopicCount]:
    """Return every topic of a public episode, by slug, with its number of episodes."""
    return [TopicCount(**row) for row in await fetch(session, TOPIC_COUNTS)]


async def count_topic_episodes(session: AsyncSession, slug: str) -> int:
    """Return how many public episodes carry a topic (0: no such topic)."""
    rows = await fetch(session, COUNT_TOPIC_EPISODES, tags=[slug])
    return int(rows[0]["count"])


async def list_topic_episodes(
    session: AsyncSession, slug: str, *, offset: int = 0, limit: int | None = None
) -> list[EpisodeItem]:
    """Return a topic's public episodes newest first, with their guests, in one query."""
    rows = await fetch(session, TOPIC_EPISODES, tags=[slug], offset=offset, limit=limit)
    return [item_from(row) for row in rows]


async def list_related_episodes(
    session: AsyncSession, number: int, tags: list[str], limit: int = RELATED_EPISODES
) -> list[EpisodeLink]:
    """Return the public episodes sharing most of `tags` with episode `number`, then the newest.

    Those that share every tag come first, newest first; only when they are
    fewer than `limit` are the others counted (RELATED_SHARING_SOME: the
    GIN index finds them, then a top-N sort). Counting every episode that
    shares a tag, as one query did, read a quarter of a 10,000-episode
    catalogue for each page (1,645 buffers, 8-18 ms at load 7-15); the
    first query reads about 300 rows there (0.35 ms), and the second is
    needed only for a rare combination of tags.
    """
    if not tags:
        return []
    rows = await fetch(session, RELATED_SHARING_ALL, number=number, tags=tags, limit=limit)
    if len(rows) < limit:
        rows += await fetch(
            session, RELATED_SHARING_SOME, number=number, tags=tags, limit=limit - len(rows)
        )
    return [EpisodeLink(**row) for row in rows]
