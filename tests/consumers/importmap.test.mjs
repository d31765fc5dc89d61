// (c) A plain <script type="module"> page, no bundler: an import map points
// "vendor-auth" at the package's browser entry, served (with the package's
// other files) from the installed package directory on loopback, opened in
// headless Chromium through playwright-core.
import test from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HERE, assertChecks, launchChromium, resultFromPage, serveStatic, startSim } from "./helpers.mjs";

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

test("plain <script type=module> page with an import map", async (t) => {
  const sim = await startSim();
  t.after(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), "vendor-auth-importmap-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "index.html"), page);
  const site = await serveStatic({
    "/": dir,
    "/node_modules/vendor-auth/": PKG_DIR,
    "/fixtures/": join(HERE, "fixtures"),
  });
  t.after(() => site.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  assertChecks(await resultFromPage(browser, `${site.url}/?sim=${encodeURIComponent(sim.url)}`));
});
