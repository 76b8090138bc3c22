"""schema.org JSON-LD on the home and episode pages, read back out of the rendered HTML."""

from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from podcast_site.web.linked_data import iso_duration
from tests.web.factories import add_episode, add_guest
from tests.web.helpers import linked_data, page_text, parse_html

HOST = {
    "@type": "Person",
    "name": "Tess Host",
    "url": "https://tess.test.example",
    "image": "http://localhost/media/tess.jpg",
}


def test_durations_are_iso_8601() -> None:
    assert [iso_duration(s) for s in (0, 45, 2400, 3723, 7200)] == [
        "PT0S",
        "PT45S",
        "PT40M",
        "PT1H2M3S",
        "PT2H",
    ]


async def test_the_home_page_describes_the_show_as_a_podcast_series(client: Client) -> None:
    (series,) = linked_data(parse_html(await page_text(client, "/")))

    assert series == {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": "Test Cast",
        "description": "The show that only the tests listen to.",
        "url": "http://localhost/",
        "webFeed": "http://localhost/episodes/rss",
        "image": "http://localhost/media/cover.png",
        "inLanguage": "en",
        "author": HOST,
    }


async def test_an_episode_page_describes_the_episode_its_audio_and_its_people(
    client: Client, session: AsyncSession
) -> None:
    ada = await add_guest(
        session, "ada-example", name="Ada", photo_url="https://img.test.example/a"
    )
    bob = await add_guest(session, "bob-example", name="Bob")
    await add_episode(
        session, 7, slug="seven", title="Seven", duration_seconds=3723, guests=[ada, bob]
    )

    (episode,) = linked_data(parse_html(await page_text(client, "/episodes/show/7/seven")))

    assert episode == {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": "Seven",
        "url": "http://localhost/episodes/show/7/seven",
        "description": "What episode 7 is about.",
        "datePublished": "2026-02-24",
        "duration": "PT1H2M3S",
        "episodeNumber": 7,
        "inLanguage": "en",
        "image": "http://localhost/media/cover.png",
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": "http://localhost/episodes/download/7/seven.mp3",
            "encodingFormat": "audio/mpeg",
            "duration": "PT1H2M3S",
        },
        "partOfSeries": {"@type": "PodcastSeries", "name": "Test Cast", "url": "http://localhost/"},
        "author": HOST,
        "actor": [
            {
                "@type": "Person",
                "name": "Ada",
                "url": "http://localhost/guests/ada-example",
                "image": "https://img.test.example/a",
            },
            {"@type": "Person", "name": "Bob", "url": "http://localhost/guests/bob-example"},
        ],
    }


async def test_an_episode_without_guests_names_no_actor(
    client: Client, session: AsyncSession
) -> None:
    await add_episode(session, 7, slug="seven")
    (episode,) = linked_data(parse_html(await page_text(client, "/episodes/show/7/seven")))
    assert "actor" not in episode


async def test_no_title_or_summary_can_end_the_script_element(
    client: Client, session: AsyncSession
) -> None:
    nasty = "</script><script>alert(1)</script> <!-- & ' \" ]]> \u2028"
    await add_episode(session, 7, slug="seven", title=nasty, summary=nasty)

    page = await page_text(client, "/episodes/show/7/seven")

    assert "<script>alert(1)" not in page
    document = parse_html(page)
    inline = [script for script in document.iter("script") if script.get("src") is None]
    assert len(inline) == 1  # the JSON-LD; the page's own scripts are files
    (episode,) = linked_data(document)
    assert episode["name"] == episode["description"] == nasty
