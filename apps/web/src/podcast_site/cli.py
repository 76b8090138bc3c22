"""Run the site's maintenance commands: `podcast-site --help`."""

import argparse
import asyncio
import csv
import io
import sys
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

import aiosmtplib
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from podcast_site import queries
from podcast_site.background.mailer import hand_over, smtp_server
from podcast_site.content.artwork import check_artwork
from podcast_site.content.importer import (
    import_content,
    stored_files,
    stored_guids,
    unchanged_audio,
)
from podcast_site.content.media import AudioError
from podcast_site.content.move_in import move_in
from podcast_site.content.new_episode import NewEpisodeError, parse_release_time, write_new_episode
from podcast_site.content.old_feed import FeedError
from podcast_site.content.reader import ContentError, check_audio, read_content
from podcast_site.content.synthetic import write_catalog
from podcast_site.core import privileges
from podcast_site.core.database import Database, create_engine, is_database_unavailable
from podcast_site.core.settings import Settings
from podcast_site.core.show import DEMO_GUID_NAMESPACE, SiteFileError, read_show
from podcast_site.web.previews import make_preview_token


class CommandError(Exception):
    """A command cannot run as asked; the message says why."""


WRITABLE = [table for table, grants in privileges.WEB_PRIVILEGES.items() if "INSERT" in grants]

# DB_STATEMENT_TIMEOUT_MS (10 s) is for web requests: no visitor should wait
# on one slow query. An import is run by someone watching its progress, and
# each of its statements writes a batch of episodes, which a slow disk or a
# busy server may take longer than that over. So it gets its own, generous
# limit: one that still ends an import stuck behind a lock, with the reason.
IMPORT_STATEMENT_TIMEOUT_MS = 10 * 60 * 1000


def note(message: str) -> None:
    """Say how a long command is getting on, on stderr: stdout is for its result."""
    print(message, file=sys.stderr, flush=True)


class Progress:
    """Show a count on one line that updates (a terminal), or a line every 10 s (a log)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.on_terminal = sys.stderr.isatty()
        self.said_at = started

    def __call__(self, done: int, total: int) -> None:
        """Say how many episodes of `total` are written."""
        now = time.monotonic()
        line = f"episodes: {done} of {total} ({now - self.started:.1f} s)"
        if self.on_terminal:
            end = "\n" if done == total else ""
            print(f"\r{line}\033[K", end=end, file=sys.stderr, flush=True)
        elif done == total or now - self.said_at >= 10:
            self.said_at = now
            note(line)


async def sync_content(
    settings: Settings,
    path: Path,
    *,
    only_into_empty: bool,
    require_media: bool = False,
    force: bool = False,
) -> str:
    """Import the content folder in one transaction and describe what changed.

    Files unchanged since the last import are skipped unless `force`.

    Each episode's audio that is here (MEDIA_DIR, or the content's own media/)
    is checked against its front matter first, and the cover art (and the
    images of new or changed episodes) against Apple's rules; `require_media`
    (a deploy, on the server) also refuses a published episode whose audio
    or image is missing.
    """
    refuse_the_demo_in_production(settings)
    started = time.monotonic()
    media_folders = [settings.media_dir, path / "media"]
    timeout = {"db_statement_timeout_ms": IMPORT_STATEMENT_TIMEOUT_MS}
    database = Database(create_engine(settings.model_copy(update=timeout)))
    try:
        async with database.sessionmaker() as session:
            if only_into_empty and await queries.count_episodes(session):
                return "skipped: the database already has episodes"
            stored, guids = await stored_files(session), await stored_guids(session)
            # Reading and checking the files takes minutes at 10,000 episodes:
            # no transaction may sit idle that long (Postgres ends it after 60 s).
            await session.commit()
            content = read_content(path, stored, force=force, stored_guids=guids)
            unchanged = await unchanged_audio(session, content.unchanged_episodes)
            await session.commit()
            audio_checked = check_audio(
                content, media_folders, require=require_media, unchanged=unchanged
            )
            cover_art = read_show(settings.site_file).cover_art
            art_checked = check_artwork(
                content, cover_art, media_folders, require=require_media, warn=note
            )
            note(
                f"checked {len(content.episodes)} new or changed episodes,"
                f" {len(content.guests)} guests and {len(content.sponsors)} sponsors"
                f" ({content.unchanged_files} files unchanged): no problems"
                f" ({time.monotonic() - started:.1f} s; {audio_checked} episodes' audio is here,"
                f" and matches; {art_checked} cover art images are here, and pass Apple's rules)"
            )
            report = await import_content(
                session, content, progress=Progress(started), media_folders=media_folders
            )
            await session.commit()
            zone = read_show(settings.site_file).zone
            return report.summary(zone, seconds=time.monotonic() - started)
    finally:
        await database.engine.dispose()


def refuse_the_demo_in_production(settings: Settings) -> None:
    """Refuse to import into a production site whose site.toml is still the demo's.

    Every deploy imports content/: a fork that deploys before it made the
    show its own would publish the demo's episodes, and their GUIDs, to the
    directories for ever.
    """
    show = read_show(settings.site_file)
    if settings.is_production and show.guid_namespace == DEMO_GUID_NAMESPACE:
        raise CommandError(
            f"{settings.site_file} is still the demo show's (its guid_namespace): make the show"
            " your own first (FORKING.md), so that the demo's episodes never reach a directory"
        )


async def wait_for_database(settings: Settings, seconds: float) -> str:
    """Wait until the database answers; fail at once on any other error, or after `seconds`.

    For orchestrators that start services in any order (Docker Swarm): the
    migrations wait for Postgres as Compose's depends_on makes them wait.
    """
    engine = create_engine(settings)
    started = time.monotonic()
    try:
        while True:
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                return f"database: answering after {time.monotonic() - started:.0f} s"
            except Exception as error:
                if not is_database_unavailable(error):
                    raise
                if time.monotonic() - started > seconds:
                    raise CommandError(
                        f"database: no answer in {seconds:.0f} s ({error})"
                    ) from None
                await asyncio.sleep(1)
    finally:
        await engine.dispose()


def new_episode(settings: Settings, audio: Path, title: str | None, publish: str | None) -> str:
    """Write the next episode file for a recording, and say what to do next."""
    zone = read_show(settings.site_file).zone
    now = datetime.now(UTC)
    release = parse_release_time(publish, zone, now) if publish else None
    written = write_new_episode(
        settings.content_dir, settings.media_dir, audio, title=title, release=release, now=now
    )
    when = (
        "a draft: set `status: published` when it is ready"
        if release is None
        else f"goes public {release.astimezone(zone):%Y-%m-%d %H:%M %Z}"
    )
    return (
        f"wrote {written.episode_file} ({when})\n"
        f"copied the audio to {written.audio_file}\n"
        f"next: write its TODO lines, then `make import` to check it here,"
        f" `make media-push` and `make deploy` to publish it"
    )


def import_feed(settings: Settings, source: str, *, force: bool) -> str:
    """Bring a show's episodes from its old feed into the content folder and site.toml."""
    report = move_in(source, settings.content_dir, settings.site_file, force=force)
    return (
        f"{report.summary()}\n"
        "next: read what changed (git status, git diff), then `make import` to check it here;"
        " the audio stays on the old host (docs/moving.md)"
    )


