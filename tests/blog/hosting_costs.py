"""The blog's hosting-cost formulas in Python, from the same price file as the page's script.

static-site/assets/js/hosting-costs.js computes the bills in the browser; this
is the second, independent copy the tests hold it to. Keep the two in step:
the same formulas, the same order of operations (so the floating-point
results are identical), the same rounding for display.
"""

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).resolve().parents[2] / "static-site" / "data" / "hosting_prices.toml"
SETUPS = ("hetzner", "digitalocean", "hetzner_bunny", "aws")
# AWS's data transfer tiers, cheapest last; every one but the last has a tier_gb.
EGRESS_TIERS = (
    "aws_egress_first_10tb",
    "aws_egress_next_40tb",
    "aws_egress_next_100tb",
    "aws_egress_over_150tb",
)


@dataclass(frozen=True)
class Usage:
    """A site's month, as the page's four inputs give it."""

    visitors: float
    page_mb: float
    downloads: float
    episode_mb: float

    @property
    def page_gb(self) -> float:
        """Return the pages' traffic in GB."""
        return self.visitors * self.page_mb / 1000

    @property
    def media_gb(self) -> float:
        """Return the episodes' traffic in GB."""
        return self.downloads * self.episode_mb / 1000

    @property
    def traffic_gb(self) -> float:
        """Return all the traffic in GB."""
        return self.page_gb + self.media_gb


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """Read the price file."""
    with path.open("rb") as file:
        return tomllib.load(file)


def usage_from(table: dict[str, Any]) -> Usage:
    """Return the usage of a [defaults] or [example] table of the price file."""
    return Usage(table["visitors"], table["page_mb"], table["downloads"], table["episode_mb"])


def aws_egress(traffic_gb: float, prices: dict[str, Any]) -> float:
    """Return AWS's data transfer bill: the free allowance first, then each tier in turn."""
    by_id = {price["id"]: price for price in prices["price"]}
    left = max(0, traffic_gb - by_id["aws_egress_free"]["amount"])
    cost = 0.0
    for tier_id in EGRESS_TIERS:
        tier = by_id[tier_id]
        in_tier = min(left, tier.get("tier_gb", math.inf))
        cost += in_tier * tier["amount"]
        left -= in_tier
    return cost


def monthly_bills(usage: Usage, prices: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Return each setup's monthly bill in USD, as its parts in the order the page shows them."""
    p = {price["id"]: price["amount"] for price in prices["price"]}
    eur = prices["exchange"]["usd_per_eur"]
    hours = prices["assumptions"]["hours_per_month"]
    hetzner_server = p["hetzner_server"] * eur
    return {
        "hetzner": {
            "server": hetzner_server,
            "traffic": max(0, usage.traffic_gb / 1000 - p["hetzner_included_traffic"])
            * p["hetzner_overage"]
            * eur,
        },
        "digitalocean": {
            "droplet": p["digitalocean_droplet"],
            "traffic": max(0, usage.traffic_gb - p["digitalocean_included_traffic"])
            * p["digitalocean_overage"],
        },
        "hetzner_bunny": {
            "server": hetzner_server,
            "traffic": max(0, usage.page_gb / 1000 - p["hetzner_included_traffic"])
            * p["hetzner_overage"]
            * eur,
            "cdn": usage.media_gb * p["bunny_cdn"],
        },
        "aws": {
            "compute": p["aws_compute"] * hours,
            "database": p["aws_database"] * hours
            + prices["assumptions"]["database_storage_gb"] * p["aws_database_storage"],
            # The pages pass the load balancer (1 LCU per GB processed); the
            # episodes come straight from S3.
            "load_balancer": p["aws_load_balancer"] * hours
            + usage.page_gb * p["aws_load_balancer_lcu"],
            "storage": prices["assumptions"]["episodes_stored"]
            * usage.episode_mb
            / 1000
            * p["aws_object_storage"],
            "egress": aws_egress(usage.traffic_gb, prices),
        },
    }


def total(parts: dict[str, float]) -> float:
    """Return the sum of a bill's parts, added in order as the script does."""
    result = 0.0
    for amount in parts.values():
        result += amount
    return result


def dollars(amount: float) -> str:
    """Return an amount as the page shows it: rounded half up to the cent, like Math.round."""
    cents = math.floor(amount * 100 + 0.5)
    return f"${cents // 100:,}.{cents % 100:02d}"


def terabytes(gb: float) -> str:
    """Return a traffic in TB as the page shows it, to two decimals."""
    hundredths = math.floor(gb / 1000 * 100 + 0.5)
    return f"{hundredths // 100:,}.{hundredths % 100:02d} TB"
