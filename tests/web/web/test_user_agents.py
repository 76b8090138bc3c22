"""Telling podcast apps from bots with OPAWG's lists, as OPAWG says to match them."""

import json
import logging
import time
from pathlib import Path

import pytest

from podcast_site.web.user_agents import Agent, UserAgents
from tests.web.paths import FIXTURE_USER_AGENTS

# Real user agents, as OPAWG's own examples and the apps' logs show them.
APPLE_PODCASTS = "Podcasts/1650.20 CFNetwork/1333.0.4 Darwin/21.5.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)
LISTS = ("bots", "apps", "libraries", "browsers")


@pytest.fixture(scope="module")
def user_agents() -> UserAgents:
    """The tests' stand-in lists, in OPAWG's shape, compiled once."""
    return UserAgents(FIXTURE_USER_AGENTS)


@pytest.mark.parametrize(
    ("user_agent", "kind", "name"),
    [
        (APPLE_PODCASTS, "app", "Apple Podcasts"),
        (OVERCAST, "app", "Overcast"),
        ("Spotify/8.9.2 Android/33 (SM-G991B)", "app", "Spotify"),
        (GOOGLEBOT, "bot", "Googlebot"),
        ("curl/8.5.0", "bot", "curl"),
        # A library OPAWG marks as a bot's: scripts, not players.
        ("python-httpx/0.28.1", "bot", "python-httpx"),
        # Players' libraries, and browsers (web players), are listeners.
        ("AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X)", "library", None),
        (CHROME, "browser", "Chrome"),
        ("x4711", "unknown", "Unknown"),
        ("", "unknown", "Unknown"),
    ],
)
def test_a_user_agent_is_what_the_first_matching_list_entry_says(
    user_agents: UserAgents, user_agent: str, kind: str, name: str | None
) -> None:
    agent = user_agents.identify(user_agent)
    assert agent.kind == kind
    assert name is None or agent.name == name
    assert agent.is_listener is (kind != "bot")


def test_the_bots_list_is_matched_before_the_apps(user_agents: UserAgents) -> None:
    # OPAWG's order: a bot that names an app in its agent is still a bot.
    assert user_agents.identify(f"{OVERCAST} Googlebot/2.1").kind == "bot"


def test_the_lists_say_which_commit_they_are_from(user_agents: UserAgents) -> None:
    assert user_agents.available
    assert user_agents.source["repository"] == "https://github.com/opawg/user-agents-v2"


def test_no_lists_count_everyone_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A fresh clone that never ran make user-agents: the site still starts.
    with caplog.at_level(logging.WARNING):
        agents = UserAgents(tmp_path / "user-agents")
    assert not agents.available
    assert agents.identify(GOOGLEBOT) == Agent("unknown", "Unknown")
    assert "make user-agents" in caplog.text


def test_a_pattern_python_cannot_compile_is_an_error_that_names_it(tmp_path: Path) -> None:
    for name in LISTS:
        (tmp_path / f"{name}.json").write_text('{"entries": []}')
    broken = {"entries": [{"name": "Lookbehind app", "pattern": "(?<=a+)b"}]}
    (tmp_path / "apps.json").write_text(json.dumps(broken))
    (tmp_path / "source.toml").write_text('commit = "0"')

    with pytest.raises(ValueError, match=r"apps\.json: Lookbehind app: "):
        UserAgents(tmp_path)


def test_a_list_missing_beside_the_others_is_an_error_that_says_how_to_bring_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "source.toml").write_text('commit = "0"')
    with pytest.raises(FileNotFoundError, match=r"bots\.json is missing: `make user-agents`"):
        UserAgents(tmp_path)


def test_a_huge_made_up_agent_costs_no_more_than_a_real_one(user_agents: UserAgents) -> None:
    started = time.perf_counter()
    assert user_agents.match("x" * 1_000_000) == Agent("unknown", "Unknown")
    # Only its first 1,000 characters are read: a real one takes microseconds.
    assert time.perf_counter() - started < 0.1
