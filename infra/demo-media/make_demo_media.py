"""Make the demo show's media from its own text, and write the facts back into its files.

For each episode in content/episodes: the first paragraphs of its transcript
(or its number, title and summary), spoken (espeak-ng) and encoded as a small
MP3 (LAME: mono, 16 kHz, 16 kbit/s) in content/media/audio/; the transcript
is cut to what was spoken, with each paragraph's real time, its chapters are
moved to match, and audio_url, audio_bytes and duration in its front matter
are set to the file's. For each guest: a placeholder
portrait (initials on a colour of its own) in content/media/guests/. The
cover art, 1400 px square, with the show's name from site.toml. And for each
episode whose image_url names a file in art/, its own art: the cover's
look, with the episode's title.

Run in its image (infra/demo-media/Dockerfile) by `make demo-media`, from the
repository root. Only the demo content needs it; a real show has real media.
"""

import hashlib
import re
import subprocess
import sys
import tempfile
import tomllib
import wave
from pathlib import Path

import frontmatter
from mutagen.mp3 import MP3
from PIL import Image, ImageDraw, ImageFont

CONTENT = Path("content")
MEDIA = CONTENT / "media"


def set_front_matter(path: Path, **values: object) -> None:
    """Replace `key: value` lines in a file's front matter, keeping everything else as it is."""
    text = path.read_text()
    head, separator, body = text.partition("\n---\n")
    for key, value in values.items():
        line = f"{key}: {value}"
        head, count = re.subn(rf"^{key}:.*$", line, head, count=1, flags=re.MULTILINE)
        if not count:
            head += f"\n{line}"
    path.write_text(head + separator + body)


# The demo's audio is short (the repository keeps it): the first paragraphs
# of each transcript, about this long, and the transcript is cut to what is
# spoken, so that its times, the chapters and the file all agree.
SPOKEN_SECONDS = 30
PAUSE_SECONDS = 0.4
PARAGRAPH = re.compile(r"\[(\d\d):(\d\d):(\d\d)\] ([^:]+): (.+)", re.DOTALL)


def speak(text: str, wav: Path) -> None:
    """Speak text into a WAV file (espeak-ng's own format: mono, 22,050 Hz)."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(wav), text], check=True)


def join(parts: list[Path], out: Path) -> list[float]:
    """Join WAV files with a short pause between them; return where each one starts."""
    starts, frames = [], b""
    with wave.open(str(parts[0])) as first:
        params = first.getparams()
    pause = b"\0" * int(params.framerate * PAUSE_SECONDS) * params.sampwidth
    for part in parts:
        starts.append(len(frames) / params.sampwidth / params.framerate)
        with wave.open(str(part)) as audio:
            frames += audio.readframes(audio.getnframes()) + pause
    with wave.open(str(out), "wb") as joined:
        joined.setparams(params)
        joined.writeframes(frames)
    return starts


def encode(wav: Path, mp3: Path, tags: dict[str, str]) -> float:
    """Encode speech as a small MP3 (mono, 16 kHz, 16 kbit/s); return its duration."""
    subprocess.run(
        ["lame", "--quiet", "-m", "m", "--resample", "16", "-b", "16",
         "--tt", tags["title"], "--ta", tags["artist"], "--tl", tags["album"],
         "--tn", tags["track"], "--add-id3v2", str(wav), str(mp3)],
        check=True,
    )  # fmt: skip
    return float(MP3(mp3).info.length)


def clock(seconds: float) -> str:
    """Format seconds as HH:MM:SS."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def seconds_of(value: object) -> int:
    """Read a chapter start as the content files write it (HH:MM:SS, MM:SS or seconds)."""
    total = 0
    for part in str(value).split(":"):
        total = total * 60 + int(part)
    return total


def move_chapters(text: str, kept: list[tuple[int, float]]) -> str:
    """Move each chapter to where its first paragraph now starts; drop those cut away."""
    block = re.search(r"^chapters:\n((?:  - .*\n)+)", text, flags=re.MULTILINE)
    if block is None:
        return text
    lines, taken = [], set()
    for line in block[1].splitlines():
        start = re.search(r'start: "?([0-9:]+)"?', line)
        assert start, line
        later = [new for old, new in kept if old >= seconds_of(start[1])]
        if later and later[0] not in taken:
            taken.add(later[0])
            lines.append(line.replace(start[0], f'start: "{clock(later[0])}"'))
    return text.replace(block[0], "chapters:\n" + "".join(f"{line}\n" for line in lines))


