"""make user-agents: OPAWG's lists copied unchanged, with their licence and their commit."""

import subprocess
import tomllib
from pathlib import Path

from tests.infra.conftest import REPO_DIR, require_tool

LISTS = ("bots", "apps", "libraries", "browsers")


def git(folder: Path, *args: str) -> str:
    """Run git in a folder as a test user; return what it printed."""
    return subprocess.run(
        [require_tool("git"), "-c", "user.name=Test", "-c", "user.email=test@example.com",
         "-C", str(folder), *args],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_the_lists_come_from_the_clone_it_is_given_with_their_commit(tmp_path: Path) -> None:
    # A stand-in for a clone of opawg/user-agents-v2: the files it reads.
    clone = tmp_path / "user-agents-v2"
    (clone / "build").mkdir(parents=True)
    for name in LISTS:
        (clone / "build" / f"{name}.runtime.json").write_text(f'{{"entries": [], "n": "{name}"}}\n')
    (clone / "LICENSE").write_text("MIT License\n")
    git(clone, "init", "--quiet")
    git(clone, "add", ".")
    git(clone, "commit", "--quiet", "-m", "Lists")
    # Edits not committed are not OPAWG's: they are not copied.
    (clone / "LICENSE").write_text("edited\n")
    checkout = tmp_path / "checkout"
    checkout.mkdir()

    subprocess.run(
        ["bash", str(REPO_DIR / "infra/scripts/user-agents.sh")],
        cwd=checkout, env={"FROM": str(clone), "PATH": "/usr/bin:/bin"}, check=True,
        capture_output=True,
    )  # fmt: skip

    data = checkout / "user-agents"
    for name in LISTS:
        assert (data / f"{name}.json").read_text() == f'{{"entries": [], "n": "{name}"}}\n'
    assert (data / "LICENSE").read_text() == "MIT License\n"
    source = tomllib.loads((data / "source.toml").read_text())
    assert source["repository"] == "https://github.com/opawg/user-agents-v2"
    assert source["commit"] == git(clone, "rev-parse", "HEAD")
    assert source["committed"] == git(clone, "show", "--no-patch", "--format=%cI")
