// Audit pages with Lighthouse, one after another in one headless Chromium;
// print one JSON line per page: its scores, metrics and failing audits.
// Usage: node audit.mjs desktop|mobile URL...  (tests/stack/test_browser.py runs it)
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
// The metrics that make up the performance score, as Lighthouse names them.
const METRICS = [
  "first-contentful-paint",
  "largest-contentful-paint",
  "total-blocking-time",
  "cumulative-layout-shift",
  "speed-index",
];

const [formFactor, ...urls] = process.argv.slice(2);
if (!["desktop", "mobile"].includes(formFactor) || urls.length === 0) {
  console.error("usage: node audit.mjs desktop|mobile URL...");
  process.exit(2);
}

// The browser test's flags (test_browser.py): root in a container, no GPU,
// no calls home. The stack's certificate comes from Caddy's local CA, which
// this browser does not hold: the connection is still TLS, and the pages
// still count as secure contexts.
const chrome = await chromeLauncher.launch({
  chromeFlags: [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--ignore-certificate-errors",
  ],
});
try {
  for (const url of urls) {
    const result = await lighthouse(
      url,
      {
        port: chrome.port,
        logLevel: "error",
        onlyCategories: CATEGORIES,
        // Pictures for a person reading the report, which nobody reads here;
        // the full page's alone takes seconds on a small machine.
        disableFullPageScreenshot: true,
        skipAudits: ["screenshot-thumbnails", "final-screenshot"],
      },
      formFactor === "desktop" ? desktopConfig : undefined,
    );
    console.log(JSON.stringify(summary(url, result.lhr)));
  }
} finally {
  chrome.kill();
}

/** Return what a reader of a failed test needs of one page's report. */
function summary(url, lhr) {
  const failing = [];
  const scores = {};
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    scores[id] = category.score === null ? null : Math.round(category.score * 100);
    for (const ref of category.auditRefs) {
      const audit = lhr.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        const items = audit.details?.items ?? [];
        failing.push({
          category: id,
          id: ref.id,
          title: audit.title,
          score: audit.score,
          value: audit.displayValue ?? "",
          // What the audit found wanting, as its report's table names it.
          items: items.slice(0, 5).map((item) => item.node?.snippet ?? item.url ?? item.source?.url ?? JSON.stringify(item).slice(0, 200)),
        });
      }
    }
  }
  const metrics = Object.fromEntries(METRICS.map((id) => [id, lhr.audits[id].numericValue]));
  return {
    url,
    final_url: lhr.finalDisplayedUrl,
    scores,
    metrics,
    failing,
    warnings: lhr.runWarnings,
    error: lhr.runtimeError?.message ?? null,
  };
}
