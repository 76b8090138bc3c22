"""Cover art checked as Apple Podcasts checks it, on images the tests draw with Pillow."""

import os
from pathlib import Path

import pytest
from PIL import Image

from podcast_site.content.artwork import check_artwork, image_problems
from podcast_site.content.reader import ContentError, read_content
from podcast_site.core.show import read_show
from tests.web.content.samples import EPISODE, write_content
from tests.web.paths import SITE_CONTENT, SITE_FILE


def draw(
    path: Path, size: tuple[int, int] = (1400, 1400), mode: str = "RGB", kind: str | None = None
) -> Path:
    """Save an image of one flat colour (a few KB even at 3000 px), as `kind` or by its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size).save(path, kind)
    return path


@pytest.mark.parametrize(
    ("name", "size", "mode"),
    [("min.png", (1400, 1400), "RGB"), ("max.jpg", (3000, 3000), "RGB"),
     ("palette.png", (2000, 2000), "P")],
)  # fmt: skip
def test_square_rgb_jpeg_or_png_from_1400_to_3000_px_passes(
    tmp_path: Path, name: str, size: tuple[int, int], mode: str
) -> None:
    assert image_problems(draw(tmp_path / name, size, mode)) == []


@pytest.mark.parametrize(
    ("name", "size", "mode", "problem"),
    [
        ("wide.png", (2000, 1400), "RGB", "is 2000 × 1400 px: cover art must be square"),
        ("small.png", (1000, 1000), "RGB", "is 1000 × 1000 px: Apple Podcasts takes 1400 to 3000"),
        ("huge.png", (3200, 3200), "RGB", "is 3200 × 3200 px: Apple Podcasts takes 1400 to 3000"),
        ("print.jpg", (1400, 1400), "CMYK", "is in the CMYK colour mode: Apple Podcasts wants RGB"),
        ("grey.png", (1400, 1400), "L", "is in the L colour mode: Apple Podcasts wants RGB"),
        ("clear.png", (1400, 1400), "RGBA", "has transparency"),
        ("cover.gif", (1400, 1400), "P", "is GIF: Apple Podcasts takes JPEG or PNG"),
    ],
)
def test_what_apple_refuses_is_named(
    tmp_path: Path, name: str, size: tuple[int, int], mode: str, problem: str
) -> None:
    (found,) = image_problems(draw(tmp_path / name, size, mode))
    assert found.startswith(problem)


def test_a_misnamed_or_unreadable_file_is_named(tmp_path: Path) -> None:
    misnamed = draw(tmp_path / "cover.png", kind="JPEG")
    assert image_problems(misnamed) == ["is JPEG but named .png: name it .jpg or .jpeg"]
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert image_problems(text) == ["is not an image file Pillow can read: use JPEG or PNG"]


def test_an_image_too_large_to_decode_is_refused_without_decoding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pillow warns above its limit (89 megapixels) and refuses twice that;
    # a small limit makes small images stand in for both.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for side in (40, 50):
        bomb = draw(tmp_path / f"{side}.png", (side, side))
        assert image_problems(bomb) == ["has more pixels than 3000 × 3000, far more"]


def test_the_import_checks_the_cover_and_each_episodes_image(tmp_path: Path) -> None:
    root = write_content(
        tmp_path / "content", EPISODE.replace("---\nSome", "image_url: art/1.png\n---\nSome")
    )
    media = tmp_path / "media"
    draw(media / "cover.png")
    draw(media / "art" / "1.png", (1400, 1000))
    content = read_content(root)

    with pytest.raises(ContentError) as raised:
        check_artwork(content, "/media/cover.png", [media], require=False)

    assert str(raised.value) == (
        "cover art that Apple Podcasts would refuse:\n"
        "  episodes/1: image_url: art/1.png is 1400 × 1000 px: cover art must be square"
    )
    draw(media / "art" / "1.png")
    assert check_artwork(content, "/media/cover.png", [media], require=False) == 2


def test_a_deploy_refuses_art_that_is_not_on_the_server(tmp_path: Path) -> None:
    root = write_content(
        tmp_path / "content", EPISODE.replace("---\nSome", "image_url: art/1.png\n---\nSome")
    )
    content = read_content(root)
    # Elsewhere (a CDN), or not needed here yet: nothing to check.
    assert check_artwork(content, "https://cdn.test.example/c.png", [tmp_path], require=False) == 0
    assert check_artwork(content, "/media/cover.png", [tmp_path], require=False) == 0

    with pytest.raises(ContentError) as raised:
        check_artwork(content, "/media/cover.png", [tmp_path], require=True)

    message = str(raised.value)
    assert f"site.toml: cover_art: cover.png is not in this site's media ({tmp_path})" in message
    assert "episodes/1: image_url: art/1.png is not in this site's media" in message


def test_the_sites_own_cover_art_passes() -> None:
    # The demo's (or a fork's) cover, if in content/media/: what `make import` checks.
    show = read_show(SITE_FILE)
    check_artwork(
        read_content(SITE_CONTENT), show.cover_art, [SITE_CONTENT / "media"], require=False
    )


def test_art_over_512_kb_passes_with_a_warning_that_names_it(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    media = tmp_path / "media"
    media.mkdir()
    # Noise does not compress: 1400 × 1400 random pixels are about 5.6 MB as PNG.
    cover = media / "cover.png"
    Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3)).save(cover)
    warnings: list[str] = []

    checked = check_artwork(
        read_content(root), "/media/cover.png", [media], require=False, warn=warnings.append
    )

    assert checked == 1
    (warning,) = warnings
    assert warning.startswith("warning: site.toml: cover_art: cover.png is ")
    assert f"{cover.stat().st_size // 1024} KB: Apple recommends at most 512 KB" in warning
