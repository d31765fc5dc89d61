// Drives the demo page (www/) as `make demo` serves it (scripts/serve.mjs
// startDemo, on free ports) in each engine of tests/browser/driver.mjs.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDemo } from "../../scripts/serve.mjs";
import { ROOT } from "../consumers/helpers.mjs";
import { launch } from "../browser/driver.mjs";

export { CREDENTIALS } from "../simulator/credentials.mjs";
export const ARTIFACTS = join(ROOT, "target/artifacts");

/** The demo server + simulator and one browser of `engine`, for a test file. */
export async function demoHarness(engine) {
  const demo = await startDemo({ port: 0, simPort: 0 });
  let browser;
  try {
    browser = await launch(engine);
  } catch (e) {
    await demo.close();
    throw e;
  }
  const control = async (method, path, body) => {
    const res = await fetch(`${demo.simulatorUrl}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json();
  };
  return {
    engine,
    demo,
    browser,
    reset: () => control("POST", "/reset"),
    /** Calls that reached the vendor's `METHOD /path` (simulator's counts). */
    count: async (vendor, route) => (await control("GET", `/counts?vendor=${vendor}`))[route] ?? 0,
    close: async () => {
      await browser.close().catch(() => {});
      await demo.close();
    },
  };
}

/**
 * Opens the page in `context` (a fresh one when omitted) and waits until it
 * is ready. `await page.pageErrors()` lists what the page threw or logged
 * as an error.
 */
export async function openDemo(harness, { context, query = "", viewport } = {}) {
  const ctx = context ?? (await harness.browser.newContext());
  const page = await ctx.newPage();
  if (viewport) await page.setViewportSize(viewport);
  page.setDefaultTimeout(15_000);
  await page.goto(`${harness.demo.url}/${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true", undefined, { timeout: 30_000 });
  page.ownContext = context ? null : ctx;
  return page;
}

export async function closePage(page) {
  if (page.ownContext) await page.ownContext.close();
  else await page.close();
}

/**
 * The selector of the `inner` element (or the row itself) of the first
 * `rows` element whose text contains `text`: marks it for the driver.
 */
export async function withText(page, rows, text, inner = "") {
  const mark = await page.evaluate(
    ([rowSelector, wanted, innerSelector]) => {
      const row = [...document.querySelectorAll(rowSelector)].find((r) => r.textContent.includes(wanted));
      const el = row && (innerSelector ? row.querySelector(innerSelector) : row);
      if (!el) return null;
      const id = String(Math.random()).slice(2);
      el.dataset.testPick = id;
      return `[data-test-pick="${id}"]`;
    },
    [rows, text, inner],
  );
  if (!mark) throw new Error(`no ${rows} with the text ${text}`);
  return mark;
}

/** Picks a vendor with its radio tile. */
export async function pickVendor(page, vendor) {
  await page.check(`input[name=vendor][value=${vendor}]`);
  await page.waitForFunction((v) => new URLSearchParams(location.search).get("vendor") === v, vendor);
}

export async function pickKind(page, kind) {
  await page.check(`input[name=kind][value=${kind}]`);
}

/**
 * Clicks `selector` (an action), waits until the outcome line settles, and
 * returns { state, code, text }.
 */
export async function act(page, selector, timeout = 20_000) {
  const seq = Number(await page.getAttribute("#outcome", "data-seq"));
  // A person clicks in the tab they see; background tabs get throttled timers.
  await page.bringToFront();
  await page.click(selector);
  await page.waitForFunction(
    (before) => {
      const box = document.getElementById("outcome");
      // `aria-busy` goes once the simulator's view is refreshed as well.
      const settled = !document.getElementById("actions").hasAttribute("aria-busy");
      return Number(box.dataset.seq) > before && box.dataset.state !== "busy" && settled;
    },
    seq,
    { timeout },
  );
  return outcomeOf(page);
}

export async function outcomeOf(page) {
  return page.evaluate(() => {
    const box = document.getElementById("outcome");
    return { state: box.dataset.state, code: box.dataset.code, text: box.textContent.replace(/\s+/g, " ").trim() };
  });
}

/** What the token panel shows. */
export async function tokenPanel(page) {
  return page.evaluate(() => ({
    visible: !document.getElementById("token-body").hidden,
    value: document.getElementById("token-value").textContent,
    source: document.getElementById("token-source").textContent,
    countdown: document.getElementById("token-countdown").textContent,
    kind: document.getElementById("token-kind").textContent,
    claims: [...document.querySelectorAll("#claims tbody th")].map((th) => th.textContent),
    meta: Object.fromEntries(
      [...document.querySelectorAll("#token-meta dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]),
    ),
  }));
}

/** What the worker panel shows (`same`: "true"/"false" against the page's token, "" with none). */
export async function workerPanel(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    return {
      visible: !document.getElementById("worker-body").hidden,
      value: text("worker-token"),
      source: text("worker-source"),
      store: text("worker-store"),
      fingerprint: text("worker-fingerprint"),
      same: document.getElementById("worker-same").dataset.same,
    };
  });
}

/** The event log, oldest first: [{ type, code, text }]. */
export async function eventLog(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("#log li")].reverse().map((li) => ({
      type: li.dataset.type,
      code: li.dataset.code,
      text: li.querySelector(".log-text").textContent,
    })),
  );
}

/** The page's simulator counts: { logins, others }. */
export async function pageCounts(page) {
  await page.click("#btn-counts");
  await page.waitForTimeout(300);
  return page.evaluate(() => ({
    logins: Number(document.getElementById("count-logins").dataset.count),
    others: Number(document.getElementById("count-api").dataset.count),
  }));
}

/** Asserts nothing on the page shows or logs `secret`. */
export async function assertNoSecretShown(page, secret) {
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes(secret), "the full token is not shown");
}

/** Saves a screenshot as target/artifacts/<name>-<engine>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}-${page.engine}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot(path);
  return path;
}
