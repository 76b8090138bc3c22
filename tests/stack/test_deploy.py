"""make deploy to a real SSH server: releases in folders of their own, switched atomically,
and the content they publish, with its audio uploaded beforehand by make media-push.

The server is a container with sshd, make, rsync and the Docker client (like
the VPS cloud-init makes) that drives this machine's Docker, so the site it
deploys runs beside the other test stacks. The commits come from a clone of
this repository, where the test can make commits of its own: the clone is
the owner's laptop, with a media folder of its own.
"""

import fcntl
import math
import os
import re
import signal
import ssl
import struct
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.stack.conftest import REPO_DIR, Stack, free_port, progress, stack_name

# The episode the tests record, publish and upload (make episode names its files after it).
EPISODE_TITLE = "Media beside the code"
EPISODE_SLUG = "media-beside-the-code"


@dataclass
class DeployTarget:
    """The server's site folder (also visible here, at the same path) and how to reach it."""

    site: Path
    ssh_config: Path
    https_port: int
    clone: Path
    # The laptop's own project name (for make episode's image) and media folder.
    laptop_project: str
    media: Path

    def make(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run make in the clone, as the owner would on their laptop."""
        result = subprocess.run(
            ["make", *args], cwd=self.clone, capture_output=True, text=True, timeout=900,
            stdin=subprocess.DEVNULL,
            env=os.environ | {"COMPOSE_PROJECT_NAME": self.laptop_project,
                              "MEDIA_DIR": str(self.media)},
        )  # fmt: skip
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    @property
    def remote(self) -> list[str]:
        """Return the make variables that name this server and its site folder."""
        return ["HOST=server", f"DEPLOY_DIR={self.site}", f"DEPLOY_SSH_CONFIG={self.ssh_config}"]

    def deploy(self, *, check: bool = True, **variables: str) -> subprocess.CompletedProcess[str]:
        """Run `make deploy` from the clone, as a developer would from their laptop."""
        return self.make("deploy", *self.remote, *[f"{k}={v}" for k, v in variables.items()],
                         check=check)  # fmt: skip

    def on_server(self, command: str) -> subprocess.CompletedProcess[str]:
        """Run a shell command over SSH in the live release's folder, as the owner would."""
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), "server", f"cd {self.site}/current && {command}"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip

    def commit(self, path: str, text: str, message: str) -> str:
        """Change a file in the clone and commit it; return the short commit."""
        (self.clone / path).write_text(text)
        git(self.clone, "commit", "--quiet", "--all", "--message", message)
        return git(self.clone, "rev-parse", "--short", "HEAD")

    def live_release(self) -> str:
        return os.readlink(self.site / "current").removeprefix("releases/")

    def versions(self) -> list[str]:
        return (self.site / "shared" / ".deployed-versions").read_text().split()

    def client(self) -> httpx.Client:
        """Return an HTTPS client for the deployed site, trusting its Caddy CA only."""
        ca = ssl.create_default_context(cafile=self.site / "shared/.secrets/caddy-local-ca.crt")
        return httpx.Client(base_url=f"https://localhost:{self.https_port}", verify=ca, timeout=15)

    def serving(self) -> str:
        with self.client() as client:
            return client.get("/health").text.removeprefix("ok ").strip()

    def episode_file(self) -> Path:
        """Return the file make episode wrote for the test's episode."""
        (path,) = (self.clone / "content" / "episodes").glob(f"*-{EPISODE_SLUG}.md")
        return path


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
        yield DeployTarget(
            root / "site", root / "ssh_config", https_port, clone,
            laptop_project=f"{project}-laptop", media=root / "media",
        )  # fmt: skip
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

    status = log.resolve().with_suffix(".status")  # deploy.log links to this run's log
    while not status.exists():  # still running
        assert time.monotonic() - started < 600, "the deploy did not finish on the server"
        time.sleep(1)
    assert status.read_text().strip() == "0", log.read_text()[-3000:]
    assert target.live_release().startswith(second)
    assert target.versions()[-1] == second
    assert target.serving() == second