def preview_link(settings: Settings, number: int) -> str:
    """Return the signed link that shows an episode's page before it is public."""
    token = make_preview_token(settings.signing_key(), number)
    return f"https://{settings.site_address}/episodes/preview/{token}"


def generate_catalog(episodes: int, folder: Path) -> str:
    """Write a synthetic catalog into a new or empty folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CommandError(f"{folder} is not an empty folder: the catalog goes into a new one")
    write_catalog(episodes, folder)
    return f"wrote {episodes} episodes to {folder}; import them with `make import CONTENT={folder}`"


async def grant_roles(settings: Settings) -> str:
    """Create or update web's and backup's database roles and their grants, as the owner."""
    passwords = {
        "DB_APP_PASSWORD_FILE": settings.db_app_password.get_secret_value(),
        "DB_BACKUP_PASSWORD_FILE": settings.db_backup_password.get_secret_value(),
    }
    if missing := [name for name, password in passwords.items() if not password]:
        raise CommandError(f"{' and '.join(missing)} must name the file with the role's password")
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await privileges.grant_web_role(
                connection, settings.db_app_user, passwords["DB_APP_PASSWORD_FILE"]
            )
            await privileges.grant_backup_role(
                connection, settings.db_backup_user, passwords["DB_BACKUP_PASSWORD_FILE"]
            )
    finally:
        await engine.dispose()
    return (
        f"{settings.db_app_user}: may read the content and write {', '.join(WRITABLE)}\n"
        f"{settings.db_backup_user}: may read every table, and write none"
    )


async def report_downloads(settings: Settings, today: date) -> str:
    """Describe downloads per episode, per app and per day (the last 30), for the terminal."""
    database = Database(create_engine(settings))
    since = today - timedelta(days=29)
    try:
        async with database.sessionmaker() as session:
            episodes = await queries.list_episode_downloads(session, today)
            apps = await queries.list_app_downloads(session, since)
            daily = await queries.list_daily_downloads(session, since)
    finally:
        await database.engine.dispose()
    lines = [f"{'episode':<52} {'7 days':>8} {'30 days':>8} {'all time':>9}"]
    for row in episodes:
        title = f"#{row.number} {row.title}"
        title = title if len(title) <= 52 else title[:51] + "…"
        lines.append(f"{title:<52} {row.last_7_days:>8} {row.last_30_days:>8} {row.all_time:>9}")
    lines += ["", "downloads by app, all episodes (the last 30 days):"]
    lines += [f"{app[:52]:<52} {downloads:>8}" for app, downloads in apps] or ["none"]
    lines += ["", "downloads a day, all episodes (the last 30 days):"]
    days = [since + timedelta(days=n) for n in range(30)]
    peak = max([daily.get(day, 0) for day in days] + [1])
    for day in days:
        total = daily.get(day, 0)
        lines.append(f"{day:%a %d %b} {total:>7} {'█' * round(40 * total / peak)}")
    return "\n".join(lines)


async def export_downloads(settings: Settings) -> str:
    """Write every day's downloads by episode and app as CSV, for a spreadsheet or a sponsor."""
    database = Database(create_engine(settings))
    try:
        async with database.sessionmaker() as session:
            rows = await queries.list_download_rows(session)
    finally:
        await database.engine.dispose()
    output = io.StringIO()
    # \n, not the csv module's \r\n: print() and a terminal's redirect take lines.
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(["day", "episode", "title", "app", "downloads"])
    writer.writerows(
        [row.day.isoformat(), row.number, row.title, row.app, row.downloads] for row in rows
    )
    return output.getvalue().removesuffix("\n")


