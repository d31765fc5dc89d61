// Shared by the consumer tests: the vendor simulator, a loopback static file
// server, the browsers (tests/browser/driver.mjs), and the assertions on
// what fixtures/check.js reports.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../..");

/**
 * Starts the vendor simulator (tests/simulator/server.mjs, or the module in
 * $VENDOR_AUTH_SIMULATOR) on a free loopback port: { url, close }.
 */
export async function startSim() {
  const file = process.env.VENDOR_AUTH_SIMULATOR ?? join(ROOT, "tests/simulator/server.mjs");
  if (!existsSync(file)) throw new Error(`vendor simulator missing: ${file}`);
  const { startSimulator } = await import(pathToFileURL(file).href);
  const sim = await startSimulator({ port: 0 });
  return { url: sim.url.replace(/\/$/, ""), close: () => sim.close() };
}

/** Serves directories on 127.0.0.1:<free port>: the demo's own static server. */
export { serveStatic } from "../../scripts/serve.mjs";

export { engines, launch } from "../browser/driver.mjs";
import { CHROMIUM_ARGS } from "../browser/driver.mjs";
export { CHROMIUM_ARGS };

/**
 * Headless Debian Chromium as playwright-core's own Browser, for the tests
 * that use playwright's API directly (the browser suites use `launch`).
 */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens `url` in a fresh page of `browser` (tests/browser/driver.mjs), waits
 * for the fixture to publish `window.__result` (or `window.__error`), and
 * returns it. What the page threw or logged as an error is added to the
 * thrown message on failure.
 */
export async function resultFromPage(browser, url, timeoutMs = 30_000) {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined || window.__error !== undefined, undefined, {
      timeout: timeoutMs,
    });
    // Not { result, error }: WebDriver turns an undefined property into null.
    const answer = await page.evaluate(() =>
      window.__error !== undefined ? { error: String(window.__error) } : { result: window.__result },
    );
    if ("error" in answer) throw new Error(`page reported: ${answer.error}`);
    return answer.result;
  } catch (e) {
    const errors = page.pageErrors ? await page.pageErrors().catch(() => []) : [];
    throw new Error(`${browser.engine ?? "chromium"}: ${e.message}\n${errors.join("\n")}`, { cause: e });
  } finally {
    await page.close();
  }
}

/** The assertions on what fixtures/check.js reported. */
export function assertChecks(r) {
  for (const name of ["AuthClient", "AuthError", "AuthErrorCode"]) {
    assert.ok(r.exports.includes(name), `package exports ${name} (got ${r.exports.join(", ")})`);
  }
  for (const name of ["default", "initSync", "__registerAuthError"]) {
    assert.ok(!r.exports.includes(name), `package does not export ${name}`);
  }
  assert.equal(r.tokenError, undefined, `getToken failed: ${JSON.stringify(r.tokenError)}`);
  assert.equal(r.tokenType, "string");
  assert.ok(r.tokenLength > 0, "token is non-empty");
  assert.ok(r.badOptionsError, "vendor: \"nope\" was accepted");
  assert.equal(r.badOptionsError.isAuthError, true, `instanceof AuthError: ${JSON.stringify(r.badOptionsError)}`);
  assert.equal(r.badOptionsError.isError, true, "instanceof Error");
  assert.equal(r.badOptionsError.name, "AuthError");
  assert.equal(r.badOptionsError.code, "INVALID_OPTIONS");
  assert.equal(r.badOptionsThrewAt, "constructor", "bad options throw from the constructor");
  assert.equal(r.codeConstant, "INVALID_OPTIONS");
}
