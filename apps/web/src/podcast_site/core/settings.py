"""Read the site's configuration from the environment and from secret files."""

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from quart import Quart, current_app
from sqlalchemy import URL

log = logging.getLogger(__name__)

EXTENSION = "podcast_site.settings"

# Secrets shorter than this are refused in production: `make up` generates
# both (64 hex characters, 256 random bits), so a short one was typed by hand.
MIN_SECRET_KEY_LENGTH = 32
MIN_DB_PASSWORD_LENGTH = 16


# Names that never get a public certificate (Caddy gives them its local CA's):
# a site on one of them is a local one.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


def is_local(address: str) -> bool:
    """Say whether a site address (`localhost`, `podcast.example.com:443`) is a local name."""
    host = (urlsplit("//" + address.split("://")[-1]).hostname or "").rstrip(".")
    if host in {"localhost", "127.0.0.1", "::1"}:
        return True
    return host.endswith(LOCAL_SUFFIXES)


class FileSecretsSource(EnvSettingsSource):
    """Read `NAME_FILE=/path` variables, the Docker-secrets convention, as `NAME`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Return the stripped contents of the file that `<FIELD>_FILE` names."""
        variable = f"{field_name.upper()}_FILE"
        path = os.environ.get(variable)
        if not path:
            return None, field_name, False
        try:
            return Path(path).read_text().strip(), field_name, False
        except OSError as error:
            raise ValueError(f"{variable}={path} cannot be read: {error.strerror}") from error


class RateLimit(BaseModel):
    """At most `requests` from one client address in `seconds`."""

    model_config = ConfigDict(frozen=True)

    requests: int = Field(ge=1)
    seconds: int = Field(ge=1)


def parse_rate_limit(value: Any) -> Any:
    """Read a limit as the environment writes it: `30/60` is 30 requests per 60 seconds."""
    if isinstance(value, str):
        requests, _, seconds = value.partition("/")
        return {"requests": requests.strip(), "seconds": seconds.strip()}
    return value


# NoDecode: the value is `30/60`, not the JSON pydantic-settings would expect.
RateLimitSetting = Annotated[RateLimit, NoDecode, BeforeValidator(parse_rate_limit)]


class SiteSettings(BaseModel):
    """Which site this is: its address, development or production, its secret key."""

    # The public host name (as in the Caddyfile). Unless APP_ENV says otherwise,
    # a local name means development and any other name production, so a real
    # domain is production even when .env forgets to say so.
    site_address: str = "localhost"
    app_env: Literal["development", "production"]
    # `make dev` turns this on: a crash shows its traceback in the page.
    debug: bool = False
    # Set at image build time (the git commit), shown by /health.
    app_version: str = "dev"
    # The show's identity (name, host, feed details): one committed file, not
    # the environment, because it is the same on every server.
    site_file: Path = Path("site.toml")
    # Only a development site may generate a throwaway key; production refuses to start.
    secret_key: SecretStr | None = None
    # Who may set X-Forwarded-For/-Proto: Caddy, on the compose network. The web
    # container publishes no port, so only containers of this stack can reach it.
    forwarded_allow_ips: str = "127.0.0.1"


class DatabaseSettings(BaseModel):
    """Where Postgres is, who connects, and how the pool is sized and timed out."""

    db_host: str = "localhost"
    db_port: int = 5432
    db_name: str = "podcast"
    # web connects as DB_USER=podcast_app (core/privileges.py: rows only, no DDL),
    # backup as podcast_backup (read only); migrate and `make psql` as the owner, podcast.
    db_user: str = "podcast"
    db_password: SecretStr = SecretStr("")
    # web's role, which migrate (as the owner) creates and keeps in step.
    db_app_user: str = "podcast_app"
    db_app_password: SecretStr = SecretStr("")
    # backup's role, read-only (core/privileges.py), which migrate creates too.
    db_backup_user: str = "podcast_backup"
    db_backup_password: SecretStr = SecretStr("")
    # At most 10 connections per Granian worker: Postgres on a 1 GB server is
    # sized for max_connections=40. All of them kept, none overflow: an
    # overflow connection is closed when it comes back, so under load the
    # pool kept reconnecting (TLS offer, login, type lookups, every statement
    # prepared again): an uncached API call took almost twice as long.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    # Fail fast when Postgres is away so the visitor gets a 503, not a hung request.
    db_connect_timeout_seconds: float = Field(default=3.0, gt=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0)

    @property
    def database_url(self) -> URL:
        """Build the asyncpg URL; `URL.create` quotes any character in the password."""
        return URL.create(
            "postgresql+asyncpg",
            username=self.db_user,
            password=self.db_password.get_secret_value() or None,
            host=self.db_host,
            port=self.db_port,
            database=self.db_name,
        )


