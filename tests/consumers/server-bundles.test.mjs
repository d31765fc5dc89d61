// Server bundles (the README's "Server bundles resolve the inlined entry by
// themselves"): Vite SSR with `ssr.noExternal: true` and esbuild
// --platform=node bundle the package into one file each, which runs in Node
// from another directory (no node_modules, no .wasm beside it) and logs in
// against the vendor simulator.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { build } from "vite";
import { HERE, assertChecks, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const run = promisify(execFile);
const dir = await consumer("server-bundles", {
  files: {
    "server.js": `import * as pkg from "vendor-auth";
import { runChecks } from "./check.js";
console.log(JSON.stringify(await runChecks(pkg, process.env.VENDOR_AUTH_SIM_URL)));
`,
  },
});
copyFileSync(join(HERE, "fixtures", "check.js"), join(dir, "check.js"));

/** Runs the bundle from a directory of its own: no node_modules, nothing else. */
async function runAlone(t, bundle) {
  const alone = mkdtempSync(join(tmpdir(), "vendor-auth-bundle-"));
  t.after(() => rmSync(alone, { recursive: true, force: true }));
  copyFileSync(bundle, join(alone, "server.mjs"));
  const sim = await startSim();
  t.after(() => sim.close());
  try {
    const { stdout } = await run(process.execPath, [join(alone, "server.mjs")], { env: { ...process.env, VENDOR_AUTH_SIM_URL: sim.url } });
    return JSON.parse(stdout.trim().split("\n").pop());
  } catch (e) {
    assert.fail(`the bundle failed:\n${e.stdout}${e.stderr}`);
  }
}

test("Vite SSR build with ssr.noExternal: one self-contained file", async (t) => {
  const out = join(dir, "out", "vite-ssr");
  rmSync(out, { recursive: true, force: true });
  await build({
    root: dir,
    configFile: false,
    logLevel: "warn",
    ssr: { noExternal: true },
    build: { ssr: join(dir, "server.js"), outDir: out, emptyOutDir: true },
  });
  const files = readdirSync(out, { recursive: true });
  assert.ok(!files.some((f) => String(f).endsWith(".wasm")), `no .wasm asset to copy (${files})`);
  assertChecks(await runAlone(t, join(out, "server.js")));
});

test("esbuild --bundle --platform=node: one self-contained file", async (t) => {
  const out = join(dir, "out", "esbuild-node");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await esbuild.build({ absWorkingDir: dir, entryPoints: ["server.js"], bundle: true, platform: "node", format: "esm", outfile: join(out, "server.mjs"), logLevel: "silent" });
  assertChecks(await runAlone(t, join(out, "server.mjs")));
});
