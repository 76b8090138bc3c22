"""Recognise a visitor again without storing who they are: keyed hashes of their address."""

import hmac

from quart import current_app, request


def client_address() -> str:
    """Return the visitor's address (Caddy's X-Forwarded-For, trusted in asgi.py)."""
    return request.remote_addr or "unknown"


def keyed_hash(*parts: str) -> bytes:
    """Hash the parts with the app's secret key (HMAC-SHA256).

    Without the key, a hash cannot be turned back into an address by trying
    all four billion of them. Every worker and container has the same key
    (SECRET_KEY_FILE), so they all compute the same hash for one visitor.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.digest(key, "\n".join(parts).encode(), "sha256")
