"""Turn trusted-but-careless Markdown into HTML that is safe to show."""

import nh3
from markdown_it import MarkdownIt

# CommonMark plus tables and strikethrough; raw HTML in the source is kept as
# text, and whatever survives rendering is still cleaned by nh3 below.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(source: str) -> str:
    """Render Markdown to sanitised HTML: no scripts, no event handlers, safe links only."""
    return nh3.clean(
        _markdown.render(source),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
