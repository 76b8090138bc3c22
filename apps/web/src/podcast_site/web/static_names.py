"""Name static files by their content, so a URL never means two different files.

The app links to `site.<first 12 hex of sha256>.css`; Caddy's image holds
copies under those names. infra/caddy/Dockerfile runs this file as a script
to write the copies, and the app imports it to link to them: one
implementation, so the two cannot disagree. Standard library only.
"""

import hashlib
import shutil
import sys
from pathlib import Path


def hashed_name(path: Path) -> str:
    """Return `site.css` as `site.<12 hex of its sha256>.css`."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.stem}.{digest}{path.suffix}"


def hashed_names(folder: Path) -> dict[str, str]:
    """Map each file's path under `folder` to its content-hashed path."""
    return {
        str(path.relative_to(folder)): str(path.relative_to(folder).with_name(hashed_name(path)))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_hashed_copies(folder: Path) -> None:
    """Copy each file in `folder` to its content-hashed name beside it."""
    for name, hashed in hashed_names(folder).items():
        shutil.copyfile(folder / name, folder / hashed)


if __name__ == "__main__":
    write_hashed_copies(Path(sys.argv[1]))
