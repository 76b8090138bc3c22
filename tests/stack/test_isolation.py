"""Postgres is reachable only from the stack's internal network, and each role is narrow."""

import re

import pytest

from tests.stack.conftest import Stack

# Exit 0 if a TCP connection opens, 1 if it does not.
TRY_CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], 5432), timeout=3).close()
except OSError as error:
    print(f"no connection to {sys.argv[1]}:5432: {error!r}")
    sys.exit(1)
print(f"connected to {sys.argv[1]}:5432")
"""


def try_connect_from(stack: Stack, network: str, host: str) -> str:
    """Try a TCP connection to host:5432 from a throwaway container on `network`."""
    return stack.run(
        "docker", "run", "--rm", "--network", f"{stack.project}_{network}",
        "--entrypoint", "python", stack.image("web"), "-c", TRY_CONNECT, host,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def db_address(stack: Stack) -> str:
    """Return the database container's address on the backend network."""
    return stack.run(
        "docker", "inspect", "--format",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", f"{stack.project}-db-1",
    ).strip()  # fmt: skip


def test_db_publishes_no_port(stack: Stack) -> None:
    (db,) = stack.containers("db")
    assert not [p for p in db.get("Publishers") or [] if p.get("PublishedPort")]
    output = stack.compose("port", "db", "5432", check=False)
    assert ":5432" not in output.replace("db:5432", "")


def test_db_is_only_on_the_internal_network(stack: Stack) -> None:
    networks = stack.run(
        "docker", "inspect", "--format",
        "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}",
        f"{stack.project}-db-1",
    ).split()  # fmt: skip
    assert networks == [f"{stack.project}_backend"]
    internal = stack.run(
        "docker", "network", "inspect", "--format", "{{.Internal}}", f"{stack.project}_backend"
    )
    assert internal.strip() == "true"


def test_a_container_on_the_backend_network_reaches_db(stack: Stack, db_address: str) -> None:
    # The control: proves the probe below would notice a reachable database.
    assert "connected to db:5432" in try_connect_from(stack, "backend", "db")


def test_a_container_on_the_edge_network_cannot_reach_db(stack: Stack, db_address: str) -> None:
    by_name = try_connect_from(stack, "edge", "db")
    assert "no connection to db:5432" in by_name
    by_address = try_connect_from(stack, "edge", db_address)
    assert f"no connection to {db_address}:5432" in by_address


# Run inside web, with web's own settings: what its role may do in the database.
TRY_DDL = """
import asyncio, asyncpg
from podcast_site.core.settings import Settings

async def main():
    s = Settings()
    connection = await asyncpg.connect(
        host=s.db_host, user=s.db_user, password=s.db_password.get_secret_value(),
        database=s.db_name,
    )
    print("user", await connection.fetchval("SELECT current_user"))
    print("episodes", await connection.fetchval("SELECT count(*) FROM episodes"))
    for statement in ("CREATE TABLE mine (id int)", "DROP TABLE episodes"):
        try:
            await connection.execute(statement)
            print("ALLOWED", statement)
        except asyncpg.InsufficientPrivilegeError as error:
            print("refused", statement, "-", error)

asyncio.run(main())
"""


def test_web_connects_as_a_role_that_can_neither_create_nor_drop_a_table(stack: Stack) -> None:
    output = stack.compose("exec", "-T", "web", "python", "-c", TRY_DDL)
    assert "user podcast_app" in output
    assert "refused CREATE TABLE mine" in output
    assert "refused DROP TABLE episodes" in output
    assert "ALLOWED" not in output


def test_backup_connects_as_a_role_that_reads_but_can_neither_write_nor_run_programs(
    stack: Stack,
) -> None:
    # What an intruder in the backup container (it reaches the internet) could
    # do with its connection: a superuser's COPY ... TO PROGRAM runs a shell
    # command on the database server.
    attempts = [
        "SELECT current_user || ' superuser=' || rolsuper FROM pg_roles"
        " WHERE rolname = current_user",
        "SELECT 'reads ' || count(*) || ' episodes' FROM episodes",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "DELETE FROM newsletter_subscribers",
        "CREATE TABLE mine (id int)",
    ]
    script = "PGPASSWORD=$(cat /run/secrets/db_password); export PGPASSWORD; " + "; ".join(
        f'psql --no-align --tuples-only --command "{a}" 2>&1' for a in attempts
    )
    output = stack.compose("exec", "-T", "backup", "sh", "-c", script, check=False)
    assert "podcast_backup superuser=false" in output, output
    assert re.search(r"^reads [1-9]\d* episodes$", output, re.M), output
    assert output.count("permission denied") == 3, output
