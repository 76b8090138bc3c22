"""The formats of values that site.toml, the content folder and URLs all check: one home each."""

from typing import Annotated

from pydantic import Field

# Lower-case words of letters and digits joined by single hyphens: file names
# in the content folder, tags, and the slugs that URLs match (web/inputs.py).
SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG = rf"^{SLUG_PATTERN}$"

HttpsUrl = Annotated[str, Field(pattern=r"^https://\S+$", max_length=500)]
# A path on this site (`/media/cover.png`) or a full https:// URL.
SiteOrHttpsUrl = Annotated[str, Field(pattern=r"^(/|https://)\S+$", max_length=500)]
# Audio and photos: a full https URL, or a path under MEDIA_BASE_URL
# (content/media/ on this site by default, a CDN in production), such as
# `audio/001-hello.mp3`. Lowercase, no `..`: a path can never leave that folder.
MEDIA_PATH = r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9._-]*)*"
MediaUrl = Annotated[str, Field(pattern=rf"^(https://\S+|{MEDIA_PATH})$", max_length=500)]

# The audio an episode may have, by the file's extension, and the type its
# enclosure declares (Apple Podcasts takes these three).
AUDIO_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "opus": "audio/ogg"}


def audio_extension(audio_url: str) -> str:
    """Return the extension an episode's audio is served with (`mp3` unless it says otherwise)."""
    extension = audio_url.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return extension if extension in AUDIO_TYPES else "mp3"
