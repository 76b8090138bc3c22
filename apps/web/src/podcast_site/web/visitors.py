"""Recognise a visitor again without storing who they are: keyed hashes of their address."""

import hmac
import ipaddress

from quart import current_app, request

# One IPv6 subscriber gets a /64 (often more), and picks a new address in it
# every day or so (privacy extensions): an address alone would let anyone
# with a /64 rotate past every limit, and count one listener many times.
IPV6_PREFIX = 64


def client_address() -> str:
    """Return who the visitor is, as far as limits and counts go: their address, or their /64.

    The address is Caddy's X-Forwarded-For (trusted in asgi.py).
    """
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if not isinstance(parsed, ipaddress.IPv6Address):
        return address
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is an IPv4 visitor
        return str(parsed.ipv4_mapped)
    return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))


def keyed_hash(*parts: str) -> bytes:
    """Hash the parts with the app's secret key (HMAC-SHA256).

    Without the key, a hash cannot be turned back into an address by trying
    all four billion of them. Every worker and container has the same key
    (SECRET_KEY_FILE), so they all compute the same hash for one visitor.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.digest(key, "\n".join(parts).encode(), "sha256")