class ContentSettings(BaseModel):
    """Where the content folder is, and where its media are served from."""

    # Load the content folder into an empty database at start-up (make up), so a
    # fresh local site has episodes. Ignored in production, which never seeds.
    load_demo_content: bool = False
    # The episodes, guests and sponsors that `podcast-site import-content` and
    # `load-demo` read (content/ in the repository, /app/content in the image).
    content_dir: Path = Path("content")
    # The owner's media (audio above all), which git never holds: in the
    # image, /app/media, where compose mounts the host's MEDIA_DIR. The
    # import checks each episode's audio there against its front matter.
    media_dir: Path = Path("media")
    # Where the content's media (audio, guest photos) are served from: this
    # site's /media/ (Caddy, from content/media), or a CDN in production, e.g. a
    # Bunny pull zone whose origin is https://<your domain>/media/.
    media_base_url: str = Field(default="/media/", pattern=r"^(/|https://)\S*/$")


class DownloadSettings(BaseModel):
    """How downloads are counted (queries/downloads.py) and who else may count them."""

    # At most this many listeners (an address and a user agent each) of one
    # episode count from one address (an IPv4 address, an IPv6 /64) a day:
    # a household or an office has a few, a script rotating its user agent
    # thousands. The rest are still sent to the audio.
    listeners_per_address: int = Field(default=10, ge=1)
    # OPAWG's lists of podcast apps and bots (web/user_agents.py), which git
    # never holds: in the image, /app/user-agents, where compose mounts the
    # host's USER_AGENTS_DIR, which `make user-agents` fills. Without them
    # bots count as listeners, and make downloads says so.
    user_agents_dir: Path = Path("user-agents")
    # A third-party counter's prefix (OP3, Podtrac, Blubrry), put in front of
    # every download link, the feed's enclosures above all, without its
    # https://: https://op3.dev/e/ makes https://op3.dev/e/<your domain>/...
    # Empty: none.
    media_prefix_url: str = Field(default="", pattern=r"^(https://\S+/)?$")


class MailSettings(BaseModel):
    """How the newsletter's mail goes out (background/mailer.py)."""

    # An SMTP server, with TLS from the start (`tls`, usually port 465),
    # upgraded (`starttls`, 587) or none (a local catcher only). Empty host:
    # the development mail catcher locally; in production the mails wait in
    # the queue, and make doctor says so.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_tls: Literal["tls", "starttls", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    # The sender; empty means the show's owner (site.toml), by the show's name.
    mail_from: str = ""
    # At most this many mails a minute, all workers together: the SMTP
    # provider's limit (an announcement goes to every subscriber at once).
    mail_per_minute: int = Field(default=60, ge=1)
    # Whether this process announces new episodes and sends the queue (every
    # web worker does, by default; any number may, and each message still
    # goes out once).
    send_mail: bool = True


class PageCacheSettings(BaseModel):
    """How much each worker keeps of rendered pages, and how fresh (web/page_cache.py)."""

    # Rendered pages kept per worker (a page is 5-30 KB).
    page_cache_entries: int = Field(default=1024, ge=0)
    # ...and this much memory at most, compressed copies included: the bound
    # that matters on a small server (a feed of 300 episodes is about 0.9 MB).
    page_cache_megabytes: int = Field(default=32, ge=0)
    # How long a worker trusts the content revision it last read: content
    # changes show within this time, and cached pages need no query meanwhile.
    content_revision_ttl_seconds: float = Field(default=2.0, ge=0)


