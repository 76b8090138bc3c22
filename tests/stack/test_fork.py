"""A fork, tried as its author would: another show in site.toml, one episode of its own.

The test copies the checkout (what git tracks or would track, so uncommitted
edits too), replaces the identity and the content the way FORKING.md says,
and then, in the copy: `make check` passes; `make up` names the new show on
every page, feed and document and never the old one; `make dev` shows a
template edit through Caddy without a build; `make up` is production again.
And none of what its author runs, from the first `make up` (no image built
yet) to releases of new versions, prints an error or a warning: Compose asks
no registry for an image built here (tests/stack/conftest.py's stacks run
offline, as CI does, where such a pull says "no such host").
"""

import re
import shutil
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stack.conftest import (
    REPO_DIR,
    Stack,
    copy_checkout,
    progress,
    running_stack,
    stack_name,
)

OLD = tomllib.loads((REPO_DIR / "site.toml").read_text())
NEW_NAME = "The Quiet Kettle"
NEW_HOST = "Kit Kettleson"

FORK_SITE = f'''name = "{NEW_NAME}"
tagline = "Slow conversations about fast servers."
language = "en"
host = "{NEW_HOST}"
owner_name = "{NEW_HOST}"
owner_email = "hello@quiet-kettle.example"
category = "Technology"
explicit = false
guid_namespace = "9d1c7a34-2b8e-4f60-a1d5-3e7b9c0f2a48"
cover_art = "/media/kettle-cover.png"
'''

FORK_EPISODE = """---
number: 1
title: "Putting the kettle on"
summary: "Why this show exists, in one short episode about a teapot-sized server."
published: 2026-03-02
duration: "00:21:00"
audio_url: https://cdn.quiet-kettle.example/001.mp3
audio_bytes: 20160000
---
The first notes of a new show.
"""

# What a visitor and a podcast app see of the show.
PAGES = ["/", "/episodes/show/1/putting-the-kettle-on", "/episodes/rss", "/openapi.json"]

# A line of output that reads as trouble: an error, a denial, a warning...
TROUBLE = re.compile(r"Error|error:|denied|WARN|[Ww]arning")
# ...except these lines, each printed on purpose or out of this repository's hands.
EXPECTED_TROUBLE = [
    # BuildKit echoes the blog's build command; the flag makes any Hugo
    # warning fail the build, so the line is the opposite of a warning.
    re.compile(r"RUN hugo .*--panicOnWarning"),
    # Debian's ca-certificates, which the backup image installs, rehashes a
    # folder that holds its own bundle and says it skips that file: harmless,
    # and the README says it is expected.
    re.compile(r"rehash: warning: skipping ca-certificates\.crt, it does not contain exactly one"),
]


def make_fork(copy: Path) -> None:
    """Copy the checkout and make it another show, as FORKING.md tells a fork to."""
    copy_checkout(copy)
    (copy / "site.toml").write_text(FORK_SITE)
    shutil.rmtree(copy / "content")
    (copy / "content" / "episodes").mkdir(parents=True)
    (copy / "content" / "episodes" / "001-putting-the-kettle-on.md").write_text(FORK_EPISODE)
    (copy / "content" / "media").mkdir()
    cover = copy / "content" / "media" / "kettle-cover.png"
    shutil.copy(REPO_DIR / "content" / "media" / "cover.png", cover)


@pytest.fixture(scope="module")
def fork() -> Iterator[Stack]:
    """A copy of the checkout turned into another show, running under its own project."""
    copy = REPO_DIR / ".test-artifacts" / "fork-checkout"
    make_fork(copy)
    try:
        progress("fork: make check in the copy")
        checked = Stack(project=stack_name("forktest"), checkout=copy).make("check")
        with running_stack(stack_name("forktest"), checkout=copy) as stack:
            stack.printed["make check"] = checked
            yield stack
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def troubling_lines(output: str) -> list[str]:
    """Return the lines of a command's output that read as trouble and are not expected."""
    return [
        line
        for line in output.splitlines()
        if TROUBLE.search(line) and not any(ok.search(line) for ok in EXPECTED_TROUBLE)
    ]


def assert_new_name_only(where: str, text: str) -> None:
    assert NEW_NAME in text, where
    assert OLD["name"] not in text, where
    assert OLD["host"] not in text, where


def test_every_page_feed_and_document_carries_the_new_name(fork: Stack) -> None:
    with fork.client() as client:
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_new_name_only(path, response.text)
        assert client.get("/openapi.json").json()["info"]["title"] == f"{NEW_NAME} API"

        feed = client.get("/episodes/rss").text
        assert f"<itunes:author>{NEW_HOST}</itunes:author>" in feed
        cover = re.search(r'<itunes:image href="([^"]+)"', feed)
        assert cover and cover[1].endswith("/media/kettle-cover.png")
        assert client.get(httpx.URL(cover[1]).path).status_code == 200

        blog = client.get("/blog/").text
        assert_new_name_only("/blog/", blog)
        assert_new_name_only("/blog/index.xml", client.get("/blog/index.xml").text)
        posts = set(re.findall(r'href="?(/blog/posts/[^"> ]+/)', blog))
        assert posts
        for post in posts:
            assert_new_name_only(post, client.get(post).text)


def test_the_maintenance_page_carries_the_new_name(fork: Stack) -> None:
    fork.compose("stop", "web")
    try:
        # Caddy holds the request while it retries the app (lb_try_duration, 30 s),
        # then answers with the maintenance page.
        with fork.client(timeout=60) as client:
            response = client.get("/")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert_new_name_only("maintenance page", response.text)
    finally:
        fork.compose("up", "--detach", "--wait", "--no-deps", "web")


def test_make_dev_shows_a_template_edit_without_a_build(fork: Stack) -> None:
    progress("fork: make dev")
    fork.make("dev")
    template = fork.checkout / "apps/web/src/podcast_site/templates/home.html"
    template.write_text(template.read_text().replace("Latest episodes", "Freshly brewed"))
    started = time.monotonic()
    with fork.client() as client:
        while "Freshly brewed" not in client.get("/").text:
            assert time.monotonic() - started < 15, "the edit did not show within 15 s"
            time.sleep(0.25)
    progress(f"fork: the edit showed through Caddy after {time.monotonic() - started:.1f} s")


def test_make_up_after_make_dev_runs_the_production_image_again(fork: Stack) -> None:
    progress("fork: make up after make dev")
    fork.make("up")
    assert fork.image("web").startswith(f"{fork.project}-web:")
    command = fork.compose("exec", "-T", "web", "cat", "/proc/1/cmdline")
    assert "granian" in command and "--reload" not in command


# Named without the words it looks for: `make test` prints the name.
def test_the_first_run_and_new_releases_print_nothing_alarming(fork: Stack) -> None:
    # Last in this file: it stops the fork. The fixture's `make check` and
    # first `make up` (on a copy with no image built), the README's other
    # first commands, and a release and an import each of a version not built
    # yet (migrate, which runs the import, shares web's image).
    printed = dict(fork.printed)
    printed["make url"] = fork.make("url")
    printed["make help"] = fork.make("help")
    printed["make redeploy"] = fork.make("redeploy", APP_VERSION="fork-2")
    printed["make import"] = fork.make("import", APP_VERSION="fork-3")
    printed["make down"] = fork.make("down")
    assert {"make check", "make up"} <= set(printed)
    assert "Now serving version fork-2." in printed["make redeploy"]
    assert " unchanged" in printed["make import"]
    found = [
        f"{command}: {line}"
        for command, output in printed.items()
        for line in troubling_lines(output)
    ]
    assert not found, "\n".join(found)
