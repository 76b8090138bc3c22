"""Run Alembic migrations over asyncpg, one migrator at a time."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from podcast_site.core.models import Base
from podcast_site.core.settings import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata

# Any constant works; it only has to be the same for every migrator of this database.
MIGRATION_LOCK_KEY = 7_413_001
# How long a migration's statement may wait for a table lock. A migration
# runs while the old release serves (make redeploy): an ALTER TABLE queued
# behind a slow query would make every read of that table wait behind it.
# Better that the migration fail (the redeploy stops, the site keeps
# serving) and is run again.
LOCK_TIMEOUT = "5s"


def settings() -> Settings:
    """Use the caller's settings (tests pass their own) or read the environment."""
    given: Settings | None = config.attributes.get("settings")
    return given or Settings()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=settings().database_url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Migrate inside one transaction that holds the migration lock."""
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        # Two deploys starting at once must not both migrate: the second waits
        # here until the first commits, then finds nothing left to do. The lock
        # is released with the transaction, even if the migrator is killed.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        lock_timeout = config.attributes.get("lock_timeout", LOCK_TIMEOUT)
        connection.execute(
            text("SELECT set_config('lock_timeout', :value, true)"), {"value": lock_timeout}
        )
        context.run_migrations()


async def run_async_migrations() -> None:
    """Connect with a throwaway engine (no pool) and migrate."""
    engine = create_async_engine(settings().database_url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
