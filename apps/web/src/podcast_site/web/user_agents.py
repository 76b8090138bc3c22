"""Tell podcast apps from bots by their User-Agent, with the OPAWG lists (data/opawg/).

The lists are OPAWG's user-agents-v2 (MIT licensed, `make user-agents`
updates them; data/opawg/source.toml says from which commit), matched as
OPAWG says to: bots, then apps, then libraries, then browsers, each list in
its order, the first pattern that matches deciding. A library OPAWG marks
`bot` (curl-like clients: python-httpx, Go-http-client, okhttp) counts as a
bot. What matches nothing is an unknown client, and counts: new apps appear
faster than any list, and the per-address limit bounds what a made-up
agent can add (queries/downloads.py).
"""

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal

from quart import Quart, current_app

EXTENSION = "podcast_site.user_agents"
LISTS = files("podcast_site") / "data" / "opawg"
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

    def __init__(self, folder: Traversable = LISTS) -> None:
        """Read and compile the lists in `folder`; a pattern Python cannot compile is an error."""
        self.patterns: list[tuple[re.Pattern[str], Agent]] = []
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
        self.source = tomllib.loads((folder / "source.toml").read_text())
        self.identify = lru_cache(maxsize=CACHED_AGENTS)(self.match)

    def match(self, user_agent: str) -> Agent:
        """Return the client the first matching pattern names (OPAWG: newlines removed first)."""
        agent = user_agent[:MAX_AGENT_LENGTH].replace("\n", "")
        for pattern, client in self.patterns:
            if pattern.search(agent):
                return client
        return Agent("unknown", UNKNOWN)


@lru_cache(maxsize=1)
def load_user_agents() -> UserAgents:
    """Return the packaged lists, compiled once per process (40-70 ms)."""
    return UserAgents()


def init_app(app: Quart) -> None:
    """Compile the lists at start-up, never in a request."""
    app.extensions[EXTENSION] = load_user_agents()


def get_user_agents() -> UserAgents:
    """Return the running app's compiled lists."""
    user_agents: UserAgents = current_app.extensions[EXTENSION]
    return user_agents
