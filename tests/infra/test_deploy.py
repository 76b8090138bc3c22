"""make deploy: DRY_RUN=1 prints exactly what a deploy runs, and nothing runs."""

import re
import subprocess

from tests.infra.conftest import REPO_DIR, require_tool


def make_deploy(*variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("make"), "--no-print-directory", "deploy", *variables],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )


def git(*args: str) -> str:
    return subprocess.run(
        [require_tool("git"), *args], cwd=REPO_DIR, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_dry_run_prints_the_ship_release_and_follow_commands() -> None:
    result = make_deploy("HOST=deploy@203.0.113.10", "DRY_RUN=1")

    assert result.returncode == 0, result.stderr
    sha = git("rev-parse", "HEAD")
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    ship, release, follow = lines
    ssh = "ssh -o BatchMode=yes deploy@203.0.113.10"
    assert ship.startswith(f"+ git archive --format=tar {sha} | {ssh} ")
    # Unpacked aside, then renamed into place: never a half-written release;
    # under the site's lock, and never over a release that is already there.
    assert "flock --nonblock rightsized/.operations.lock" in ship
    assert f"if [ -d rightsized/releases/{sha} ]; then cat > /dev/null; else" in ship
    assert f"tar -x -f - -C rightsized/releases/{sha}.partial" in ship
    assert f"mv rightsized/releases/{sha}.partial rightsized/releases/{sha}; fi'" in ship
    # Each run logs to a file of its own, which the last command follows.
    log = re.search(r"activate\.sh (logs/deploy-\d{8}T\d{6}Z-" + sha[:12] + ") ", release)
    assert log, release
    assert release == (
        f"+ {ssh} 'cd rightsized && mkdir -p logs && {{ setsid nohup releases/{sha}/infra/scripts"
        f"/activate.sh {log[1]} > {log[1]}.log 2>&1 < /dev/null & echo $! > {log[1]}.pid; }}'"
    )
    assert follow == (
        f"+ {ssh} 'cd rightsized && tail -n +1 --pid=$(cat {log[1]}.pid) -f {log[1]}.log"
        f" && exit $(cat {log[1]}.status)'"
    )


def test_a_dry_run_of_another_commit_and_folder() -> None:
    result = make_deploy(
        "HOST=me@example.org", "DEPLOY_DIR=sites/pod", "DEPLOY_REF=HEAD~1", "DRY_RUN=1"
    )
    assert result.returncode == 0, result.stderr
    assert git("rev-parse", "HEAD~1") in result.stdout
    assert "'cd sites/pod && mkdir -p logs && { setsid nohup releases/" in result.stdout


def test_without_a_host_it_refuses() -> None:
    result = make_deploy("DRY_RUN=1")
    assert result.returncode != 0
    assert "no HOST given" in result.stderr


def make_media_push(*variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("make"), "--no-print-directory", "media-push", *variables],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )


def test_media_push_without_a_host_refuses() -> None:
    result = make_media_push()
    assert result.returncode == 2
    assert "media-push: no HOST given" in result.stderr


def test_media_push_refuses_what_it_would_have_to_quote() -> None:
    result = make_media_push("HOST=me@example.org", "DEPLOY_DIR=sites/pod; rm -rf ~")
    assert result.returncode == 2
    assert "may hold only letters, digits" in result.stderr
