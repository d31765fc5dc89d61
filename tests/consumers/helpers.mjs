// Shared by the consumer tests: the vendor simulator, a loopback static file
// server, headless Chromium through playwright-core, and the assertions on
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

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Headless Debian Chromium (playwright-core cannot download its own). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens `url` in a fresh page, waits for the fixture to publish
 * `window.__result` (or `window.__error`), and returns it. Console errors
 * and page errors are collected into the thrown message on failure.
 */
export async function resultFromPage(browser, url, timeoutMs = 30_000) {
  const page = await browser.newPage();
  const log = [];
  page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  page.on("requestfailed", (r) => log.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined || window.__error !== undefined, null, {
      timeout: timeoutMs,
    });
    const { result, error } = await page.evaluate(() => ({ result: window.__result, error: window.__error }));
    if (error !== undefined) throw new Error(`page reported: ${error}`);
    return result;
  } catch (e) {
    throw new Error(`${e.message}\n${log.join("\n")}`, { cause: e });
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
