"""make deploy to a real SSH server: releases in folders of their own, switched atomically.

The server is a container with sshd, make and the Docker client (like the
VPS cloud-init makes) that drives this machine's Docker, so the site it
deploys runs beside the other test stacks. The commits come from a clone of
this repository, where the test can make commits of its own.
"""

import fcntl
import os
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.stack.conftest import REPO_DIR, Stack, free_port, progress, stack_name


@dataclass
class DeployTarget:
    """The server's site folder (also visible here, at the same path) and how to reach it."""

    site: Path
    ssh_config: Path
    https_port: int
    clone: Path

    def deploy(self, *, check: bool = True, **variables: str) -> subprocess.CompletedProcess[str]:
        """Run `make deploy` from the clone, as a developer would from their laptop."""
        result = subprocess.run(
            ["make", "deploy", "HOST=server", f"DEPLOY_DIR={self.site}",
             f"DEPLOY_SSH_CONFIG={self.ssh_config}", *[f"{k}={v}" for k, v in variables.items()]],
            cwd=self.clone, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900,
        )  # fmt: skip
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    def commit(self, path: str, text: str, message: str) -> str:
        """Change a file in the clone and commit it; return the short commit."""
        (self.clone / path).write_text(text)
        git(self.clone, "commit", "--quiet", "--all", "--message", message)
        return git(self.clone, "rev-parse", "--short", "HEAD")

    def live_release(self) -> str:
        return os.readlink(self.site / "current").removeprefix("releases/")

    def versions(self) -> list[str]:
        return (self.site / "shared" / ".deployed-versions").read_text().split()

    def serving(self) -> str:
        ca = ssl.create_default_context(cafile=self.site / "shared/.secrets/caddy-local-ca.crt")
        url = f"https://localhost:{self.https_port}/health"
        return httpx.get(url, verify=ca, timeout=15).text.removeprefix("ok ").strip()


def git(where: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def target() -> Iterator[DeployTarget]:
    """Start the SSH server with an empty site folder and its shared .env."""
    project = stack_name("deploytest")
    root = REPO_DIR / ".test-artifacts" / project
    helper = Stack(project=project)  # for its run() and a clean teardown
    helper.run("rm", "-rf", str(root))
    (root / "site" / "shared").mkdir(parents=True)
    clone = root / "clone"
    git(REPO_DIR, "clone", "--quiet", str(REPO_DIR), str(clone))
    git(clone, "config", "user.email", "test@deploy.example")
    git(clone, "config", "user.name", "deploy test")

    key = root / "id_ed25519"
    helper.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
    ssh_port, http_port, https_port = free_port(), free_port(), free_port()
    (root / "ssh_config").write_text(
        f"Host server\n  HostName 127.0.0.1\n  Port {ssh_port}\n  User root\n"
        f"  IdentityFile {key}\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n"
    )
    (root / "site" / "shared" / ".env").write_text(
        f"SITE_ADDRESS=localhost\nHTTP_PORT={http_port}\nHTTPS_PORT={https_port}\n"
        "LOAD_DEMO_CONTENT=true\nRATE_LIMIT_SEARCH=100000/60\nRATE_LIMIT_API=100000/60\n"
    )
    image = f"{project}-server"
    helper.run("docker", "build", "--quiet", "--tag", image, "tests/stack/deploy-server")
    helper.run(
        "docker", "run", "--detach", "--name", image, "--network", "host",
        "--env", f"SSH_PORT={ssh_port}", "--env", f"COMPOSE_PROJECT_NAME={project}",
        "--volume", "/var/run/docker.sock:/var/run/docker.sock",
        "--volume", f"{key}.pub:/root/.ssh/authorized_keys:ro",
        "--volume", f"{root}:{root}", image,
    )  # fmt: skip
    try:
        yield DeployTarget(root / "site", root / "ssh_config", https_port, clone)
    finally:
        helper.run(
            "docker", "compose", "--project-name", project, "down", "--volumes",
            "--remove-orphans", check=False,
        )  # fmt: skip
        helper.run("docker", "rm", "--force", image, check=False)
        helper.down()
        helper.run("rm", "-rf", str(root), check=False)


def test_the_first_deploy_starts_the_site_from_a_release_folder(target: DeployTarget) -> None:
    progress("deploy: the first deploy (make up on the server)")
    first = git(target.clone, "rev-parse", "--short", "HEAD")
    output = target.deploy().stdout

    assert "is live" in output, output
    assert target.live_release().startswith(first)
    assert target.versions() == [first]
    assert target.serving() == first
    # The release links what every release shares, and holds no secrets itself.
    release = target.site / "current"
    assert (release / ".secrets").is_symlink() and (release / ".env").is_symlink()
    assert (release / ".release-commit").read_text().startswith(first)


def test_a_dropped_connection_does_not_stop_the_deploy(target: DeployTarget) -> None:
    second = target.commit("static-site/content/posts/one-server.md",
                           (target.clone / "static-site/content/posts/one-server.md").read_text()
                           + "\nOne more line.\n", "A new line in a post")  # fmt: skip
    progress("deploy: a deploy whose SSH connection is cut")
    deploy = subprocess.Popen(
        ["make", "deploy", "HOST=server", f"DEPLOY_DIR={target.site}",
         f"DEPLOY_SSH_CONFIG={target.ssh_config}"],
        cwd=target.clone, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    log = target.site / "deploy.log"
    started = time.monotonic()
    release = git(target.clone, "rev-parse", "HEAD")
    switched = f"switching current to releases/{release}"
    while switched not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() - started < 120, "the deploy did not start"
        time.sleep(0.5)
    os.killpg(deploy.pid, signal.SIGKILL)  # the laptop's connection is gone
    deploy.wait()

    status = target.site / "deploy.status"
    while not status.exists() or status.stat().st_mtime < log.stat().st_mtime:  # still running
        assert time.monotonic() - started < 600, "the deploy did not finish on the server"
        time.sleep(1)
    assert status.read_text().strip() == "0", log.read_text()[-3000:]
    assert target.live_release().startswith(second)
    assert target.versions()[-1] == second
    assert target.serving() == second


def test_a_deploy_waits_for_no_one_while_another_runs(target: DeployTarget) -> None:
    before = target.live_release()
    with (target.site / "deploy.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a deploy that is running would
        refused = target.deploy(check=False)
    assert refused.returncode != 0
    assert "another deploy is running" in refused.stdout + refused.stderr
    assert target.live_release() == before


def test_a_release_that_fails_leaves_the_live_one_live_and_unrecorded(
    target: DeployTarget,
) -> None:
    live, versions = target.live_release(), target.versions()
    entry = "apps/web/src/podcast_site/asgi.py"
    broken = target.commit(
        entry, (target.clone / entry).read_text() + "\nraise RuntimeError('a test')\n", "Break it"
    )
    progress("deploy: a release that cannot start")
    failed = target.deploy(check=False)

    assert failed.returncode != 0
    assert "current points at" in failed.stdout + failed.stderr
    assert target.live_release() == live
    assert target.versions() == versions and broken not in versions
    assert target.serving() == versions[-1]
