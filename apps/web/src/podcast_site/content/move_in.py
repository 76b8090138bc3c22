"""Write a show's back catalogue from its old feed into the content folder (`make import-feed`).

Each episode becomes `episodes/<number>-<slug>.md` with its old `<guid>`
kept verbatim (so apps see the episodes they already have), its audio left
at the old host's URL, its notes in Markdown, its chapters and transcript
when the feed links them; each guest it names a `guests/<slug>.md`; and
site.toml gets the show's values the feed gives.

Running it again writes the same files. What it wrote is remembered in
`.import-feed.json` in the content folder, with each file's SHA-256: a
file whose hash is no longer the one written was edited by the owner, and
is kept unless `force`. So is a file it never wrote.
"""

import hashlib
import json
import re
import tomllib
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from pydantic import ValidationError

from podcast_site.content import transcripts
from podcast_site.content.new_episode import clock, slugify
from podcast_site.content.old_feed import (
    MAX_FEED_BYTES,
    USER_AGENT,
    Channel,
    Cue,
    FeedError,
    Item,
    Person,
    fetch,
    notes_markdown,
    read_channel,
    read_chapters,
    read_transcript,
    summary_of,
)
from podcast_site.content.schema import EpisodeFile, GuestFile
from podcast_site.core.formats import AUDIO_TYPES, audio_extension
from podcast_site.core.show import DEMO_GUID_NAMESPACE, Show, read_show

MANIFEST = ".import-feed.json"
# The transcript formats read, best first: timed, with speakers, before plain text.
TRANSCRIPT_PREFERENCE = (
    "text/vtt", "application/x-subrip", "application/srt", "text/srt",
    "application/json", "text/plain",
)  # fmt: skip
# The site.toml keys the feed can fill, and the image types a cover may be.
SITE_KEYS = (
    "name", "tagline", "language", "host", "owner_name", "owner_email", "category",
    "explicit", "podcast_guid", "cover_art",
)  # fmt: skip
IMAGE_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
REQUEST_SECONDS = 30


@dataclass
class MoveReport:
    """What an import wrote, kept and could not bring."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    episodes: int = 0

    def summary(self) -> str:
        """Describe the import for the terminal: counts, then each file kept and each warning."""
        lines = [f"warning: {warning}" for warning in self.warnings]
        lines += [
            f"kept your edit of {path} (FORCE=1, or --force, overwrites it)" for path in self.kept
        ]
        lines.append(
            f"{self.episodes} episodes: {len(self.written)} files written, {self.unchanged}"
            f" unchanged, {len(self.kept)} kept as you edited them"
        )
        return "\n".join(lines)


@dataclass
class Manifest:
    """What earlier imports wrote: each file's hash, each GUID's file, each site.toml value."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    episodes: dict[str, str] = field(default_factory=dict)
    site: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        """Read the manifest, or start an empty one."""
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, data["files"], data["episodes"], data["site"])
        except (ValueError, KeyError, TypeError) as error:
            raise FeedError(f"{path}: unreadable ({error}); delete it to start afresh") from None

    def save(self, source: str) -> None:
        """Write the manifest back, sorted, so that a re-run leaves it as it was."""
        data = {
            "about": "What make import-feed wrote, so that it never overwrites your edits.",
            "source": source,
            "files": dict(sorted(self.files.items())),
            "episodes": dict(sorted(self.episodes.items())),
            "site": dict(sorted(self.site.items())),
        }
        self.path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


class Writer:
    """Write files into the content folder unless the owner has made them their own."""

    def __init__(self, root: Path, manifest: Manifest, report: MoveReport, force: bool) -> None:
        self.root, self.manifest, self.report, self.force = root, manifest, report, force

    def write(self, relative: str, data: bytes) -> None:
        """Write `data` at `relative`, unless the file there is not the one last written."""
        path = self.root / relative
        if path.is_file():
            current = path.read_bytes()
            if current == data:
                self.manifest.files[relative] = sha256(data)
                self.report.unchanged += 1
                return
            if not self.force and self.manifest.files.get(relative) != sha256(current):
                self.report.kept.append(relative)
                return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.rename(path)
        self.manifest.files[relative] = sha256(data)
        self.report.written.append(relative)