class RateLimitSettings(BaseModel):
    """Per client address, counted in Postgres so that every worker and container shares one count.

    Written `RATE_LIMIT_SEARCH=30/60` (web/rate_limits.py). A search is the
    costliest page (only repeats are cached): the HTML search and the API's
    share this budget, and an API search counts against both.
    """

    rate_limit_search: RateLimitSetting = RateLimit(requests=30, seconds=60)
    rate_limit_api: RateLimitSetting = RateLimit(requests=120, seconds=60)
    # A person signs up once or twice; a script signs up thousands of addresses.
    rate_limit_signup: RateLimitSetting = RateLimit(requests=5, seconds=600)

    @property
    def rate_limits(self) -> dict[str, RateLimit]:
        """Return the limits by the names views use (`@rate_limits.limited("search")`)."""
        return {
            "search": self.rate_limit_search,
            "api": self.rate_limit_api,
            "signup": self.rate_limit_signup,
        }


class Settings(
    SiteSettings,
    DatabaseSettings,
    ContentSettings,
    DownloadSettings,
    MailSettings,
    PageCacheSettings,
    RateLimitSettings,
    BaseSettings,
):
    """Everything the site can be configured with, by concern; see .env.example.

    Each field is read from the environment variable of its name in upper
    case (DB_POOL_SIZE), or from the file that `<NAME>_FILE` names.
    """

    # hide_input_in_errors: a refused setting's error would otherwise quote
    # the raw input, secrets read from their files included, into the log.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let `NAME_FILE` win over a plain `NAME`, so a secret never has to be an env var."""
        return (init_settings, FileSecretsSource(settings_cls), env_settings)

    @model_validator(mode="before")
    @classmethod
    def derive_app_env(cls, values: Any) -> Any:
        """Default APP_ENV from SITE_ADDRESS: development only on a local name."""
        if isinstance(values, dict) and not values.get("app_env"):
            address = values.get("site_address") or "localhost"
            values = values | {"app_env": "development" if is_local(address) else "production"}
        return values

    @model_validator(mode="after")
    def refuse_unsafe_production(self) -> "Settings":
        """Stop a production start with a missing or weak secret, or as development on a domain."""
        if self.app_env == "development" and not is_local(self.site_address):
            raise ValueError(
                f"APP_ENV=development, but SITE_ADDRESS={self.site_address} is a public name: "
                "a public site runs as production. Remove APP_ENV from .env (or set it to "
                "production), or use SITE_ADDRESS=localhost for a local site"
            )
        if self.app_env != "production":
            return self
        problems = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"SECRET_KEY_FILE must name a file holding at least "
                f"{MIN_SECRET_KEY_LENGTH} characters"
            )
        if len(self.db_password.get_secret_value()) < MIN_DB_PASSWORD_LENGTH:
            problems.append(
                f"DB_PASSWORD_FILE must name a file holding at least "
                f"{MIN_DB_PASSWORD_LENGTH} characters"
            )
        if self.debug:
            problems.append("DEBUG must be off: it shows tracebacks to visitors")
        if problems:
            raise ValueError("refusing to run in production: " + "; ".join(problems))
        return self

    @property
    def seeds_demo_content(self) -> bool:
        """Say whether an empty database gets the demo content (never in production)."""
        return self.load_demo_content and not self.is_production

    @property
    def is_production(self) -> bool:
        """Say whether this is the live site."""
        return self.app_env == "production"

    def signing_key(self) -> str:
        """Return the secret key, or a throwaway one for a development site."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        log.warning("SECRET_KEY_FILE is not set: using a throwaway key (development only)")
        return secrets.token_urlsafe(48)


def attach_settings(app: Quart, settings: Settings) -> None:
    """Keep the settings on the app, for `get_settings`."""
    app.extensions[EXTENSION] = settings


def get_settings(app: Quart | None = None) -> Settings:
    """Return the app's settings (the running app's by default)."""
    settings: Settings = (app or current_app).extensions[EXTENSION]
    return settings
