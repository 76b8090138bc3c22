"""Download numbers a sponsor accepts: bots and made-up agents through Caddy do not inflate them."""

import csv
import io
import time
from datetime import UTC, datetime

import httpx

from podcast_site.core.settings import Settings
from tests.stack.conftest import Stack, progress
from tests.stack.test_site import SITE

# No other stack test downloads the oldest episode: its count is this test's.
OLDEST = SITE.episodes[0]
LIMIT = Settings.model_fields["listeners_per_address"].default
# Real agents, as OPAWG's examples list them.
APPLE_PODCASTS = "Podcasts/1650.20 CFNetwork/1333.0.4 Darwin/21.5.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
CRAWLERS_AND_BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "curl/8.5.0",
    "Wget/1.21.3",
    "python-requests/2.32.3",
]
ROTATING_AGENTS = 1000


def downloads_by_app(stack: Stack, number: int) -> dict[str, int]:
    """Return today's downloads of an episode by app, as `make downloads CSV=1` writes them."""
    today = datetime.now(UTC).date().isoformat()
    output = stack.make("downloads", CSV="1")
    # Only the CSV's lines: compose's progress shares the output.
    lines = [line for line in output.splitlines() if line.startswith(f"{today},{number},")]
    columns = ["day", "episode", "title", "app", "downloads"]
    rows = csv.DictReader(io.StringIO("\n".join(lines)), fieldnames=columns)
    return {row["app"]: int(row["downloads"]) for row in rows}


def test_bots_and_a_thousand_made_up_agents_from_one_address_do_not_inflate_the_count(
    stack: Stack, client: httpx.Client
) -> None:
    path = f"/episodes/download/{OLDEST.meta.number}/{OLDEST.slug}.mp3"
    # The real apps first, while the address is under its limit. One probes
    # the first two bytes before its real request: it counts once.
    assert client.get(path, headers={"User-Agent": APPLE_PODCASTS}).status_code == 302
    for asked in ("bytes=0-1", "bytes=0-"):
        client.get(path, headers={"User-Agent": OVERCAST, "Range": asked})

    started = time.monotonic()
    for agent in CRAWLERS_AND_BOTS:
        assert client.get(path, headers={"User-Agent": agent}).status_code == 302
    # Every test request comes from one address (Docker's gateway), as a script's would.
    for n in range(ROTATING_AGENTS):
        response = client.get(path, headers={"User-Agent": f"RotatingPlayer/{n}"})
        assert response.status_code == 302  # each still gets the audio
    progress(f"downloads: {ROTATING_AGENTS} rotating agents in {time.monotonic() - started:.1f} s")

    counted = downloads_by_app(stack, OLDEST.meta.number)
    # The apps counted once each, the bots nothing, and the made-up agents
    # only what the address had left of its limit.
    assert counted == {"Apple Podcasts": 1, "Overcast": 1, "Unknown": LIMIT - 2}
    assert sum(counted.values()) == LIMIT
