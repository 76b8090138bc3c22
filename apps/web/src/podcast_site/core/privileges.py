"""Give web's and backup's database roles what they need and no more: never DDL or ownership.

web runs the code most exposed to the internet, so it connects as its own
role (DB_APP_USER): it reads the content and writes only counters and
sign-ups. backup, which holds the off-site credentials and reaches the
internet, connects as a role that may only read (DB_BACKUP_USER, Postgres's
pg_read_all_data): what it dumps, and nothing to write or to run on the
server. migrate, which owns the schema, runs `podcast-site grant-roles`
after every upgrade, so the grants follow the tables.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# What web may do with each table's rows. Every table is listed (a test checks
# it against the models), so a new table is a decision, not an accident.
WEB_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "content_revision": ("SELECT",),
    "episodes": ("SELECT",),
    "guests": ("SELECT",),
    "sponsors": ("SELECT",),
    "episode_guests": ("SELECT",),
    "episode_sponsors": ("SELECT",),
    # The import's bookkeeping (migrate writes it), not content: none of web's business.
    "content_files": (),
    "content_files_revision": (),
    "episode_downloads": ("SELECT", "INSERT", "UPDATE"),
    "episode_app_downloads": ("SELECT", "INSERT", "UPDATE"),
    "newsletter_subscribers": ("SELECT", "INSERT", "UPDATE"),
    # web queues sign-up mails and announcements, its mailer marks them sent,
    # and housekeeping deletes them 30 days later.
    "outbound_emails": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # web's announcer claims each episode's announcement once (background/announcer.py).
    "episode_announcements": ("SELECT", "INSERT"),
    # Short-lived rows web creates, counts in and clears away itself.
    "rate_limit_windows": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "download_salts": ("SELECT", "INSERT", "DELETE"),
    "download_listeners": ("SELECT", "INSERT", "DELETE"),
    "download_addresses": ("SELECT", "INSERT", "UPDATE", "DELETE"),
}


async def grant_web_role(connection: AsyncConnection, role: str, password: str) -> None:
    """Create or update web's role and set its grants to exactly WEB_PRIVILEGES.

    Run as the schema's owner, in the caller's transaction. Idempotent.
    """
    quoted_role = await set_login_role(connection, role, password)
    database = await connection.scalar(text("SELECT quote_ident(current_database())"))
    for statement in (
        f"GRANT CONNECT ON DATABASE {database} TO {quoted_role}",
        f"GRANT USAGE ON SCHEMA public TO {quoted_role}",
        # USAGE only: no CREATE, so no tables, views or functions of its own.
        f"REVOKE CREATE ON SCHEMA public FROM {quoted_role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted_role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted_role}",
    ):
        await connection.execute(text(statement))
    for table, privileges in WEB_PRIVILEGES.items():
        if privileges:
            await connection.execute(
                text(f"GRANT {', '.join(privileges)} ON TABLE {table} TO {quoted_role}")
            )
        if "INSERT" in privileges:
            # The id sequences of the tables it inserts into, and no others.
            for sequence in await owned_sequences(connection, table):
                await connection.execute(
                    text(f"GRANT USAGE ON SEQUENCE {sequence} TO {quoted_role}")
                )


async def grant_backup_role(connection: AsyncConnection, role: str, password: str) -> None:
    """Create or update backup's role: it may read every row (pg_dump) and write none.

    Run as the schema's owner, in the caller's transaction. Idempotent.
    """
    quoted_role = await set_login_role(connection, role, password)
    database = await connection.scalar(text("SELECT quote_ident(current_database())"))
    # pg_read_all_data: SELECT on every table and sequence, now and later
    # ones, and USAGE on every schema; no server files, no programs.
    for statement in (
        f"GRANT CONNECT ON DATABASE {database} TO {quoted_role}",
        f"GRANT pg_read_all_data TO {quoted_role}",
        f"REVOKE CREATE ON SCHEMA public FROM {quoted_role}",
    ):
        await connection.execute(text(statement))


async def set_login_role(connection: AsyncConnection, role: str, password: str) -> str:
    """Create or update a role that may log in and do nothing else; return its quoted name."""
    quoted_role = await connection.scalar(text("SELECT quote_ident(:role)"), {"role": role})
    quoted_password = await connection.scalar(text("SELECT quote_literal(:pw)"), {"pw": password})
    exists = await connection.scalar(
        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    )
    verb = "ALTER" if exists else "CREATE"
    await connection.execute(
        text(
            f"{verb} ROLE {quoted_role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
            f" NOREPLICATION NOBYPASSRLS PASSWORD {quoted_password}"
        )
    )
    return str(quoted_role)


async def owned_sequences(connection: AsyncConnection, table: str) -> list[str]:
    """Return the (quoted) sequences that belong to a table's columns."""
    rows = await connection.scalars(
        text(
            "SELECT quote_ident(sequence.relname) FROM pg_class sequence"
            " JOIN pg_depend link ON link.objid = sequence.oid AND link.deptype IN ('a', 'i')"
            " JOIN pg_class owner ON owner.oid = link.refobjid"
            " WHERE sequence.relkind = 'S' AND owner.relname = :table"
        ),
        {"table": table},
    )
    return list(rows)
