// A Chromium Manifest V3 extension whose background service worker uses the
// package (tests/js/fixtures/mv3-extension/, with a copy of pkg/ beside it):
// the worker gets a token with one login, the token survives the worker's
// restart in IndexedDB (no login, `fromCache`), 50 getToken calls at once
// on a cold cache make one login, and so do 50 in the worker and 50 in the
// extension's popup page together. A copy without `'wasm-unsafe-eval'` in
// its manifest gets an AuthError saying to add it. Runs when BROWSERS
// includes chromium, in one browser for the whole file.
//
// How (Debian Chromium 156, headless):
// - `--load-extension` still loads unpacked extensions in Chromium (Chrome
//   137+ dropped it from branded Google Chrome only), beside
//   `--disable-extensions-except`. Playwright's default `--disable-extensions`
//   is left out: Chromium 156 lets the other two win over it, but it says
//   the opposite of what the test wants.
// - MV3's default CSP (script-src 'self') forbids WebAssembly: the manifest
//   adds 'wasm-unsafe-eval', as every extension using the package must.
// - The test talks to the worker as a popup would: chrome.runtime.sendMessage
//   from an extension page. A message wakes a stopped worker; Playwright
//   reports no new Worker for a restarted one (only for a reloaded extension).
// - Restart 1, termination: CDP `ServiceWorker.stopAllWorkers` from the
//   extension page's session stops the worker as Chrome's idle shutdown does
//   (same registration; the next message starts a new instance).
//   (Target.closeTarget on the worker's target stops it too, but needs the
//   browser session and the target's id; Playwright's Worker handle of it
//   then fires no "close" and answers nothing more.)
// - Restart 2, `chrome.runtime.reload()` (an extension update): Chromium
//   disables a command-line extension that reloads itself unless developer
//   mode is on (disable reason DISABLE_UNSUPPORTED_DEVELOPER_EXTENSION), so
//   the profile is written with `extensions.ui.developer_mode`.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simulator, CREDENTIALS } from "./helpers.mjs";
import { ROOT } from "../consumers/helpers.mjs";
import { CHROMIUM_ARGS, PATHS, START_TIMEOUT_MS, bounded, engines } from "../browser/driver.mjs";

/** How long one message to the worker may take (a cold start loads the wasm). */
const ANSWER_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 90_000;
/** Where tokens go: the point of the test (with "memory" the restart tests fail). */
const STORE = "indexedDB";

const skip = engines().includes("chromium") ? false : `BROWSERS=${process.env.BROWSERS} does not include chromium`;

/**
 * `entry` (a file of pkg/) and every file it imports, relatively, copied
 * into `to`; the wasm beside the glue, which it fetches by URL.
 */
function copyPackage(entry, to) {
  const from = join(ROOT, "pkg");
  const pending = [entry, "dist/vendor_auth_bg.wasm"];
  const copied = new Set();
  while (pending.length) {
    const file = pending.pop();
    if (copied.has(file)) continue;
    copied.add(file);
    const source = join(from, file);
    if (!existsSync(source)) throw new Error(`pkg/${file} is missing: run make pkg-dist`);
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(source, join(to, file));
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(source, "utf8");
    for (const [, spec] of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^"']*?["'](\.{1,2}\/[^"']+)["']/g)) {
      pending.push(join(dirname(file), spec));
    }
  }
  return [...copied];
}

/** Every record of every object store of the IndexedDB database `name`, as JSON (in the page). */
async function readDatabase(name) {
  const done = (request) =>
    new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  if (!(await indexedDB.databases()).some((d) => d.name === name)) return [];
  const db = await done(indexedDB.open(name));
  try {
    const records = [];
    for (const store of db.objectStoreNames) {
      for (const r of await done(db.transaction(store).objectStore(store).getAll())) records.push(JSON.stringify(r));
    }
    return records;
  } finally {
    db.close();
  }
}

/** Chromium's id of the unpacked extension at `dir`: the SHA-256 of the path, its first 32 hex digits as a–p. */
function extensionIdOf(dir) {
  const hex = createHash("sha256").update(dir).digest("hex").slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join("");
}

