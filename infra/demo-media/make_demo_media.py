"""Make the demo show's media from its own text, and write the facts back into its files.

For each episode in content/episodes: its number, title and summary, spoken
(espeak-ng) and encoded as a small MP3 (LAME: mono, 16 kHz, 16 kbit/s) in
content/media/audio/, with audio_url, audio_bytes and duration in the
episode's front matter set to match the file. For each guest: a placeholder
portrait (initials on a colour of its own) in content/media/guests/. And the
cover art, 1400 px square, with the show's name from site.toml.

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


def speak(text: str, mp3: Path, tags: dict[str, str]) -> float:
    """Speak text into an MP3; return its duration in seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(wav), text], check=True)
        with wave.open(str(wav)) as audio:
            assert audio.getnframes() > 0, text
        subprocess.run(
            ["lame", "--quiet", "-m", "m", "--resample", "16", "-b", "16",
             "--tt", tags["title"], "--ta", tags["artist"], "--tl", tags["album"],
             "--tn", tags["track"], "--add-id3v2", str(wav), str(mp3)],
            check=True,
        )  # fmt: skip
    return float(MP3(mp3).info.length)


def make_audio(show: dict[str, str]) -> None:
    """Speak every episode's number, title and summary, and record the file's facts."""
    folder = MEDIA / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((CONTENT / "episodes").glob("*.md")):
        meta = frontmatter.load(path).metadata
        mp3 = folder / f"{path.stem}.mp3"
        text = f"{show['name']}, episode {meta['number']}. {meta['title']}. {meta['summary']}"
        tags = {"title": str(meta["title"]), "artist": show["host"], "album": show["name"],
                "track": str(meta["number"])}  # fmt: skip
        seconds = round(speak(text, mp3, tags))
        hours, rest = divmod(seconds, 3600)
        set_front_matter(
            path,
            duration=f'"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"',
            audio_url=f"audio/{mp3.name}",
            audio_bytes=mp3.stat().st_size,
        )
        print(f"{mp3}: {seconds} s, {mp3.stat().st_size} bytes")


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


def main() -> int:
    """Make all of it, from the repository root."""
    show = tomllib.loads(Path("site.toml").read_text())
    make_audio(show)
    make_portraits()
    make_cover(show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
