// The demo page, per vendor: the happy path (token shown masked, the
// protected API answers 200) and one error path (wrong credentials: the
// error's code and message are shown and logged, no secret is). After the
// emnify happy path, full-page screenshots (laptop and phone width) are saved
// to target/artifacts/.
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
  eventLog,
  pageCounts,
  screenshot,
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

/** Get token, then Call API: asserts what the page shows; returns the page's token panel. */
async function happyPath(page, { vendor, apiRoute, loginRoute, logins = 1, asIs = false }) {
  const got = await act(page, "#btn-token");
  assert.equal(got.state, "ok", `Get token: ${got.text}\n${(await page.pageErrors()).join("\n")}`);
  const panel = await tokenPanel(page);
  assert.ok(panel.visible, "the token panel is shown");
  assert.match(panel.value, MASKED, "the token is masked");
  assert.equal(panel.source, asIs ? "as given: no login" : "from network");
  assert.equal(panel.meta.vendor, vendor);

  const called = await act(page, "#btn-api");
  assert.equal(called.state, "ok", `Call API: ${called.text}`);
  assert.equal(called.code, "200");
  assert.match(await page.textContent("#response-status"), /^200\b/);
  assert.notEqual((await page.textContent("#response-text")).trim(), "");

  // A second Get token is served from the cache.
  const again = await act(page, "#btn-token");
  assert.equal(again.state, "ok");
  assert.equal((await tokenPanel(page)).source, asIs ? "as given: no login" : "from cache");

  if (loginRoute) assert.equal(await harness.count(vendor, loginRoute), logins, "one login");
  assert.equal(await harness.count(vendor, apiRoute), 1, "one API call");
  assert.deepEqual(await pageCounts(page), { logins: loginRoute ? logins : 0, others: 1 }, "the page shows the counts");
  return panel;
}

/**
 * In a fresh page (tokens are cached per account, not per password): types
 * a wrong value into a credential field, then Get token (or Call API).
 */
async function errorPath(vendor, { kind, field, wrong, action = "#btn-token", code = "INVALID_CREDENTIALS" }) {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, vendor);
    if (kind) await pickKind(page, kind);
    await checkError(page, { field, wrong, action, code });
  } finally {
    await closePage(page);
  }
}

async function checkError(page, { field, wrong, action, code }) {
  await page.fill(`#cred-${field}`, wrong);
  const shown = await act(page, action);
  assert.equal(shown.state, "error", shown.text);
  assert.equal(shown.code, code);
  assert.equal(await page.textContent("#outcome-code"), code, "the code is shown");
  assert.ok((await page.textContent("#outcome-text")).length > 20, "with the library's message");
  const log = await eventLog(page);
  const entry = log.find((e) => e.type === "error" && e.code === code);
  assert.ok(entry, `the event log has the error: ${JSON.stringify(log)}`);
  assert.ok(!entry.text.includes(wrong), "the event log does not echo the credential");
  assert.ok(!(await tokenPanel(page)).visible, "no token is shown");
  assert.deepEqual(await page.pageErrors(), []);
}

function tests() {
test("RunBuggy: the API token opens the orders; a wrong one is TOKEN_REJECTED", async () => {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, "runbuggy");
    const panel = await happyPath(page, { vendor: "runbuggy", apiRoute: "GET /api/orders", asIs: true });
    assert.equal(panel.countdown, "never", "a RunBuggy API token never expires");
    assert.equal(panel.kind, "opaque token");
  } finally {
    await closePage(page);
  }
  // RunBuggy has no login to refuse a password: a wrong API token is
  // rejected by the API, and the library says so.
  await errorPath("runbuggy", { field: "apiToken", wrong: "wrongwrongwrongwrongwrongwrong00", action: "#btn-api", code: "TOKEN_REJECTED" });
});

