"""The server's cloud-init user data is valid, and its scripts pass shellcheck."""

import subprocess

import yaml

from tests.infra.conftest import REPO_DIR, require_tool

CLOUD_INIT = REPO_DIR / "infra" / "server" / "cloud-init.yaml"


def test_the_schema_validator_accepts_it() -> None:
    result = subprocess.run(
        [require_tool("cloud-init"), "schema", "--config-file", str(CLOUD_INIT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid schema" in result.stdout


def test_the_scripts_it_writes_pass_shellcheck() -> None:
    config = yaml.safe_load(CLOUD_INIT.read_text())
    scripts = [
        entry
        for entry in config.get("write_files", [])
        if entry.get("content", "").startswith("#!") and "sh" in entry["content"].split("\n")[0]
    ]
    for script in scripts:
        result = subprocess.run(
            [require_tool("shellcheck"), "-"],
            input=script["content"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{script['path']}:\n{result.stdout}"


def test_it_locks_the_server_down() -> None:
    text = CLOUD_INIT.read_text()
    for setting in ("PasswordAuthentication no", "PermitRootLogin no", "443/udp", "swap"):
        assert setting in text, setting
