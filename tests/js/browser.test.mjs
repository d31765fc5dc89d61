// Many tabs of one origin sharing localStorage, in Chromium, Firefox and
// WebKit (tests/browser/driver.mjs; BROWSERS picks the engines): one login
// for all of them, with Web Locks and without (the lease in the store, under
// CPU load, 20 rounds each for 4 and 8 tabs), and a store that throws like a
// private window still yields tokens.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { engines, launch } from "../browser/driver.mjs";
import { fixtureSite } from "../browser/fixtures.mjs";

const ROUNDS = Number(process.env.TABS_ROUNDS ?? 20);
// Every other round the tabs start up to 30 ms apart rather than at once:
// the case where a busy tab reads a view of the store older than another's
// claim. trace=1 records each tab's storage calls, printed if a round fails.
const noLocks = (round) => `&nolocks=1&trace=1${round % 2 ? "&jitter=30" : ""}`;

const site = fixtureSite();
const pageUrl = (extra) => site.url("tabs.html", extra);
const logins = () => site.logins();

async function load(pages, extra) {
  for (const page of pages) await page.goto(pageUrl(extra));
  await Promise.all(pages.map((p) => p.waitForFunction(() => window.ready === true, undefined, { timeout: 30_000 })));
}

async function openTabs(context, count, extra) {
  const pages = [];
  for (let i = 0; i < count; i++) pages.push(await context.newPage());
  await load(pages, extra);
  return pages;
}

/** Starts run() in every tab at once; resolves to each tab's token. */
async function runAll(pages) {
  await pages[0].evaluate(() => window.startAll());
  const outcomes = await Promise.all(
    pages.map((p) => p.waitForFunction(() => window.outcome, undefined, { timeout: 60_000, interval: 100 })),
  );
  const failed = outcomes.filter((o) => o.error);
  assert.deepEqual(failed, [], "every tab got a token");
  return outcomes.map((o) => o.token);
}

/** Processes that keep every core busy while `fn` runs. */
async function underLoad(fn) {
  const burners = Array.from({ length: Number(process.env.BURNERS ?? availableParallelism()) }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  try {
    return await fn();
  } finally {
    for (const b of burners) b.kill("SIGKILL");
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

    test("8 tabs sharing localStorage, all calling getToken at once, make one login", async () => {
      const context = await browser.newContext();
      try {
        const pages = await openTabs(context, 8);
        assert.equal(await pages[0].evaluate(() => typeof navigator.locks?.request), "function", "Web Locks are there");
        const tokens = await runAll(pages);
        assert.equal(new Set(tokens).size, 1, "every tab got the same token");
        assert.equal(await logins(), 1);
        const fromStore = await Promise.all(
          pages.map((p) => p.evaluate(() => window.events.find((e) => e.type === "token")?.fromCache)),
        );
        assert.equal(fromStore.filter((f) => f === false).length, 1, "one tab logged in, the others read its token");
      } finally {
        await context.close();
      }
    });

    for (const tabs of [4, 8]) {
      test(`without Web Locks, under CPU load, ${tabs} tabs make one login (${ROUNDS} rounds)`, async (t) => {
        const context = await browser.newContext();
        try {
          const pages = await openTabs(context, tabs, noLocks(0));
          assert.equal(await pages[0].evaluate(() => typeof navigator.locks), "undefined", "Web Locks are hidden");
          const counts = [];
          const times = [];
          await underLoad(async () => {
            for (let round = 0; round < ROUNDS; round++) {
              if (round > 0) {
                // A fresh start: no token and no lease in the store (round 0
                // starts from an empty one), as every tab sees, in new
                // realms. The delay the library measured (`:lag`) stays, as
                // it does in a browser in use.
                await site.sim.reset();
                await pages[0].evaluate(() => {
                  for (const key of Object.keys(localStorage)) if (!key.endsWith(":lag")) localStorage.removeItem(key);
                });
                const cleared = () => Object.keys(localStorage).every((key) => key.endsWith(":lag"));
                await Promise.all(pages.map((p) => p.waitForFunction(cleared, undefined, { timeout: 30_000 })));
                await load(pages, noLocks(round));
              }
              const started = Date.now();
              const tokens = await runAll(pages);
              times.push(Date.now() - started);
              const made = await logins();
              counts.push(made);
              if (made !== 1) {
                for (const [i, p] of pages.entries()) t.diagnostic(`round ${round} tab ${i}: ${JSON.stringify(await p.evaluate(() => window.trace))}`);
              }
              assert.equal(new Set(tokens).size, made, `round ${round}: one token per login`);
            }
          });
          times.sort((a, b) => a - b);
          t.diagnostic(`${engine}, ${tabs} tabs: logins per round ${counts.join(" ")}; all tabs served in ${times[0]}–${times.at(-1)} ms (median ${times[times.length >> 1]})`);
          assert.deepEqual(counts, Array(ROUNDS).fill(1), "one login in every round");
        } finally {
          await context.close();
        }
      });
    }

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
        assert.equal(await logins(), 1);
      } finally {
        await context.close();
      }
    });
  });
}
