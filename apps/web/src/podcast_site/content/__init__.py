"""The content folder: its format, how it is read and checked, and its import into the database."""

from podcast_site.content.reader import *  # noqa: F403
