// (b) A page built with Vite (JS API, production build): the fixture in
// vite-app/ imports "vendor-auth" by name, Vite resolves it from the
// consumer's node_modules (the packed tarball) with the "browser" condition, bundles the glue (top-level
// await included) and emits the .wasm as an asset. The output is served on
// loopback and opened in each engine (tests/browser/driver.mjs).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { HERE, assertChecks, engines, launch, resultFromPage, serveStatic, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

let outDir;
let sim;
let site;
before(async () => {
  outDir = mkdtempSync(join(tmpdir(), "vendor-auth-vite-"));
  const dir = await consumer("vite");
  cpSync(join(HERE, "vite-app"), join(dir, "vite-app"), { recursive: true });
  cpSync(join(HERE, "fixtures"), join(dir, "fixtures"), { recursive: true });
  await build({
    root: join(dir, "vite-app"),
    configFile: false,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0 },
  });
  sim = await startSim();
  site = await serveStatic({ "/": outDir });
});
after(async () => {
  await site?.close();
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test("Vite emits the wasm as an asset", () => {
  const assets = readdirSync(join(outDir, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `Vite emitted the wasm (${assets.join(", ")})`);
});

for (const engine of engines()) {
  describe(engine, () => {
    test("Vite-built page: the package loads and works", async (t) => {
      const browser = await launch(engine);
      t.after(() => browser.close());
      assertChecks(await resultFromPage(browser, `${site.url}/?sim=${encodeURIComponent(sim.url)}`));
    });
  });
}
