"""make deploy to a real SSH server: releases in folders of their own, switched atomically,
and the content they publish, with its audio uploaded beforehand by make media-push.

The server is a container with sshd, make, rsync and the Docker client (like
the VPS cloud-init makes) that drives this machine's Docker, so the site it
deploys runs beside the other test stacks. The commits come from a clone of
this repository, where the test can make commits of its own: the clone is
the owner's laptop, with a media folder of its own. The site runs the
development mail catcher, so the last tests can publish an episode the way
docs/publishing.md tells the owner to, and read the mail it sends.
"""

import fcntl
import io
import math
import os
import re
import signal
import ssl
import struct
import subprocess
import time
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import mutagen
import podcastparser
import pytest

from tests.stack.conftest import (
    CONFIRM_LINK,
    MAIL_SHOWN,
    REPO_DIR,
    Stack,
    free_port,
    mail_to,
    messages,
    progress,
    sigkill_main_process,
    sign_up,
    stack_name,
)

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
    # How long the newest `make deploy` took, to schedule a release past the next one.
    last_deploy_seconds: float = 0.0

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
        started = time.monotonic()
        result = self.make("deploy", *self.remote, *[f"{k}={v}" for k, v in variables.items()],
                           check=check)  # fmt: skip
        self.last_deploy_seconds = time.monotonic() - started
        return result

    def on_server(self, command: str) -> subprocess.CompletedProcess[str]:
        """Run a shell command over SSH in the live release's folder, as the owner would."""
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), "server", f"cd {self.site}/current && {command}"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip

    def mail(self) -> str:
        """Return what `make mail` on the server shows of the newest mail its catcher holds."""
        shown = self.on_server(f"make mail N={MAIL_SHOWN}")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        return shown.stdout

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

    def episode_file(self, slug: str = EPISODE_SLUG) -> Path:
        """Return the file make episode wrote for one of the test's episodes."""
        (path,) = (self.clone / "content" / "episodes").glob(f"*-{slug}.md")
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
        # A local site's mail catcher (a server without SMTP_HOST would send nothing),
        # and room for the sign-ups of five listeners from one address.
        "COMPOSE_PROFILES=mailcatcher\nRATE_LIMIT_SIGNUP=100/600\n"
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
            "docker", "compose", "--project-name", project, "--profile", "mailcatcher", "down",
            "--volumes", "--remove-orphans", check=False,
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
    """Encode a tone with LAME, mono at 8 kbit/s: the recording the owner gives make episode.

    So low a bitrate keeps 20 minutes at 1.2 MB, encoded in about a second.
    """
    wav = folder / "tone.wav"
    rate = 8000
    # One second of 440 Hz is a whole number of periods: repeated, it has no seams.
    second = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(rate)
    )
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(second * seconds)
    mp3 = folder / "take 3, final.mp3"  # as people name their files
    subprocess.run(["lame", "--quiet", "-m", "m", "-b", "8", str(wav), str(mp3)], check=True)
    wav.unlink()
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


# The episode the owner records, schedules and publishes in the last tests
# (docs/publishing.md, step by step), and a word that only its notes hold.
SCHEDULED_TITLE = "Twenty minutes, on schedule"
SCHEDULED_SLUG = "twenty-minutes-on-schedule"
SEARCH_WORD = "metronome"
# A release time as a show in New York writes it (site.toml's zone is Berlin's).
NEW_YORK_WINTER = timezone(timedelta(hours=-5))
# Slow enough to kill web between the second announcement and the third.
MAIL_PER_MINUTE = 2


@dataclass(frozen=True)
class Listeners:
    """Who signed up before the episode went public, by what they did next."""

    confirmed: list[str]
    unconfirmed: str
    unsubscribed: str


