"""Tell podcast apps from bots by their User-Agent, with OPAWG's lists.

The lists are OPAWG's user-agents-v2 (MIT licensed), which `make
user-agents` copies into USER_AGENTS_DIR (source.toml there says from which
commit), matched as OPAWG says to: bots, then apps, then libraries, then
browsers, each list in its order, the first pattern that matches deciding. A
library OPAWG marks `bot` (curl-like clients: python-httpx, Go-http-client,
okhttp) counts as a bot. What matches nothing is an unknown client, and
counts: new apps appear faster than any list, and the per-address limit
bounds what a made-up agent can add (queries/downloads.py).

Without the lists (a fresh clone that never ran `make user-agents`) every
client is unknown: the site runs, bots count as listeners, and the log and
make downloads say so. Lists that are there but broken stop the start.
"""

import json
import logging
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from quart import Quart, current_app

from podcast_site.core.settings import get_settings

log = logging.getLogger(__name__)

EXTENSION = "podcast_site.user_agents"
# OPAWG's order of matching, with what a match in each list is.
ORDER: tuple[tuple[str, "Kind"], ...] = (
    ("bots", "bot"),
    ("apps", "app"),
    ("libraries", "library"),
    ("browsers", "browser"),
)
# Real agents are a few hundred characters at most: matching a megabyte-long one
# against a thousand patterns would cost a request about a second of CPU.
MAX_AGENT_LENGTH = 1000
# Distinct agents remembered per worker; a listener's app sends the same one
# every time, and a miss costs 0.1-0.5 ms (every pattern tried).
CACHED_AGENTS = 4096
# The app name of a client no list knows.
UNKNOWN = "Unknown"

type Kind = Literal["bot", "app", "library", "browser", "unknown"]


@dataclass(frozen=True)
class Agent:
    """What a User-Agent says the client is: its kind and its name in the OPAWG lists."""

    kind: Kind
    name: str

    @property
    def is_listener(self) -> bool:
        """Say whether its downloads count: anything but a bot."""
        return self.kind != "bot"


class UserAgents:
    """The OPAWG lists, each pattern compiled once, and a cache of agents already seen."""

    def __init__(self, folder: Path) -> None:
        """Read and compile the lists in `folder`: none there is none, a broken one an error."""
        self.patterns: list[tuple[re.Pattern[str], Agent]] = []
        self.source: dict[str, str] = {}
        if not (folder / "source.toml").is_file():
            log.warning(
                "no OPAWG lists in %s: bots count as listeners (make user-agents brings them)",
                folder,
            )
        else:
            self.source = tomllib.loads((folder / "source.toml").read_text())
            self._compile(folder)
        self.identify = lru_cache(maxsize=CACHED_AGENTS)(self.match)

    @property
    def available(self) -> bool:
        """Say whether the lists were there: without them nothing is a bot."""
        return bool(self.source)

    def _compile(self, folder: Path) -> None:
        """Compile every pattern in OPAWG's order; a missing list or a bad pattern is an error."""
        for name, kind in ORDER:
            try:
                entries = json.loads((folder / f"{name}.json").read_text())["entries"]
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"{folder}/{name}.json is missing: `make user-agents` brings OPAWG's lists"
                ) from None
            for entry in entries:
                entry_kind: Kind = "bot" if entry.get("category") == "bot" else kind
                try:
                    pattern = re.compile(entry["pattern"])
                except re.error as error:
                    raise ValueError(f"{name}.json: {entry['name']}: {error}") from error
                self.patterns.append((pattern, Agent(entry_kind, entry["name"])))

    def match(self, user_agent: str) -> Agent:
        """Return the client the first matching pattern names (OPAWG: newlines removed first)."""
        agent = user_agent[:MAX_AGENT_LENGTH].replace("\n", "")
        for pattern, client in self.patterns:
            if pattern.search(agent):
                return client
        return Agent("unknown", UNKNOWN)


def init_app(app: Quart) -> None:
    """Compile the lists once at start-up (40-70 ms), never in a request."""
    app.extensions[EXTENSION] = UserAgents(get_settings(app).user_agents_dir)


def get_user_agents() -> UserAgents:
    """Return the running app's compiled lists."""
    user_agents: UserAgents = current_app.extensions[EXTENSION]
    return user_agents
