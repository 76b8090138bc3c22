"""The workshop's commands, run in order on a fresh copy of the repository.

Each chapter of docs/workshop/ marks the commands a reader runs with a fenced
block whose info string is `sh workshop` (`sh workshop dry-run` for a step
that needs a real server: it runs with DRY_RUN=1). A `text expected` block
right after one lists lines that must appear in what it printed. The copy is
a git repository of its own (the workshop uses git, and `make deploy` ships
a commit), its stack has its own project name and ports, and the URLs the
chapters show (https://localhost/) are rewritten to those ports. A chapter
whose commands drift from the code fails here.

WORKSHOP_CHAPTERS=03,04 runs only those chapters, after chapter 01 (which
brings the stack up).
"""

import os
import re
import shutil
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.stack.conftest import REPO_DIR, Stack, copy_checkout, progress, stack_name

WORKSHOP = REPO_DIR / "docs" / "workshop"
# A fence may be indented (inside a list item or <details>): its body is dedented.
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
# Each block's time limit: a command that hangs fails its block, not the run.
BLOCK_SECONDS = 900


@dataclass(frozen=True)
class Step:
    """One runnable block of a chapter, and the lines its output must contain."""

    chapter: str
    line: int
    script: str
    dry_run: bool
    expected: tuple[str, ...]

    @property
    def where(self) -> str:
        """Return the block's place, as an editor opens it."""
        return f"docs/workshop/{self.chapter}:{self.line}"


def read_steps(chapter: Path) -> list[Step]:
    """Return a chapter's runnable blocks in order, each with its expectations."""
    text = chapter.read_text()
    fences = list(FENCE.finditer(text))
    steps = []
    for index, fence in enumerate(fences):
        info = fence["info"].split()
        if info[:2] != ["sh", "workshop"]:
            continue
        expected: tuple[str, ...] = ()
        after = fences[index + 1] if index + 1 < len(fences) else None
        if (
            after is not None
            and after["info"].split() == ["text", "expected"]
            and not text[fence.end() : after.start()].strip()
        ):
            lines = (line.strip() for line in after["body"].splitlines())
            expected = tuple(line for line in lines if line and line != "...")
        line = text.count("\n", 0, fence.start()) + 1
        script = textwrap.dedent(fence["body"])
        steps.append(Step(chapter.name, line, script, "dry-run" in info[2:], expected))
    return steps


def chapters() -> list[Path]:
    """Return the chapters to run: all, or chapter 01 and WORKSHOP_CHAPTERS."""
    every = sorted(WORKSHOP.glob("[0-9][0-9]-*.md"))
    wanted = os.environ.get("WORKSHOP_CHAPTERS")
    if not wanted:
        return every
    numbers = {"01", *(number.strip().zfill(2) for number in wanted.split(","))}
    return [chapter for chapter in every if chapter.name[:2] in numbers]


def make_fresh_copy(destination: Path) -> Path:
    """Copy the checkout (with uncommitted edits) into a new git repository of one commit."""
    copy_checkout(destination)
    git = ["git", "-c", "user.name=Workshop", "-c", "user.email=workshop@example.com"]
    for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "fresh"]):
        subprocess.run([*git, *command], cwd=destination, check=True, capture_output=True)
    return destination


def for_this_stack(script: str, stack: Stack) -> str:
    """Point the chapter's URLs (in commands and in what they print) at the stack's ports."""
    # Only the bare host: a URL that names a port already keeps it.
    bare = r"(?=[/\s\"']|$)"
    script = re.sub(rf"https://localhost{bare}", f"https://localhost:{stack.https_port}", script)
    return re.sub(rf"http://localhost{bare}", f"http://localhost:{stack.http_port}", script)


@pytest.fixture(scope="module")
def workshop_stack() -> Iterator[Stack]:
    """A fresh copy of the repository, with a stack that the chapters bring up themselves."""
    copy = make_fresh_copy(REPO_DIR / ".test-artifacts" / "workshop-checkout")
    stack = Stack(project=stack_name("workshop"), checkout=copy)
    stack.down()
    try:
        yield stack
    finally:
        progress(f"{stack.project}: removing it")
        stack.down()
        shutil.rmtree(copy, ignore_errors=True)


def test_every_chapter_has_runnable_blocks_and_a_checkpoint() -> None:
    every = sorted(WORKSHOP.glob("[0-9][0-9]-*.md"))
    assert len(every) >= 10, "docs/workshop/ has its chapters"
    for chapter in every:
        text = chapter.read_text()
        assert read_steps(chapter), f"{chapter.name} has no `sh workshop` block"
        for heading in ("## What you will build", "## Do it", "## Exercises", "## Checkpoint"):
            assert heading in text, f"{chapter.name} lacks {heading!r}"
    first = read_steps(every[0])[0]
    assert first.script.strip() == "make up", "chapter 01 brings the stack up first"


def test_the_workshop_runs_in_order_and_prints_what_it_says(workshop_stack: Stack) -> None:
    # As a reader would run it: no test settings (ENV_FILE), the copy's own
    # .secrets/, backups/ and media/, only the project name and ports are the test's.
    env = {
        name: value
        for name, value in workshop_stack.env.items()
        if name
        not in {
            "ENV_FILE",
            "SECRETS_DIR",
            "BACKUP_DIR",
            "MEDIA_DIR",
            "USER_AGENTS_DIR",
            "APP_VERSION",
        }
    }
    for chapter in chapters():
        started = time.monotonic()
        progress(f"{workshop_stack.project}: {chapter.name}")
        for step in read_steps(chapter):
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", for_this_stack(step.script, workshop_stack)],
                cwd=workshop_stack.checkout,
                env=env | ({"DRY_RUN": "1"} if step.dry_run else {}),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=BLOCK_SECONDS,
            )
            output = result.stdout + result.stderr
            if result.returncode != 0:
                pytest.fail(
                    f"{step.where}: the block exited {result.returncode}\n{step.script}\n"
                    f"--- its output ---\n{output[-6000:]}",
                    pytrace=False,
                )
            expected = (for_this_stack(line, workshop_stack) for line in step.expected)
            missing = [line for line in expected if line not in output]
            if missing:
                pytest.fail(
                    f"{step.where}: the output lacks {missing}\n{step.script}\n"
                    f"--- its output ---\n{output[-6000:]}",
                    pytrace=False,
                )
        progress(f"{workshop_stack.project}: {chapter.name} in {time.monotonic() - started:.0f} s")
