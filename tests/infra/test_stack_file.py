"""stack.yaml (Docker Swarm) keeps compose.yaml's settings: none is lost on the way."""

from typing import Any

import yaml

from tests.infra.conftest import REPO_DIR

SERVICES = ["caddy", "web", "migrate", "db", "backup"]


def load(name: str) -> dict[str, Any]:
    """Parse one of the checkout's Compose files."""
    document: dict[str, Any] = yaml.safe_load((REPO_DIR / name).read_text())
    return document


def test_the_app_reads_the_same_settings_under_swarm() -> None:
    compose, stack = load("compose.yaml"), load("stack.yaml")
    assert set(stack["x-app-environment"]) == set(compose["x-app-environment"])


def test_every_service_keeps_its_limits_under_swarm() -> None:
    compose, stack = load("compose.yaml"), load("stack.yaml")
    for service in SERVICES:
        limits = compose["services"][service]["deploy"]["resources"]["limits"]
        assert stack["services"][service]["deploy"]["resources"]["limits"] == limits, service