@pytest.fixture(scope="module")
def listeners(target: DeployTarget) -> Listeners:
    """Five visitors sign up: three confirm, one never does, one confirms and then leaves."""
    tag = uuid.uuid4().hex[:6]
    people = Listeners(
        [f"listener-{n}-{tag}@mailbox.org" for n in (1, 2, 3)],
        unconfirmed=f"undecided-{tag}@mailbox.org",
        unsubscribed=f"leaver-{tag}@mailbox.org",
    )
    with target.client() as client:
        for email in [*people.confirmed, people.unconfirmed, people.unsubscribed]:
            sign_up(client, email)
        for email in [*people.confirmed, people.unsubscribed]:
            message = mail_to(target, email, seconds=60)
            link = CONFIRM_LINK.search(message)
            assert link, message
            confirmed = client.post(link[1], headers={"Sec-Fetch-Site": "same-origin"})
            assert "You are subscribed" in confirmed.text
        # The leaver's mail came last: its program's unsubscribe button posts this (RFC 8058).
        unsubscribe = re.search(r"^List-Unsubscribe: <https://localhost:\d+(/\S+)>$", message,
                                re.MULTILINE)  # fmt: skip
        assert unsubscribe, message
        left = client.post(unsubscribe[1], data={"List-Unsubscribe": "One-Click"})
        assert "You are unsubscribed" in left.text
    return people


def scheduled_episode(target: DeployTarget) -> tuple[Path, int, datetime]:
    """Return the scheduled episode's file, its number and its release time."""
    episode = target.episode_file(SCHEDULED_SLUG)
    published = re.search(r"^published: (\S+)$", episode.read_text(), re.MULTILINE)
    assert published, episode.read_text()
    return episode, int(episode.name.split("-")[0]), datetime.fromisoformat(published[1])


def test_a_scheduled_episode_is_hidden_everywhere_until_its_release_time(
    target: DeployTarget, listeners: Listeners
) -> None:
    folder = target.clone.parent / "week 2"
    folder.mkdir()
    audio = recording(folder, seconds=20 * 60)
    # Past the steps below: make episode and media-push take seconds, the deploy
    # about as long as the last one (twice that, to be safe), the checks seconds.
    ahead = 20 + round(2 * target.last_deploy_seconds)
    planned = datetime.now(NEW_YORK_WINTER).replace(microsecond=0) + timedelta(seconds=ahead)
    progress(f"deploy: the owner's routine, for a release {ahead} s ahead")

    # The commands of docs/publishing.md, in its order.
    when = planned.isoformat()  # 2027-01-12T06:00:00-05:00
    written = target.make(
        "episode", f"AUDIO={audio}", f"TITLE={SCHEDULED_TITLE}", f"PUBLISH={when}"
    ).stdout
    episode, number, release = scheduled_episode(target)
    text = episode.read_text()
    assert "goes public" in written and release == planned, written
    assert 'duration: "00:20:00"' in text and "status: published" in text
    episode.write_text(text.replace("TODO: ", f"A {SEARCH_WORD} ticks for twenty minutes. "))
    git(target.clone, "add", str(episode))
    git(target.clone, "commit", "--quiet", "--message", f"Episode: {SCHEDULED_TITLE}")
    pushed = target.make("media-push", *target.remote).stdout
    assert f"uploaded audio/{episode.stem}.mp3\n" in pushed, pushed
    # For the announcements (the last test); the deploy's new web container reads it.
    with (target.site / "shared" / ".env").open("a") as env:
        env.write(f"MAIL_PER_MINUTE={MAIL_PER_MINUTE}\n")
    deployed = target.deploy().stdout

    assert f"new: {number:03d} {SCHEDULED_TITLE} (scheduled for " in deployed, deployed[-3000:]
    with target.client() as client:
        for path in (
            f"/episodes/show/{number}/{SCHEDULED_SLUG}",
            f"/episodes/download/{number}/{SCHEDULED_SLUG}.mp3",
            f"/api/episodes/{number}",
        ):
            assert client.get(path).status_code == 404, path
        assert SCHEDULED_TITLE not in client.get("/episodes/rss").text
        assert SCHEDULED_TITLE not in client.get("/search", params={"q": SEARCH_WORD}).text
        found = client.get("/api/search", params={"q": SEARCH_WORD}).json()["items"]
        assert number not in [item["number"] for item in found]
        # The owner sees it coming, and can look at its page before anyone else.
        status = target.on_server("make status").stdout
        assert re.search(rf"^{number:03d} {SCHEDULED_TITLE} +scheduled: ", status, re.MULTILINE), (
            status
        )
        preview = re.search(r"https://localhost(/episodes/preview/\S+)",
                            target.on_server(f"make preview N={number}").stdout)  # fmt: skip
        assert preview and SCHEDULED_TITLE in client.get(preview[1]).text
    assert datetime.now(UTC) < release, f"checked after the release time: {ahead} s is too soon"


