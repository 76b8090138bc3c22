"""The engine's pool and the reads that run straight on the driver."""

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
import sqlalchemy.exc
from pydantic import SecretStr
from sqlalchemy import Float, bindparam, func, literal, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from podcast_site.core.database import (
    compile_for_driver,
    create_engine,
    fetch,
    is_database_unavailable,
)
from podcast_site.core.settings import Settings
from podcast_site.queries import COUNT_EPISODES
from tests.web.factories import add_episode

PID = text("SELECT pg_backend_pid()")


@asynccontextmanager
async def engine_of_its_own(
    settings: Settings, pool_size: int, max_overflow: int = 0
) -> AsyncIterator[tuple[AsyncEngine, QueuePool]]:
    """Yield an engine with a pool of this size (and the pool, to count in); dispose of it after."""
    engine = create_engine(
        settings.model_copy(update={"db_pool_size": pool_size, "db_max_overflow": max_overflow})
    )
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    try:
        yield engine, pool
    finally:
        await engine.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    settings: Settings, engine: AsyncEngine
) -> None:
    # What a database restart does to every idle connection of the pool.
    async with engine_of_its_own(settings, pool_size=1) as (restarted, _):
        async with restarted.connect() as connection:
            old_pid = await connection.scalar(PID)
            driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old_pid})
        for _ in range(100):  # asyncpg sees the socket close on its next read
            if driver.is_closed():
                break
            await asyncio.sleep(0.02)
        assert driver.is_closed()

        async with restarted.connect() as connection:  # no error: a fresh connection
            assert await connection.scalar(PID) != old_pid


# What Postgres sends each idle connection when it shuts down ("fast"), just
# before it closes the socket: ErrorResponse, FATAL, 57P01.
FATAL_SHUTDOWN = b"SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0"


async def test_a_connection_the_server_ended_while_idle_is_an_outage_and_replaced(
    settings: Settings,
) -> None:
    async with engine_of_its_own(settings, pool_size=1) as (engine, _):
        async with engine.connect() as connection:
            driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
        # The moment a database restart makes, which a request hits by chance:
        # asyncpg has read the error (out of turn) but not yet the close.
        driver._protocol.data_received(
            b"E" + struct.pack("!i", 4 + len(FATAL_SHUTDOWN)) + FATAL_SHUTDOWN
        )
        assert not driver.is_closed()

        async with async_sessionmaker(engine)() as session:
            with pytest.raises(Exception) as raised:
                await fetch(session, COUNT_EPISODES)
            assert is_database_unavailable(raised.value), repr(raised.value)
            assert driver.is_closed()
            assert (await fetch(session, COUNT_EPISODES))[0]["count"] >= 0  # a new connection


async def test_a_direct_read_sees_what_the_session_wrote_in_its_transaction(
    session: AsyncSession,
) -> None:
    before = (await fetch(session, COUNT_EPISODES))[0]["count"]
    await add_episode(session, 1)
    assert (await fetch(session, COUNT_EPISODES))[0]["count"] == before + 1


async def test_a_direct_read_before_anything_else_borrows_a_connection_of_its_own(
    engine: AsyncEngine,
) -> None:
    # As in a GET request: the session opens no transaction for it.
    async with async_sessionmaker(engine)() as session:
        rows = await fetch(session, COUNT_EPISODES)
        assert rows[0]["count"] >= 0
        assert not session.in_transaction()


async def test_a_direct_read_gives_the_connection_it_borrowed_back_to_the_pool(
    settings: Settings,
) -> None:
    async with engine_of_its_own(settings, pool_size=1) as (engine, pool):
        async with async_sessionmaker(engine)() as session:
            for _ in range(3):  # the pool's one connection each time
                assert (await fetch(session, COUNT_EPISODES))[0]["count"] >= 0
                assert pool.checkedout() == 0


