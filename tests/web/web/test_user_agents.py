"""Telling podcast apps from bots with the OPAWG lists, as OPAWG says to match them."""

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest

from podcast_site.web.user_agents import LISTS, Agent, UserAgents, load_user_agents

# Real user agents, as OPAWG's own examples and the apps' logs show them.
APPLE_PODCASTS = "Podcasts/1650.20 CFNetwork/1333.0.4 Darwin/21.5.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "kind", "name"),
    [
        (APPLE_PODCASTS, "app", "Apple Podcasts"),
        (OVERCAST, "app", "Overcast"),
        ("Spotify/8.9.2 Android/33 (SM-G991B)", "app", "Spotify"),
        ("AntennaPod/3.4.0", "app", "AntennaPod"),
        (GOOGLEBOT, "bot", "Googlebot"),
        ("curl/8.5.0", "bot", "curl"),
        # A library OPAWG marks as a bot's: scripts, not players.
        ("python-httpx/0.28.1", "bot", "python-httpx"),
        ("Go-http-client/1.1", "bot", "Go Http Client"),
        # Players' libraries, and browsers (web players), are listeners.
        ("AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X)", "library", None),
        (CHROME, "browser", "Chrome"),
        ("x4711", "unknown", "Unknown"),
        ("", "unknown", "Unknown"),
    ],
)
def test_a_user_agent_is_what_the_first_matching_list_entry_says(
    user_agent: str, kind: str, name: str | None
) -> None:
    agent = load_user_agents().identify(user_agent)
    assert agent.kind == kind
    assert name is None or agent.name == name
    assert agent.is_listener is (kind != "bot")


def test_the_bots_list_is_matched_before_the_apps() -> None:
    # OPAWG's order: a bot that names an app in its agent is still a bot.
    assert load_user_agents().identify(f"{OVERCAST} Googlebot/2.1").kind == "bot"


def test_the_lists_come_with_their_licence_and_the_commit_they_are_from() -> None:
    licence = (LISTS / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "Open Podcast Analytics Working Group" in licence
    source = load_user_agents().source
    assert source["repository"] == "https://github.com/opawg/user-agents-v2"
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert date.fromisoformat(source["copied"]) >= date.fromisoformat(source["committed"][:10])


def test_every_pattern_of_the_lists_compiles_in_python() -> None:
    entries = sum(len(json.loads((LISTS / f"{name}.json").read_text())["entries"])
                  for name in ("bots", "apps", "libraries", "browsers"))  # fmt: skip
    assert len(load_user_agents().patterns) == entries > 800


def test_a_pattern_python_cannot_compile_is_an_error_that_names_it(tmp_path: Path) -> None:
    for name in ("bots", "apps", "libraries", "browsers"):
        (tmp_path / f"{name}.json").write_text('{"entries": []}')
    broken = {"entries": [{"name": "Lookbehind app", "pattern": "(?<=a+)b"}]}
    (tmp_path / "apps.json").write_text(json.dumps(broken))
    (tmp_path / "source.toml").write_text("")

    with pytest.raises(ValueError, match=r"apps\.json: Lookbehind app: "):
        UserAgents(tmp_path)


def test_a_huge_made_up_agent_costs_no_more_than_a_real_one() -> None:
    agents = load_user_agents()
    started = time.perf_counter()
    assert agents.match("x" * 1_000_000) == Agent("unknown", "Unknown")
    # Only its first 1,000 characters are read: a real one takes 0.1-0.5 ms.
    assert time.perf_counter() - started < 0.1


def test_missing_lists_are_an_error_that_says_how_to_bring_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"bots\.json is missing: `make user-agents`"):
        UserAgents(tmp_path)
