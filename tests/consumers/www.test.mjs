// The demo page (www/) as `make demo` serves it (scripts/serve.mjs
// startDemo): it loads the package through its import map, gets an emnify
// token from the simulator and shows it masked; a second click is served
// from the cache.
import test from "node:test";
import assert from "node:assert/strict";
import { startDemo } from "../../scripts/serve.mjs";
import { launchChromium } from "./helpers.mjs";

test("www/: the demo page shows a masked emnify token", async (t) => {
  const demo = await startDemo({ port: 0, simPort: 0 });
  t.after(() => demo.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.getElementById("status").textContent === "Ready.", null, {
    timeout: 20_000,
  });
  assert.equal(await page.inputValue("input[name=baseUrl]"), `${demo.simulatorUrl}/emnify`);

  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("status").className !== "", null, { timeout: 20_000 });
  assert.equal(await page.textContent("#status"), "Token received.", errors.join("\n"));
  const shown = await page.textContent("#token");
  assert.match(shown, /^.{6}….{4} \(\d+ chars\)$/, "the token is shown masked");
  assert.equal(await page.textContent("#source"), "vendor (network)");

  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("source").textContent === "cache", null, {
    timeout: 10_000,
  });
  assert.deepEqual(errors, []);
});
