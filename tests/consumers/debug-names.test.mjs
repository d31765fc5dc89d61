// Point 13's debugging aid: `VENDOR_AUTH_DEBUG_NAMES=1 make build` keeps the
// wasm's "name" section, so a trap's stack trace names the Rust function
// (V8 prints `vendor_auth::…` instead of `wasm-function[123]`); the
// published build has none (size). Builds into a scratch directory
// (VENDOR_AUTH_DIST), leaving pkg/dist alone.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./helpers.mjs";

const run = promisify(execFile);

const functionNames = (file) =>
  WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(file)), "name")
    .map((s) => Buffer.from(s).toString("latin1"))
    .join("");

test("VENDOR_AUTH_DEBUG_NAMES=1 keeps the function names; the published wasm has none", { timeout: 300_000 }, async (t) => {
  const out = join(ROOT, "target", "consumers", "debug-names-dist");
  t.after(() => rmSync(out, { recursive: true, force: true }));
  await run(join(ROOT, "scripts", "build.sh"), [], {
    cwd: ROOT,
    // The main wasm only (VENDOR_AUTH_VENDORS=""): the one-vendor builds are
    // the same pipeline.
    env: { ...process.env, VENDOR_AUTH_DIST: out, VENDOR_AUTH_DEBUG_NAMES: "1", VENDOR_AUTH_VENDORS: "" },
    maxBuffer: 64 << 20,
  });
  assert.match(functionNames(join(out, "vendor_auth_bg.wasm")), /vendor_auth::web::api::AuthClient/);
  assert.equal(functionNames(join(ROOT, "pkg", "dist", "vendor_auth_bg.wasm")), "");
});
