"""Settings: secrets from files, refusing an unsafe production start, and each one passed on."""

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import SettingsError

from podcast_site.core.settings import RateLimit, Settings
from tests.web.paths import REPO_ROOT


def write_secret(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    return str(path)


def test_secrets_are_read_from_the_files_named_by_file_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY_FILE", write_secret(tmp_path, "key", "k" * 40))
    monkeypatch.setenv("DB_PASSWORD_FILE", write_secret(tmp_path, "pw", "p@ss:w/rd" * 2))

    settings = Settings()

    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "k" * 40
    # URL.create quotes what would break a hand-built URL.
    assert settings.database_url.password == "p@ss:w/rd" * 2


def test_a_missing_secret_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "nope"))
    with pytest.raises(SettingsError) as raised:
        Settings()
    assert "SECRET_KEY_FILE=" in str(raised.value.__cause__)
    assert "nope cannot be read: No such file or directory" in str(raised.value.__cause__)


def test_production_refuses_to_start_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DB_PASSWORD", raising=False)
    with pytest.raises(ValidationError) as raised:
        Settings(app_env="production")
    message = str(raised.value)
    assert "refusing to run in production" in message
    assert "SECRET_KEY_FILE" in message and "DB_PASSWORD_FILE" in message


def test_production_refuses_weak_secrets() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(app_env="production", secret_key="short", db_password="also-short")
    message = str(raised.value)
    assert "at least 32 characters" in message
    assert "at least 16 characters" in message


def test_a_refused_start_never_quotes_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "a-database-password-that-is-long-enough"
    monkeypatch.setenv("DB_PASSWORD_FILE", write_secret(tmp_path, "pw", password))
    with pytest.raises(ValidationError) as raised:
        Settings(app_env="production", secret_key="short")
    message = str(raised.value)
    assert "SECRET_KEY_FILE" in message
    # Pydantic would quote the input (the raw secrets) cut to its ends.
    assert "input_value" not in message and password[-12:] not in message


def test_production_never_seeds_demo_content() -> None:
    for app_env, seeds in (("development", True), ("production", False)):
        settings = Settings(
            app_env=app_env, secret_key="k" * 64, db_password="p" * 64, load_demo_content=True
        )
        assert settings.seeds_demo_content is seeds


def test_production_starts_with_strong_secrets() -> None:
    settings = Settings(app_env="production", secret_key="k" * 64, db_password="p" * 64)
    assert settings.is_production


def test_development_without_a_key_gets_a_throwaway_one() -> None:
    settings = Settings(secret_key=None)
    first, second = settings.signing_key(), settings.signing_key()
    assert len(first) >= 32 and first != second


@pytest.mark.parametrize(
    ("site_address", "app_env"),
    [
        ("localhost", "development"),
        ("localhost:8443", "development"),
        ("podcast.localhost", "development"),
        ("[::1]:443", "development"),
        ("podcast.example.com", "production"),
        ("https://podcast.example.com", "production"),
    ],
)
def test_app_env_follows_the_site_address_unless_set(site_address: str, app_env: str) -> None:
    # An empty APP_ENV (compose passes one when .env has none) means "derive it".
    settings = Settings(
        site_address=site_address, app_env="", secret_key="k" * 64, db_password="p" * 64
    )
    assert settings.app_env == app_env


def test_a_public_domain_refuses_to_run_as_development() -> None:
    with pytest.raises(ValidationError, match="public site runs as production"):
        Settings(site_address="podcast.example.com", app_env="development")


def test_rate_limits_are_read_as_requests_per_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_SEARCH", "600/60")
    assert Settings().rate_limits["search"] == RateLimit(requests=600, seconds=60)
    monkeypatch.setenv("RATE_LIMIT_API", "120 per minute")
    with pytest.raises(ValidationError, match="rate_limit_api"):
        Settings()


# Settings no server passes through compose.yaml or stack.yaml, and why. Every
# other setting reaches web and migrate from both, so an .env line is never
# ignored on one of them.
NOT_PASSED = {
    "DEBUG": "development only: compose.dev.yaml turns it on",
    "APP_VERSION": "baked into the image when it is built",
    "SITE_FILE": "the image's site.toml, where the default looks",
    "CONTENT_DIR": "the image's content/, where the default looks",
    "MEDIA_DIR": "the image's media/, where compose mounts the host's MEDIA_DIR",
    "USER_AGENTS_DIR": "the image's user-agents/, where compose mounts the host's folder",
    "DB_PORT": "Postgres's own port, the default",
    "DB_APP_USER": "podcast_app, the default, which migrate creates",
    "DB_BACKUP_USER": "podcast_backup, the default, which migrate creates",
    "SEND_MAIL": "every worker sends; only the app's tests turn it off",
}
# Settings that compose.yaml and stack.yaml set themselves (the database's
# address and roles, the secrets' files, Caddy's network), so .env has no say.
SET_BY_THE_COMPOSE_FILES = {
    "DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_APP_PASSWORD", "DB_BACKUP_PASSWORD",
    "SECRET_KEY", "SMTP_PASSWORD", "FORWARDED_ALLOW_IPS",
}  # fmt: skip


def environment_names(compose_file: Path) -> set[str]:
    """Return the variables a compose file gives web or migrate (NAME, or NAME for NAME_FILE)."""
    services = yaml.safe_load(compose_file.read_text())["services"]
    names = {name for service in ("web", "migrate") for name in services[service]["environment"]}
    return {name.removesuffix("_FILE") for name in names}


@pytest.mark.parametrize("compose_file", ["compose.yaml", "stack.yaml"])
def test_every_setting_reaches_the_app_from_the_compose_files(compose_file: str) -> None:
    settings = {name.upper() for name in Settings.model_fields}
    passed = environment_names(REPO_ROOT / compose_file)
    assert settings - passed == set(NOT_PASSED), f"set in {compose_file}, or say why not"
    assert not set(NOT_PASSED) & passed, "passed after all: take it off NOT_PASSED"


def test_every_setting_an_owner_may_change_is_described_in_the_env_example() -> None:
    example = (REPO_ROOT / ".env.example").read_text()
    described = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    settings = {name.upper() for name in Settings.model_fields}
    owned = settings - set(NOT_PASSED) - SET_BY_THE_COMPOSE_FILES
    assert owned - described == set(), "describe these in .env.example"
