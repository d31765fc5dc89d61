// (c) A plain <script type="module"> page, no bundler: an import map points
// "vendor-auth" at the package's browser entry, served (with the package's
// other files) from the installed package directory on loopback, opened in
// each engine (tests/browser/driver.mjs).
import { describe, test, before, after } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HERE, assertChecks, engines, launch, resultFromPage, serveStatic, startSim } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const PKG_DIR = dirname(require.resolve("vendor-auth/package.json"));

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>vendor-auth with an import map</title>
  <script type="importmap">
    { "imports": { "vendor-auth": "/node_modules/vendor-auth/index.js" } }
  </script>
</head>
<body>
  <pre id="out">running…</pre>
  <script type="module">
    import * as pkg from "vendor-auth";
    import { runChecks } from "/fixtures/check.js";
    const sim = new URLSearchParams(location.search).get("sim");
    runChecks(pkg, sim).then(
      (r) => { document.getElementById("out").textContent = JSON.stringify(r, null, 2); window.__result = r; },
      (e) => { window.__error = String(e && e.stack || e); },
    );
  </script>
</body>
</html>`;

let sim;
let site;
let dir;
before(async () => {
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), "vendor-auth-importmap-"));
  writeFileSync(join(dir, "index.html"), page);
  site = await serveStatic({
    "/": dir,
    "/node_modules/vendor-auth/": PKG_DIR,
    "/fixtures/": join(HERE, "fixtures"),
  });
});
after(async () => {
  await site?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const engine of engines()) {
  describe(engine, () => {
    test("plain <script type=module> page with an import map", async (t) => {
      const browser = await launch(engine);
      t.after(() => browser.close());
      assertChecks(await resultFromPage(browser, `${site.url}/?sim=${encodeURIComponent(sim.url)}`));
    });
  });
}
