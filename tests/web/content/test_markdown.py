"""Markdown rendering: useful HTML in, nothing dangerous out."""

import re

import pytest

from podcast_site.content.markdown import render_markdown


def test_common_markdown_renders() -> None:
    html = render_markdown("## Topics\n\n- **bold** and `code`\n\n[docs](https://example.org)")
    assert "<h2>Topics</h2>" in html
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://example.org" rel="noopener nofollow">docs</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_nothing_executable_survives(source: str) -> None:
    tags = re.findall(r"<[^>]+>", render_markdown(source).lower())
    # Whatever was not allowed is now escaped text; the real tags are harmless.
    assert set(tags) <= {"<p>", "</p>", "</a>"} | {t for t in tags if t.startswith("<a href=")}
    for tag in tags:
        assert not re.search(r"\son\w+=", tag), tag
        assert 'href="javascript:' not in tag and 'href="data:' not in tag