def move_in(source: str, content_dir: Path, site_file: Path, *, force: bool = False) -> MoveReport:
    """Import the feed at `source` (a URL or a saved file) into `content_dir` and `site_file`."""
    if not (content_dir / "episodes").is_dir():
        raise FeedError(f"{content_dir}/episodes is not a folder: CONTENT names the content folder")
    read_show(site_file)  # a broken site.toml stops the import before it writes anything
    report = MoveReport()
    manifest = Manifest.load(content_dir / MANIFEST)
    writer = Writer(content_dir, manifest, report, force)
    headers = {"User-Agent": USER_AGENT}
    with httpx.Client(follow_redirects=True, timeout=REQUEST_SECONDS, headers=headers) as client:
        remote = source.startswith(("http://", "https://"))
        if remote:
            data = fetch(client, source, MAX_FEED_BYTES)
        else:
            try:
                data = Path(source).read_bytes()
            except OSError as error:
                raise FeedError(f"{source}: cannot be read ({error.strerror})") from None
        channel = read_channel(data, source, source if remote else None)
        items = _importable(channel, report)
        numbers = _numbers(items, content_dir, manifest)
        guests = _write_guests(items, writer)
        for item in items:
            _write_episode(item, numbers[item.guid], guests, client, writer)
        report.episodes = len(items)
        _update_site(channel, site_file, client, writer, force)
    manifest.save(source)
    return report


def _importable(channel: Channel, report: MoveReport) -> list[Item]:
    """Return the items that can become episodes, oldest first; warn of each of the others."""
    items, seen = [], set()
    for position, item in enumerate(channel.items, start=1):
        label = f"item {position} ({item.title or 'untitled'})"
        if item.problem:
            report.warnings.append(f"{label}: skipped: {item.problem}")
        elif item.guid in seen:
            report.warnings.append(f"{label}: skipped: its guid {item.guid!r} is an earlier one's")
        else:
            seen.add(item.guid)
            items.append(item)
    return sorted(items, key=lambda item: item.published or 0)


def _numbers(items: list[Item], content_dir: Path, manifest: Manifest) -> dict[str, int]:
    """Number each item: as before, else by the feed's own numbers, else by date.

    The feed's itunes:episode numbers are kept when every item has one and
    none is taken; otherwise the episodes count on from the highest number
    in the folder, oldest first.
    """
    taken = {
        int(match[1]): path.name
        for path in (content_dir / "episodes").glob("*.md")
        if (match := re.match(r"(\d+)-", path.name))
    }
    numbers = {}
    for item in items:
        if (known := manifest.episodes.get(item.guid)) is not None:
            numbers[item.guid] = int(Path(known).name.split("-", 1)[0])
    new = [item for item in items if item.guid not in numbers]
    own = {item.number for item in new}
    if None not in own and len(own) == len(new) and not own & set(taken):
        numbers |= {item.guid: item.number for item in new if item.number is not None}
        return numbers
    following = max([*taken, *numbers.values()], default=0)
    for item in new:
        following += 1
        numbers[item.guid] = following
    return numbers


def _write_guests(items: list[Item], writer: Writer) -> dict[str, str]:
    """Write a guest file for each guest podcast:person names; return each name's slug.

    A guest named in several episodes gets the newest link and photo any of them gives.
    """
    people: dict[str, Person] = {}
    for item in items:
        for person in item.people:
            if person.role == "guest":
                known = people.get(person.name, person)
                people[person.name] = replace(
                    person, href=person.href or known.href, img=person.img or known.img
                )
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for person in people.values():
        # Two names can make one slug (or none, in another script): number
        # the later ones, so no guest's file is written over by another's.
        base = slug = slugify(person.name) if re.search(r"[A-Za-z0-9]", person.name) else "guest"
        counter = 1
        while slug in taken:
            counter += 1
            slug = f"{base}-{counter}"
        taken.add(slug)
        meta: dict[str, Any] = {"name": person.name[:200]}
        if person.img and _https(person.img):
            meta["photo_url"] = person.img
        if person.href and _https(person.href):
            site = urlsplit(person.href).hostname or "Website"
            meta["links"] = [{"title": site, "url": person.href}]
        try:
            GuestFile.model_validate(meta)
        except ValidationError:
            writer.report.warnings.append(f"guest {person.name!r}: not imported")
            continue
        writer.write(f"guests/{slug}.md", _markdown_file(meta, ""))
        slugs[person.name] = slug
    return slugs


