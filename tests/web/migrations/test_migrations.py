"""The migrations: they apply, revert and re-apply cleanly, match the models, keep the data."""

import asyncio
from datetime import UTC, date, datetime

import asyncpg
import pytest
import sqlalchemy.exc
from alembic import command
from alembic.config import Config

from podcast_site.core.settings import Settings
from tests.web.conftest import alembic_config, recreate_database


async def scratch_database(settings: Settings) -> tuple[Settings, Config]:
    """Create an empty database of its own (these tests drop what they create) and its config."""
    scratch = settings.model_copy(update={"db_name": "podcast_migrations_test"})
    await recreate_database(scratch)
    return scratch, alembic_config(scratch)


async def connect(scratch: Settings) -> asyncpg.Connection:
    """Connect to the scratch database with asyncpg, beside Alembic's own connection."""
    return await asyncpg.connect(
        host=scratch.db_host,
        port=scratch.db_port,
        user=scratch.db_user,
        password=scratch.db_password.get_secret_value(),
        database=scratch.db_name,
    )


async def test_upgrade_downgrade_upgrade_then_models_and_migrations_agree(
    settings: Settings,
) -> None:
    scratch, config = await scratch_database(settings)

    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    # `alembic check` raises if autogenerate would write a new migration.
    await asyncio.to_thread(command.check, config)


async def test_the_release_time_migration_keeps_each_episodes_day_and_mails_nobody(
    settings: Settings,
) -> None:
    scratch, config = await scratch_database(settings)
    await asyncio.to_thread(command.upgrade, config, "0009")
    connection = await connect(scratch)
    try:
        await connection.execute(
            "INSERT INTO episodes (number, slug, title, summary, published_on, duration_seconds,"
            " audio_url, audio_bytes, tags, chapters, show_notes, show_notes_html)"
            " VALUES (1, 'one', 'One', 'About one.', '2026-03-02', 60, 'audio/1.mp3', 100,"
            " '{}', '[]', '', '')"
        )
        await asyncio.to_thread(command.upgrade, config, "head")
        row = await connection.fetchrow(
            "SELECT published_at, published_on, status FROM episodes WHERE number = 1"
        )
        skipped = await connection.fetchval("SELECT skipped FROM episode_announcements")
    finally:
        await connection.close()
    assert row["published_at"] == datetime(2026, 3, 2, tzinfo=UTC)
    # The release before this one still reads the day, now derived by Postgres.
    assert (row["published_on"], row["status"]) == (date(2026, 3, 2), "published")
    assert skipped is True


async def test_a_migration_waiting_on_a_lock_gives_up_instead_of_blocking_reads(
    settings: Settings,
) -> None:
    scratch, config = await scratch_database(settings)
    await asyncio.to_thread(command.upgrade, config, "0009")
    config.attributes["lock_timeout"] = "500ms"
    reader = await connect(scratch)
    try:
        # A slow read holds its table; 0010 must alter that table.
        transaction = reader.transaction()
        await transaction.start()
        await reader.execute("LOCK TABLE episodes IN ACCESS SHARE MODE")
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="lock timeout"):
            await asyncio.to_thread(command.upgrade, config, "head")
        await transaction.rollback()
        version = await reader.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await reader.close()
    assert version == "0009"  # nothing half done: run it again later