def test_a_deploy_waits_for_no_one_while_another_operation_runs(target: DeployTarget) -> None:
    before, logs = target.live_release(), sorted((target.site / "logs").iterdir())
    live_files = sorted(path.name for path in (target.site / "current").iterdir())
    with (target.site / ".operations.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a deploy, restore or rollback that runs would
        # The live commit again: its release must not be unpacked over the live one.
        refused = target.deploy(check=False, DEPLOY_REF=before)
        on_server = target.on_server("make rollback")
    assert refused.returncode != 0
    assert "another operation is running" in refused.stdout + refused.stderr
    assert on_server.returncode != 0
    assert "another operation is running on this site" in on_server.stdout + on_server.stderr
    assert target.live_release() == before
    assert sorted(path.name for path in (target.site / "current").iterdir()) == live_files
    assert sorted((target.site / "logs").iterdir()) == logs  # no run's log overwritten


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


def recording(folder: Path, seconds: int = 3) -> Path:
    """Encode a tone with LAME: the recording the owner gives make episode."""
    wav = folder / "tone.wav"
    rate = 16000
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(rate * seconds)
        ))  # fmt: skip
    mp3 = folder / "take 3, final.mp3"  # as people name their files
    subprocess.run(["lame", "--quiet", "-m", "m", "-b", "32", str(wav), str(mp3)], check=True)
    return mp3


def test_make_episode_writes_the_next_episode_from_its_recording(target: DeployTarget) -> None:
    # The release that failed above is fixed first: its entry point as the first release had it.
    entry = "apps/web/src/podcast_site/asgi.py"
    git(target.clone, "checkout", target.versions()[0], "--", entry)
    git(target.clone, "commit", "--quiet", "--allow-empty", "--all", "--message", "Fix it")
    audio = recording(target.clone.parent)
    progress("deploy: make episode on the laptop")

    output = target.make("episode", f"AUDIO={audio}", f"TITLE={EPISODE_TITLE}", "PUBLISH=now")

    episode = target.episode_file()
    text = episode.read_text()
    copied = target.media / "audio" / f"{episode.stem}.mp3"
    assert f"wrote {episode}" in output.stdout, output.stdout
    assert copied.read_bytes() == audio.read_bytes()
    assert f"audio_url: audio/{episode.stem}.mp3\n" in text
    assert f"audio_bytes: {audio.stat().st_size}\n" in text
    assert 'duration: "00:00:03"' in text and "status: published" in text
    # Written as the user who ran make (the files are theirs to edit and commit).
    assert episode.stat().st_uid == copied.stat().st_uid == os.getuid()
    # What only the owner can write, written; then it is committed like any content.
    episode.write_text(text.replace("TODO: ", "Written by the test: "))
    git(target.clone, "add", str(episode))
    git(target.clone, "commit", "--quiet", "--message", f"Episode: {EPISODE_TITLE}")


def test_a_deploy_refuses_an_episode_whose_audio_is_not_on_the_server(
    target: DeployTarget,
) -> None:
    live, serving = target.live_release(), target.serving()
    progress("deploy: a release whose new episode's audio was never uploaded")
    failed = target.deploy(check=False)

    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    audio = f"audio/{target.episode_file().stem}.mp3"
    assert f"{audio} is not in" in output and "make media-push" in output, output[-3000:]
    assert "it was not released: nothing was swapped" in output
    assert target.live_release() == live and target.serving() == serving


