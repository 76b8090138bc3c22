"""Every shell script in the repository passes shellcheck."""

import subprocess
from pathlib import Path

import pytest

from tests.infra.conftest import REPO_DIR, require_tool, tracked_files


def is_shell_script(path: Path) -> bool:
    """Say whether a file is shell: by its extension or its #! line."""
    if path.suffix == ".sh":
        return True
    with path.open("rb") as file:
        first_line = file.readline()
    return first_line.startswith(b"#!") and (b"sh" in first_line.split(b"/")[-1])


SHELL_SCRIPTS = sorted(path for path in tracked_files() if path.is_file() and is_shell_script(path))


def test_the_scripts_we_know_of_are_found() -> None:
    names = {str(path.relative_to(REPO_DIR)) for path in SHELL_SCRIPTS}
    assert {".ci/run", "apps/web/docker-entrypoint.sh", "infra/backup/backup-now.sh"} <= names


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: str(path.relative_to(REPO_DIR)))
def test_shellcheck_is_clean(script: Path) -> None:
    result = subprocess.run(
        [require_tool("shellcheck"), "--external-sources", str(script.relative_to(REPO_DIR))],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
