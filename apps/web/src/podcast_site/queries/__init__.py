"""Read and write the site's data: small functions that take the session first, by subject.

Each query loads what its page shows, no more, in one round trip where it
can: a page's rows come back as small frozen dataclasses, never as ORM
objects, and never with the long texts a page does not show. The ORM models
(core/models.py) are for writing. Call sites read `queries.list_episodes`,
whichever module it lives in.
"""

from podcast_site.queries.announcements import (
    NewlyPublic,
    list_newly_public_episodes,
    queue_announcements,
    record_announcement,
)
from podcast_site.queries.downloads import (
    EpisodeDownloads,
    add_download_salt,
    delete_past_download_days,
    get_download_target,
    list_daily_downloads,
    list_episode_downloads,
    record_download,
)
from podcast_site.queries.episodes import (
    COUNT_EPISODES,
    TRANSCRIPT_OPENING_CHARACTERS,
    EpisodeChapters,
    EpisodeItem,
    EpisodeTranscript,
    FullEpisode,
    GuestLink,
    SponsorCard,
    count_episodes,
    get_episode,
    get_episode_chapters,
    get_episode_preview,
    get_episode_transcript,
    get_public_episode_by_id,
    is_removed,
    list_episodes,
    list_feed_episodes,
)
from podcast_site.queries.guests import (
    GuestItem,
    GuestPage,
    get_guest,
    list_guest_episodes,
    list_guests,
)
from podcast_site.queries.mail import (
    MailQueue,
    claim_due_email,
    count_confirmations_since,
    count_sent_since,
    delete_old_emails,
    get_mail_queue,
    mark_email_dead,
    mark_email_failed,
    mark_email_sent,
    queue_email,
)
from podcast_site.queries.rate_limits import count_request, delete_ended_rate_limit_windows
from podcast_site.queries.release import (
    UnreleasedEpisode,
    count_waiting_announcements,
    list_unreleased_episodes,
)
from podcast_site.queries.revision import get_content_revision
from podcast_site.queries.search import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    SearchHit,
    SearchHits,
    search_episodes,
)
from podcast_site.queries.sitemap import EpisodeUrls, list_episode_urls, list_guest_slugs
from podcast_site.queries.sponsors import list_sponsors
from podcast_site.queries.subscribers import add_subscriber, get_subscriber, mark_bounced

__all__ = [
    "COUNT_EPISODES",
    "HIGHLIGHT_START",
    "HIGHLIGHT_STOP",
    "EpisodeChapters",
    "EpisodeDownloads",
    "EpisodeItem",
    "EpisodeTranscript",
    "EpisodeUrls",
    "FullEpisode",
    "TRANSCRIPT_OPENING_CHARACTERS",
    "GuestItem",
    "GuestLink",
    "GuestPage",
    "MailQueue",
    "NewlyPublic",
    "SearchHit",
    "SearchHits",
    "SponsorCard",
    "UnreleasedEpisode",
    "add_download_salt",
    "add_subscriber",
    "claim_due_email",
    "count_confirmations_since",
    "count_episodes",
    "count_request",
    "count_sent_since",
    "count_waiting_announcements",
    "delete_old_emails",
    "delete_ended_rate_limit_windows",
    "delete_past_download_days",
    "get_content_revision",
    "get_download_target",
    "get_episode",
    "get_episode_chapters",
    "get_episode_preview",
    "get_episode_transcript",
    "get_public_episode_by_id",
    "is_removed",
    "get_guest",
    "get_mail_queue",
    "get_subscriber",
    "list_daily_downloads",
    "list_episode_downloads",
    "list_episode_urls",
    "list_episodes",
    "list_feed_episodes",
    "list_guest_episodes",
    "list_guest_slugs",
    "list_guests",
    "list_newly_public_episodes",
    "list_unreleased_episodes",
    "list_sponsors",
    "mark_bounced",
    "mark_email_dead",
    "mark_email_failed",
    "mark_email_sent",
    "queue_announcements",
    "queue_email",
    "record_announcement",
    "record_download",
    "search_episodes",
]
