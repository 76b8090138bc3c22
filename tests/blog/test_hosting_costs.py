"""The hosting-cost calculator's price file and formulas, without a browser or a stack."""

import re
from typing import Any

import pytest

from tests.blog.hosting_costs import (
    EGRESS_TIERS,
    SETUPS,
    aws_egress,
    dollars,
    load_prices,
    monthly_bills,
    terabytes,
    total,
    usage_from,
)

# A date as precise as the source allows: a year, a month or a day.
AS_OF = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@pytest.fixture(scope="module")
def prices() -> dict[str, Any]:
    """The price file the page is built from."""
    return load_prices()


def test_every_price_says_where_and_when_it_was_read(prices: dict[str, Any]) -> None:
    ids = [price["id"] for price in prices["price"]]
    assert len(ids) == len(set(ids)), "each price id once"
    for entry in [*prices["price"], prices["exchange"]]:
        name = entry.get("id", "exchange")
        assert entry["source"].startswith("https://"), name
        assert AS_OF.fullmatch(entry["as_of"]), f"{name}: as_of {entry['as_of']!r}"
    for price in prices["price"]:
        assert isinstance(price["amount"], int | float) and price["amount"] >= 0, price["id"]
        assert price["provider"] and price["what"] and price["unit"], price["id"]
        assert price.get("currency", "USD") in {"USD", "EUR"}, price["id"]


def test_every_price_the_formulas_need_is_there(prices: dict[str, Any]) -> None:
    by_id = {price["id"]: price for price in prices["price"]}
    # The last tier has no end; every other one has a size.
    assert [tier_id in by_id and "tier_gb" in by_id[tier_id] for tier_id in EGRESS_TIERS] == [
        True,
        True,
        True,
        False,
    ]
    bills = monthly_bills(usage_from(prices["defaults"]), prices)
    assert list(bills) == list(SETUPS)


def test_the_example_passes_1000_dollars_on_aws_and_stays_small_on_a_vps(
    prices: dict[str, Any],
) -> None:
    example = usage_from(prices["example"])
    bills = monthly_bills(example, prices)
    assert terabytes(example.traffic_gb) == "12.10 TB"
    # The podcast's bandwidth alone passes $1,000 a month on AWS ...
    assert bills["aws"]["egress"] > 1000
    assert total(bills["aws"]) > 1000
    # ... and fits in the traffic a small VPS includes.
    assert bills["hetzner"]["traffic"] == 0
    assert total(bills["hetzner"]) < 20
    assert total(bills["hetzner_bunny"]) < 200
    assert total(bills["digitalocean"]) < 200


def test_aws_data_transfer_is_free_then_priced_tier_by_tier() -> None:
    tiers = [
        {"id": "aws_egress_free", "amount": 100},
        {"id": "aws_egress_first_10tb", "amount": 0.09, "tier_gb": 10_000},
        {"id": "aws_egress_next_40tb", "amount": 0.085, "tier_gb": 40_000},
        {"id": "aws_egress_next_100tb", "amount": 0.07, "tier_gb": 100_000},
        {"id": "aws_egress_over_150tb", "amount": 0.05},
    ]
    prices = {"price": tiers}
    assert aws_egress(100, prices) == 0
    assert aws_egress(1100, prices) == pytest.approx(90)
    assert aws_egress(12_100, prices) == pytest.approx(900 + 170)
    assert aws_egress(250_100, prices) == pytest.approx(900 + 3400 + 7000 + 5000)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "$0.00"), (7.225, "$7.23"), (1234.5, "$1,234.50"), (0.004, "$0.00"), (99.995, "$100.00")],
)
def test_amounts_are_rounded_half_up_to_the_cent(amount: float, shown: str) -> None:
    assert dollars(amount) == shown