def test_at_its_release_time_the_episode_appears_on_its_page_in_the_feed_search_and_api(
    target: DeployTarget,
) -> None:
    episode, number, release = scheduled_episode(target)
    audio = target.media / "audio" / f"{episode.stem}.mp3"
    data = audio.read_bytes()
    page = f"/episodes/show/{number}/{SCHEDULED_SLUG}"
    time.sleep(max(0.0, (release - datetime.now(UTC)).total_seconds()))
    with target.client() as client:
        # With no deploy and no import: the page cache knows the release time.
        while (shown := client.get(page)).status_code == 404:
            assert datetime.now(UTC) < release + timedelta(seconds=10), "still hidden after 10 s"
            time.sleep(0.5)
        assert shown.status_code == 200 and SCHEDULED_TITLE in shown.text

        feed = client.get("/episodes/rss")
        items = podcastparser.parse(str(feed.url), io.BytesIO(feed.content))["episodes"]
        (item,) = [item for item in items if item["title"] == SCHEDULED_TITLE]
        (enclosure,) = item["enclosures"]
        assert enclosure["file_size"] == len(data)
        measured: Any = mutagen.File(audio)
        assert item["total_time"] == round(measured.info.length) == 20 * 60
        assert SCHEDULED_TITLE in client.get("/search", params={"q": SEARCH_WORD}).text
        found = client.get("/api/search", params={"q": SEARCH_WORD}).json()["items"]
        assert number in [hit["number"] for hit in found]
        api = client.get(f"/api/episodes/{number}")
        assert api.status_code == 200 and api.json()["title"] == SCHEDULED_TITLE

        # A player seeks: the enclosure leads to the file, which answers a byte range.
        download = client.get(httpx.URL(enclosure["url"]).path)
        assert download.status_code == 302
        middle = len(data) // 2
        part = client.get(httpx.URL(download.headers["Location"]).path,
                          headers={"Range": f"bytes={middle}-{middle + 999}"})  # fmt: skip
        assert part.status_code == 206 and part.content == data[middle : middle + 1000]
        assert part.headers["Content-Range"] == f"bytes {middle}-{middle + 999}/{len(data)}"


def announcements(target: DeployTarget, number: int) -> list[str]:
    """Return the addressee of each announcement of episode `number` the catcher holds."""
    return [
        addressee
        for message in messages(target)
        if f"#{number}: {SCHEDULED_TITLE}" in message
        and "List-Unsubscribe: <https://localhost" in message
        for addressee in re.findall(r"^To: (\S+)$", message, re.MULTILINE)
    ]


def waiting_announcements(target: DeployTarget) -> int:
    """Return how many announcement mails wait to be sent, as make status tells the owner."""
    status = target.on_server("make status").stdout
    waiting = re.search(r"announcement mails waiting to be sent: (\d+)", status)
    assert waiting, status
    return int(waiting[1])


def test_each_confirmed_listener_gets_one_announcement_though_web_is_killed_while_sending(
    target: DeployTarget, listeners: Listeners
) -> None:
    _, number, _ = scheduled_episode(target)
    progress(f"deploy: announcements at {MAIL_PER_MINUTE} a minute, web killed between two")
    # Two go at once; the third waits for the minute to pass.
    deadline = time.monotonic() + 120
    while waiting_announcements(target) != 1:
        assert time.monotonic() < deadline, "two announcements were not sent within 2 minutes"
    assert len(announcements(target, number)) == 2
    (web,) = target.on_server("docker compose ps --quiet web").stdout.split()
    sigkill_main_process(web)

    deadline = time.monotonic() + 180
    while waiting_announcements(target) != 0:
        assert time.monotonic() < deadline, "the last announcement was not sent within 3 minutes"
    restarts = subprocess.run(["docker", "inspect", "--format", "{{.RestartCount}}", web],
                              capture_output=True, text=True, check=True)  # fmt: skip
    assert restarts.stdout.strip() == "1", "web was killed, and came back by itself"
    # Every announcement is sent, and none can be queued again: the count is final.
    assert sorted(announcements(target, number)) == sorted(listeners.confirmed)
