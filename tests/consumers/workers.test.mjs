// (d) Cloudflare Workers: the worker in worker/ imports "vendor-auth" by
// name and is bundled by wrangler itself (`wrangler deploy --dry-run
// --outdir`), i.e. with wrangler's default esbuild conditions (workerd,
// worker, browser) and its default module rules (a .wasm import becomes a
// CompiledWasm module). The bundle then runs in the real workerd runtime
// through the miniflare npm package, and calls the simulator on loopback.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { HERE, ROOT, assertChecks, startSim } from "./helpers.mjs";

const run = promisify(execFile);

for (const [dir, entry] of [
  ["worker", "vendor-auth"],
  ["worker-emnify", "vendor-auth/emnify"],
]) test(`Cloudflare Worker on "${entry}" bundled by wrangler, run in workerd (miniflare)`, async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), "vendor-auth-worker-"));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  await run(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", outDir, "--config", join(HERE, dir, "wrangler.toml")],
    {
      cwd: join(HERE, dir),
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_LOG_PATH: join(outDir, "logs"),
        NO_COLOR: "1",
      },
      timeout: 120_000,
    },
  );
  const files = readdirSync(outDir);
  assert.ok(files.includes("index.js"), `wrangler wrote index.js (${files.join(", ")})`);
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `wrangler kept the .wasm as a module (${files.join(", ")})`);
  const bundle = readFileSync(join(outDir, "index.js"), "utf8");
  assert.ok(!/\bnode:fs\b/.test(bundle), "the workerd entry was chosen, not the node one");
  const expected = readFileSync(join(ROOT, "pkg/dist", entry === "vendor-auth" ? "" : "emnify", "vendor_auth_bg.wasm"));
  assert.ok(readFileSync(join(outDir, wasm[0])).equals(expected), `the .wasm of ${entry}`);

  const sim = await startSim();
  t.after(() => sim.close());
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outDir, "index.js"),
    modulesRoot: outDir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch(`http://worker.test/?sim=${encodeURIComponent(sim.url)}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assertChecks(JSON.parse(text));
});
