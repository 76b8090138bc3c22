"""Run app tests against a real Postgres: one migrated database per run, and
every test inside a transaction that is rolled back afterwards.

The server comes from DB_HOST/DB_PORT/DB_USER/DB_PASSWORD (`make test` starts
one in a container); the role must be allowed to create databases. There is no
skip: without Postgres these tests fail, loudly, with the reason.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from podcast_site.app import create_app
from podcast_site.core.database import Database, create_engine, get_database
from podcast_site.core.settings import Settings
from tests.web.paths import ALEMBIC_INI, FIXTURE_SITE_FILE, FIXTURE_USER_AGENTS

TEST_DATABASE = "podcast_test"


async def recreate_database(settings: Settings) -> None:
    """Drop and create `settings.db_name`, connecting through the `postgres` database."""
    try:
        connection = await asyncpg.connect(
            host=settings.db_host,
            port=settings.db_port,
            user=settings.db_user,
            password=settings.db_password.get_secret_value(),
            database="postgres",
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(
            f"cannot reach Postgres at {settings.db_host}:{settings.db_port} as "
            f"{settings.db_user} ({error}); run `make test`, or point DB_* at a server",
            pytrace=False,
        )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{settings.db_name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{settings.db_name}"')
    finally:
        await connection.close()


def alembic_config(settings: Settings) -> Config:
    """Point Alembic at the given database, without touching the test run's logging."""
    config = Config(ALEMBIC_INI)
    config.attributes["settings"] = settings
    config.attributes["configure_logging"] = False
    return config


async def migrate(settings: Settings, revision: str = "head") -> None:
    """Upgrade the database; Alembic's async env runs its own loop, so use a thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(settings), revision)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings for the test database; everything else as the environment says."""
    # A revision TTL of 0: each test sees its own content writes at once. The
    # fixture identity, not the repository's site.toml, which a fork replaces.
    return Settings(
        db_name=TEST_DATABASE,
        site_file=FIXTURE_SITE_FILE,
        # The tests send mail themselves, with a real SMTP server of their own;
        # a background mailer would share the test's connection.
        send_mail=False,
        app_env="development",
        secret_key="test-" * 8,
        content_revision_ttl_seconds=0,
        # The tests' own stand-in for OPAWG's lists, which git does not hold.
        user_agents_dir=FIXTURE_USER_AGENTS,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """Create and migrate the test database once, and share one engine for it."""
    await recreate_database(settings)
    await migrate(settings)
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Hold one transaction open for the test and roll it back afterwards."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Make sessions whose commits only release a savepoint of the test's transaction."""
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """Give the test a session for arranging and checking data."""
    async with sessionmaker() as session:
        yield session


@pytest.fixture
async def app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Quart]:
    """Run the app's lifespan, with its requests inside the test's transaction."""
    app = create_app(settings)
    async with app.test_app():
        database: Database = get_database(app)
        # Both kinds of session work inside the test's transaction.
        database.sessionmaker = database.autocommit = sessionmaker
        yield app


@pytest.fixture
async def committing_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Quart]:
    """Run the app on the real pool, for tests of concurrency that one connection cannot show.

    Data such a test commits stays until the test removes it; keep it to rows
    the test itself created.
    """
    async with app_on_the_real_pool(settings) as app:
        yield app


@asynccontextmanager
async def app_on_the_real_pool(settings: Settings) -> AsyncIterator[Quart]:
    """Start an app on its own pool that waits for a connection as long as a test may run.

    These tests send dozens of requests at once to test limits and locks, not
    the pool: on a busy machine the default 5 s wait would turn some into 503s.
    """
    app = create_app(settings.model_copy(update={"db_pool_timeout_seconds": 60.0}))
    async with app.test_app():
        yield app


@pytest.fixture
async def committed_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """Give a test a session whose commits are real (see `committing_app`)."""
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


@pytest.fixture
def client(app: Quart) -> Client:
    """Make requests to the app without a server."""
    return app.test_client()
