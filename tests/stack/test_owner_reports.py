"""Numbers for the owner, with no tracker: make downloads and make traffic on the running site."""

import re

import httpx

from tests.stack.conftest import Stack
from tests.stack.test_site import NEWEST

OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


def test_make_downloads_counts_what_listeners_fetched(stack: Stack, client: httpx.Client) -> None:
    path = f"/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"
    for player in ("Report/1", "Report/2"):  # two listeners
        assert client.get(path, headers={"User-Agent": player}).status_code == 302

    report = stack.make("downloads")

    (row,) = [line for line in report.splitlines() if line.startswith(f"#{NEWEST.meta.number} ")]
    last_7, last_30, all_time = map(int, row.split()[-3:])
    assert last_7 >= 2 and last_30 >= last_7 and all_time >= last_30
    assert "downloads a day" in report


def test_make_traffic_reports_pages_404s_and_podcast_apps(
    stack: Stack, client: httpx.Client
) -> None:
    client.get("/episodes/rss", headers={"User-Agent": OVERCAST})
    client.get("/", headers={"Referer": "https://news.example/podcasts"})
    assert client.get("/no-such-page-for-the-report").status_code == 404

    output = stack.make("traffic", TRAFFIC_DIR=str(stack.artifacts / "traffic"))

    written = re.search(r"Traffic report: (\S+\.html)", output)
    assert written, output
    report = (stack.artifacts / "traffic" / written[1].rsplit("/", 1)[-1]).read_text()
    assert "Podcast apps" in report and "Overcast" in report
    assert "/no-such-page-for-the-report" in report
    assert "news.example" in report
    # Anonymised: no visitor's full address in the report.
    assert not re.search(r"172\.\d+\.\d+\.[1-9]\d*\b", report)