async def test_a_direct_read_gives_back_without_a_greenlet_while_the_pool_has_room(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A trip into SQLAlchemy's greenlet costs a stack of its own; giving a
    # connection back to a pool with room needs none (the test below covers
    # the overflow connection, which does).
    trips: list[object] = []
    run_sync = AsyncSession.run_sync

    async def counted_run_sync(self: AsyncSession, function: Any, *args: Any) -> Any:
        trips.append(function)
        return await run_sync(self, function, *args)

    monkeypatch.setattr(AsyncSession, "run_sync", counted_run_sync)
    async with engine_of_its_own(settings, pool_size=2) as (engine, pool):
        async with async_sessionmaker(engine)() as session:
            assert (await fetch(session, COUNT_EPISODES))[0]["count"] >= 0
            assert (pool.checkedout(), pool.checkedin()) == (0, 1)
        assert trips == []


async def test_a_direct_read_closes_an_overflow_connection_it_gives_back(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Closing a connection awaits asyncpg: outside SQLAlchemy's greenlet the
    # pool would log the failure and leave the socket open.
    slow = compile_for_driver(select(func.pg_sleep(bindparam("seconds", type_=Float))))
    async with engine_of_its_own(settings, pool_size=1, max_overflow=1) as (engine, pool):
        sessions = async_sessionmaker(engine)
        async with sessions() as first, sessions() as second:
            # Two at once: the pool's connection and an overflow one; the
            # second given back finds the pool full, so it is closed.
            await asyncio.gather(fetch(first, slow, seconds=0.05), fetch(second, slow, seconds=0.1))
        assert (pool.checkedout(), pool.checkedin(), pool.overflow()) == (0, 1, 0)
    assert not [record for record in caplog.records if record.name.startswith("sqlalchemy")]


async def test_a_direct_read_that_postgres_refuses_to_connect_is_an_outage(
    settings: Settings, engine: AsyncEngine
) -> None:
    # A role allowed no connections: refused as when Postgres has too many (53300).
    role, password = "podcast_no_connections_test", "no-connections-password"
    async with engine.begin() as owner:
        await owner.execute(text(f"DROP ROLE IF EXISTS {role}"))
        await owner.execute(
            text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0 PASSWORD '{password}'")
        )
    refused = create_engine(
        settings.model_copy(update={"db_user": role, "db_password": SecretStr(password)})
    )
    try:
        async with async_sessionmaker(refused)() as session:
            with pytest.raises(Exception) as raised:
                await fetch(session, COUNT_EPISODES)
        assert is_database_unavailable(raised.value)
    finally:
        await refused.dispose()
        async with engine.begin() as owner:
            await owner.execute(text(f"DROP ROLE {role}"))


async def test_a_direct_read_takes_exactly_its_parameters_by_name(session: AsyncSession) -> None:
    statement = compile_for_driver(
        select(literal("fixed").label("fixed"), bindparam("given", type_=None).label("given"))
    )
    rows = await fetch(session, statement, given="passed")
    assert dict(rows[0]) == {"fixed": "fixed", "given": "passed"}
    # SQLAlchemy would refuse both; asyncpg would quietly compare with NULL.
    with pytest.raises(TypeError, match="gievn"):
        await fetch(session, statement, gievn="typo")
    with pytest.raises(TypeError, match="given"):
        await fetch(session, statement)


class FakeDriverError(Exception):
    """Stands in for the driver's exception inside SQLAlchemy's DBAPIError."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "status"),
    [
        ("57P03", 503),  # the database system is starting up
        ("57P01", 503),  # terminating connection due to administrator command
        ("57014", 503),  # statement timeout
        ("53300", 503),  # too many connections
        ("08006", 503),  # connection failure
        ("23505", 500),  # a unique violation is a bug, not an outage
        ("42P01", 500),  # undefined table: a bug too
    ],
)
def test_database_errors_are_503_only_when_the_database_cannot_serve(
    sqlstate: str, status: int
) -> None:
    error = sqlalchemy.exc.DBAPIError("SELECT 1", {}, FakeDriverError(sqlstate))
    assert is_database_unavailable(error) is (status == 503)


# What asyncpg says when a query follows the FATAL error a shutdown sends,
# and the same as SQLAlchemy's session passes it on (wrapped once more below).
OUT_OF_STEP = "cannot switch to state 12; another operation (2) is in progress"
ADAPTED_OUT_OF_STEP = AsyncAdapt_asyncpg_dbapi.InternalClientError(OUT_OF_STEP)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), 503),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"), 503),
        (asyncpg.exceptions.QueryCanceledError("canceling statement due to timeout"), 503),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), 500),
        (asyncpg.exceptions.InternalClientError(OUT_OF_STEP), 503),
        (sqlalchemy.exc.InternalError("SELECT 1", {}, ADAPTED_OUT_OF_STEP), 503),
    ],
    ids=[
        "shutdown",
        "connection-lost",
        "statement-timeout",
        "unique-violation",
        "out-of-step",
        "out-of-step-in-a-session",
    ],
)
def test_driver_errors_of_direct_reads_are_503_only_when_the_database_cannot_serve(
    error: Exception, status: int
) -> None:
    # Reads that run on asyncpg itself (database.fetch) raise its errors unwrapped.
    assert is_database_unavailable(error) is (status == 503)


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError("a template's data file"),
        TimeoutError("a slow call that is not the database"),
        sqlalchemy.exc.InterfaceError(
            "SELECT 1", {}, Exception("another operation is in progress")
        ),
    ],
    ids=["file-not-found", "timeout", "session-used-twice"],
)
def test_bugs_that_look_like_outages_are_still_500s(error: Exception) -> None:
    assert not is_database_unavailable(error)
