// Many tabs of one origin in headless Chromium sharing localStorage: one
// login for all of them (Web Locks + re-reading the store), and a store that
// throws like a private window still yields tokens.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { simulator, CREDENTIALS } from "./helpers.mjs";
import { launchChromium, serveStatic, ROOT } from "../consumers/helpers.mjs";

let sim;
let site;
let browser;
before(async () => {
  sim = await simulator();
  site = await serveStatic({ "/": join(ROOT, "tests/js/fixtures"), "/pkg/": join(ROOT, "pkg") });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await sim?.close();
});
beforeEach(() => sim.reset());

const pageUrl = (extra = "") =>
  `${site.url.replace(/\/$/, "")}/tabs.html?sim=${encodeURIComponent(sim.url)}` +
  `&user=${CREDENTIALS.voipbin.username}&password=${CREDENTIALS.voipbin.password}${extra}`;

async function openTabs(context, count, extra) {
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()));
  await Promise.all(pages.map((p) => p.goto(pageUrl(extra))));
  await Promise.all(pages.map((p) => p.waitForFunction(() => window.ready === true)));
  return pages;
}

test("8 tabs sharing localStorage, all calling getToken at once, make one login", async () => {
  const context = await browser.newContext();
  try {
    const pages = await openTabs(context, 8);
    const tokens = await Promise.all(pages.map((p) => p.evaluate(() => window.run())));
    assert.equal(new Set(tokens).size, 1, "every tab got the same token");
    assert.equal(await sim.count("voipbin", "POST /auth/login"), 1);
    const fromStore = await Promise.all(pages.map((p) => p.evaluate(() => window.events.find((e) => e.type === "token")?.fromCache)));
    assert.equal(fromStore.filter((f) => f === false).length, 1, "one tab logged in, the others read its token");
  } finally {
    await context.close();
  }
});

test("without Web Locks, the lease in localStorage still keeps 8 tabs to (almost always) one login", async () => {
  const context = await browser.newContext();
  try {
    const pages = await openTabs(context, 8, "&nolocks=1");
    assert.equal(await pages[0].evaluate(() => navigator.locks), undefined);
    const tokens = await Promise.all(pages.map((p) => p.evaluate(() => window.run())));
    const logins = await sim.count("voipbin", "POST /auth/login");
    // Best effort: a store has no compare-and-swap. Without the lease every
    // tab would log in (8).
    assert.ok(logins <= 2, `${logins} logins`);
    assert.ok(new Set(tokens).size <= logins);
  } finally {
    await context.close();
  }
});

test("a store that throws like a private window still yields a token, and says so", async () => {
  const context = await browser.newContext();
  try {
    const [page] = await openTabs(context, 1, "&private=1");
    const token = await page.evaluate(() => window.run());
    assert.ok(token.length > 20);
    const events = await page.evaluate(() => window.events);
    const fallback = events.find((e) => e.type === "storage-fallback");
    assert.ok(fallback, JSON.stringify(events));
    assert.match(fallback.reason, /SecurityError/);
    assert.equal(await sim.count("voipbin", "POST /auth/login"), 1);
  } finally {
    await context.close();
  }
});
