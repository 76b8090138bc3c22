"""Start the production compose file as a private test stack and talk to it like a browser.

`make test` runs these in a container that drives the host's Docker daemon. The
stack gets its own project name, ports and folders (under .test-artifacts/), so
it never touches a site the user is running, and is removed, volumes and all,
at the end. Every request goes to 127.0.0.1 through Caddy, over HTTPS, trusting
Caddy's local CA exactly as a browser that imported it would (no `verify=False`).
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

REPO_DIR = Path(os.environ.get("REPO_DIR") or Path(__file__).resolve().parents[2])
STACK_ENV_FILE = REPO_DIR / "tests" / "stack" / "stack.env"
# Test stacks are named <prefix>-<what>: `make test-stack COMPOSE_PROJECT_NAME=x`
# runs beside another test run without touching its stacks.
STACK_PREFIX = os.environ.get("STACK_PREFIX") or "rightsized"


def stack_name(what: str) -> str:
    """Return the project name of one test stack."""
    return f"{STACK_PREFIX}-{what}"


# Building images on a cold machine is the slow part.
SLOW_COMMAND_SECONDS = 1200
# How many of the newest messages `make mail` shows the tests.
MAIL_SHOWN = 50
# Whoever a fork names in its site.toml.
OWNER = tomllib.loads((REPO_DIR / "site.toml").read_text())["owner_email"]


_pytest_config: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep the run's configuration, for `progress`."""
    global _pytest_config
    _pytest_config = config


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run test_swarm.py last: leaving a swarm breaks the stacks that ran through it.

    On Docker 20.10, once a swarm is left, containers that were running all
    along no longer find each other by name (Caddy cannot resolve `web`, and
    every request through it hangs); only containers started later do.
    """
    items.sort(key=lambda item: item.path.name == "test_swarm.py")


def progress(message: str) -> None:
    """Print a line at once, past pytest's output capture: a long step must not look hung."""
    capture = _pytest_config.pluginmanager.getplugin("capturemanager") if _pytest_config else None
    if capture is None:
        print(message, flush=True)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n  {time.strftime('%H:%M:%S')} {message}", flush=True)


