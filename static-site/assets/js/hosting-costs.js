// The hosting-cost calculator of /blog/hosting-costs/: reads the four inputs
// and the prices Hugo put in the page, and fills in the monthly bills.
//
// The prices arrive as a <script type="application/json"> block that Hugo
// writes from static-site/data/hosting_prices.toml: browsers never execute
// that type, so the Content-Security-Policy (script-src 'self') allows it,
// and the page needs no second request or inline script. This file comes
// from the blog itself ('self'), under a name with its hash, so Caddy may
// cache it for a year and the page pins it with an integrity attribute.
//
// tests/blog/hosting_costs.py holds the same formulas in Python; the browser
// test compares every figure shown with it, so change both together and keep
// the order of the operations (floating point) and the rounding the same.
"use strict";

(function () {
  const form = document.getElementById("cost-calculator");
  const pricesBlock = document.getElementById("hosting-prices");
  if (!form || !pricesBlock) return;
  const data = JSON.parse(pricesBlock.textContent);
  const p = {};
  const byId = {};
  for (const price of data.price) {
    p[price.id] = price.amount;
    byId[price.id] = price;
  }
  const eur = data.exchange.usd_per_eur;
  const hours = data.assumptions.hours_per_month;
  const inputs = ["visitors", "page_mb", "downloads", "episode_mb"];
  const egressTiers = [
    "aws_egress_first_10tb", "aws_egress_next_40tb",
    "aws_egress_next_100tb", "aws_egress_over_150tb",
  ];

  function awsEgress(trafficGb) {
    let left = Math.max(0, trafficGb - p.aws_egress_free);
    let cost = 0.0;
    for (const tierId of egressTiers) {
      const inTier = Math.min(left, byId[tierId].tier_gb ?? Infinity);
      cost += inTier * p[tierId];
      left -= inTier;
    }
    return cost;
  }

  // Each setup's parts, in the order the page lists them (as in hosting_costs.py).
  function monthlyBills(u) {
    const pageGb = u.visitors * u.page_mb / 1000;
    const mediaGb = u.downloads * u.episode_mb / 1000;
    const trafficGb = pageGb + mediaGb;
    const hetznerServer = p.hetzner_server * eur;
    return {
      trafficGb: trafficGb,
      bills: {
        hetzner: {
          server: hetznerServer,
          traffic: Math.max(0, trafficGb / 1000 - p.hetzner_included_traffic)
            * p.hetzner_overage * eur,
        },
        digitalocean: {
          droplet: p.digitalocean_droplet,
          traffic: Math.max(0, trafficGb - p.digitalocean_included_traffic)
            * p.digitalocean_overage,
        },
        hetzner_bunny: {
          server: hetznerServer,
          traffic: Math.max(0, pageGb / 1000 - p.hetzner_included_traffic)
            * p.hetzner_overage * eur,
          cdn: mediaGb * p.bunny_cdn,
        },
        aws: {
          compute: p.aws_compute * hours,
          database: p.aws_database * hours
            + data.assumptions.database_storage_gb * p.aws_database_storage,
          load_balancer: p.aws_load_balancer * hours + pageGb * p.aws_load_balancer_lcu,
          storage: data.assumptions.episodes_stored * u.episode_mb / 1000
            * p.aws_object_storage,
          egress: awsEgress(trafficGb),
        },
      },
    };
  }

  // Rounded half up, to the cent, for display only: the sums use full precision.
  function dollars(amount) {
    const cents = Math.floor(amount * 100 + 0.5);
    return "$" + Math.floor(cents / 100).toLocaleString("en-US") + "."
      + String(cents % 100).padStart(2, "0");
  }

  function terabytes(gb) {
    const hundredths = Math.floor(gb / 1000 * 100 + 0.5);
    return Math.floor(hundredths / 100).toLocaleString("en-US") + "."
      + String(hundredths % 100).padStart(2, "0") + " TB";
  }

  function readUsage() {
    const usage = {};
    for (const name of inputs) {
      const value = form.elements[name].valueAsNumber;
      if (!(value >= 0)) return null;
      usage[name] = value;
    }
    return usage;
  }

  function show() {
    const usage = readUsage();
    const status = document.getElementById("cost-status");
    for (const cell of document.querySelectorAll("[data-total], [data-part]")) {
      cell.textContent = "–";
    }
    if (usage === null) {
      status.textContent = "Enter a number of zero or more in each field.";
      return;
    }
    const result = monthlyBills(usage);
    document.getElementById("cost-traffic").textContent = terabytes(result.trafficGb);
    for (const [setup, parts] of Object.entries(result.bills)) {
      let total = 0.0;
      for (const [part, amount] of Object.entries(parts)) {
        document.querySelector(`[data-part="${setup}.${part}"]`).textContent = dollars(amount);
        total += amount;
      }
      document.querySelector(`[data-total="${setup}"]`).textContent = dollars(total);
    }
    status.textContent = "";
  }

  // A link such as the example's (?visitors=...&downloads=...) fills the form.
  const query = new URLSearchParams(window.location.search);
  for (const name of inputs) {
    if (query.has(name)) form.elements[name].value = query.get(name);
  }
  form.addEventListener("input", show);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show();
  });
  for (const element of document.querySelectorAll("[data-script-only]")) element.hidden = false;
  for (const element of document.querySelectorAll("[data-no-script]")) element.hidden = true;
  show();
})();
