"""Own the engine for the app's lifetime, give each request its own session, run hot reads.

Also the one place that tells "the database cannot answer now" (a 503) from a bug.
"""

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from quart import Quart, current_app, g, request
from sqlalchemy import event, exc, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection, QueuePool
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from podcast_site.core.settings import Settings

# Errors Postgres itself reports while it cannot serve, by SQLSTATE class:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutting down, starting up, statement timeout),
# 58 system error.
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
# The driver out of step with the server. When Postgres shuts down, it ends
# each idle connection with a FATAL error, which asyncpg reads as out of turn;
# a query in the moment before it reads the socket's close fails so (asyncpg
# issue 1069). Two tasks using one connection at once, a bug, are refused
# before this, as an InterfaceError.
OUT_OF_STEP_ERRORS = (asyncpg.InternalClientError, AsyncAdapt_asyncpg_dbapi.InternalClientError)


class DatabaseUnavailableError(Exception):
    """The database cannot answer, and nothing can stand in for it (a 503)."""


def is_database_unavailable(error: BaseException) -> bool:
    """Say whether an error means "the database cannot answer now" (503), not a bug (500)."""
    if isinstance(error, DatabaseUnavailableError):
        return True
    if isinstance(error, exc.TimeoutError):
        return True  # no pooled connection came free in time: overloaded, not broken
    # Bare from direct reads (database.fetch), wrapped by the session.
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(cause, OUT_OF_STEP_ERRORS):
        return True
    if isinstance(error, exc.DBAPIError):
        # SQLAlchemy marks lost connections; Postgres says why it refused.
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, asyncpg.PostgresError):
        # The same, from reads that run on the driver itself (database.fetch).
        return (error.sqlstate or "").startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, exc.EmulatedDBAPIException):
        # The same, when the pool connects for such a read: SQLAlchemy's
        # asyncpg adapter has wrapped the driver's error, SQLSTATE and all.
        sqlstate = getattr(error, "sqlstate", None) or ""
        return sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, OSError | TimeoutError):
        # While connecting, asyncpg raises these unwrapped: refused, the name
        # `db` does not resolve (its container is down), or no answer. The
        # same errors from anywhere else are bugs.
        return any(
            "/asyncpg/" in frame.filename for frame in traceback.extract_tb(error.__traceback__)
        )
    return False


EXTENSION = "podcast_site.database"
ASYNCPG = asyncpg_dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the pooled engine, sized and timed out for a small server."""
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        # No pre-ping: it costs a round trip on every request (about a
        # millisecond, measured). A connection the server closed (a database
        # restart) is dropped at checkout instead, for free (below); one that
        # breaks during a query fails that request as a 503 (is_database_unavailable, below).
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "server_settings": {
                "application_name": "podcast-site",
                "statement_timeout": str(settings.db_statement_timeout_ms),
            },
        },
    )
    event.listen(engine.sync_engine, "checkout", refuse_closed_connection)
    return engine


def refuse_closed_connection(_: object, entry: ConnectionPoolEntry, __: object) -> None:
    """Make the pool drop a connection the server has closed, and hand out another.

    asyncpg notices a closed socket while the connection waits in the pool,
    so this costs no round trip. DisconnectionError is SQLAlchemy's signal to
    replace the connection and check out again.
    """
    driver: asyncpg.Connection = entry.driver_connection
    if driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement compiled once to asyncpg's SQL: its parameters in order, and their values."""

    sql: str
    parameters: tuple[str, ...]
    # The bindparam()s each call must give; the others are the query's constants.
    required: frozenset[str]
    constants: Mapping[str, Any]


def compile_for_driver(query: ClauseElement) -> DriverStatement:
    """Compile a query (bindparam() for what changes per call) for `fetch`.

    With a dialect of its own, not the engine's: the SQL asyncpg runs is the
    same, and these are compiled when the module is imported.
    """
    compiled = cast(SQLCompiler, query.compile(dialect=ASYNCPG))
    required = frozenset(name for bind, name in compiled.bind_names.items() if bind.required)
    return DriverStatement(
        compiled.string, tuple(compiled.positiontup or ()), required, compiled.params
    )