def free_port() -> int:
    """Ask the kernel for a loopback port nobody uses right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Stack:
    """One running copy of compose.yaml, reachable on its own loopback ports."""

    project: str
    # The checkout whose compose.yaml runs: this one, or a copy (a test fork).
    checkout: Path = REPO_DIR
    # Settings a test adds for every later make and compose command.
    settings: dict[str, str] = field(default_factory=dict)
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    # What some commands printed, by command (running_stack's first `make up`),
    # for the tests that read the output itself.
    printed: dict[str, str] = field(default_factory=dict)

    @property
    def artifacts(self) -> Path:
        """Return the folder for this stack's secrets, backups and media (git-ignored)."""
        return REPO_DIR / ".test-artifacts" / self.project

    @property
    def env(self) -> dict[str, str]:
        """Return the environment for make and compose: this stack, not the user's."""
        return (
            os.environ
            | {
                "COMPOSE_PROJECT_NAME": self.project,
                "ENV_FILE": str(STACK_ENV_FILE),
                "SECRETS_DIR": str(self.artifacts / "secrets"),
                "BACKUP_DIR": str(self.artifacts / "backups"),
                "MEDIA_DIR": str(self.artifacts / "media"),
                # The app tests' stand-in for OPAWG's lists (not in git): the
                # tests know what each agent they send is.
                "USER_AGENTS_DIR": str(REPO_DIR / "tests/web/fixtures/user-agents"),
                "HTTP_PORT": str(self.http_port),
                "HTTPS_PORT": str(self.https_port),
                # One version for make and for the tests' own compose commands,
                # which must name the same images (a test may redeploy another).
                "APP_VERSION": "stack-test",
            }
            | self.settings
        )

    @property
    def base_url(self) -> str:
        """Return the site's address as a visitor would type it."""
        return f"https://localhost:{self.https_port}"

    def run(self, *command: str, check: bool = True, timeout: float = 300) -> str:
        """Run a command in the repository with this stack's environment; return its output."""
        result = subprocess.run(
            command,
            cwd=self.checkout,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"`{' '.join(command)}` exited {result.returncode}\n"
                f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}",
                pytrace=False,
            )
        return result.stdout + result.stderr

    def make(self, *targets: str, timeout: float = SLOW_COMMAND_SECONDS, **variables: str) -> str:
        """Run make targets, as a user would, against this stack."""
        assignments = [f"{name}={value}" for name, value in variables.items()]
        return self.run("make", *targets, *assignments, timeout=timeout)

    def compose(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        """Run `docker compose` for this stack."""
        return self.run(
            "docker", "compose", "--env-file", str(STACK_ENV_FILE), *args,
            check=check, timeout=timeout,
        )  # fmt: skip

    def containers(self, *services: str) -> list[dict[str, Any]]:
        """Return `docker compose ps --all` for the given services, parsed."""
        output = self.compose("ps", "--all", "--format", "json", *services)
        # Compose prints one JSON object per line (newer) or one JSON list (older).
        rows: list[dict[str, Any]] = []
        for line in output.splitlines():
            if line.startswith("["):
                rows.extend(json.loads(line))
            elif line.startswith("{"):
                rows.append(json.loads(line))
        return rows

    def image(self, service: str) -> str:
        """Return the image (name:tag) a service's running container was made from."""
        (container,) = self.containers(service)
        return str(container["Image"])

    def client(self, **options: Any) -> httpx.Client:
        """Return an HTTPS client that trusts this stack's Caddy CA, and nothing else."""
        context = ssl.create_default_context(
            cafile=self.artifacts / "secrets" / "caddy-local-ca.crt"
        )
        options.setdefault("timeout", 15)
        return httpx.Client(base_url=self.base_url, verify=context, **options)

    def mail(self) -> str:
        """Return what `make mail` shows of the newest mail the catcher holds."""
        return self.make("mail", N=str(MAIL_SHOWN), timeout=60)

    def down(self) -> None:
        """Remove the stack with its volumes, its images and its folder."""
        self.compose("down", "--volumes", "--remove-orphans", check=False, timeout=180)
        # Only the images named after this stack: the base images stay, and
        # the build cache keeps the next run's build fast.
        images = self.run(
            "docker", "image", "ls", "--quiet", "--filter", f"reference={self.project}-*",
            check=False,
        ).split()  # fmt: skip
        if images:
            self.run("docker", "image", "rm", "--force", *set(images), check=False)
        shutil.rmtree(self.artifacts, ignore_errors=True)


# The confirm link in a confirmation mail, as the site wrote it (with its port).
CONFIRM_LINK = re.compile(r"https://localhost:\d+(/newsletter/confirm/\S+)")


class Mailbox(Protocol):
    """A site whose mail catcher the test can read: a Stack, or the deploy test's server."""

    def mail(self) -> str:
        """Return what `make mail` shows of the newest mail the catcher holds."""
        ...


def messages(site: Mailbox) -> list[str]:
    """Return the messages `make mail` shows, one string each (headers, then the text)."""
    return [message for message in site.mail().split("=" * 72) if "To: " in message]


def mail_to(site: Mailbox, email: str, seconds: float) -> str:
    """Wait for the catcher to hold a message to `email`; return what `make mail` shows of it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in messages(site):
            if f"To: {email}" in message:
                return message
        time.sleep(1)
    raise AssertionError(f"no mail to {email} within {seconds} s:\n{site.mail()}")


def sql(stack: Stack, query: str, database: str = "podcast") -> str:
    """Run SQL with psql inside the db container and return the bare result."""
    return stack.compose(
        "exec", "-T", "db", "psql", "--username=podcast", f"--dbname={database}",
        "--no-align", "--tuples-only", "--set=ON_ERROR_STOP=1", "--command", query,
    ).strip()  # fmt: skip


def owner_mails(stack: Stack) -> list[str]:
    """Return what `make mail` shows of each message to the owner (each has its Date)."""
    shown = stack.make("mail", N="200", timeout=60)
    return [message for message in shown.split("=" * 72) if f"To: {OWNER}" in message]


def watch(stack: Stack, backup_dir: str | None = None) -> list[str]:
    """Run make watch (checking BACKUP_DIR=`backup_dir`); return the mails to the owner it sent."""
    before = owner_mails(stack)
    if backup_dir:
        stack.make("watch", BACKUP_DIR=backup_dir)
    else:
        stack.make("watch")
    return [mail for mail in owner_mails(stack) if mail not in before]


def started_in(mail: str) -> str:
    """Return the part of an alert that lists the problems that started."""
    return mail.split("Cleared (")[0]


def cleared_in(mail: str) -> str:
    """Return the part of an alert that lists the problems that cleared."""
    return mail.split("Cleared (")[1] if "Cleared (" in mail else ""


def sign_up(client: httpx.Client, email: str) -> None:
    """Sign up with the newsletter form, as a visitor does."""
    assert 'action="/newsletter"' in client.get("/newsletter").text
    # What a browser says of a form posted from the site's own page.
    response = client.post(
        "/newsletter", data={"email": email}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 303
    assert "Check your inbox" in client.get(response.headers["Location"]).text


def sigkill_main_process(container: str) -> None:
    """Kill a container's main process as a crash would: not `docker kill`, a manual stop
    after which the restart policy does nothing. From the host's process namespace,
    which this test's container does not share."""
    inspected = subprocess.run(
        ["docker", "inspect", "--format", "{{.State.Pid}}", container],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    subprocess.run(
        ["docker", "run", "--rm", "--pid=host", "debian:trixie-slim",
         "sh", "-c", f"kill -KILL {inspected.stdout.strip()}"],
        capture_output=True, check=True,
    )  # fmt: skip


def copy_checkout(destination: Path) -> Path:
    """Copy what git tracks or would track (so uncommitted edits too) to a new folder.

    Under .test-artifacts/ the copy has the same path inside the test
    container as on the host, so its compose.yaml's bind mounts work.
    """
    shutil.rmtree(destination, ignore_errors=True)
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_DIR, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listing.split("\0")):
        source = REPO_DIR / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@contextmanager
def running_stack(
    project: str, checkout: Path = REPO_DIR, settings: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Bring a stack up with `make up`, and remove it with its volumes afterwards."""
    stack = Stack(project=project, checkout=checkout, settings=settings or {})
    stack.down()  # whatever an interrupted earlier run left behind
    try:
        progress(f"{project}: make up (builds its images first)")
        started = time.monotonic()
        stack.printed["make up"] = stack.make("up")
        progress(f"{project}: up in {time.monotonic() - started:.0f} s")
        yield stack
    finally:
        progress(f"{project}: removing it")
        stack.down()


@contextmanager
def running_copy(what: str) -> Iterator[Stack]:
    """Bring up a stack `<prefix>-<what>test` from a copy of the checkout, which it may change."""
    copy = copy_checkout(REPO_DIR / ".test-artifacts" / f"{what}-checkout")
    try:
        with running_stack(stack_name(f"{what}test"), checkout=copy) as stack:
            yield stack
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """One stack for the tests that only read from it."""
    with running_stack(stack_name("stacktest")) as stack:
        yield stack


@pytest.fixture(scope="session")
def client(stack: Stack) -> Iterator[httpx.Client]:
    """Talk to the stack like a browser: HTTPS on loopback, redirects not followed."""
    with stack.client() as client:
        yield client
