"""Locate the app's files from the tests, wherever the repository is checked out."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_APP = REPO_ROOT / "apps" / "web"
ALEMBIC_INI = str(WEB_APP / "alembic.ini")
# The site's own identity and content: the demo here, a fork's own show in a fork.
SITE_FILE = REPO_ROOT / "site.toml"
SITE_CONTENT = REPO_ROOT / "content"
# The fork guide, which lists what site.toml takes.
FORKING_GUIDE = REPO_ROOT / "FORKING.md"
# What the app tests run with, so that replacing the two above breaks no test.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_SITE_FILE = FIXTURES / "site.toml"
FIXTURE_CONTENT = FIXTURES / "content"
# A few entries in the shape of OPAWG's lists, which git does not hold.
FIXTURE_USER_AGENTS = FIXTURES / "user-agents"
