"""The migrations: they apply, revert and re-apply cleanly, and match the models."""

import asyncio

from alembic import command

from podcast_site.core.settings import Settings
from tests.web.conftest import alembic_config, recreate_database


async def test_upgrade_downgrade_upgrade_then_models_and_migrations_agree(
    settings: Settings,
) -> None:
    # A database of its own: this test drops every table it creates.
    scratch = settings.model_copy(update={"db_name": "podcast_migrations_test"})
    await recreate_database(scratch)
    config = alembic_config(scratch)

    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    # `alembic check` raises if autogenerate would write a new migration.
    await asyncio.to_thread(command.check, config)
