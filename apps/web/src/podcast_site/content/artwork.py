"""Check cover art as Apple Podcasts does: square, JPEG or PNG, RGB, 1400 to 3000 px a side.

Apple refuses a show whose cover breaks these rules, and shows no episode
art that does; other directories follow Apple. Only the image's header is
read (its format, mode and size), so checking a large file costs nothing.
"""

import warnings
from collections.abc import Callable
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from podcast_site.content.media import find_media
from podcast_site.content.reader import Content, ContentError

SMALLEST_SIDE, LARGEST_SIDE = 1400, 3000
# Each format Apple takes, and the extensions it wants it named with (the
# extension also sets the Content-Type the file is served with).
EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
# Apple's recommended most: apps fetch the art with the feed, on phones.
# Larger is a warning, not a refusal.
RECOMMENDED_BYTES = 512 * 1024
# Where cover_art (a path on this site) lives on disk: the media folders.
SITE_MEDIA_PREFIX = "/media/"


def image_problems(path: Path) -> list[str]:
    """Say what Apple Podcasts would refuse in an image file; an empty list if nothing."""
    try:
        # Pillow only warns of an image too large to decode safely; here
        # that is an answer (too many pixels), not a reason to decode it.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, mode, (width, height) = image.format, image.mode, image.size
                transparent = "A" in mode or "transparency" in image.info
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return [f"has more pixels than {LARGEST_SIDE} × {LARGEST_SIDE}, far more"]
    except (UnidentifiedImageError, OSError):
        return ["is not an image file Pillow can read: use JPEG or PNG"]
    if kind not in EXTENSIONS:
        return [f"is {kind}: Apple Podcasts takes JPEG or PNG"]
    problems = []
    if path.suffix.lower() not in EXTENSIONS[kind]:
        problems.append(f"is {kind} but named {path.suffix or 'without an extension'}:"
                        f" name it {' or '.join(EXTENSIONS[kind])}")  # fmt: skip
    if width != height:
        problems.append(f"is {width} × {height} px: cover art must be square")
    if not SMALLEST_SIDE <= max(width, height) <= LARGEST_SIDE:
        problems.append(
            f"is {width} × {height} px: Apple Podcasts takes {SMALLEST_SIDE} to {LARGEST_SIDE} px"
        )
    # RGB, or a palette of RGB colours; CMYK (print) and grayscale are refused.
    if mode.removesuffix("A") not in {"RGB", "P"}:
        problems.append(f"is in the {mode} colour mode: Apple Podcasts wants RGB")
    elif transparent:
        problems.append("has transparency, which apps fill with black or white: save it as RGB")
    return problems


def check_artwork(
    content: Content,
    cover_art: str,
    media_folders: list[Path],
    *,
    require: bool,
    warn: Callable[[str], None] = lambda line: None,
) -> int:
    """Check the show's cover art and each episode's image that is here; return how many were.

    Images elsewhere (an https:// URL) are not checked. With `require` (a
    deploy, on the server), the cover or a published episode's image with
    no file behind it is a problem too, as audio is: apps would show a
    broken picture.
    Raises ContentError with one line per problem.
    """
    # (label, media path, whether a deploy needs its file here)
    wanted = [
        (f"episodes/{e.meta.number}: image_url", e.meta.image_url, e.meta.status == "published")
        for e in content.episodes
    ]
    if cover_art.startswith(SITE_MEDIA_PREFIX):
        wanted.insert(0, ("site.toml: cover_art", cover_art.removeprefix(SITE_MEDIA_PREFIX), True))
    problems = []
    checked = 0
    for label, media_path, needed in wanted:
        if media_path is None or media_path.startswith("https://"):
            continue
        path = find_media(media_path, media_folders)
        if path is None:
            if require and needed:
                folders = " or ".join(str(folder) for folder in media_folders)
                problems.append(f"{label}: {media_path} is not in this site's media ({folders})")
            continue
        checked += 1
        problems += [f"{label}: {media_path} {problem}" for problem in image_problems(path)]
        if (size := path.stat().st_size) > RECOMMENDED_BYTES:
            warn(
                f"warning: {label}: {media_path} is {size // 1024} KB: Apple recommends at most"
                f" {RECOMMENDED_BYTES // 1024} KB, as apps download it on phones"
            )
    if problems:
        raise ContentError.listing("cover art that Apple Podcasts would refuse", problems)
    return checked
