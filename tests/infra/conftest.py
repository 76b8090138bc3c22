"""Tests of infra/: they read the checkout (git) and run real linters on it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_DIR = Path(os.environ.get("REPO_DIR") or Path(__file__).resolve().parents[2])


def require_tool(name: str) -> str:
    """Return a tool's path; without it the test fails (never skips) and says why."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test` (its image has it)", pytrace=False)
    return path


def tracked_files() -> list[Path]:
    """Return every file in the checkout that git tracks or would track (not ignored)."""
    listing = subprocess.run(
        [require_tool("git"), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [REPO_DIR / name for name in listing.split("\0") if name]
