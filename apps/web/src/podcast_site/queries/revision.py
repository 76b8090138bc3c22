"""Read the content revision: the value that changes whenever published content does."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.core.models import ContentRevision


async def get_content_revision(session: AsyncSession) -> uuid.UUID:
    """Return the value that changes whenever published content changes."""
    revision = await session.scalar(select(ContentRevision.revision))
    return revision or uuid.UUID(int=0)
