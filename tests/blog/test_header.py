"""The blog's header: Hugo builds it from the app's own navigation list."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from podcast_site.web.templating import read_navigation
from tests.blog.headers import header_links

REPO_DIR = Path(__file__).resolve().parents[2]


def hugo() -> str:
    """Return Hugo's path: the `blog` group's, beside this Python, or on PATH; else fail."""
    beside = Path(sys.executable).with_name("hugo")
    path = str(beside) if beside.exists() else shutil.which("hugo")
    if path is None:
        pytest.fail(
            "Hugo is not installed: `uv sync --group blog` (make check has it)", pytrace=False
        )
    return path


@pytest.fixture(scope="module")
def built_blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the blog as the Caddy image does, into a folder of its own."""
    public = tmp_path_factory.mktemp("blog")
    subprocess.run(
        [hugo(), "--quiet", "--panicOnWarning", "--minify", "-s", "static-site", "-d", str(public),
         "--cacheDir", str(tmp_path_factory.mktemp("hugo-cache"))],
        cwd=REPO_DIR,
        check=True,
    )  # fmt: skip
    return public


def test_every_blog_page_has_the_apps_navigation(built_blog: Path) -> None:
    expected = [(link.path, link.label) for link in read_navigation()]
    pages = [built_blog / "index.html", *sorted(built_blog.glob("posts/*/index.html"))]
    assert len(pages) > 1, "the blog has posts"
    for page in pages:
        assert header_links(page.read_text(encoding="utf-8")) == expected, page
