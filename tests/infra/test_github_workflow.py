"""The GitHub workflow that forks run: valid for actionlint, clean for zizmor."""

import subprocess

from tests.infra.conftest import REPO_DIR, require_tool

WORKFLOWS = REPO_DIR / ".github" / "workflows"


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_DIR, capture_output=True, text=True)


def test_the_workflow_runs_make_test() -> None:
    assert "run: make test" in (WORKFLOWS / "ci.yml").read_text()


def test_actionlint_finds_nothing() -> None:
    result = run(require_tool("actionlint"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_even_informational() -> None:
    result = run(require_tool("zizmor"), "--offline", "--persona=auditor", str(WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
