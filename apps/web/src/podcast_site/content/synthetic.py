"""Write a synthetic show of any size as a content folder, for benchmarks and import tests.

`podcast-site generate-catalog 1000 /tmp/catalog` writes what `make import
CONTENT=/tmp/catalog` reads: episodes with hour-long transcripts in the
"[HH:MM:SS] Speaker: text" format, show notes and chapters, a few hundred
guests and a few sponsors. The text comes from a small grammar of sentences
about running software, so it is English-like enough for the search's
stemming and ranking to do real work. The same N always gives the same files.
"""

import random
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

# An hour of conversation is about 10,000 words, or 60 KB of text.
TRANSCRIPT_BYTES = 60_000
SPEAKING_WORDS_PER_SECOND = 2.5
# Fixed, not today: the same N gives the same files on any day.
LAST_EPISODE_DAY = date(2026, 1, 5)
GUESTS_PER_EPISODE = 0.4

FIRST_NAMES = (
    "Ada", "Amara", "Ana", "Ben", "Carlos", "Chen", "Dana", "Diego", "Elif", "Emma",
    "Farah", "Felix", "Grace", "Hannah", "Hiro", "Ines", "Ivan", "Jonas", "Julia", "Kofi",
    "Lars", "Lena", "Leo", "Maya", "Mei", "Nadia", "Noah", "Olivia", "Omar", "Paula",
    "Priya", "Rafael", "Ravi", "Rosa", "Sam", "Sara", "Tomás", "Uma", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Alvarez", "Andersen", "Bauer", "Brennan", "Castro", "Costa", "Dubois",
    "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jensen", "Kowalski", "Kumar", "Larsen",
    "Lopez", "Martin", "Meyer", "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Osei",
    "Park", "Petrov", "Quinn", "Raman", "Rossi", "Santos", "Schmidt", "Silva", "Tanaka",
    "Varga", "Walsh", "Weber", "Yilmaz", "Zhou",
)  # fmt: skip
ROLES = (
    "backend developer", "site reliability engineer", "database administrator",
    "freelance consultant", "CTO", "open-source maintainer", "platform engineer",
    "data engineer", "security engineer", "indie founder", "engineering manager",
)  # fmt: skip
COMPANIES = (
    "a small invoicing SaaS", "a university research group", "a logistics startup",
    "a public broadcaster", "a two-person agency", "a regional bank", "a climate nonprofit",
    "an online bookshop", "a hospital network", "a game studio", "a city council",
)  # fmt: skip

# (name in a sentence, tag, things people say about it)
TOPICS = (
    ("Postgres", "postgres", ("the query planner", "autovacuum", "a GIN index", "pg_dump")),
    ("Caddy", "caddy", ("the TLS certificate", "the Caddyfile", "HTTP/3", "the access log")),
    ("async Python", "async", ("the event loop", "asyncio", "a blocking call", "uvloop")),
    ("Docker Compose", "docker", ("the compose file", "a healthcheck", "the image", "a volume")),
    ("backups", "backups", ("the restore drill", "restic", "the off-site copy", "the dump")),
    ("full-text search", "search", ("the tsvector", "ranking", "stemming", "a snippet")),
    ("type hints", "typing", ("mypy", "a protocol", "the strict mode", "a generic")),
    ("testing", "testing", ("pytest", "a fixture", "the test database", "a flaky test")),
    ("packaging", "packaging", ("the lock file", "uv", "a wheel", "the virtualenv")),
    ("observability", "observability", ("a dashboard", "the error rate", "a trace", "an alert")),
    ("caching", "caching", ("an ETag", "the page cache", "a 304", "cache invalidation")),
    ("migrations", "migrations", ("Alembic", "a column default", "the lock", "a rollback")),
    ("podcast feeds", "feeds", ("the RSS feed", "an enclosure", "a podcast app", "the GUID")),
    ("deployment", "deployment", ("the release folder", "a rollback", "the deploy", "SSH")),
    ("security", "security", ("a security header", "the CSP", "a rate limit", "the firewall")),
    ("costs", "costs", ("the monthly bill", "egress", "the VPS", "on-call time")),
)  # fmt: skip
TITLE_PATTERNS = (
    "{topic} on a single server", "{topic} without the hype", "What {guest} learned about {topic}",
    "{topic} for small teams", "Testing {topic} in production", "The boring side of {topic}",
    "{topic} at three in the morning", "A year of {topic}", "{topic}, measured",
    "When {topic} goes wrong", "{topic} from first principles", "Rethinking {topic}",
)  # fmt: skip

