"""The JSON API's routes: episodes and search, described by /openapi.json."""

from quart import Blueprint, abort
from quart_schema import validate_querystring, validate_response

from podcast_site import queries
from podcast_site.core.database import get_session
from podcast_site.queries import EpisodeItem
from podcast_site.views.api.openapi import document_errors
from podcast_site.views.api.schemas import (
    EpisodeDetail,
    EpisodeListPage,
    EpisodeListQuery,
    EpisodeSummary,
    GuestSummary,
    SearchQuery,
    SearchResult,
    SearchResults,
)
from podcast_site.web.inputs import clean_search
from podcast_site.web.page_cache import cached_page
from podcast_site.web.rate_limits import limited
from podcast_site.web.templating import download_url, local_day, url_for

blueprint = Blueprint("api", __name__, url_prefix="/api")


def summarise(episode: EpisodeItem) -> dict[str, object]:
    """Return the fields every episode in the API has."""
    return {
        "number": episode.number,
        "title": episode.title,
        "summary": episode.summary,
        "published_on": local_day(episode.published_at),
        "published_at": episode.published_at,
        "duration_seconds": episode.duration_seconds,
        "url": url_for("episodes.show", number=episode.number, slug=episode.slug, _external=True),
        "audio_url": download_url(episode, external=True),
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
@cached_page(query=("page", "per_page"))
@document_errors()
@validate_querystring(EpisodeListQuery)
@validate_response(EpisodeListPage)
async def list_episodes(query_args: EpisodeListQuery) -> EpisodeListPage:
    """List episodes, newest first, a page at a time."""
    session = get_session()
    total = await queries.count_episodes(session)
    episodes = await queries.list_episodes(
        session, offset=(query_args.page - 1) * query_args.per_page, limit=query_args.per_page
    )
    has_more = query_args.page * query_args.per_page < total
    return EpisodeListPage(
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
@cached_page()
@document_errors(404, 410)
@validate_response(EpisodeDetail)
async def get_episode(number: int) -> EpisodeDetail:
    """Return one episode by its number (410 once it was taken down)."""
    session = get_session()
    episode = await queries.get_episode(session, number)
    if episode is None:
        if await queries.is_removed(session, number):
            abort(410, f"Episode {number} was taken down.")
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
@cached_page(store="searches", query=("q", "limit"))
@document_errors()
@validate_querystring(SearchQuery)
@validate_response(SearchResults)
async def search(query_args: SearchQuery) -> SearchResults:
    """Search titles, summaries, show notes and transcripts."""
    text = clean_search(query_args.q)
    found = queries.SearchHits([], 0)
    if text:
        found = await queries.search_episodes(get_session(), text, limit=query_args.limit)
    return SearchResults(
        query=text,
        total=found.total,
        capped=found.capped,
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
