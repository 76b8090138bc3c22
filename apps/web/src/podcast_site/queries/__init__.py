"""Read and write the site's data: small functions that take the session first."""

from podcast_site.queries.episodes import *  # noqa: F403
