"""Expose the app to Granian, trusting the proxy headers Caddy sets."""

from granian.utils.proxies import wrap_asgi_with_proxy_headers

from podcast_site.app import create_app
from podcast_site.core.settings import Settings

settings = Settings()
# The client's address and scheme come from Caddy's X-Forwarded-For/-Proto, so
# rate limits see visitors (not Caddy) and external URLs say https.
app = wrap_asgi_with_proxy_headers(create_app(settings), trusted_hosts=settings.forwarded_allow_ips)
