"""The server's cloud-init user data is valid, does what it promises, and its scripts lint."""

import subprocess
from typing import Any

import pytest
import yaml

from tests.infra.conftest import REPO_DIR, require_tool

CLOUD_INIT = REPO_DIR / "infra" / "server" / "cloud-init.yaml"


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CLOUD_INIT.read_text())
    return loaded


def written_file(config: dict[str, Any], path: str) -> str:
    (content,) = [entry["content"] for entry in config["write_files"] if entry["path"] == path]
    assert isinstance(content, str)
    return content


def test_the_schema_validator_accepts_it() -> None:
    result = subprocess.run(
        [require_tool("cloud-init"), "schema", "--config-file", str(CLOUD_INIT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid schema" in result.stdout


def test_the_scripts_it_writes_pass_shellcheck(config: dict[str, Any]) -> None:
    scripts = [e for e in config["write_files"] if e.get("content", "").startswith("#!/bin/sh")]
    assert len(scripts) >= 2
    for script in scripts:
        result = subprocess.run(
            [require_tool("shellcheck"), "-"],
            input=script["content"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{script['path']}:\n{result.stdout}"


def test_a_deploy_user_with_a_key_and_no_password(config: dict[str, Any]) -> None:
    (user,) = config["users"]
    assert user["name"] == "deploy" and user["lock_passwd"] is True
    assert user["ssh_authorized_keys"] and "sudo" not in user
    assert config["ssh_pwauth"] is False and config["disable_root"] is True
    sshd = written_file(config, "/etc/ssh/sshd_config.d/10-rightsized.conf").split("\n")
    assert {"PasswordAuthentication no", "PermitRootLogin no"} <= set(sshd)


def test_a_firewall_for_ssh_and_the_web_only(config: dict[str, Any]) -> None:
    commands = [c for c in config["runcmd"] if isinstance(c, str) and c.startswith("ufw ")]
    allowed = {c.removeprefix("ufw allow ") for c in commands if c.startswith("ufw allow ")}
    assert allowed == {"22/tcp", "80/tcp", "443/tcp", "443/udp"}
    assert "ufw default deny incoming" in commands and "ufw --force enable" in commands


def test_docker_swap_updates_and_log_rotation(config: dict[str, Any]) -> None:
    assert "/usr/local/sbin/rightsized-install-docker" in config["runcmd"]
    installer = written_file(config, "/usr/local/sbin/rightsized-install-docker")
    assert "docker-compose-plugin" in installer and "download.docker.com" in installer
    assert "/usr/local/sbin/rightsized-make-swap" in config["runcmd"]
    assert "mkswap /swapfile" in written_file(config, "/usr/local/sbin/rightsized-make-swap")
    assert "unattended-upgrades" in config["packages"]
    assert 'Unattended-Upgrade "1"' in written_file(config, "/etc/apt/apt.conf.d/20auto-upgrades")
    assert '"max-size": "10m"' in written_file(config, "/etc/docker/daemon.json")


def test_a_timer_runs_make_watch_every_five_minutes(config: dict[str, Any]) -> None:
    service = written_file(config, "/etc/systemd/system/rightsized-watch.service")
    assert (
        "User=deploy" in service and "ExecStart=/usr/bin/make --no-print-directory watch" in service
    )
    assert "WorkingDirectory=/home/deploy/rightsized/current" in service
    assert "OnUnitActiveSec=5min" in written_file(
        config, "/etc/systemd/system/rightsized-watch.timer"
    )
    assert "systemctl enable --now rightsized-watch.timer" in config["runcmd"]
