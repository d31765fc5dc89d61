// (b) A page built with Vite (JS API, production build): the fixture in
// vite-app/ imports "vendor-auth" by name, Vite resolves it from the
// consumer's node_modules (the packed tarball) with the "browser" condition, bundles the glue (top-level
// await included) and emits the .wasm as an asset. The output is served on
// loopback and opened in headless Chromium through playwright-core.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { HERE, assertChecks, launchChromium, resultFromPage, serveStatic, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

test("Vite-built page: the package loads and works in Chromium", async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), "vendor-auth-vite-"));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const dir = await consumer("vite");
  cpSync(join(HERE, "vite-app"), join(dir, "vite-app"), { recursive: true });
  cpSync(join(HERE, "fixtures"), join(dir, "fixtures"), { recursive: true });
  await build({
    root: join(dir, "vite-app"),
    configFile: false,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, assetsInlineLimit: 0 },
  });
  const assets = readdirSync(join(outDir, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `Vite emitted the wasm (${assets.join(", ")})`);

  const sim = await startSim();
  t.after(() => sim.close());
  const site = await serveStatic({ "/": outDir });
  t.after(() => site.close());
  const browser = await launchChromium();
  t.after(() => browser.close());

  const result = await resultFromPage(browser, `${site.url}/?sim=${encodeURIComponent(sim.url)}`);
  assertChecks(result);
});