def test_media_push_uploads_once_and_caddy_serves_the_file(target: DeployTarget) -> None:
    name = f"audio/{target.episode_file().stem}.mp3"
    first = target.make("media-push", *target.remote).stdout
    again = target.make("media-push", *target.remote).stdout

    assert f"uploaded {name}\n" in first, first
    data = (target.media / name).read_bytes()
    assert (target.site / "shared" / "media" / name).read_bytes() == data
    # Idempotent: the second run finds nothing to send.
    assert "uploaded" not in again, again
    with target.client() as client:
        whole = client.get(f"/media/{name}")
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["Content-Type"] == "audio/mpeg"
        assert whole.headers["Cache-Control"] == "public, max-age=31536000"
        etag = whole.headers["ETag"]
        part = client.get(f"/media/{name}", headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == data[100:200]
        assert client.get(f"/media/{name}", headers={"If-None-Match": etag}).status_code == 304


def test_an_interrupted_upload_resumes_and_is_never_served(target: DeployTarget) -> None:
    name = "audio/bonus-interview.mp3"
    data = os.urandom(3_000_000)
    (target.media / name).write_bytes(data)
    # What a cut connection leaves on the server: the part that arrived, in
    # rsync's partial folder; and a copy still being written, under a dot-name.
    server = target.site / "shared" / "media" / "audio"
    (server / ".rsync-partial").mkdir()
    (server / ".rsync-partial" / "bonus-interview.mp3").write_bytes(data[:2_000_000])
    (server / ".bonus-interview.mp3.Xa81Qz").write_bytes(data[:1_000_000])
    with target.client() as client:
        for hidden in (".rsync-partial/bonus-interview.mp3", ".bonus-interview.mp3.Xa81Qz"):
            response = client.get(f"/media/audio/{hidden}")
            assert response.status_code == 404, hidden
            assert "Cache-Control" not in response.headers  # a CDN keeps no 404 for a year
        assert client.get(f"/media/{name}").status_code == 404

    output = target.make("media-push", *target.remote).stdout

    assert f"uploaded {name}\n" in output, output
    sent = re.search(r"sent ([\d,]+) bytes", output)
    assert sent, output
    # Only what was missing went over the wire (and rsync's checksums of the rest).
    assert int(sent[1].replace(",", "")) < 1_200_000, output
    assert (server / "bonus-interview.mp3").read_bytes() == data
    assert not (server / ".rsync-partial").exists()
    with target.client() as client:
        assert client.get(f"/media/{name}").content == data


def test_after_media_push_the_deploy_publishes_the_episode(target: DeployTarget) -> None:
    episode = target.episode_file()
    number = int(episode.name.split("-")[0])
    progress("deploy: the same release, now that its audio is on the server")
    output = target.deploy().stdout

    assert f"new: {number:03d} {EPISODE_TITLE} (public)" in output, output[-3000:]
    assert target.serving() == git(target.clone, "rev-parse", "--short", "HEAD")
    with target.client() as client:
        download = client.get(f"/episodes/download/{number}/{EPISODE_SLUG}.mp3")
        assert download.status_code == 302
        audio = client.get(httpx.URL(download.headers["Location"]).path)
        assert audio.status_code == 200
        assert audio.content == (target.media / "audio" / f"{episode.stem}.mp3").read_bytes()


def test_make_import_names_each_audio_file_that_does_not_match(target: DeployTarget) -> None:
    episode = target.episode_file()
    text = episode.read_text()
    found = re.search(r"^audio_bytes: (\d+)$", text, re.MULTILINE)
    assert found, text
    size = int(found[1])
    episode.write_text(text.replace(f"audio_bytes: {size}\n", f"audio_bytes: {size + 1}\n"))
    try:
        checked = target.on_server(f"make import CONTENT={target.clone / 'content'}")
    finally:
        episode.write_text(text)

    output = checked.stdout + checked.stderr
    assert checked.returncode != 0, output
    mismatches = [line.strip() for line in output.splitlines() if "audio_bytes is" in line]
    assert mismatches == [
        f"episodes/{int(episode.name.split('-')[0])}: audio_bytes is {size + 1},"
        f" but audio/{episode.stem}.mp3 has {size} bytes"
    ], output
