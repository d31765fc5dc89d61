// `store: "indexedDB"` across every kind of context of one origin, in
// Chromium, Firefox and WebKit (tests/browser/driver.mjs; BROWSERS picks the
// engines): a page, a dedicated worker, a shared worker and a service worker
// asking at once make one login; a clear() or revoke() in one context reaches
// the others (the package's BroadcastChannel, the store the source of truth);
// IndexedDB missing, full or blocked falls back to memory with the event and
// no hang; and a principal keeps to one origin-wide store per page.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fault } from "./helpers.mjs";
import { engines, launch } from "../browser/driver.mjs";
import { fixtureSite } from "../browser/fixtures.mjs";

const CONCURRENT = 50;
const KINDS = ["dedicated", "shared", "service"];

const site = fixtureSite();
const pageUrl = (extra) => site.url("contexts.html", extra);
const logins = () => site.logins();

/** Opens the fixture in a context of its own (fresh storage). */
async function open(browser, extra) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(pageUrl(extra));
  await page.waitForFunction(() => window.ready === true, undefined, { timeout: 30_000 });
  return { context, page };
}

const result = (outcome, what) => {
  assert.equal(outcome.error, undefined, `${what}: ${outcome.error}`);
  return outcome.result;
};
const inPage = async (page, op, n) => result(await page.evaluate(([o, k]) => window.pageOp(o, k), [op, n]), `page ${op}`);
const inWorker = async (page, kind, op, n) =>
  result(await page.evaluate(([w, o, k]) => window.workerOp(w, o, k), [kind, op, n]), `${kind} worker ${op}`);