OPENERS = (
    "", "", "", "", "I think", "Honestly,", "In our case", "For us,", "What surprised me is that",
    "The short answer is that", "To be fair,", "The funny thing is,", "In practice",
    "Most of the time", "When we started,", "Looking back,", "If I'm honest,",
    "The way I see it,", "On a small team", "Nine times out of ten", "These days",
    "Early on", "Once we measured it,", "What people forget is that", "And then",
)  # fmt: skip
SUBJECTS = (
    "the database", "Postgres", "a single server", "the cache", "our deploy script",
    "the backup job", "every worker", "the reverse proxy", "a small team", "the test suite",
    "the feed", "the search index", "our monitoring", "the migration", "a cheap VPS",
    "the connection pool", "the queue", "the on-call rotation", "the container", "Python",
    "a cron job", "the log file", "the staging copy", "the CDN", "an index", "the API",
    "the scheduler", "the disk", "the web app", "the load test",
)  # fmt: skip
VERBS = (
    "handles", "keeps", "needs", "replaces", "slows down", "protects", "survives", "outgrows",
    "hides", "breaks", "simplifies", "costs us", "reads", "writes", "caches", "retries",
    "measures", "explains", "answers", "recovers from", "depends on", "competes with",
    "serves", "checks", "rebuilds", "throttles", "logs", "ignores", "duplicates", "absorbs",
)  # fmt: skip
OBJECTS = (
    "a few thousand requests a minute", "the whole catalog", "one connection per worker",
    "every deploy", "the busy hour", "a restart", "most of the traffic", "the slow queries",
    "the nightly dump", "a bad migration", "the first page view", "a newsletter spike",
    "the cold start", "every listener", "the expensive pages", "a full table scan",
    "two gigabytes of memory", "the TLS handshake", "our error budget", "the old release",
    "a noisy neighbour", "the write-ahead log", "the transcript pages", "a typo in the config",
    "the certificate renewal", "the morning traffic", "half the CPU", "the feed polls",
    "a surprising amount of work", "every single request",
)  # fmt: skip
TAILS = (
    "", "", "", "on a single server", "without anyone noticing", "most of the time",
    "once you measure it", "for about four euros a month", "in under a second", "if you let it",
    "before lunch", "on a good day", "with the defaults", "after the last upgrade",
    "in production", "during the busy hour", "when the disk fills up", "with one config line",
    "faster than you'd think", "for years", "on the first try", "at three in the morning",
    "without a second machine", "until it doesn't", "and nobody complains",
)  # fmt: skip
ANSWERS = (
    "Right.", "Exactly.", "That makes sense.", "Yes, absolutely.", "Interesting.",
    "Ha, I know that feeling.", "Okay.", "Sure.", "Tell me more about that.", "Go on.",
)  # fmt: skip
QUESTIONS = (
    "How did you get started with {topic}?", "What would you do differently with {topic} today?",
    "Where does {topic} break down?", "What does a normal week look like for you?",
    "How do you test that?", "What did that cost you?", "Should a small team do that?",
    "What's the first thing you'd check?", "How do you know it's working?",
    "What surprised you the most about {topic}?",
)  # fmt: skip
CHAPTER_TITLES = (
    "How {thing} works here", "When {thing} goes wrong", "Measuring {thing}",
    "What we changed about {thing}", "{thing}, in practice",
)  # fmt: skip
SPONSORS = (
    ("nimbus-vps", "Nimbus VPS", "virtual servers with NVMe disks and a flat monthly price"),
    ("parcel-mail", "Parcel Mail", "transactional e-mail that lands in the inbox"),
    ("tracebit", "Tracebit", "error tracking that groups what matters and mutes the rest"),
    ("ledgerly", "Ledgerly", "invoicing for freelancers, with an API that stays out of the way"),
    ("quietlogs", "Quietlogs", "log search priced per server, not per gigabyte"),
    ("shipyard-ci", "Shipyard CI", "continuous integration minutes on fast dedicated runners"),
)


def slugify(text: str, max_length: int = 60) -> str:
    """Turn a title or a name into a lowercase ASCII slug."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def sentence(rng: random.Random, things: tuple[str, ...]) -> str:
    """Make one sentence, about the topic's own things a third of the time."""
    subject = rng.choice(things) if things and rng.random() < 0.33 else rng.choice(SUBJECTS)
    words = " ".join(
        part
        for part in (
            rng.choice(OPENERS),
            subject,
            rng.choice(VERBS),
            rng.choice(OBJECTS),
            rng.choice(TAILS),
        )
        if part
    )
    return words[0].upper() + words[1:] + "."


def paragraph(rng: random.Random, things: tuple[str, ...], sentences: int) -> str:
    """Make a paragraph of a few sentences."""
    return " ".join(sentence(rng, things) for _ in range(sentences))


def clock(seconds: int) -> str:
    """Format seconds as HH:MM:SS."""
    return f"{seconds // 3600:02}:{seconds % 3600 // 60:02}:{seconds % 60:02}"