describe("Chromium MV3 extension: the service worker's tokens", { skip }, () => {
  let sim;
  let work;
  let context;
  let extensionId;
  let noCspId;
  let page;

  before(async () => {
    sim = await simulator();
    work = mkdtempSync(join(tmpdir(), "vendor-auth-extension-"));
    const extension = join(work, "extension");
    cpSync(join(ROOT, "tests/js/fixtures/mv3-extension"), extension, { recursive: true });
    copyPackage("lazy.js", join(extension, "pkg"));
    const { username, password } = CREDENTIALS.voipbin; // a login, not the access key
    const credentials = { voipbin: { username, password }, zumrails: CREDENTIALS.zumrails, personr: CREDENTIALS.personr };
    writeFileSync(
      join(extension, "config.js"),
      `export const BASE_URL = ${JSON.stringify(sim.url)};\n` +
        `export const CREDENTIALS = ${JSON.stringify(credentials)};\n` +
        `export const STORE = ${JSON.stringify(STORE)};\n`,
    );
    // The same extension without the manifest's content_security_policy.
    const noCsp = join(work, "extension-no-csp");
    cpSync(extension, noCsp, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(extension, "manifest.json"), "utf8"));
    delete manifest.content_security_policy;
    writeFileSync(join(noCsp, "manifest.json"), JSON.stringify({ ...manifest, name: `${manifest.name} (default CSP)` }));

    const profile = join(work, "profile");
    mkdirSync(join(profile, "Default"), { recursive: true });
    writeFileSync(join(profile, "Default/Preferences"), JSON.stringify({ extensions: { ui: { developer_mode: true } } }));

    const { chromium } = await import("playwright-core");
    const extensions = [extension, noCsp].join(",");
    context = await chromium.launchPersistentContext(profile, {
      executablePath: PATHS.chromium,
      headless: true,
      timeout: START_TIMEOUT_MS,
      ignoreDefaultArgs: ["--disable-extensions"],
      args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extensions}`, `--load-extension=${extensions}`],
    });
    extensionId = extensionIdOf(extension);
    noCspId = extensionIdOf(noCsp);
    await workersOf([extensionId, noCspId]);
    page = await openPopup();
  });

  /** Resolves once Chromium runs the service worker of each extension id. */
  async function workersOf(ids) {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const running = new Set(context.serviceWorkers().map((w) => new URL(w.url()).host));
      if (ids.every((id) => running.has(id))) return;
      if (Date.now() > deadline) {
        throw new Error(`the extensions did not load: service workers of ${[...running].join(", ") || "none"}, not of ${ids.join(", ")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  after(async () => {
    await context?.close().catch(() => {});
    await sim?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** An extension page to send the worker messages from. */
  async function openPopup(id = extensionId) {
    const p = await context.newPage();
    await p.goto(`chrome-extension://${id}/popup.html`, { timeout: ANSWER_TIMEOUT_MS });
    await p.waitForFunction(() => typeof window.burst === "function", null, { timeout: ANSWER_TIMEOUT_MS });
    return p;
  }

  /** The worker's answer to `message` (starting the worker if it is stopped). */
  async function ask(message) {
    const answer = await bounded(
      page.evaluate((m) => chrome.runtime.sendMessage(m), message),
      ANSWER_TIMEOUT_MS,
      `the service worker, asked ${message.op}`,
    );
    assert.ok(answer, `the service worker answered ${message.op}`);
    assert.equal(answer.error, undefined, `the service worker's ${message.op}`);
    assert.deepEqual(answer.fallbacks, [], `the ${STORE} store did not fall back to memory`);
    if (message.op === "token") assert.equal(answer.token, answer.infoToken, "getToken and getTokenInfo agree");
    return answer;
  }

  const logins = () => sim.count("voipbin", "POST /auth/login");

  /** Asserts a token from a new worker instance, from the store, with no login. */
  async function assertCachedAfterRestart(before) {
    const after = await ask({ op: "token", vendor: "voipbin" });
    assert.notEqual(after.instance, before.instance, "a new service worker instance answered");
    assert.equal(after.token, before.token, "the new worker got the token from before the restart");
    assert.equal(after.fromCache, true, "getTokenInfo says it came from the cache");
    assert.equal(await logins(), 1, "no login at the restart");
  }

  let first;

  test("the worker (no localStorage) obtains a token with one login", { timeout: TEST_TIMEOUT_MS }, async () => {
    first = await ask({ op: "token", vendor: "voipbin" });
    assert.equal(first.hasLocalStorage, false, "a service worker has no localStorage");
    assert.match(first.token, /\S{16,}/);
    assert.equal(first.fromCache, false, "obtained just now");
    assert.equal(await logins(), 1);
    const again = await ask({ op: "token", vendor: "voipbin" });
    assert.equal(again.instance, first.instance, "the same worker");
    assert.equal(again.token, first.token);
    assert.equal(await logins(), 1, "the second call was served from the cache");
  });

  test("the token is in the extension's IndexedDB, the password is not", { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(first, "the first test got a token");
    // The extension page shares the worker's origin, hence its IndexedDB.
    const records = await bounded(page.evaluate(readDatabase, "vendor-auth"), ANSWER_TIMEOUT_MS, "reading IndexedDB");
    const holding = records.filter((r) => r.includes(first.token));
    assert.equal(holding.length, 1, "one record of the vendor-auth database holds the token");
    for (const r of records) assert.ok(!r.includes(CREDENTIALS.voipbin.password), "no record holds the password");
  });

  test("the token survives the worker's termination (CDP ServiceWorker.stopAllWorkers)", { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(first, "the first test got a token");
    const cdp = await context.newCDPSession(page);
    try {
      const scriptURL = `chrome-extension://${extensionId}/sw.js`;
      const stopped = new Promise((resolve) => {
        cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
          if (versions.some((v) => v.scriptURL === scriptURL && v.runningStatus === "stopped")) resolve();
        });
      });
      await cdp.send("ServiceWorker.enable");
      await cdp.send("ServiceWorker.stopAllWorkers");
      await bounded(stopped, ANSWER_TIMEOUT_MS, "the service worker's stop");
    } finally {
      await cdp.detach().catch(() => {});
    }
    await assertCachedAfterRestart(first);
  });

  test("the token survives the extension's reload (chrome.runtime.reload)", { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(first, "the first test got a token");
    const before = await ask({ op: "token", vendor: "voipbin" });
    // The reload closes the extension's pages and starts the new worker.
    const closed = new Promise((resolve) => page.once("close", resolve));
    const started = context.waitForEvent("serviceworker", { timeout: ANSWER_TIMEOUT_MS });
    // Not awaiting the answer: the page may be gone before it comes back.
    await page.evaluate(() => {
      chrome.runtime.sendMessage({ op: "reload" }).catch(() => {});
    });
    await bounded(closed, ANSWER_TIMEOUT_MS, "the extension page's close at the reload");
    await started;
    page = await openPopup();
    await assertCachedAfterRestart(before);
  });

  test("50 getToken calls at once in the worker, on a cold cache: one login", { timeout: TEST_TIMEOUT_MS }, async () => {
    // Zūm Rails: a principal this profile has never asked for.
    const authorize = () => sim.count("zumrails", "POST /api/authorize");
    assert.equal(await authorize(), 0);
    const { tokens } = await ask({ op: "burst", vendor: "zumrails", count: 50 });
    assert.equal(tokens.length, 50);
    assert.equal(new Set(tokens).size, 1, "every call got the same token");
    assert.equal(await authorize(), 1, "one login for the 50 calls");
  });

  test("the popup and the worker, 50 getToken calls each at once on a cold cache: one login", { timeout: TEST_TIMEOUT_MS }, async () => {
    // Personr: another principal not asked for yet. Both bursts start in
    // one turn of the page; the worker's answer comes by message.
    const generate = () => sim.count("personr", "POST /api/1.1/wf/api-token-generate");
    assert.equal(await generate(), 0);
    const [popup, worker] = await bounded(
      page.evaluate(() =>
        Promise.all([
          window.burst("personr", 50),
          chrome.runtime.sendMessage({ op: "burst", vendor: "personr", count: 50 }),
        ]),
      ),
      ANSWER_TIMEOUT_MS,
      "the popup's and the worker's getToken calls",
    );
    assert.equal(worker.error, undefined, "the worker's burst");
    assert.deepEqual(popup.fallbacks, [], `the popup's ${STORE} store did not fall back to memory`);
    assert.deepEqual(worker.fallbacks, [], `the worker's ${STORE} store did not fall back to memory`);
    const tokens = [...popup.tokens, ...worker.tokens];
    assert.equal(tokens.length, 100);
    assert.equal(new Set(tokens).size, 1, "the popup and the worker got the same token");
    assert.equal(await generate(), 1, "one login for the popup's and the worker's 100 calls");
  });

  test("without 'wasm-unsafe-eval' in the manifest's CSP: an AuthError that says to add it, no login", { timeout: TEST_TIMEOUT_MS }, async () => {
    // MV3's default CSP for extension pages and workers is script-src 'self':
    // no WebAssembly.
    const before = await logins();
    const popup = await openPopup(noCspId);
    try {
      const answer = await bounded(
        popup.evaluate(() => chrome.runtime.sendMessage({ op: "token", vendor: "voipbin" })),
        ANSWER_TIMEOUT_MS,
        "the default-CSP extension's worker",
      );
      assert.match(answer.error ?? "", /^UNSUPPORTED: .*'wasm-unsafe-eval'/);
      assert.equal(await logins(), before, "no login");
    } finally {
      await popup.close();
    }
  });
});
