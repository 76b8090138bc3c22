"""Every relative link in the repository's Markdown leads to a file, and to a heading it names."""

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# Hugo's pages link by site URL (/blog/...), which only the built site resolves.
SKIPPED = ("static-site/content/", ".venv/", "node_modules/", ".test-artifacts/")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def markdown_files() -> list[Path]:
    """Return the repository's Markdown files that link by relative path."""
    return sorted(
        path
        for path in REPO_ROOT.rglob("*.md")
        if not str(path.relative_to(REPO_ROOT)).startswith(SKIPPED)
    )


def anchors(path: Path) -> set[str]:
    """Return the anchors GitHub gives a file's headings (lower case, hyphens, no punctuation)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def name_of(path: Path) -> str:
    """Name a test case by the file's path in the repository."""
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("path", markdown_files(), ids=name_of)
def test_relative_links_lead_somewhere(path: Path) -> None:
    broken = []
    for target in LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z]+:", target) or target.startswith("/"):
            continue  # https:, mailto:, and the site's own URLs
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert not broken, "\n".join(broken)


def test_the_link_checker_sees_the_docs() -> None:
    names = {name_of(path) for path in markdown_files()}
    assert {"README.md", "FORKING.md", "docs/operations.md", "docs/workshop/README.md"} <= names