def transcript(
    rng: random.Random, topic: tuple[str, str, tuple[str, ...]], host: str, guests: list[str]
) -> tuple[str, list[int], int]:
    """Write about TRANSCRIPT_BYTES of conversation: its text, paragraph starts and seconds.

    Every paragraph is at least six words (2.4 s) long, so the starts, in
    whole seconds, rise strictly, as the import requires.
    """
    name, _, things = topic
    lines = [f"[00:00:00] {host}: Welcome to the show. Today we talk about {name}."]
    starts = [0]
    size, spoken_words = len(lines[0]), 12
    while size < TRANSCRIPT_BYTES:
        seconds = int(spoken_words / SPEAKING_WORDS_PER_SECOND)
        starts.append(seconds)
        if rng.random() < 0.3:
            speaker = host
            text = rng.choice(ANSWERS) + " " + rng.choice(QUESTIONS).format(topic=name)
        else:
            speaker = rng.choice(guests)
            text = paragraph(rng, things, rng.randint(2, 6))
        line = f"[{clock(seconds)}] {speaker}: {text}"
        lines.append(line)
        size += len(line) + 2
        spoken_words += text.count(" ") + 1
    return "\n\n".join(lines) + "\n", starts, int(spoken_words / SPEAKING_WORDS_PER_SECOND) + 30


def chapters(
    rng: random.Random, things: tuple[str, ...], starts: list[int]
) -> list[dict[str, str]]:
    """Split an episode into a few chapters, each starting where a paragraph does."""
    titles = ["Welcome", *(rng.choice(CHAPTER_TITLES).format(thing=thing) for thing in things)]
    count = rng.randint(3, len(titles))
    return [
        {
            "start": clock(starts[len(starts) * index // count]),
            "title": title[0].upper() + title[1:],
        }
        for index, title in enumerate(titles[:count])
    ]


def front_matter(meta: dict[str, Any], body: str) -> str:
    """Write a Markdown file with YAML front matter, as content/ holds them."""
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{header}---\n{body.strip()}\n"


def make_guests(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Choose `count` (slug, name) pairs; past every name pairing, names repeat with a suffix."""
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    guests = []
    for index in range(count):
        name = names[index % len(names)]
        round_ = index // len(names)
        guests.append((slugify(name) + (f"-{round_ + 1}" if round_ else ""), name))
    return guests


def write_catalog(episodes: int, folder: Path) -> None:
    """Write `episodes` episodes, their guests and sponsors as a content folder under `folder`."""
    rng = random.Random(f"catalog-{episodes}")
    for name in ("guests", "sponsors", "episodes"):
        (folder / name).mkdir(parents=True, exist_ok=True)

    guests = make_guests(rng, max(3, round(episodes * GUESTS_PER_EPISODE)))
    for slug, name in guests:
        first = name.split()[0]
        bio = (
            f"{name} is a {rng.choice(ROLES)} at {rng.choice(COMPANIES)}. "
            f'{paragraph(rng, (), 2)}\n\n{first} says: "{sentence(rng, ())}"'
        )
        links = [{"title": "Website", "url": f"https://{slug}.example"}]
        (folder / "guests" / f"{slug}.md").write_text(
            front_matter({"name": name, "links": links}, bio)
        )
    for slug, name, pitch in SPONSORS:
        blurb = (
            f"This episode is supported by **{name}**: {pitch}. Try it at <https://{slug}.example>."
        )
        (folder / "sponsors" / f"{slug}.md").write_text(
            front_matter({"name": name, "url": f"https://{slug}.example"}, blurb)
        )

    width = max(3, len(str(episodes)))
    for number in range(1, episodes + 1):
        topic = rng.choice(TOPICS)
        name, tag, things = topic
        people = rng.sample(guests, rng.choice((1, 1, 2, 2, 2, 3)))
        names = [person_name for _, person_name in people]
        title = rng.choice(TITLE_PATTERNS).format(topic=name, guest=names[0])
        title = title[0].upper() + title[1:]
        text, starts, seconds = transcript(rng, topic, "Host", [n.split()[0] for n in names])
        joined = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        topics = "\n".join(f"- {sentence(rng, things)[:-1]}" for _ in range(rng.randint(4, 7)))
        notes = f"{paragraph(rng, things, 3)}\n\n## Topics\n\n{topics}\n\n## Links\n\n" + "\n".join(
            f"- [{n}'s website](https://{s}.example)" for s, n in people
        )
        meta = {
            "number": number,
            "title": title,
            "summary": f"{joined} on {name}. {paragraph(rng, things, 2)}",
            "published": LAST_EPISODE_DAY - timedelta(weeks=episodes - number),
            "duration": clock(seconds),
            "audio_url": f"https://media.catalog.example/episodes/{number:0{width}}.mp3",
            # 128 kbit/s MP3.
            "audio_bytes": seconds * 16_000,
            "guests": [slug for slug, _ in people],
            "sponsors": [slug for slug, _, _ in rng.sample(SPONSORS, rng.choice((0, 1, 1, 2)))],
            "tags": sorted({tag, rng.choice(TOPICS)[1]}),
            # A generator of their own: adding chapters changed no other file.
            "chapters": chapters(random.Random(f"chapters-{number}"), things, starts),
        }
        stem = f"{number:0{width}}-{slugify(title)}"
        (folder / "episodes" / f"{stem}.md").write_text(front_matter(meta, notes))
        (folder / "episodes" / f"{stem}.transcript.txt").write_text(text)
