"""Read transcripts ("[HH:MM:SS] Speaker: text" paragraphs) and write them as WebVTT and SRT."""

import html
import re
from dataclasses import dataclass, field, replace

import webvtt

# "[00:12:34] Name: what they said": one paragraph of a transcript file.
TIMED_PARAGRAPH = re.compile(
    r"\[(?P<time>\d+:\d{2}:\d{2})\]\s*(?P<speaker>[^:\n]{1,60}):\s*(?P<text>.*)", re.S
)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a transcript; untimed ones (`Applause.`) have no time or speaker."""

    text: str
    time: str | None = None
    speaker: str | None = None

    @property
    def start(self) -> int | None:
        """Return the second the paragraph starts at; None for an untimed one."""
        return None if self.time is None else seconds(self.time)


@dataclass
class Cue:
    """A stretch of the episode: one timed paragraph and the untimed ones after it."""

    start: int
    end: int
    speaker: str | None
    texts: list[str] = field(default_factory=list)


def read_paragraphs(transcript: str) -> list[Paragraph]:
    """Split a stored transcript into its paragraphs (separated by blank lines)."""
    return [
        Paragraph(**match.groupdict())
        if (match := TIMED_PARAGRAPH.fullmatch(paragraph))
        else Paragraph(paragraph)
        for paragraph in re.split(r"\n\s*\n", transcript.strip())
    ]


def read_opening(opening: str, whole_length: int) -> tuple[list[Paragraph], bool]:
    """Return the whole paragraphs at the start of a transcript, and whether any follow.

    `opening` is the transcript's first `whole_length` characters, or all of
    it when shorter. The paragraph the cut ends in is left out, unless it is
    the only one: that is shown cut, with an ellipsis, rather than not at all.
    """
    if not opening.strip():
        return [], False
    paragraphs = read_paragraphs(opening)
    if len(opening) < whole_length:
        return paragraphs, False
    if len(paragraphs) > 1:
        return paragraphs[:-1], True
    return [replace(paragraphs[0], text=paragraphs[0].text.rstrip() + "…")], True


def seconds(time: str) -> int:
    """Read a paragraph's `H:MM:SS` as seconds."""
    hours, minutes, rest = map(int, time.split(":"))
    return hours * 3600 + minutes * 60 + rest


def find_problems(transcript: str, duration: int) -> list[str]:
    """Say which times would make cues run backwards or past the episode's end."""
    problems = []
    previous: tuple[str, int] | None = None
    for paragraph in read_paragraphs(transcript):
        if paragraph.time is None:
            continue
        start = seconds(paragraph.time)
        if previous is not None and start <= previous[1]:
            problems.append(f"[{paragraph.time}] is not after [{previous[0]}]")
        if start >= duration:
            problems.append(f"[{paragraph.time}] is not before the episode's end")
        previous = (paragraph.time, start)
    return problems


def make_cues(transcript: str, duration: int) -> list[Cue]:
    """Time the transcript: each cue ends where the next begins, the last at `duration`.

    Untimed paragraphs belong to the cue before them (or to one from 0:00 if
    they come first); so does a time that is not after its cue's start,
    which the import refuses but a row written otherwise might hold.
    """
    cues: list[Cue] = []
    for paragraph in read_paragraphs(transcript):
        text = " ".join(paragraph.text.split())
        start = None if paragraph.time is None else seconds(paragraph.time)
        if start is None or (cues and start <= cues[-1].start):
            if not cues:
                cues.append(Cue(0, 0, None))
            cues[-1].texts.append(f"{paragraph.speaker}: {text}" if paragraph.speaker else text)
            continue
        cues.append(Cue(start, 0, paragraph.speaker, [text]))
    for cue, following in zip(cues, cues[1:], strict=False):
        cue.end = following.start
    if cues:
        # A cue must end after it starts, even if the duration says otherwise.
        cues[-1].end = max(duration, cues[-1].start + 1)
    return cues


def clock(seconds: int, decimal_mark: str) -> str:
    """Format seconds as a caption timestamp: `01:02:03.000` (WebVTT) or `01:02:03,000` (SRT)."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}000"


def to_webvtt(cues: list[Cue]) -> str:
    """Write cues as WebVTT, the speaker of each in a voice span (`<v Ada>`), as Apple reads it.

    WebVTT cue text is markup: `&`, `<` and `>` are escaped, so a transcript
    can neither open a tag nor end the cue early with `-->`.
    """
    captions = []
    for cue in cues:
        lines = [html.escape(text, quote=False) for text in cue.texts]
        if cue.speaker:
            lines[0] = f"<v {html.escape(cue.speaker, quote=False)}>{lines[0]}</v>"
        captions.append(webvtt.Caption(clock(cue.start, "."), clock(cue.end, "."), lines))
    return webvtt.WebVTT(captions=captions).content


def to_srt(cues: list[Cue]) -> str:
    """Write cues as SubRip, the speaker's name before their words, as the namespace suggests.

    Written here rather than with webvtt-py, whose SRT writer drops anything
    between `<` and `>` as a tag: SRT is plain text, and a transcript's
    `<angle brackets>` are words. A blank line ends an SRT cue, and a cue's
    text has none (paragraphs are split on them, and their whitespace is
    squeezed).
    """
    blocks = [
        "\n".join(
            [
                str(number),
                f"{clock(cue.start, ',')} --> {clock(cue.end, ',')}",
                *([f"{cue.speaker}: {cue.texts[0]}", *cue.texts[1:]] if cue.speaker else cue.texts),
            ]
        )
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"
