// The demo page's flows beyond one token: two tabs sharing localStorage, a
// dedicated worker sharing the page's IndexedDB (or logging in itself), a
// renewal at expiry through the simulator's clock control, emnify MFA and
// application tokens, VoIPBIN access keys, RunBuggy's session-JWT exchange,
// fault injection, the real-hosts option, and keyboard use.
import { describe, test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import {
  demoHarness,
  openDemo,
  closePage,
  pickVendor,
  pickKind,
  act,
  tokenPanel,
  workerPanel,
  eventLog,
  pageCounts,
  withText,
  CREDENTIALS,
} from "./helpers.mjs";

import { engines } from "../browser/driver.mjs";

let harness;
for (const engine of engines()) {
  describe(engine, () => {
    before(async () => {
      harness = await demoHarness(engine);
    });
    after(async () => {
      await harness?.close();
    });
    beforeEach(() => harness.reset());
    tests();
  });
}

const MASKED = /^.{6}….{4}$/;

async function ok(page, selector) {
  const result = await act(page, selector);
  assert.equal(result.state, "ok", `${selector}: ${result.code} ${result.text}\n${(await page.pageErrors()).join("\n")}`);
  return result;
}

function tests() {
test("two tabs sharing localStorage: one login serves both", async () => {
  const context = await harness.browser.newContext();
  try {
    const query = "?vendor=voipbin&store=localStorage";
    const first = await openDemo(harness, { context, query });
    const second = await openDemo(harness, { context, query });
    assert.equal(await second.inputValue("#store"), "localStorage", "the setup comes from the URL");
    assert.ok(await first.isVisible("#second-tab-link"), "the page offers to open a second tab");

    await ok(first, "#btn-token");
    assert.equal((await tokenPanel(first)).source, "from network");
    await ok(second, "#btn-token");
    assert.equal((await tokenPanel(second)).source, "from cache", "the second tab reads the first tab's token");
    assert.equal((await tokenPanel(second)).value, (await tokenPanel(first)).value, "the same token");
    assert.ok((await tokenPanel(second)).meta.cached.startsWith("localStorage · vendor-auth:v1:voipbin:"), "the store key is shown");

    for (const page of [first, second]) assert.equal((await act(page, "#btn-api")).code, "200");
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 1, "one login for both tabs");
    assert.equal(await harness.count("voipbin", "GET /v1.0/accesskeys"), 2);
    assert.equal((await pageCounts(second)).logins, 1, "the page shows one login");
    assert.deepEqual([...(await first.pageErrors()), ...(await second.pageErrors())], []);
  } finally {
    await context.close();
  }
});

test("two tabs sharing localStorage, clicking at the same time: one login", async () => {
  const context = await harness.browser.newContext();
  try {
    const query = "?vendor=emnify&store=localStorage";
    const tabs = [await openDemo(harness, { context, query }), await openDemo(harness, { context, query })];
    const results = await Promise.all(tabs.map((page) => act(page, "#btn-token")));
    assert.deepEqual(results.map((r) => r.state), ["ok", "ok"]);
    const sources = await Promise.all(tabs.map(async (page) => (await tokenPanel(page)).source));
    assert.deepEqual(sources.sort(), ["from cache", "from network"]);
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 1);
  } finally {
    await context.close();
  }
});

/** The page's token fingerprint, once computed (it is asynchronous). */
const pageFingerprint = (page) => page.waitForFunction(() => document.getElementById("token-fingerprint").textContent);

test("IndexedDB: a dedicated worker is served the page's token from the store, no second login", async () => {
  const page = await openDemo(harness, { query: "?vendor=voipbin" });
  try {
    await page.selectOption("#store", "indexedDB");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("store") === "indexedDB");
    assert.match(await page.textContent("#store-hint"), /every tab and worker of this origin/);
    assert.match(await page.textContent("#worker-hint"), /uses this page's IndexedDB/);
    assert.match(await page.textContent("#code"), /store: "indexedDB"/);

    await ok(page, "#btn-token");
    const token = await tokenPanel(page);
    assert.equal(token.source, "from network");
    assert.match(token.value, MASKED);
    assert.equal(token.meta.cached, "indexedDB · database vendor-auth, object store entries");
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 1);

    const asked = await ok(page, "#btn-worker");
    assert.match(asked.text, /from the cache \(no login; store indexedDB\)/);
    const worker = await workerPanel(page);
    assert.equal(worker.source, "from cache", "the worker read the page's token from IndexedDB");
    assert.equal(worker.store, "worker store: indexedDB");
    assert.match(worker.value, MASKED, "the worker's answer is masked");
    assert.equal(worker.value, token.value, "the same token, masked alike");
    assert.equal(worker.fingerprint, await pageFingerprint(page), "the same token: equal SHA-256 fingerprints");
    assert.equal(worker.same, "true");
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 1, "no second login for the worker");
    assert.equal((await pageCounts(page)).logins, 1, "the page's login counter shows one login");

    // A new worker (a new realm, its memory gone) still reads the store.
    await page.click("#btn-worker-stop");
    assert.ok(!(await page.isVisible("#worker-body")));
    await ok(page, "#btn-worker");
    assert.equal((await workerPanel(page)).source, "from cache");
    assert.equal((await workerPanel(page)).same, "true");
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 1);

    const log = await eventLog(page);
    assert.equal(log.filter((e) => e.type === "worker" && /came from the store/.test(e.text)).length, 2, JSON.stringify(log));
    assert.deepEqual(await page.pageErrors(), []);
  } finally {
    await closePage(page);
  }
});

