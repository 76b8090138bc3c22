"""Who a visitor is for limits and counts: an IPv4 address, or an IPv6 /64, never stored plainly."""

import pytest
from quart import Quart, request

from podcast_site.web.visitors import client_address, keyed_hash


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("::ffff:192.0.2.10", "192.0.2.10"),  # an IPv4 visitor on a dual-stack socket
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),  # the same subscriber's next address
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),  # the neighbour's
        ("not an address", "not an address"),
    ],
)
async def test_an_ipv6_visitor_is_their_64_and_an_ipv4_one_their_address(
    app: Quart, address: str, client: str
) -> None:
    async with app.test_request_context("/"):
        request.remote_addr = address  # as Granian sets it from Caddy's X-Forwarded-For
        assert client_address() == client


async def test_the_key_is_a_keyed_hash(app: Quart) -> None:
    async with app.app_context():
        assert keyed_hash("2001:db8:1:2::/64") != keyed_hash("2001:db8:1:3::/64")
        assert b"2001" not in keyed_hash("2001:db8:1:2::/64")
