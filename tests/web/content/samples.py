"""A small content folder the content tests write and vary."""

from pathlib import Path

EPISODE = """---
number: 1
title: "Hello & welcome"
summary: A first episode.
published: 2026-01-06
duration: "01:02:03"
audio_url: https://cdn.test.example/1.mp3
audio_bytes: 1000
guests: [ada]
---
Some *notes* <script>alert(1)</script>
"""


def write_content(root: Path, episode: str = EPISODE) -> Path:
    (root / "guests").mkdir(parents=True)
    (root / "episodes").mkdir()
    (root / "guests" / "ada.md").write_text("---\nname: Ada\n---\nA bio.\n")
    (root / "episodes" / "001-hello.md").write_text(episode)
    return root