test("IndexedDB: Clear cache in the page reaches the worker, whose new token then serves the page", async () => {
  const page = await openDemo(harness, { query: "?vendor=zumrails&store=indexedDB" });
  const logins = () => harness.count("zumrails", "POST /api/authorize");
  try {
    await ok(page, "#btn-token");
    await ok(page, "#btn-worker");
    assert.equal((await workerPanel(page)).same, "true");
    assert.equal(await logins(), 1);

    // The worker holds the token in its memory too; the page's clear() tells
    // it (BroadcastChannel), so it does not serve its copy of a cleared token.
    await ok(page, "#btn-clear");
    await ok(page, "#btn-worker");
    const worker = await workerPanel(page);
    assert.equal(worker.source, "from network", "the worker logged in again");
    assert.equal(await logins(), 2);

    // The page reads the worker's token from the store: no third login.
    await ok(page, "#btn-token");
    assert.equal((await tokenPanel(page)).source, "from cache");
    assert.equal(await pageFingerprint(page), worker.fingerprint);
    assert.equal(await logins(), 2);
    assert.equal((await pageCounts(page)).logins, 2);
    assert.deepEqual(await page.pageErrors(), []);
  } finally {
    await closePage(page);
  }
});

test("switching the store from localStorage to IndexedDB: the page frees its client, the next one is accepted", async () => {
  const page = await openDemo(harness, { query: "?vendor=voipbin&store=localStorage" });
  try {
    await ok(page, "#btn-token");
    // One principal keeps to one origin-wide store per realm: a localStorage
    // client still alive would refuse its IndexedDB successor (INVALID_OPTIONS).
    await page.selectOption("#store", "indexedDB");
    await ok(page, "#btn-token");
    assert.equal((await tokenPanel(page)).meta.cached, "indexedDB · database vendor-auth, object store entries");
    await page.selectOption("#store", "localStorage");
    await ok(page, "#btn-token");
    assert.match((await tokenPanel(page)).meta.cached, /^localStorage · vendor-auth:v1:voipbin:/);
    assert.deepEqual(await page.pageErrors(), []);
  } finally {
    await closePage(page);
  }
});

test("memory: the worker has a memory of its own and logs in itself", async () => {
  const page = await openDemo(harness, { query: "?vendor=voipbin&store=memory" });
  try {
    assert.match(await page.textContent("#worker-hint"), /its own, not this page's: it logs in itself/);
    await ok(page, "#btn-token");
    const token = await tokenPanel(page);
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 1);

    const asked = await ok(page, "#btn-worker");
    assert.match(asked.text, /from the network \(it logged in itself; store memory\)/);
    const worker = await workerPanel(page);
    assert.equal(worker.source, "from network");
    assert.equal(worker.store, "worker store: memory");
    assert.match(worker.value, MASKED);
    assert.notEqual(worker.fingerprint, await pageFingerprint(page), "another token");
    assert.equal(worker.same, "false");
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 2, "the worker's own login");
    assert.equal((await pageCounts(page)).logins, 2);

    // Its memory serves it the next time.
    await ok(page, "#btn-worker");
    assert.equal((await workerPanel(page)).source, "from cache");
    assert.equal((await workerPanel(page)).fingerprint, worker.fingerprint);
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 2);
    assert.equal((await tokenPanel(page)).value, token.value, "the page keeps its own token");

    // localStorage does not exist in a worker: the panel says what it uses.
    await page.selectOption("#store", "localStorage");
    assert.match(await page.textContent("#worker-hint"), /A worker has no localStorage: it keeps its tokens in its own memory/);
    assert.ok(!(await page.isVisible("#worker-body")), "the answer belonged to the previous setup");
    assert.deepEqual(await page.pageErrors(), []);
  } finally {
    await closePage(page);
  }
});

