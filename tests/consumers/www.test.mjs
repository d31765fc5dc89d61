// The demo page (www/) as `make demo` serves it (scripts/serve.mjs
// startDemo): /config.json tells the page where the simulator is and carries
// its test credentials; the page loads the package through its import map,
// offers the five vendors with the simulator's credentials prefilled, and
// gets an emnify token shown masked. The flows per vendor are in tests/demo/.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startDemo } from "../../scripts/serve.mjs";
import { CREDENTIALS } from "../simulator/credentials.mjs";
import { engines, launch } from "./helpers.mjs";

for (const engine of engines()) describe(engine, () => {
test("www/: the demo page loads the package and shows a masked emnify token", async (t) => {
  const demo = await startDemo({ port: 0, simPort: 0 });
  t.after(() => demo.close());

  const config = await (await fetch(`${demo.url}/config.json`)).json();
  assert.equal(config.simulatorUrl, demo.simulatorUrl);
  assert.deepEqual(config.credentials, JSON.parse(JSON.stringify(CREDENTIALS)));

  const browser = await launch(engine);
  t.after(() => browser.close());
  const page = await browser.newPage();

  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true", undefined, { timeout: 30_000 });
  assert.deepEqual(
    await page.$$eval("input[name=vendor]", (inputs) => inputs.map((i) => i.value)),
    ["runbuggy", "personr", "emnify", "zumrails", "voipbin"],
  );
  assert.equal(await page.textContent("#vendor-root"), `${demo.simulatorUrl}/emnify`);
  assert.equal(await page.inputValue("#cred-applicationToken"), CREDENTIALS.emnify.applicationToken);

  await page.click("#btn-token");
  await page.waitForFunction(() => !document.getElementById("token-body").hidden, undefined, { timeout: 20_000 });
  assert.match(await page.textContent("#token-value"), /^.{6}….{4}$/, "the token is shown masked");
  assert.equal(await page.textContent("#token-source"), "from network");
  assert.deepEqual(await page.pageErrors(), []);
});
});