test("Personr: email and password; a wrong password is INVALID_CREDENTIALS", async () => {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, "personr");
    const panel = await happyPath(page, {
      vendor: "personr",
      apiRoute: "GET /api/1.1/obj/workspace",
      loginRoute: "POST /api/1.1/wf/api-token-generate",
    });
    assert.equal(panel.kind, "opaque token");
    assert.ok(panel.meta.userId, "Personr's userId is shown as metadata");
  } finally {
    await closePage(page);
  }
  await errorPath("personr", { field: "password", wrong: "not-the-password" });
});

test("emnify: the application token (screenshots saved); a wrong one is INVALID_CREDENTIALS", async () => {
  const context = await harness.browser.newContext();
  const page = await openDemo(harness, { context, viewport: { width: 1440, height: 900 } });
  try {
    // emnify is the default vendor.
    const panel = await happyPath(page, {
      vendor: "emnify",
      apiRoute: "GET /api/v1/endpoint",
      loginRoute: "POST /api/v1/authenticate",
    });
    assert.match(panel.kind, /^JWT/);
    for (const claim of ["iss", "iat", "exp"]) assert.ok(panel.claims.includes(claim), `claim ${claim} decoded`);
    assert.match(panel.countdown, /^in 6 d 23:5\d:\d\d$|^in 7 d 00:00:00$/, `7 days, as emnify's recorded tokens: ${panel.countdown}`);

    // Reveal shows the whole token; the event log never contains it.
    await page.click("#btn-reveal");
    const full = await page.textContent("#token-value");
    assert.ok(full.length > 100 && full.split(".").length === 3, "revealed: the whole JWT");
    assert.equal(await page.getAttribute("#btn-reveal", "aria-pressed"), "true");
    await page.click("#btn-reveal");
    assert.match(await page.textContent("#token-value"), MASKED);
    const logText = (await eventLog(page)).map((e) => e.text).join("\n");
    assert.ok(!logText.includes(full), "the token is not in the event log");
    assert.ok(!logText.includes(CREDENTIALS.emnify.applicationToken), "the credential is not in the event log");

    const wide = await screenshot(page, "demo-emnify");
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = await screenshot(page, "demo-emnify-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px too wide)`);
    await page.setViewportSize({ width: 1440, height: 900 });
    console.log(`screenshots: ${wide}, ${phone}`);
  } finally {
    await context.close();
  }
  await errorPath("emnify", { field: "applicationToken", wrong: "emnify-wrong-token" });
  await errorPath("emnify", { kind: "password", field: "password", wrong: "not-the-password" });
});

test("Zūm Rails: username and password; a wrong password is INVALID_CREDENTIALS", async () => {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, "zumrails");
    const panel = await happyPath(page, { vendor: "zumrails", apiRoute: "GET /api/user", loginRoute: "POST /api/authorize" });
    assert.match(panel.kind, /^JWT/);
    assert.equal(panel.meta.companyName, "Simulated Company Inc.", "vendor metadata is shown");
  } finally {
    await closePage(page);
  }
  await errorPath("zumrails", { field: "password", wrong: "not-the-password" });
});

test("VoIPBIN: username and password; a wrong password is INVALID_CREDENTIALS", async () => {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, "voipbin");
    const panel = await happyPath(page, { vendor: "voipbin", apiRoute: "GET /v1.0/accesskeys", loginRoute: "POST /auth/login" });
    assert.match(panel.kind, /^JWT/);
    assert.ok(panel.claims.includes("expire"), "VoIPBIN's custom expire claim is decoded");
  } finally {
    await closePage(page);
  }
  await errorPath("voipbin", { field: "password", wrong: "not-the-password" });
});

test("VoIPBIN: the pre-provisioned access key opens the API without a login", async () => {
  const page = await openDemo(harness);
  try {
    await pickVendor(page, "voipbin");
    await pickKind(page, "accessKey");
    assert.equal(await page.inputValue("#cred-accessKey"), CREDENTIALS.voipbin.accessKey, "prefilled");
    const called = await act(page, "#btn-api");
    assert.equal(called.code, "200", called.text);
    assert.equal(await harness.count("voipbin", "POST /auth/login"), 0);
    assert.match((await tokenPanel(page)).value, MASKED);
  } finally {
    await closePage(page);
  }
});
}