test("five calls at once make one login", async () => {
  const page = await openDemo(harness, { query: "?vendor=zumrails" });
  try {
    const result = await ok(page, "#btn-api-many");
    assert.match(result.text, /200, 200, 200, 200, 200 · 1 login for all of them/);
    assert.equal(await harness.count("zumrails", "POST /api/authorize"), 1);
    assert.equal(await harness.count("zumrails", "GET /api/user"), 5);
    assert.ok((await tokenPanel(page)).visible, "the token the calls used is shown");
  } finally {
    await closePage(page);
  }
});

test("expiry through the simulator's clock: the API call renews once", async () => {
  const page = await openDemo(harness);
  try {
    await ok(page, "#btn-token");
    const before = await tokenPanel(page);
    await ok(page, "#btn-api");
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 1);

    const advanced = await ok(page, "#btn-expire");
    assert.match(advanced.text, /Clock advanced by 7 d 0 h/); // emnify's recorded 7-day tokens
    assert.match(await page.textContent("#clock-text"), /ahead of this page's/);
    assert.match(await page.textContent("#token-expiry"), /By the simulator's clock it has already expired/);

    // The page's clock has not moved: getToken still serves the cached token.
    await ok(page, "#btn-token");
    assert.equal((await tokenPanel(page)).source, "from cache");
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 1);

    // The vendor rejects it; client.fetch renews once and retries.
    const called = await ok(page, "#btn-api");
    assert.equal(called.code, "200");
    assert.match(called.text, /rejected the cached token; the library renewed it once and retried/);
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 2, "exactly one renewal");
    assert.equal(await harness.count("emnify", "GET /api/v1/endpoint"), 3, "the first call, the rejected one and its retry");

    const after = await tokenPanel(page);
    assert.notEqual(after.value, before.value, "the panel shows the new token");
    assert.equal(after.source, "from network");
    assert.deepEqual(await pageCounts(page), { logins: 2, others: 3 });
    const loginRow = await page.textContent('#counts tr[data-endpoint="POST /api/v1/authenticate"]');
    assert.match(loginRow, /\+1\s*2/, "the counts mark the renewal the last action caused");

    assert.doesNotMatch(await page.textContent("#token-expiry"), /already expired/, "the new token is valid at the vendor");

    const log = await eventLog(page);
    const advancedAt = log.findIndex((e) => e.type === "sim" && /past the token's expiry/.test(e.text));
    const renewedAfter = log.slice(advancedAt).filter((e) => e.type === "token");
    assert.equal(renewedAfter.length, 1, `one token event after the clock moved: ${JSON.stringify(log)}`);
    assert.ok(log.slice(advancedAt).some((e) => /rejected the cached token/.test(e.text)));

    // Again, past the new token's expiry: one more renewal.
    await ok(page, "#btn-expire");
    assert.equal((await ok(page, "#btn-api")).code, "200");
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 3);
    assert.deepEqual(await page.pageErrors(), []);
  } finally {
    await closePage(page);
  }
});

test("emnify MFA: the page asks for the code, then shows the token", async () => {
  const page = await openDemo(harness);
  try {
    await pickKind(page, "mfa");
    assert.equal(await page.inputValue("#cred-username"), CREDENTIALS.emnify.mfaUsername);
    const asked = await act(page, "#btn-token");
    assert.equal(asked.state, "info");
    assert.equal(asked.code, "MFA_REQUIRED");
    assert.ok(await page.isVisible("#mfa"), "the MFA prompt is shown");
    assert.equal(await page.evaluate(() => document.activeElement.id), "mfa-code", "and focused");

    await page.fill("#mfa-code", "000000");
    const wrong = await act(page, "#btn-mfa");
    assert.equal(wrong.state, "error");
    assert.equal(wrong.code, "INVALID_CREDENTIALS");

    await page.fill("#mfa-code", CREDENTIALS.emnify.mfaCode);
    await ok(page, "#btn-mfa");
    assert.ok(!(await page.isVisible("#mfa")), "the prompt is gone");
    assert.match((await tokenPanel(page)).value, MASKED);
    assert.equal((await act(page, "#btn-api")).code, "200");
    const log = (await eventLog(page)).map((e) => e.text).join("\n");
    assert.ok(!log.includes(CREDENTIALS.emnify.mfaCode), "the code is not logged");
  } finally {
    await closePage(page);
  }
});

