"""A listener in a real browser (Debian's Chromium, driven by Playwright) on a fresh stack.

It plays an episode (the duration loads and time passes), signs up through
the newsletter form, searches, and the pages log no console error: a script
or style the Content-Security-Policy refused, a file that did not load.
"""

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, sync_playwright

from tests.stack.conftest import Stack
from tests.stack.test_site import NEWEST, SEARCH_WORD

CHROMIUM = "/usr/bin/chromium"
# What a root user in a container needs, and no calls home (this machine has
# no internet, and a test should not need one).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser_page(stack: Stack) -> Iterator[tuple[Page, list[str]]]:
    """A browser page on the stack, and the errors it collects (console, failed loads)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run make test (its image has it)", pytrace=False)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Every other stack test verifies Caddy's certificate with its CA; a
        # browser would need the CA in its own store, so this one skips that.
        context = browser.new_context(base_url=stack.base_url, ignore_https_errors=True)
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on(
            "response",
            lambda response: (
                errors.append(f"{response.url}: {response.status}")
                if response.status >= 400
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        try:
            yield page, errors
        finally:
            browser.close()


@pytest.fixture
def page(browser_page: tuple[Page, list[str]]) -> tuple[Page, list[str]]:
    """The browser page, with the errors of this test only."""
    browser_page[1].clear()
    return browser_page


def test_an_episode_plays(page: tuple[Page, list[str]]) -> None:
    browser, errors = page
    browser.goto(f"/episodes/show/{NEWEST.meta.number}/{NEWEST.slug}")
    audio = browser.locator("audio")
    audio.evaluate("player => player.play()")
    browser.wait_for_function(
        "() => { const a = document.querySelector('audio');"
        " return a.duration > 0 && isFinite(a.duration) && a.currentTime > 0.2; }",
        timeout=20_000,
    )
    duration = audio.evaluate("player => player.duration")
    assert abs(duration - NEWEST.meta.duration) <= 1, duration
    assert errors == []


def test_the_newsletter_form_signs_up(page: tuple[Page, list[str]]) -> None:
    browser, errors = page
    browser.goto("/newsletter")
    browser.get_by_label("Email address").fill("browser-listener@mailbox.org")
    browser.get_by_role("button", name="Subscribe").click()
    browser.wait_for_url("**/newsletter/thanks")
    assert browser.get_by_role("heading", name="Check your inbox").is_visible()
    assert errors == []


def test_search_finds_episodes(page: tuple[Page, list[str]]) -> None:
    browser, errors = page
    browser.goto("/search")
    browser.get_by_role("searchbox").fill(SEARCH_WORD)
    browser.keyboard.press("Enter")
    browser.wait_for_url(f"**/search?q={SEARCH_WORD}")
    assert browser.locator("mark").count() > 0
    assert errors == []


def test_every_main_page_loads_without_a_console_error(page: tuple[Page, list[str]]) -> None:
    browser, errors = page
    for path in ("/", "/episodes", "/guests", "/sponsors", "/blog/", "/episodes/rss"):
        try:
            browser.goto(path)
        except Error as error:  # the feed is XML, which Chromium may offer to download
            assert "Download is starting" in str(error), error
    assert errors == []
