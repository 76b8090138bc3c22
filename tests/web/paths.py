"""Locate the app's files from the tests, wherever the repository is checked out."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_APP = REPO_ROOT / "apps" / "web"
ALEMBIC_INI = str(WEB_APP / "alembic.ini")
DEMO_CONTENT = WEB_APP / "content"
