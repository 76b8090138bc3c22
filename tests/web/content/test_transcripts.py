"""Transcripts as timed cues, written as WebVTT and SRT and read back by a real parser."""

import io

import webvtt

from podcast_site.content.transcripts import (
    Cue,
    find_problems,
    make_cues,
    read_opening,
    read_paragraphs,
    to_srt,
    to_webvtt,
)

TRANSCRIPT = """[00:00:00] Jordan: Welcome <back> &
  hello.

[00:00:05] Ada: Thanks --> and a "quote".

Applause.

[00:01:10] Jordan: Bye."""


def test_each_cue_ends_where_the_next_begins_and_the_last_at_the_duration() -> None:
    cues = make_cues(TRANSCRIPT, 2400)
    assert [(cue.start, cue.end, cue.speaker) for cue in cues] == [
        (0, 5, "Jordan"),
        (5, 70, "Ada"),
        (70, 2400, "Jordan"),
    ]
    # Untimed paragraphs belong to the cue before them; whitespace is squeezed.
    assert cues[0].texts == ["Welcome <back> & hello."]
    assert cues[1].texts == ['Thanks --> and a "quote".', "Applause."]


def test_untimed_or_backward_paragraphs_never_make_a_cue_run_backwards() -> None:
    cues = make_cues("Music.\n\n[00:00:09] Ada: Hi.\n\n[00:00:03] Bob: Out of order.", 9)
    assert [(cue.start, cue.end) for cue in cues] == [(0, 9), (9, 10)]
    assert cues[0].texts == ["Music."]
    assert cues[1].texts == ["Hi.", "Bob: Out of order."]


def test_webvtt_reads_back_strictly_with_speakers_and_escaped_text() -> None:
    captions = webvtt.from_string(to_webvtt(make_cues(TRANSCRIPT, 2400)), strict=True).captions

    assert [(caption.start, caption.end, caption.voice) for caption in captions] == [
        ("00:00:00.000", "00:00:05.000", "Jordan"),
        ("00:00:05.000", "00:01:10.000", "Ada"),
        ("00:01:10.000", "00:40:00.000", "Jordan"),
    ]
    # A transcript's "<back>" is text, not a tag, and its "-->" does not end the cue.
    assert captions[0].text == "Welcome &lt;back&gt; &amp; hello."
    assert captions[1].text == 'Thanks --&gt; and a "quote".\nApplause.'


def test_srt_is_plain_text_with_each_speaker_named() -> None:
    srt = to_srt(make_cues(TRANSCRIPT, 2400))

    assert srt.startswith("1\n00:00:00,000 --> 00:00:05,000\nJordan: Welcome <back> & hello.\n\n")
    captions = webvtt.from_buffer(io.StringIO(srt), format="srt").captions
    assert [(caption.start, caption.end) for caption in captions] == [
        ("00:00:00.000", "00:00:05.000"),
        ("00:00:05.000", "00:01:10.000"),
        ("00:01:10.000", "00:40:00.000"),
    ]
    assert captions[1].raw_text == 'Ada: Thanks --> and a "quote".\nApplause.'


def test_times_of_an_hour_or_more_keep_their_hours() -> None:
    (cue,) = make_cues("[01:02:03] Ada: Late.", 4000)
    assert cue == Cue(3723, 4000, "Ada", ["Late."])
    assert "01:02:03.000 --> 01:06:40.000" in to_webvtt([cue])
    assert "01:02:03,000 --> 01:06:40,000" in to_srt([cue])


def test_paragraphs_keep_their_times_and_speakers_as_written() -> None:
    first, _, applause, _ = read_paragraphs(TRANSCRIPT)
    assert (first.time, first.speaker) == ("00:00:00", "Jordan")
    assert (applause.time, applause.speaker, applause.text) == (None, None, "Applause.")


def test_times_out_of_order_or_past_the_end_are_problems() -> None:
    assert find_problems(TRANSCRIPT, 2400) == []
    assert find_problems("[00:00:05] A: x\n\n[00:00:05] B: y\n\n[01:00:00] C: z", 3600) == [
        "[00:00:05] is not after [00:00:05]",
        "[01:00:00] is not before the episode's end",
    ]


def test_an_opening_keeps_whole_paragraphs_and_says_whether_more_follow() -> None:
    assert read_opening(TRANSCRIPT, len(TRANSCRIPT) + 1) == (read_paragraphs(TRANSCRIPT), False)
    cut = TRANSCRIPT[:70]  # into Ada's paragraph
    assert read_opening(cut, 70) == (read_paragraphs(TRANSCRIPT)[:1], True)
    (first,), more = read_opening(TRANSCRIPT[:30], 30)  # into the first paragraph
    assert more and first.text == "Welcome <ba…"
    assert (first.start, read_paragraphs(TRANSCRIPT)[3].start) == (0, 70)
    assert read_opening("", 30) == ([], False)  # no transcript
