"""The JSON API: episodes and search, described by /openapi.json."""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from quart import Blueprint, abort
from quart_schema import (
    OpenAPIProvider,
    document_response,
    validate_querystring,
    validate_response,
)
from quart_schema.typing import Model
from werkzeug.routing import BaseConverter, Rule

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.queries import EpisodeItem
from podcast_site.views.search import MAX_QUERY_LENGTH, clean_query
from podcast_site.web.inputs import (
    MAX_EPISODE_NUMBER,
    WITHOUT_CONTROL_CHARACTERS,
    EpisodeNumberConverter,
    QueryInteger,
)
from podcast_site.web.page_cache import content_page
from podcast_site.web.rate_limits import limited
from podcast_site.web.templating import url_for

blueprint = Blueprint("api", __name__, url_prefix="/api")

MAX_PAGE_SIZE = 100


class ApiOnlyOpenAPIProvider(OpenAPIProvider):
    """Describe only the JSON API in /openapi.json, and describe it exactly.

    quart-schema (0.25) leaves three things out or wrong, which clients and
    schemathesis read: which query parameters are required, the bounds of an
    episode number, and where response headers go (it nests them in
    `content`; OpenAPI wants them beside it).
    """

    def generate_rules(self) -> Iterable[Rule]:
        """Keep the rules under /api/."""
        return (rule for rule in super().generate_rules() if rule.rule.startswith("/api/"))

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        """Give an episode number its bounds: others match no route (404)."""
        parameter = super().build_path_parameter(name, converter)
        if isinstance(converter, EpisodeNumberConverter):
            parameter["schema"] |= {"minimum": 1, "maximum": MAX_EPISODE_NUMBER}
        return parameter

    def build_querystring_parameters(
        self, model: type[Model]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Mark the parameters without a default as required."""
        parameters, definitions = super().build_querystring_parameters(model)
        assert issubclass(model, BaseModel)  # the API's query models are all pydantic's
        for parameter in parameters:
            if model.model_fields[parameter["name"]].is_required():
                parameter["required"] = True
        return parameters, definitions

    def build_response_object(
        self, model: type[Model], headers_model: type[Model] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Put the response's headers where OpenAPI looks for them, marked required."""
        response, definitions = super().build_response_object(model, headers_model)
        if headers := response["content"].pop("headers", None):
            response["headers"] = {
                name: header | {"required": True} for name, header in headers.items()
            }
        return response, definitions


class ApiError(BaseModel):
    """An error: its HTTP status, its name, and what to do about it (errors.py writes these)."""

    status: int
    error: str
    message: str
    # The invalid parameters, for a 400 from validation.
    details: list[dict[str, Any]] | None = None


class RetryAfter(BaseModel):
    """When the client may try again."""

    # Seconds to wait.
    retry_after: int = Field(ge=1)


def document_errors[View: Callable[..., object]](*statuses: int) -> Callable[[View], View]:
    """Describe the errors a view answers with; every one may also be 400 (bad input) or 429."""

    def decorator(view: View) -> View:
        for status in sorted({400, 429, *statuses}):
            headers = RetryAfter if status == 429 else None
            view = document_response(ApiError, status, headers)(view)
        return view

    return decorator


class EpisodeListQuery(BaseModel):
    """Which page of episodes to return, newest first."""

    page: QueryInteger = Field(default=1, ge=1, le=10_000)
    per_page: QueryInteger = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class SearchQuery(BaseModel):
    """What to search for, and how many results at most."""

    q: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH, pattern=WITHOUT_CONTROL_CHARACTERS)
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
    published_on: date
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


class EpisodePage(BaseModel):
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
    # How many episodes match in all: `limit` caps only the items returned.
    total: int
    items: list[SearchResult]


def summarise(episode: EpisodeItem) -> dict[str, object]:
    """Return the fields every episode in the API has."""
    return {
        "number": episode.number,
        "title": episode.title,
        "summary": episode.summary,
        "published_on": episode.published_on,
        "duration_seconds": episode.duration_seconds,
        "url": url_for("episodes.show", number=episode.number, slug=episode.slug, _external=True),
        "audio_url": url_for(
            "episodes.download", number=episode.number, slug=episode.slug, _external=True
        ),
        "guests": [
            GuestSummary(
                name=guest.name, url=url_for("pages.guest", slug=guest.slug, _external=True)
            )
            for guest in episode.guests
        ],
    }


# The cache decorator goes outermost: it stores the finished JSON response.
@blueprint.get("/episodes")
@limited("api")
@content_page(query=("page", "per_page"))
@document_errors()
@validate_querystring(EpisodeListQuery)
@validate_response(EpisodePage)
async def list_episodes(query_args: EpisodeListQuery) -> EpisodePage:
    """List episodes, newest first, a page at a time."""
    session = get_session()
    total = await queries.count_episodes(session)
    episodes = await queries.list_episodes(
        session, offset=(query_args.page - 1) * query_args.per_page, limit=query_args.per_page
    )
    has_more = query_args.page * query_args.per_page < total
    return EpisodePage(
        items=[EpisodeSummary.model_validate(summarise(episode)) for episode in episodes],
        page=query_args.page,
        per_page=query_args.per_page,
        total=total,
        next_page=url_for(
            "api.list_episodes",
            page=query_args.page + 1,
            per_page=query_args.per_page,
            _external=True,
        )
        if has_more
        else None,
    )


@blueprint.get("/episodes/<episode_number:number>")
@limited("api")
@content_page()
@document_errors(404)
@validate_response(EpisodeDetail)
async def get_episode(number: int) -> EpisodeDetail:
    """Return one episode by its number."""
    episode = await queries.get_episode(get_session(), number)
    if episode is None:
        abort(404, f"There is no episode {number}.")
    transcript_url = (
        url_for("episodes.transcript", number=number, slug=episode.slug, _external=True)
        if episode.has_transcript
        else None
    )
    return EpisodeDetail.model_validate(
        summarise(episode)
        | {
            "show_notes_html": episode.show_notes_html,
            "transcript_url": transcript_url,
            "tags": episode.tags,
            "sponsors": [sponsor.name for sponsor in episode.sponsors],
        }
    )


@blueprint.get("/search")
@limited("api", "search")
@content_page(store="search_cache", query=("q", "limit"))
@document_errors()
@validate_querystring(SearchQuery)
@validate_response(SearchResults)
async def search(query_args: SearchQuery) -> SearchResults:
    """Search titles, summaries, show notes and transcripts."""
    text = clean_query(query_args.q)
    found = queries.SearchHits([], 0)
    if text:
        found = await queries.search_episodes(get_session(), text, limit=query_args.limit)
    return SearchResults(
        query=text,
        total=found.total,
        items=[
            SearchResult(
                number=hit.number,
                title=hit.title,
                url=url_for("episodes.show", number=hit.number, slug=hit.slug, _external=True),
                rank=hit.rank,
                snippet=hit.snippet.replace(queries.HIGHLIGHT_START, "").replace(
                    queries.HIGHLIGHT_STOP, ""
                ),
            )
            for hit in found.hits
        ],
    )
