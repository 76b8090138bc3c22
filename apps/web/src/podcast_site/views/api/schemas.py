"""The API's request and response models: what /openapi.json describes and clients rely on."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from podcast_site.web.inputs import MAX_SEARCH_LENGTH, WITHOUT_CONTROL_CHARACTERS, QueryInteger

MAX_PAGE_SIZE = 100


class ApiError(BaseModel):
    """An error: its HTTP status, its name, and what to do about it (web/error_pages.py)."""

    status: int
    error: str
    message: str
    # The invalid parameters, for a 400 from validation.
    details: list[dict[str, Any]] | None = None


class RetryAfter(BaseModel):
    """When the client may try again."""

    # Seconds to wait.
    retry_after: int = Field(ge=1)


class EpisodeListQuery(BaseModel):
    """Which page of episodes to return, newest first."""

    page: QueryInteger = Field(default=1, ge=1, le=10_000)
    per_page: QueryInteger = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class SearchQuery(BaseModel):
    """What to search for, and how many results at most."""

    q: str = Field(min_length=1, max_length=MAX_SEARCH_LENGTH, pattern=WITHOUT_CONTROL_CHARACTERS)
    limit: QueryInteger = Field(default=10, ge=1, le=50)


class GuestSummary(BaseModel):
    """A guest, as listed on an episode."""

    name: str
    url: str


class EpisodeSummary(BaseModel):
    """An episode in a list."""

    number: int
    title: str
    summary: str
    # The day where the show lives (site.toml's time_zone), and the instant.
    published_on: date
    published_at: datetime
    duration_seconds: int
    url: str
    audio_url: str
    guests: list[GuestSummary]


class EpisodeDetail(EpisodeSummary):
    """One episode with its notes."""

    show_notes_html: str
    transcript_url: str | None
    tags: list[str]
    sponsors: list[str]


class EpisodeListPage(BaseModel):
    """A page of episodes and where the next one is."""

    items: list[EpisodeSummary]
    page: int
    per_page: int
    total: int
    next_page: str | None


class SearchResult(BaseModel):
    """An episode that matched, with a plain-text snippet."""

    number: int
    title: str
    url: str
    rank: float
    snippet: str


class SearchResults(BaseModel):
    """Results for one query, best first."""

    query: str
    # How many episodes match in all, counted up to
    # queries.MAX_SEARCH_RESULTS: `limit` caps only the items returned.
    total: int
    # True when more than `total` episodes match.
    capped: bool
    items: list[SearchResult]
