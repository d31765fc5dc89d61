// Bundlers as consumers use them, on the package installed from the packed
// tarball, each output opened in headless Chromium against the vendor
// simulator: webpack 5 (the default entry, wasm emitted as an asset),
// esbuild with the README's copy step, esbuild --target=es2020 (which
// refuses top-level await) with "vendor-auth/lazy", esbuild with
// "vendor-auth/inline" (one file, nothing copied), and a Vite build whose Web
// Worker is bundled as iife (no top-level await) with "vendor-auth/lazy".
import test from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { build as viteBuild } from "vite";
import webpack from "webpack";
import { HERE, assertChecks, launchChromium, resultFromPage, serveStatic, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const PAGE = (script) =>
  `<!doctype html><meta charset="utf-8"><title>vendor-auth</title><script type="module" src="./${script}"></script>`;

const dir = await consumer("bundlers", { files: join(HERE, "bundle-app") });
copyFileSync(join(HERE, "fixtures", "check.js"), join(dir, "check.js"));
const WASM = join(dir, "node_modules", "vendor-auth", "dist", "vendor_auth_bg.wasm");

let sim;
let browser;
test.before(async () => {
  sim = await startSim();
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await sim?.close();
});

/** Serves `out` and returns what the page at `page` reported. */
async function open(t, out, page = "index.html") {
  const site = await serveStatic({ "/": out });
  t.after(() => site.close());
  return resultFromPage(browser, `${site.url}/${page}?sim=${encodeURIComponent(sim.url)}`);
}

function fresh(name) {
  const out = join(dir, "out", name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  return out;
}

test("webpack 5 (production, web): the wasm is emitted and the page works", async (t) => {
  const out = fresh("webpack");
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: "production",
        context: dir,
        entry: "./main.js",
        output: { path: out, filename: "main.js" },
        target: "web",
        devtool: false,
        performance: { hints: false },
      },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.ok(readdirSync(out).some((f) => f.endsWith(".wasm")), `webpack emitted the wasm (${readdirSync(out)})`);
  writeFileSync(join(out, "index.html"), PAGE("main.js"));
  assertChecks(await open(t, out));
});

test("esbuild --bundle with the documented copy step (the .wasm beside the bundle)", async (t) => {
  const out = fresh("esbuild");
  await esbuild.build({ absWorkingDir: dir, entryPoints: ["main.js"], bundle: true, format: "esm", outdir: out, logLevel: "silent" });
  copyFileSync(WASM, join(out, "vendor_auth_bg.wasm"));
  writeFileSync(join(out, "index.html"), PAGE("main.js"));
  assertChecks(await open(t, out));
});

test("esbuild --target=es2020: the default entry is refused (top-level await), vendor-auth/lazy works", async (t) => {
  const out = fresh("esbuild-es2020");
  await assert.rejects(
    esbuild.build({ absWorkingDir: dir, entryPoints: ["main.js"], bundle: true, format: "esm", target: "es2020", outdir: out, logLevel: "silent" }),
    /Top-level await is not available/,
  );
  await esbuild.build({ absWorkingDir: dir, entryPoints: ["lazy.js"], bundle: true, format: "esm", target: "es2020", outdir: out, logLevel: "silent" });
  copyFileSync(WASM, join(out, "vendor_auth_bg.wasm"));
  writeFileSync(join(out, "index.html"), PAGE("lazy.js"));
  const result = await open(t, out);
  assertChecks(result);
  assert.ok(result.exports.includes("ready"));
  assert.deepEqual(result.early, { isAuthError: true, code: "UNSUPPORTED" }, "a client before ready() is an AuthError");
});

test("esbuild with vendor-auth/inline: one file, nothing copied", async (t) => {
  const out = fresh("esbuild-inline");
  await esbuild.build({ absWorkingDir: dir, entryPoints: ["inline.js"], bundle: true, format: "esm", target: "es2020", outdir: out, logLevel: "silent" });
  assert.deepEqual(readdirSync(out), ["inline.js"]);
  writeFileSync(join(out, "index.html"), PAGE("inline.js"));
  assertChecks(await open(t, out));
});

test("Vite build with an iife Web Worker: the default entry is refused, vendor-auth/lazy works", async (t) => {
  const out = fresh("vite-worker");
  await assert.rejects(
    viteBuild({
      root: dir,
      configFile: false,
      logLevel: "silent",
      worker: { format: "iife" },
      build: { outDir: join(out, "tla"), rollupOptions: { input: join(dir, "worker-tla.html") } },
    }),
    /top-level await|iife/i,
  );
  await viteBuild({
    root: dir,
    configFile: false,
    logLevel: "warn",
    worker: { format: "iife" },
    build: { outDir: out, emptyOutDir: true, assetsInlineLimit: 0, rollupOptions: { input: join(dir, "worker.html") } },
  });
  assertChecks(await open(t, out, "worker.html"));
});