async def report_status(settings: Settings, now: datetime) -> str:
    """Describe what is not public yet (or any more) and the announcements waiting."""
    zone = read_show(settings.site_file).zone
    database = Database(create_engine(settings))
    try:
        async with database.sessionmaker() as session:
            episodes = await queries.list_unreleased_episodes(session)
            waiting = await queries.count_waiting_announcements(session)
    finally:
        await database.engine.dispose()
    lines = []
    for episode in episodes:
        if episode.status == "published":
            hours = (episode.published_at - now).total_seconds() / 3600
            state = f"scheduled: {episode.published_at.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
            state += f" (in {hours:.1f} h)" if hours < 48 else f" (in {hours / 24:.0f} days)"
        else:
            state = {"draft": "draft (make preview N=... shows it)", "removed": "removed (410)"}[
                episode.status
            ]
        lines.append(f"{episode.number:03d} {episode.title[:50]:<50} {state}")
    if not lines:
        lines.append("every episode is public: none scheduled, no drafts, none removed")
    lines.append(f"announcement mails waiting to be sent: {waiting}")
    return "\n".join(lines)


async def mail_owner(settings: Settings, subject: str, body: str) -> str:
    """Send one plain-text mail to site.toml's owner_email, straight to SMTP.

    Not through the mail queue: it tells the owner that something is broken,
    the database or the queue itself perhaps.
    """
    show = read_show(settings.site_file)
    server = smtp_server(settings)
    if server is None:
        raise CommandError("mail-owner: SMTP_HOST is not set, so no mail can reach the owner")
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or formataddr((show.name, show.owner_email))
    message["To"] = show.owner_email
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=show.owner_email.rpartition("@")[2])
    message.set_content(body)
    try:
        await hand_over(server, show.owner_email, message.as_bytes())
    except (aiosmtplib.SMTPException, OSError) as error:
        raise CommandError(f"mail-owner: {server.host} did not take the mail: {error}") from error
    return f"mailed {show.owner_email}: {subject}"


def database_says(error: DBAPIError) -> str:
    """Return Postgres's own message, and where the import was: not the statement and its data."""
    return "; ".join([str(error.orig).strip(), *getattr(error, "__notes__", [])])


