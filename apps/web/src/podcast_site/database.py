"""Own the engine for the app's lifetime and give each request its own session."""

from quart import Quart, current_app, g, request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from podcast_site.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the pooled engine, sized and timed out for a small server."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        # No pre-ping: it costs a round trip on every request (about a
        # millisecond, measured). After a database restart the first request
        # on a dead connection fails instead, as a 503 (errors.py), and that
        # error makes SQLAlchemy replace every connection of the pool at once.
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "server_settings": {
                "application_name": "podcast-site",
                "statement_timeout": str(settings.db_statement_timeout_ms),
            },
        },
    )


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
        app.extensions["database"] = Database(create_engine(settings))

    @app.after_serving
    async def close_database() -> None:
        database: Database = app.extensions.pop("database")
        await database.engine.dispose()

    @app.teardown_appcontext
    async def close_request_session(_: BaseException | None) -> None:
        session: AsyncSession | None = g.pop("db_session", None)
        if session is not None:
            await session.close()


def get_database() -> Database:
    """Return the running app's database."""
    database: Database = current_app.extensions["database"]
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