test("emnify application tokens: create (masked), use, list, revoke", async () => {
  const page = await openDemo(harness);
  try {
    await ok(page, "#btn-token");
    await page.fill("#app-token-description", "from the demo test");
    await ok(page, "#btn-app-create");
    const created = await page.textContent("#created-slot code");
    assert.match(created, MASKED, "the new application token is masked");
    const rows = await page.$$eval("#app-tokens tbody tr", (trs) => trs.map((tr) => tr.textContent));
    assert.equal(rows.length, 2);
    assert.ok(rows.some((r) => r.includes("from the demo test") && r.includes("activated")));

    // Use it as the credential: a login with the new token.
    await page.click(await withText(page, "#created-slot button", "Use as credentials"));
    assert.equal(await page.isChecked("input[name=kind][value=applicationToken]"), true);
    assert.notEqual(await page.inputValue("#cred-applicationToken"), CREDENTIALS.emnify.applicationToken);
    assert.equal((await act(page, "#btn-api")).code, "200");
    assert.equal(await harness.count("emnify", "POST /api/v1/authenticate"), 2);

    // Revoke it: its id is the one that is not the pre-provisioned 1.
    await ok(page, "#btn-app-list");
    const id = await page.$eval("#app-tokens tbody tr:not([data-id='1'])", (tr) => tr.dataset.id);
    await ok(page, `#app-tokens tr[data-id='${id}'] button`);
    assert.match(await page.textContent(`#app-tokens tr[data-id='${id}']`), /revoked/);

    // It can no longer log in.
    await ok(page, "#btn-clear");
    const refused = await act(page, "#btn-token");
    assert.equal(refused.code, "INVALID_CREDENTIALS");
  } finally {
    await closePage(page);
  }
});

test("VoIPBIN access keys: create (masked), use, list, delete", async () => {
  const page = await openDemo(harness, { query: "?vendor=voipbin" });
  try {
    await ok(page, "#btn-token");
    await page.fill("#access-key-name", "demo key");
    await page.selectOption("#access-key-lifetime", "86400");
    await ok(page, "#btn-key-create");
    assert.match(await page.textContent("#created-slot code"), MASKED);
    await page.click("#created-slot button[aria-pressed]");
    const key = await page.textContent("#created-slot code");
    assert.match(key, /^vb_[A-Za-z0-9]{32}$/, "revealed on request");
    const rows = await page.$$eval("#access-keys tbody tr", (trs) => trs.map((tr) => tr.textContent));
    assert.ok(rows.some((r) => r.includes("demo key") && r.includes(key.slice(0, 11))), rows.join("\n"));
    assert.ok(!(await eventLog(page)).some((e) => e.text.includes(key)), "the key is not logged");

    await page.click(await withText(page, "#created-slot button", "Use as credentials"));
    assert.equal(await page.isChecked("input[name=kind][value=accessKey]"), true);
    assert.equal((await act(page, "#btn-api")).code, "200");

    // Delete the key in use: the page says listing failed, the key stops working.
    await ok(page, "#btn-key-list");
    const deleted = await ok(page, await withText(page, "#access-keys tr", "demo key", "button"));
    assert.match(deleted.text, /Access key deleted/);
    assert.match(await page.textContent(await withText(page, "#access-keys tr", "demo key")), /deleted/);
    const rejected = await act(page, "#btn-api");
    assert.equal(rejected.code, "TOKEN_REJECTED", rejected.text);
  } finally {
    await closePage(page);
  }
});

test("RunBuggy: a minted session JWT is exchanged once; an expired one needs a new sign-in", async () => {
  const page = await openDemo(harness, { query: "?vendor=runbuggy" });
  try {
    assert.match(await page.textContent("#vendor-content"), /exchanges it once/);
    await ok(page, "#btn-mint");
    assert.equal(await page.isChecked("input[name=kind][value=session]"), true);
    assert.ok((await page.inputValue("#cred-sessionJwt")).split(".").length === 3, "the JWT is in the field");
    assert.equal(await page.getAttribute("#cred-sessionJwt", "type"), "password", "masked");
    await ok(page, "#btn-token");
    assert.equal((await act(page, "#btn-api")).code, "200");
    await ok(page, "#btn-token");
    assert.equal(await harness.count("runbuggy", "POST /accounts/api-token/tokens"), 1, "exchanged once");

    // The API token is cached for this account; with nothing cached, an
    // expired session JWT cannot be exchanged.
    await ok(page, "#btn-mint-expired");
    await ok(page, "#btn-clear");
    const refused = await act(page, "#btn-token");
    assert.equal(refused.code, "REAUTH_REQUIRED", refused.text);
  } finally {
    await closePage(page);
  }
});

