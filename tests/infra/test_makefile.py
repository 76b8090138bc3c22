"""The Makefile: every target runs its own recipe, and make has nothing to warn about."""

import subprocess

import pytest

from tests.infra.conftest import REPO_DIR, require_tool


def dry_run(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Return what `make --dry-run` prints for the arguments, in this checkout."""
    return subprocess.run(
        [require_tool("make"), "--dry-run", *arguments],
        cwd=REPO_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip


@pytest.mark.parametrize("target", ["help", "up", "import", "restore", "user-agents"])
def test_make_reads_the_makefile_without_a_warning(target: str) -> None:
    assert "warning" not in dry_run(target, "FILE=x").stderr.lower()


def test_make_user_agents_updates_the_lists_not_only_their_folder() -> None:
    # Its folder, ./user-agents, is also a target; make reads both as one.
    assert "infra/scripts/user-agents.sh" in dry_run("user-agents").stdout