/** Waits until the context has heard `count` announcements of other contexts. */
async function heard(page, kind, count) {
  const ask = kind === "page" ? () => inPage(page, "heard") : () => inWorker(page, kind, "heard");
  const deadline = Date.now() + 10_000;
  for (;;) {
    const n = await ask();
    if (n >= count) return;
    assert.ok(Date.now() < deadline, `${kind} heard ${n} of ${count} announcements within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of engines()) {
  describe(engine, () => {
    let browser;
    before(async () => {
      browser = await launch(engine);
    });
    after(async () => {
      await browser?.close();
    });

    for (const [variant, extra] of [["", ""], [", without Web Locks", "&nolocks=1"]]) test(`a page, a dedicated, a shared and a service worker, ${CONCURRENT} getToken each on a cold cache${variant}, make one login`, async () => {
      const { context, page } = await open(browser, extra);
      try {
        assert.deepEqual(await page.evaluate((k) => window.startWorkers(k), KINDS), KINDS);
        const locks = await page.evaluate(() => typeof navigator.locks?.request);
        assert.equal(locks, extra ? "undefined" : "function");
        // Every context loaded and its client made, so that they ask at
        // the same moment; logins answered 500 ms late, so that each asks
        // while the first login is under way.
        await page.evaluate((kinds) => Promise.all([window.pageOp("warm"), ...kinds.map((k) => window.workerOp(k, "warm"))]), KINDS);
        await fault(site.sim, { vendor: "voipbin", path: "/auth/login", delayMs: 500, count: 4 });
        const all = await page.evaluate(
          ([kinds, n]) => Promise.all([window.pageOp("tokens", n), ...kinds.map((k) => window.workerOp(k, "tokens", n))]),
          [KINDS, CONCURRENT],
        );
        const tokens = all.flatMap((outcome, i) => result(outcome, ["page", ...KINDS][i]));
        assert.equal(tokens.length, CONCURRENT * 4);
        assert.equal(new Set(tokens).size, 1, "every context got the same token");
        assert.equal(await logins(), 1);
      } finally {
        await context.close();
      }
    });

    test("clear() in a worker: the page's next getToken logs in once", async () => {
      const { context, page } = await open(browser);
      try {
        await page.evaluate(() => window.startWorkers(["dedicated"]));
        const [before] = await inPage(page, "tokens", 1);
        const [inWorkerBefore] = await inWorker(page, "dedicated", "tokens", 1);
        assert.ok(inWorkerBefore === before, "the worker read the page's token from IndexedDB");
        assert.equal(await logins(), 1);

        await inWorker(page, "dedicated", "clear");
        await heard(page, "page", 1);
        // getToken, which a warm page answers from its memo (pkg/setup.js).
        const [after] = await inPage(page, "tokens", 1);
        assert.ok(after !== before, "the page did not serve its memory copy of the cleared token");
        assert.equal(await logins(), 2);
        // …and the worker reads the page's new token: no third login.
        const [inWorkerAfter] = await inWorker(page, "dedicated", "tokens", 1);
        assert.ok(inWorkerAfter === after, "the worker read the page's new token");
        assert.equal(await logins(), 2);
      } finally {
        await context.close();
      }
    });

    test("revoke() in the page: the worker's cached token is gone", async () => {
      const { context, page } = await open(browser);
      try {
        await page.evaluate(() => window.startWorkers(["shared"]));
        const [revoked] = await inWorker(page, "shared", "tokens", 1);
        assert.equal((await inPage(page, "info")).token, revoked);
        assert.equal(await logins(), 1);

        await inPage(page, "revoke");
        await heard(page, "shared", 1);
        const after = await inWorker(page, "shared", "info");
        assert.ok(after.token !== revoked, "the worker no longer serves the revoked token");
        assert.equal(after.fromCache, false);
        assert.equal(await logins(), 2);
      } finally {
        await context.close();
      }
    });

    test("two tabs on localStorage: clear() in one, the other's next getToken logs in once", async () => {
      const context = await browser.newContext();
      try {
        const tabs = [await context.newPage(), await context.newPage()];
        for (const tab of tabs) {
          await tab.goto(pageUrl("&store=localStorage"));
          await tab.waitForFunction(() => window.ready === true, undefined, { timeout: 30_000 });
        }
        const [first] = await inPage(tabs[0], "tokens", 1);
        const [second] = await inPage(tabs[1], "tokens", 1);
        assert.ok(first === second, "the second tab read the first's token");
        assert.equal(await logins(), 1);
        await inPage(tabs[0], "clear");
        await heard(tabs[1], "page", 1);
        assert.equal((await inPage(tabs[1], "info")).fromCache, false);
        assert.equal(await logins(), 2);
      } finally {
        await context.close();
      }
    });

    for (const [fault, why] of [
      ["noidb", /IndexedDB is not available/],
      ["quota", /QuotaExceededError|quota/i],
      ["blocked", /blocked/],
    ]) {
      test(`IndexedDB ${fault === "noidb" ? "missing" : fault === "quota" ? "full" : "upgrade blocked"}: a token from memory, "storage-fallback", no hang`, async () => {
        const { context, page } = await open(browser, `&${fault}=1`);
        try {
          const tokens = await inPage(page, "tokens", 5);
          assert.equal(new Set(tokens).size, 1);
          assert.equal(await logins(), 1);
          const events = await page.evaluate(() => window.events);
          assert.ok(events.length >= 1, "a storage-fallback event");
          assert.match(events[0].reason, why);
          // Served from the memory fallback afterwards.
          assert.equal((await inPage(page, "info")).fromCache, true);
          assert.equal(await logins(), 1);
        } finally {
          await context.close();
        }
      });
    }

    test("the IndexedDB store itself: put-if-absent, compare-and-delete, expired entries unread and swept", async () => {
      const { context, page } = await open(browser);
      try {
        const first = await page.evaluate(async () => {
          const { indexedDBStore } = await import("/pkg/idb-store.js");
          const store = indexedDBStore();
          const seen = {};
          seen.addEmpty = await store.add("lease", "a", { expirationTtl: 1 });
          seen.addHeld = await store.add("lease", "b", { expirationTtl: 1 });
          seen.deleteOther = await store.deleteIf("lease", "b");
          seen.deleteOwn = await store.deleteIf("lease", "a");
          seen.afterDelete = await store.get("lease");
          await store.put("short", "x", { expirationTtl: 1 });
          await store.put("kept", "y", {});
          seen.short = await store.get("short");
          await new Promise((r) => setTimeout(r, 1100));
          seen.shortLater = await store.get("short");
          seen.addExpired = await store.add("short", "z", { expirationTtl: 1 });
          await store.put("expired", "w", { expirationTtl: 1 });
          await new Promise((r) => setTimeout(r, 1100));
          return seen;
        });
        assert.deepEqual(first, {
          addEmpty: true,
          addHeld: false,
          deleteOther: false,
          deleteOwn: true,
          afterDelete: null,
          short: "x",
          shortLater: null,
          addExpired: true,
        });
        // A new realm opens the database and sweeps what has expired.
        await page.goto(pageUrl());
        await page.waitForFunction(() => window.ready === true, undefined, { timeout: 30_000 });
        const keys = await page.evaluate(async () => {
          const { indexedDBStore } = await import("/pkg/idb-store.js");
          await indexedDBStore().get("kept");
          const db = await new Promise((resolve, reject) => {
            const request = indexedDB.open("vendor-auth");
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          const request = db.transaction("entries").objectStore("entries").getAllKeys();
          const all = await new Promise((resolve) => (request.onsuccess = () => resolve(request.result)));
          db.close();
          return all.sort();
        });
        assert.deepEqual(keys, ["kept"]);
      } finally {
        await context.close();
      }
    });

    test("an indexedDB.open that never answers is given up, and a later call opens the database again", async () => {
      const { context, page } = await open(browser);
      try {
        const seen = await page.evaluate(async () => {
          // A module of its own, so that no connection is open yet.
          const { indexedDBStore } = await import(`/pkg/idb-store.js?silent=${Date.now()}`);
          const store = indexedDBStore();
          const within = (promise, ms) =>
            Promise.race([promise.then((v) => `answered ${v}`, () => "failed"), new Promise((r) => setTimeout(() => r("pending"), ms))]);
          // A request whose events never fire.
          indexedDB.open = () => ({});
          const first = store.get("k");
          const early = await within(first, 500);
          delete indexedDB.open;
          const hung = await within(first, 3000);
          const later = await within(store.get("k"), 2000);
          return { early, hung, later };
        });
        assert.deepEqual(seen, { early: "pending", hung: "failed", later: "answered null" });
      } finally {
        await context.close();
      }
    });

    test("a localStorage and an indexedDB client of one principal in one page: the second is refused", async () => {
      const { context, page } = await open(browser);
      try {
        const outcome = await page.evaluate(() => window.pageOp("mixed"));
        assert.match(outcome.error ?? "", /^INVALID_OPTIONS: .*"indexedDB".*one store/);
      } finally {
        await context.close();
      }
    });
  });
}
