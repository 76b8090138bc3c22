"""The database roles of web and backup: each does its part and has no DDL at all."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from podcast_site.core.database import create_engine
from podcast_site.core.models import Base
from podcast_site.core.privileges import WEB_PRIVILEGES, grant_backup_role, grant_web_role
from podcast_site.core.settings import Settings
from tests.web.conftest import migrate, recreate_database

ROLE, PASSWORD = "podcast_app_test", "app-test-password"


def test_every_table_has_a_decision() -> None:
    # A new table web cannot see is a 500; one it may write by accident, a hole.
    assert set(WEB_PRIVILEGES) == set(Base.metadata.tables)


Grant = Callable[[AsyncConnection, str, str], Awaitable[None]]


@asynccontextmanager
async def connected_as(
    settings: Settings, grant: Grant, role: str, password: str
) -> AsyncIterator[asyncpg.Connection]:
    """Connect as a role freshly granted by `grant` to a migrated database of its own."""
    scratch = settings.model_copy(update={"db_name": "podcast_privileges_test"})
    await recreate_database(scratch)
    await migrate(scratch)
    engine = create_engine(scratch)
    async with engine.begin() as owner:
        await grant(owner, role, password)
        await grant(owner, role, password)  # twice: it is idempotent
    connection = await asyncpg.connect(
        host=scratch.db_host, port=scratch.db_port, user=role, password=password,
        database=scratch.db_name,
    )  # fmt: skip
    try:
        yield connection
    finally:
        await connection.close()
        async with engine.begin() as owner:
            await owner.execute(text(f"DROP OWNED BY {role}"))
            await owner.execute(text(f"DROP ROLE {role}"))
        await engine.dispose()


@pytest.fixture
async def as_web_role(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """Connect as web's role."""
    async with connected_as(settings, grant_web_role, ROLE, PASSWORD) as connection:
        yield connection


async def test_web_reads_the_content_and_writes_only_its_rows(
    as_web_role: asyncpg.Connection,
) -> None:
    assert await as_web_role.fetchval("SELECT count(*) FROM episodes") == 0
    await as_web_role.execute("INSERT INTO newsletter_subscribers (email) VALUES ('a@b.example')")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute(
            "INSERT INTO guests (slug, name, bio, bio_html, links) VALUES ('x', 'X', '', '', '[]')"
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute("DELETE FROM newsletter_subscribers")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute("SELECT * FROM alembic_version")


async def test_web_can_neither_create_nor_drop_a_table(as_web_role: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute("CREATE TABLE mine (id int)")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute("DROP TABLE episodes")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_web_role.execute("ALTER TABLE episodes ADD COLUMN x int")
    assert not await as_web_role.fetchval(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = $1", ROLE
    )


BACKUP_ROLE, BACKUP_PASSWORD = "podcast_backup_test", "backup-test-password"


@pytest.fixture
async def as_backup_role(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """Connect as backup's role."""
    async with connected_as(
        settings, grant_backup_role, BACKUP_ROLE, BACKUP_PASSWORD
    ) as connection:
        yield connection


async def test_backup_reads_every_table_and_writes_none(
    as_backup_role: asyncpg.Connection,
) -> None:
    for table in [*Base.metadata.tables, "alembic_version"]:
        await as_backup_role.fetchval(f"SELECT count(*) FROM {table}")  # pg_dump's reads
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_backup_role.execute("INSERT INTO newsletter_subscribers (email) VALUES ('a@b.c')")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_backup_role.execute("CREATE TABLE mine (id int)")


async def test_backup_cannot_run_a_program_on_the_database_server(
    as_backup_role: asyncpg.Connection,
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_backup_role.execute("COPY (SELECT 1) TO PROGRAM 'true'")
    assert not await as_backup_role.fetchval(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = $1",
        BACKUP_ROLE,
    )