def make_audio(show: dict[str, str]) -> None:
    """Speak every episode, cut its transcript to what was spoken, and record the file's facts."""
    folder = MEDIA / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((CONTENT / "episodes").glob("*.md")):
        meta = frontmatter.load(path).metadata
        transcript = path.with_name(f"{path.stem}.transcript.txt")
        paragraphs = []
        if transcript.is_file():
            for paragraph in re.split(r"\n\s*\n", transcript.read_text().strip()):
                match = PARAGRAPH.fullmatch(paragraph)
                assert match, paragraph
                hours, minutes, seconds, speaker, words = match.groups()
                paragraphs.append(
                    (int(hours) * 3600 + int(minutes) * 60 + int(seconds), speaker, words)
                )
        mp3 = folder / f"{path.stem}.mp3"
        tags = {"title": str(meta["title"]), "artist": show["host"], "album": show["name"],
                "track": str(meta["number"])}  # fmt: skip
        with tempfile.TemporaryDirectory() as scratch:
            parts: list[Path] = []
            if not paragraphs:
                parts.append(Path(scratch) / "intro.wav")
                speak(
                    f"{show['name']}, episode {meta['number']}. {meta['title']}. {meta['summary']}",
                    parts[0],
                )
            spoken = 0.0
            for number, (_, _, words) in enumerate(paragraphs):
                if parts and spoken >= SPOKEN_SECONDS:
                    break
                parts.append(Path(scratch) / f"{number}.wav")
                speak(words, parts[-1])
                with wave.open(str(parts[-1])) as audio:
                    spoken += audio.getnframes() / audio.getframerate() + PAUSE_SECONDS
            starts = join(parts, Path(scratch) / "episode.wav")
            seconds = round(encode(Path(scratch) / "episode.wav", mp3, tags))
        if paragraphs:
            kept = paragraphs[: len(parts)]
            transcript.write_text("\n\n".join(
                f"[{clock(start)}] {speaker}: {words}"
                for start, (_, speaker, words) in zip(starts, kept, strict=True)
            ) + "\n")  # fmt: skip
            path.write_text(move_chapters(path.read_text(), [
                (old, start) for start, (old, _, _) in zip(starts, kept, strict=True)
            ]))  # fmt: skip
        set_front_matter(
            path, duration=f'"{clock(seconds)}"', audio_url=f"audio/{mp3.name}",
            audio_bytes=mp3.stat().st_size,
        )  # fmt: skip
        print(f"{mp3}: {seconds} s, {mp3.stat().st_size} bytes, {len(parts)} part(s) spoken")


def colour(seed: str) -> str:
    """Pick a calm colour from a name, the same one every time."""
    hue = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) % 360
    return f"hsl({hue}, 45%, 40%)"


def make_portraits() -> None:
    """Give every guest a placeholder portrait: their initials on a colour of their own."""
    folder = MEDIA / "guests"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((CONTENT / "guests").glob("*.md")):
        name = str(frontmatter.load(path).metadata["name"])
        initials = "".join(word[0] for word in name.split()[:2]).upper()
        svg = folder / f"{path.stem}.svg"
        svg.write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" '
            f'viewBox="0 0 400 400" role="img" aria-label="{name}">'
            f'<rect width="400" height="400" fill="{colour(path.stem)}"/>'
            '<text x="200" y="200" dy=".35em" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif" font-size="150">{initials}</text></svg>\n'
        )
        set_front_matter(path, photo_url=f"guests/{svg.name}")
        print(f"{svg}")


def make_cover(show: dict[str, str]) -> None:
    """Draw the cover art: the show's name, large, on a dark square (Apple: 1400-3000 px)."""
    size = 1400
    image = Image.new("RGB", (size, size), "#1d2330")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, size, 840), fill="#2170e8")
    words = show["name"].split()
    lines = [" ".join(words[i : i + 2]) for i in range(0, len(words), 2)]  # two words a line
    font = ImageFont.load_default(size=150)
    top = 700 - 90 * (len(lines) - 1)
    for number, line in enumerate(lines):
        draw.text((size / 2, top + 180 * number), line, font=font, fill="#ffffff", anchor="mm")
    draw.text((size / 2, 1150), "a podcast", font=ImageFont.load_default(size=70),
              fill="#c9d3e6", anchor="mm")  # fmt: skip
    image.save(MEDIA / "cover.png", optimize=True)
    print(MEDIA / "cover.png")


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break text into lines no wider than width in that font."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def make_episode_art(show: dict[str, str]) -> None:
    """Draw the art of each episode that names art/<file>.png: its title on a colour of its own."""
    size = 1400
    for path in sorted((CONTENT / "episodes").glob("*.md")):
        meta = frontmatter.load(path).metadata
        name = str(meta.get("image_url") or "")
        if not name.startswith("art/"):
            continue
        image = Image.new("RGB", (size, size), colour(path.stem))
        draw = ImageDraw.Draw(image)
        draw.text((size / 2, 170), show["name"], font=ImageFont.load_default(size=80),
                  fill="#ffffff", anchor="mm")  # fmt: skip
        font = ImageFont.load_default(size=130)
        lines = wrap(str(meta["title"]), font, size - 240)
        top = 700 - 80 * (len(lines) - 1)
        for number, line in enumerate(lines):
            draw.text((size / 2, top + 160 * number), line, font=font, fill="#ffffff", anchor="mm")
        kind = meta.get("episode_type", "full")
        label = f"Episode {meta['number']}" if kind == "full" else str(kind).title()
        draw.text((size / 2, 1230), label, font=ImageFont.load_default(size=80),
                  fill="#e6ebf5", anchor="mm")  # fmt: skip
        (MEDIA / name).parent.mkdir(parents=True, exist_ok=True)
        image.save(MEDIA / name, optimize=True)
        print(MEDIA / name)


def main() -> int:
    """Make all of it, from the repository root."""
    show = tomllib.loads(Path("site.toml").read_text())
    make_audio(show)
    make_portraits()
    make_cover(show)
    make_episode_art(show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