def _write_episode(
    item: Item, number: int, guests: dict[str, str], client: httpx.Client, writer: Writer
) -> None:
    """Write one episode's file, and its transcript if the feed links one that can be read."""
    assert item.audio_url is not None and item.published is not None and item.duration
    label = f"episode {number} ({item.title})"
    audio_url = item.audio_url
    if audio_url.startswith("http://"):
        audio_url = "https://" + audio_url.removeprefix("http://")
        writer.report.warnings.append(f"{label}: its audio is on http://; the feed says https://")
    extension = audio_extension(audio_url)
    if item.audio_type and not _same_kind(item.audio_type, AUDIO_TYPES[extension]):
        writer.report.warnings.append(
            f"{label}: the old feed says {item.audio_type}, this one will say"
            f" {AUDIO_TYPES[extension]} (from the URL): check that it plays"
        )
    meta: dict[str, Any] = {
        "number": number,
        "title": item.title[:300],
        "summary": summary_of(item),
        "published": item.published.isoformat(),
        "status": "published",
        "duration": clock(item.duration),
        "audio_url": audio_url,
        "audio_bytes": item.audio_bytes,
        "guid": item.guid,
        "guests": sorted({guests[p.name] for p in item.people if p.name in guests}),
    }
    # What directories group and label it by, when the old feed said (the
    # schema refuses what it cannot be, e.g. a made-up episode type).
    if item.episode_type in {"trailer", "bonus"}:
        meta["episode_type"] = item.episode_type
    if item.season is not None:
        meta["season"] = item.season
    if item.explicit is not None:
        meta["explicit"] = item.explicit
    # Art stays at its old https:// address, as the audio does.
    if item.image_url is not None and item.image_url.startswith("https://"):
        meta["image_url"] = item.image_url
    if item.chapters is not None:
        meta["chapters"] = _chapters(item, client, writer.report, label)
    try:
        EpisodeFile.model_validate(meta)
    except ValidationError as error:
        where = error.errors()[0]
        writer.report.warnings.append(
            f"{label}: skipped: {'.'.join(map(str, where['loc']))}: {where['msg']}"
        )
        return
    stem = f"{number:03d}-{slugify(item.title)}"
    known = writer.manifest.episodes.get(item.guid)
    if known is not None:
        stem = Path(known).stem
    writer.manifest.episodes[item.guid] = f"episodes/{stem}.md"
    writer.write(f"episodes/{stem}.md", _markdown_file(meta, notes_markdown(item.notes_html)))
    if transcript := _transcript(item, client, writer.report, label):
        writer.write(f"episodes/{stem}.transcript.txt", transcript.encode())


def _chapters(
    item: Item, client: httpx.Client, report: MoveReport, label: str
) -> list[dict[str, Any]]:
    """Fetch an item's JSON chapters; keep those the content format can hold."""
    assert item.chapters is not None and item.duration
    try:
        chapters = read_chapters(fetch(client, item.chapters.url))
    except FeedError as error:
        report.warnings.append(f"{label}: chapters not imported: {error}")
        return []
    kept: list[dict[str, Any]] = []
    latest = -1
    for chapter in chapters:
        title = str(chapter.get("title") or "").strip()[:200]
        try:
            start = int(float(chapter.get("startTime", -1)))
        except (TypeError, ValueError, OverflowError):  # null, "abc", NaN, Infinity
            report.warnings.append(f"{label}: chapter {title!r} left out: no start time")
            continue
        # Hidden chapters (toc: false) mark art changes, not places to jump to.
        if not title or chapter.get("toc") is False:
            continue
        if not latest < start < item.duration:
            report.warnings.append(f"{label}: chapter {title!r} left out: out of order")
            continue
        latest = start
        entry: dict[str, Any] = {"start": clock(start), "title": title}
        if (url := chapter.get("url")) and _https(url):
            entry["url"] = url
        kept.append(entry)
    return kept


def _transcript(item: Item, client: httpx.Client, report: MoveReport, label: str) -> str | None:
    """Fetch the item's best transcript and write it as `[H:MM:SS] Speaker: text` paragraphs."""
    links = sorted(
        (link for link in item.transcripts if link.type in TRANSCRIPT_PREFERENCE),
        key=lambda link: TRANSCRIPT_PREFERENCE.index(link.type),
    )
    if not links:
        if item.transcripts:
            kinds = ", ".join(sorted({link.type for link in item.transcripts}))
            report.warnings.append(f"{label}: transcript not imported: only {kinds}")
        return None
    try:
        cues = read_transcript(links[0], fetch(client, links[0].url))
    except (FeedError, ValueError, KeyError, TypeError, AttributeError) as error:
        # AttributeError: JSON of another shape (a list, a number for a text).
        report.warnings.append(f"{label}: transcript not imported: {error}")
        return None
    assert item.duration
    text = paragraphs(cues, item.duration)
    if problems := transcripts.find_problems(text, item.duration):
        report.warnings.append(f"{label}: transcript not imported: {problems[0]}")
        return None
    return text or None