async def fetch(
    session: AsyncSession, statement: DriverStatement, **values: object
) -> list[asyncpg.Record]:
    """Run a statement straight through asyncpg, on the session's connection or one of its own.

    For the reads that pages make on every cache miss: SQLAlchemy's
    execution layers (ORM, Core, result rows) cost more there than the
    query itself does in Postgres (measured: about 0.3 ms of a 2.6 ms
    episode page). The query is still written with SQLAlchemy, against the models;
    only its execution is skipped, and with it the BEGIN that SQLAlchemy
    sends before its first statement on a connection. So this is for reads
    that need no transaction of their own (each statement sees what is
    committed, as in an autocommit GET request), and for a write that is one
    atomic statement and must stand whatever follows (counting a request
    against a rate limit); never for writes that stand or fall together.
    """
    if values.keys() != statement.required:
        raise TypeError(f"give {sorted(statement.required)}, not {sorted(values)}")
    given = {**statement.constants, **values}
    arguments = [given[name] for name in statement.parameters]
    if isinstance(session.bind, AsyncEngine) and not session.in_transaction():
        # Nothing to share yet (a GET request's reads): a pooled connection
        # for this statement alone spares the session's transaction and its
        # bookkeeping, a sixth of an uncached page's CPU time (measured).
        # Borrowed raw, not through engine.connect(): its Connection costs
        # two more greenlet switches and an isolation-level reset, 0.11 ms
        # of a 0.21 ms read (measured).
        pooled = await session.bind.raw_connection()
        try:
            return await fetch_on(pooled.driver_connection, statement.sql, arguments)
        finally:
            await give_back(session, session.bind.pool, pooled)
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    return await fetch_on(driver, statement.sql, arguments)


async def give_back(session: AsyncSession, pool: Pool, pooled: PoolProxiedConnection) -> None:
    """Return a connection `fetch` borrowed to the pool, in SQLAlchemy's greenlet only if need be.

    While the pool holds no more connections than its size, giving one back
    only puts it in the pool's queue: plain Python (its rollback-on-return
    sends nothing, as `fetch` begins no transaction). An overflow connection
    may find the queue full, and closing it awaits asyncpg, which only works
    in SQLAlchemy's greenlet. Each trip there starts a greenlet, and with it
    a stack of its own: an mmap and a munmap per read (counted with strace),
    skipped while there is room. Every search and API request reads once or
    twice (its rate limit counts first), an uncached page once.
    """
    if isinstance(pool, QueuePool) and pool.overflow() <= 0:
        pooled.close()
    else:
        await session.run_sync(lambda _: pooled.close())


async def fetch_on(
    driver: asyncpg.Connection, sql: str, arguments: list[object]
) -> list[asyncpg.Record]:
    """Run SQL on an asyncpg connection; a closed one is a 503."""
    try:
        rows: list[asyncpg.Record] = await driver.fetch(sql, *arguments)
    except asyncpg.InterfaceError as error:
        if driver.is_closed():  # closed between checkout and query: the server went away
            raise DatabaseUnavailableError("the connection closed before the query") from error
        raise
    except asyncpg.InternalClientError:
        # Out of step with the server (OUT_OF_STEP_ERRORS, above), so never
        # usable again: closed here, so that the pool replaces it.
        driver.terminate()
        raise
    return rows


class Database:
    """The engine and session factories one app (one Granian worker) shares.

    `sessionmaker` opens a transaction that the caller commits: for writes that
    must stand or fall together (a sign-up and its confirmation mail).
    `autocommit` runs each statement on its own, with no BEGIN and no ROLLBACK
    round trip around it: for GET requests, which read, or write one
    statement that is atomic by itself (a download counter's upsert).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        self.autocommit = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    async def ping(self) -> None:
        """Run the cheapest query there is; raise if the database cannot answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))


def init_app(app: Quart, settings: Settings) -> None:
    """Open the engine when the app starts serving and close it when it stops."""

    @app.before_serving
    async def open_database() -> None:
        app.extensions[EXTENSION] = Database(create_engine(settings))

    @app.after_serving
    async def close_database() -> None:
        database: Database = app.extensions.pop(EXTENSION)
        await database.engine.dispose()

    @app.teardown_appcontext
    async def close_request_session(_: BaseException | None) -> None:
        session: AsyncSession | None = g.pop("db_session", None)
        # One not in a transaction (none begun, or committed) holds no
        # connection (the reads of `fetch` borrow their own): nothing to give back.
        if session is not None and session.in_transaction():
            await session.close()


def get_database(app: Quart | None = None) -> Database:
    """Return the app's database (the running app's by default), once it serves."""
    database: Database = (app or current_app).extensions[EXTENSION]
    return database


def get_session() -> AsyncSession:
    """Return this request's session, opening it on first use.

    GET and HEAD requests get an autocommit session (see Database); every
    other method a transaction its view commits.
    """
    if "db_session" not in g:
        database = get_database()
        safe = request.method in ("GET", "HEAD")
        g.db_session = (database.autocommit if safe else database.sessionmaker)()
    session: AsyncSession = g.db_session
    return session
