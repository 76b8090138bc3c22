"""The site through Caddy over HTTPS: pages, blog, static files, headers."""

import html
import json
import re

import httpx

from podcast_site.content.reader import read_content
from tests.blog.headers import header_links
from tests.stack.conftest import REPO_DIR, Stack
from tests.web.paths import SITE_CONTENT

# What the stack loads: the repository's own content (the demo, or a fork's show).
SITE = read_content(SITE_CONTENT)
# The newest episode a listener is offered: the home page's player skips trailers.
NEWEST = [e for e in SITE.episodes if e.meta.episode_type != "trailer"][-1]
# A word search finds and highlights: the longest in the newest episode's summary.
SEARCH_WORD = max(re.findall(r"[A-Za-z]{5,}", NEWEST.meta.summary), key=len)


def test_home_shows_the_newest_episode(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    newest = response.text.split('aria-labelledby="newest"', 1)[1].split("</section>", 1)[0]
    assert html.escape(NEWEST.meta.title) in newest
    assert f'src="/episodes/download/{NEWEST.meta.number}/{NEWEST.slug}.mp3"' in newest
    if NEWEST.meta.image_url:
        assert 'class="episode-art"' in newest


def test_an_episode_page_shows_the_episode(client: httpx.Client) -> None:
    response = client.get(f"/episodes/show/{NEWEST.meta.number}/{NEWEST.slug}")
    assert response.status_code == 200
    assert f"<h1>{html.escape(NEWEST.meta.title)}</h1>" in response.text


def test_the_blog_and_its_posts_render(client: httpx.Client) -> None:
    index = client.get("/blog/")
    assert index.status_code == 200
    # Hugo's minifier drops attribute quotes where HTML allows it.
    assert re.search(r'class="?site-header', index.text)  # the app's header and look
    # Every post in static-site/content/posts/ is listed, at its own URL
    # (`url:` in its front matter) or at /blog/posts/<file name>/.
    expected = set()
    for source in (REPO_DIR / "static-site" / "content" / "posts").glob("*.md"):
        own_url = re.search(r"^url: *(\S+)$", source.read_text().split("\n---", 1)[0], re.M)
        expected.add(f"/blog{own_url[1]}" if own_url else f"/blog/posts/{source.stem}/")
    listed = set(re.findall(r'href="?(/blog/[^"> ]+/)', index.text))
    assert expected <= listed, expected - listed

    post = client.get(sorted(expected)[0])
    assert post.status_code == 200
    assert "<article" in post.text


def test_the_blog_as_caddy_serves_it_has_the_apps_header(client: httpx.Client) -> None:
    app_links = header_links(client.get("/").text)
    assert ("/topics", "Topics") in app_links
    assert header_links(client.get("/blog/").text) == app_links


def test_blog_without_a_trailing_slash_redirects(client: httpx.Client) -> None:
    response = client.get("/blog")
    assert response.status_code == 308
    assert response.headers["Location"] == "/blog/"


def test_a_missing_blog_page_is_the_blogs_404_with_the_security_headers(
    client: httpx.Client,
) -> None:
    response = client.get("/blog/no-such-post/")
    assert response.status_code == 404
    assert re.search(r'class="?site-header', response.text)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Server" not in response.headers


def test_static_files_carry_a_long_immutable_cache(client: httpx.Client) -> None:
    home = client.get("/").text
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/site\.[0-9a-f]{12}\.css)"', home)
    assert stylesheet, "the home page links its stylesheet with a content hash"

    response = client.get(stylesheet[1])

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"].startswith("text/css")
    # Caddy's own copy (its file server's strong ETag), not the app's fallback:
    # the app and Caddy's image agree on the hashed name.
    assert not response.headers["ETag"].startswith("W/")


def test_responses_are_compressed(client: httpx.Client) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_security_headers_are_set_on_app_and_blog_pages(client: httpx.Client) -> None:
    for path in ("/", "/blog/"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "default-src 'self'" in headers["Content-Security-Policy"], path
        assert "Server" not in headers, path
        # A development site on localhost must not pin the browser to HTTPS.
        assert "Strict-Transport-Security" not in headers, path


def test_plain_http_redirects_to_https_without_hsts(stack: Stack) -> None:
    response = httpx.get(f"http://localhost:{stack.http_port}/episodes", timeout=10)
    assert response.status_code == 308
    assert response.headers["Location"] == "https://localhost/episodes"
    assert "Strict-Transport-Security" not in response.headers


def test_a_public_domain_gets_hsts_whatever_app_env_says(stack: Stack) -> None:
    # What Caddy would run on a real domain, checked without one: HSTS for any
    # host that is not a local name, set by the Caddyfile itself.
    config = json.loads(
        stack.compose(
            "exec",
            "-T",
            "-e",
            "SITE_ADDRESS=podcast.example.com",
            "caddy",
            "caddy",
            "adapt",
            "--config",
            "/etc/caddy/Caddyfile",
        )  # fmt: skip
    )
    text = json.dumps(config)
    assert '"host": ["podcast.example.com"]' in text
    assert '"Strict-Transport-Security": ["max-age=31536000"]' in text
    assert '"not": [{"host": ["localhost", "*.localhost"' in text


def test_a_public_domain_with_app_env_development_refuses_to_start(stack: Stack) -> None:
    # migrate runs first with web's settings: its failure stops `make up`
    # before web starts, with the reason in its log.
    output = stack.compose(
        "run", "--rm", "--no-deps", "-e", "SITE_ADDRESS=podcast.example.com",
        "-e", "APP_ENV=development", "migrate", check=False,
    )  # fmt: skip
    assert "a public site runs as production" in output


def test_health_and_readiness_through_caddy(client: httpx.Client) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/ready").text == "ready\n"


def test_migrate_ran_once_and_exited_0(stack: Stack) -> None:
    (migrate,) = stack.containers("migrate")
    assert migrate["State"] == "exited"
    assert migrate["ExitCode"] == 0


def test_web_serves_as_an_unprivileged_user(stack: Stack) -> None:
    # PID 1 is Granian: the entrypoint exec'd it after dropping root.
    status = stack.compose("exec", "-T", "web", "cat", "/proc/1/status")
    uids = re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE)
    assert uids and set(uids[1].split()) == {"10001"}, status
    assert "granian" in stack.compose("exec", "-T", "web", "cat", "/proc/1/cmdline")


def test_caddy_log_is_not_filled_by_its_healthcheck(stack: Stack) -> None:
    # The healthcheck asks Caddy's admin API every few seconds: one info line
    # each would be 13 MB of log a day.
    (caddy,) = stack.containers("caddy")
    assert caddy["Health"] == "healthy"  # it has asked, and been answered
    log = stack.run("docker", "logs", caddy["ID"])
    assert '"logger":"admin.api","msg":"received request"' not in log, log[-2000:]