def positive(value: str) -> int:
    """Parse a count of at least one."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="podcast-site", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("import-content", "create or update episodes and guests from a content folder"),
        ("load-demo", "import the demo content into an empty database (never in production)"),
    ):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "path", type=Path, nargs="?", help="content folder (default: $CONTENT_DIR)"
        )
        command.add_argument(
            "--require-media",
            action="store_true",
            help="refuse a published episode whose audio is not in $MEDIA_DIR (a deploy)",
        )
        command.add_argument(
            "--force",
            action="store_true",
            help="read every file, also those unchanged since the last import",
        )
    help_text = "write the next episode's file from a recording, measured, and copy the audio"
    command = commands.add_parser("new-episode", help=help_text, description=help_text)
    command.add_argument("audio", type=Path, help="the recording (.mp3, .m4a or .opus)")
    command.add_argument("--title", help="the episode's title (default: from the file name)")
    command.add_argument(
        "--publish",
        help="when it goes public: 2027-01-12 06:00 (the show's time zone), an ISO time"
        " with its offset, or now (default: a draft)",
    )
    help_text = "write content files and site.toml values from another host's podcast feed"
    command = commands.add_parser("import-feed", help=help_text, description=help_text)
    command.add_argument("source", help="the old feed's URL, or a saved copy of it")
    command.add_argument(
        "--force", action="store_true", help="overwrite files and values you have edited since"
    )
    help_text = "create or update web's and backup's database roles with only the rights they need"
    # grant-web-role: its name before it made backup's role too, which the
    # compose files call (the previous release's image knows only that one).
    commands.add_parser(
        "grant-roles", aliases=["grant-web-role"], help=help_text, description=help_text
    )
    help_text = "list scheduled, draft and removed episodes, and the announcements waiting"
    commands.add_parser("status", help=help_text, description=help_text)
    help_text = "print downloads per episode (7 days, 30 days, all time), per app and per day"
    command = commands.add_parser("downloads", help=help_text, description=help_text)
    command.add_argument(
        "--csv",
        action="store_true",
        help="print every day's downloads by episode and app as CSV instead",
    )
    help_text = "wait until the database answers (for orchestrators without start order)"
    command = commands.add_parser("wait-for-database", help=help_text, description=help_text)
    command.add_argument("--seconds", type=float, default=120, help="at most (default: 120)")
    help_text = "print the signed link that shows episode N's page before it is public (30 days)"
    command = commands.add_parser("preview-link", help=help_text, description=help_text)
    command.add_argument("number", type=positive, help="the episode's number")
    help_text = "mail site.toml's owner_email the text on stdin, straight to SMTP (make watch)"
    command = commands.add_parser("mail-owner", help=help_text, description=help_text)
    command.add_argument("--subject", required=True, help="the mail's subject")
    help_text = "write a synthetic show of N episodes as a content folder, for benchmarks"
    command = commands.add_parser("generate-catalog", help=help_text, description=help_text)
    command.add_argument("episodes", type=positive, help="how many episodes")
    command.add_argument("folder", type=Path, help="a new or empty folder")
    args = parser.parse_args(argv)

    if args.command == "new-episode":
        try:
            print(new_episode(Settings(), args.audio, args.title, args.publish))
        except (NewEpisodeError, AudioError, SiteFileError, OSError) as error:
            print(f"new-episode: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "import-feed":
        try:
            print(import_feed(Settings(), args.source, force=args.force))
        except (FeedError, SiteFileError, OSError) as error:
            print(f"import-feed: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "preview-link":
        print(preview_link(Settings(), args.number))
        return 0
    if args.command == "generate-catalog":
        try:
            print(generate_catalog(args.episodes, args.folder))
        except (CommandError, OSError) as error:
            print(f"generate-catalog: {error}", file=sys.stderr)
            return 1
        return 0
    settings = Settings()
    if args.command == "load-demo" and not settings.seeds_demo_content:
        reason = "production never seeds" if settings.is_production else "LOAD_DEMO_CONTENT is off"
        print(f"demo content: skipped ({reason})")
        return 0
    try:
        if args.command == "mail-owner":
            summary = asyncio.run(mail_owner(settings, args.subject, sys.stdin.read()))
        elif args.command == "wait-for-database":
            summary = asyncio.run(wait_for_database(settings, args.seconds))
        elif args.command in ("grant-roles", "grant-web-role"):
            summary = asyncio.run(grant_roles(settings))
        elif args.command == "status":
            summary = asyncio.run(report_status(settings, datetime.now(UTC)))
        elif args.command == "downloads":
            if not (settings.user_agents_dir / "source.toml").is_file():
                # Standard error: a CSV redirected to a file stays a CSV.
                print(
                    f"note: no OPAWG lists in {settings.user_agents_dir}, so bots counted"
                    " as listeners: make user-agents brings them",
                    file=sys.stderr,
                )
            summary = asyncio.run(
                export_downloads(settings)
                if args.csv
                else report_downloads(settings, datetime.now(UTC).date())
            )
        else:
            summary = asyncio.run(
                sync_content(
                    settings,
                    args.path or settings.content_dir,
                    only_into_empty=args.command == "load-demo",
                    require_media=args.require_media,
                    force=args.force,
                )
            )
    except (ContentError, CommandError, SiteFileError) as error:
        print(error, file=sys.stderr)
        return 1
    # Not str(error): SQLAlchemy's carries the statement and its parameters,
    # which for an import are whole transcripts.
    except DBAPIError as error:
        print(
            f"{args.command} failed and changed nothing; the database said: {database_says(error)}",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        print(f"{args.command} failed and changed nothing: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted, and changed nothing", file=sys.stderr)
        return 130
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