def paragraphs(cues: list[Cue], duration: int) -> str:
    """Join cues into the content's paragraphs: a new one, timed, whenever the speaker changes.

    A cue without a speaker continues the paragraph before it. A change of
    speaker whose time does not move forward (or lies past the end), which
    the import would refuse, starts an untimed paragraph: the words are kept.
    """
    found: list[tuple[int | None, str | None, list[str]]] = []
    latest = -1
    for cue in cues:
        speaker = re.sub(r"[:\n]", " ", cue.speaker).strip()[:60] if cue.speaker else None
        start = int(cue.start)
        last = found[-1] if found else None
        if speaker and (last is None or speaker != last[1]):
            if latest < start < duration:
                found.append((start, speaker, [cue.text]))
                latest = start
            else:
                found.append((None, speaker, [f"{speaker}: {cue.text}"]))
        elif last is None or (speaker is None and len(" ".join(last[2])) > 300):
            # Untimed text (a plain transcript) keeps paragraphs of a readable length.
            found.append((None, None, [cue.text]))
        else:
            last[2].append(cue.text)
    text = "\n\n".join(
        f"[{clock(start)}] {speaker}: {' '.join(words)}" if start is not None else " ".join(words)
        for start, speaker, words in found
    )
    return text + "\n" if text else ""


def _update_site(
    channel: Channel, site_file: Path, client: httpx.Client, writer: Writer, force: bool
) -> None:
    """Set the site.toml values the feed gives, where the owner has not set their own.

    A value is the owner's once it differs from what the last import wrote;
    a site.toml still the demo's (its guid_namespace) is the owner's in
    nothing yet, and gets a guid_namespace of its own for the episodes to come.
    """
    text = site_file.read_text(encoding="utf-8")
    current = tomllib.loads(text)
    is_demo = current.get("guid_namespace") == str(DEMO_GUID_NAMESPACE)
    wanted = dict(channel.values)
    if channel.cover_url and (cover := _cover(channel.cover_url, client, writer)):
        wanted["cover_art"] = cover
    if is_demo:
        wanted["guid_namespace"] = str(uuid.uuid4())
    changes = {}
    for key, value in wanted.items():
        if current.get(key) == value:
            writer.manifest.site[key] = value
        elif force or is_demo or current.get(key) == writer.manifest.site.get(key):
            changes[key] = value
        else:
            writer.report.warnings.append(
                f"site.toml keeps {key} = {current.get(key)!r} (the feed says {value!r};"
                " --force takes the feed's)"
            )
    for _ in range(2):
        try:
            Show.model_validate(current | changes)
            break
        except ValidationError as error:
            for detail in error.errors():
                key = str(detail["loc"][0])
                if changes.pop(key, None) is not None:
                    writer.report.warnings.append(f"site.toml: {key} not set: {detail['msg']}")
    for key, value in changes.items():
        text = _set_toml_value(text, key, value)
        writer.manifest.site[key] = value
    if changes:
        site_file.write_text(text, encoding="utf-8")
        writer.report.written.append(f"site.toml ({', '.join(changes)})")


def _cover(url: str, client: httpx.Client, writer: Writer) -> str | None:
    """Download the show's cover into content/media/; return its path on the site."""
    try:
        image = fetch(client, url)
    except FeedError as error:
        writer.report.warnings.append(f"cover art not downloaded: {error}")
        return url if _https(url) else None
    extension = next((ext for magic, ext in IMAGE_TYPES.items() if image.startswith(magic)), None)
    if extension is None:
        writer.report.warnings.append(f"cover art not downloaded: {url} is not a JPEG or PNG")
        return url if _https(url) else None
    # A new picture gets a new name: apps cache cover art by its URL.
    name = f"cover-{sha256(image)[:12]}.{extension}"
    writer.write(f"media/{name}", image)
    return f"/media/{name}"


def _set_toml_value(text: str, key: str, value: Any) -> str:
    """Set `key = value` on its line in site.toml (or its commented-out line), keeping the rest."""
    line = f"{key} = {_toml(value)}"
    for pattern in (rf"^{key}\s*=.*$", rf"^#\s*{key}\s*=.*$"):
        if re.search(pattern, text, flags=re.MULTILINE):
            return re.sub(pattern, lambda _: line, text, count=1, flags=re.MULTILINE)
    return text.rstrip("\n") + f"\n{line}\n"


def _toml(value: Any) -> str:
    """Write a string or a boolean as TOML (a JSON string is a TOML basic string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", str(value)), ensure_ascii=False)


def _markdown_file(meta: dict[str, Any], body: str) -> bytes:
    """Return a content file: YAML front matter, then the Markdown body."""
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body}\n".encode()


def _https(url: str) -> bool:
    return url.startswith("https://") and len(url) <= 500 and not re.search(r"\s", url)


def _same_kind(declared: str, ours: str) -> bool:
    """Say whether the old feed's audio type and the one this feed will give mean one format."""
    aliases = {"audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "audio/mp3": "audio/mpeg"}
    declared = declared.split(";")[0].strip().lower()
    return aliases.get(declared, declared) == ours