test("Personr: another holder's login invalidates the cached token; regenerateOnRejection replaces it", async () => {
  const page = await openDemo(harness, { query: "?vendor=personr" });
  try {
    await ok(page, "#btn-token");
    await ok(page, "#btn-personr-other");
    const refused = await act(page, "#btn-api");
    assert.equal(refused.code, "REAUTH_REQUIRED", refused.text);

    // Get token keeps refusing (the message says why); Renew generates.
    assert.equal((await act(page, "#btn-token")).code, "REAUTH_REQUIRED");
    await ok(page, "#btn-renew");
    assert.equal((await act(page, "#btn-api")).code, "200");

    await page.click("#more summary");
    await page.check("#regenerateOnRejection");
    assert.match(await page.textContent("#code"), /regenerateOnRejection: true/);
    await ok(page, "#btn-personr-other");
    const replaced = await ok(page, "#btn-api");
    assert.equal(replaced.code, "200");
    assert.match(replaced.text, /renewed it once and retried/);
    assert.equal(await harness.count("personr", "POST /api/1.1/wf/api-token-generate"), 5, "ours, theirs, our renewal, theirs, our replacement");
  } finally {
    await closePage(page);
  }
});

test("faults: a 500 on the login is retried; a 503 of the API is shown as is", async () => {
  const page = await openDemo(harness, { query: "?vendor=zumrails" });
  try {
    await page.selectOption("#fault-where", "login");
    await page.selectOption("#fault-what", "500");
    const queued = await ok(page, "#btn-fault");
    assert.match(queued.text, /POST \/api\/authorize/);
    assert.match(await page.textContent("#fault-list"), /Pending: POST \/api\/authorize ×1/);
    await ok(page, "#btn-token");
    assert.equal(await harness.count("zumrails", "POST /api/authorize"), 2, "the library retried the login once");

    await page.selectOption("#fault-where", "api");
    await page.selectOption("#fault-what", "503");
    await ok(page, "#btn-fault");
    const failed = await act(page, "#btn-api");
    assert.equal(failed.state, "error");
    assert.equal(failed.code, "HTTP 503");
    assert.match(await page.textContent("#response-status"), /^503/);
    assert.equal(await harness.count("zumrails", "GET /api/user"), 1, "API calls are never retried");

    await page.selectOption("#fault-where", "login");
    await page.selectOption("#fault-what", "429");
    await ok(page, "#btn-fault");
    const limited = await act(page, "#btn-renew");
    assert.equal(limited.code, "RATE_LIMITED", limited.text);
    assert.ok((await eventLog(page)).some((e) => e.type === "error" && e.code === "RATE_LIMITED"));
  } finally {
    await closePage(page);
  }
});

test("real hosts: the CORS note, no simulator controls", async () => {
  const page = await openDemo(harness, { query: "?vendor=voipbin" });
  try {
    assert.ok(!(await page.isVisible("#cors-note")));
    await page.selectOption("#environment", "production");
    assert.ok(await page.isVisible("#cors-note"));
    assert.match(await page.textContent("#cors-note"), /VoIPBIN allows any origin/);
    assert.equal(await page.textContent("#vendor-root"), "https://api.voipbin.net");
    assert.ok(await page.isVisible("#sim-off"));
    assert.ok(!(await page.isVisible("#sim-on")));
    assert.match(await page.textContent("#code"), /environment: "production"/);
    assert.doesNotMatch(await page.textContent("#code"), /voipbin-demo-password/, "the code sample hides the password");
    await page.selectOption("#environment", "simulator");
    assert.ok(await page.isVisible("#sim-on"));
  } finally {
    await closePage(page);
  }
});

test("keyboard: pick a vendor with the arrow keys, act with Enter", async () => {
  const page = await openDemo(harness);
  try {
    await page.focus("input[name=vendor][value=emnify]");
    await page.press("ArrowDown");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("vendor") === "zumrails");
    await page.focus("#btn-token");
    const seq = Number(await page.getAttribute("#outcome", "data-seq"));
    await page.press("Enter");
    await page.waitForFunction((s) => Number(document.getElementById("outcome").dataset.seq) > s, seq);
    assert.equal((await tokenPanel(page)).meta.vendor, "zumrails");
    await page.focus("#btn-reveal");
    await page.press("Space");
    assert.equal(await page.getAttribute("#btn-reveal", "aria-pressed"), "true");
    await pickVendor(page, "emnify");
    assert.ok(!(await tokenPanel(page)).visible, "another vendor: the panel is cleared");
  } finally {
    await closePage(page);
  }
});
}
