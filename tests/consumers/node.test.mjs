// (a) Node >= 20 ESM: the package imported by name, resolved through the
// root node_modules (a `file:./pkg` link, as an installed package would be)
// with the "node" export condition.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as pkg from "vendor-auth";
import { AuthClient, AuthError } from "vendor-auth";
import { runChecks } from "./fixtures/check.js";
import { assertChecks, startSim } from "./helpers.mjs";

test("Node ESM: import { AuthClient, AuthError } from \"vendor-auth\"", async (t) => {
  const sim = await startSim();
  t.after(() => sim.close());
  assert.equal(typeof AuthClient, "function");
  assert.equal(typeof AuthError, "function");
  assertChecks(await runChecks(pkg, sim.url));
});

test("Node resolves vendor-auth to the node entry", () => {
  const resolved = import.meta.resolve("vendor-auth");
  assert.match(resolved, /\/node\.js$/);
  // and the package is a real install (node_modules), not a path into src
  const require = createRequire(import.meta.url);
  assert.match(require.resolve("vendor-auth/package.json"), /package\.json$/);
});

// The cold start (bench/cold-node.mjs): an ESM import of "node:fs" reads all
// of fs's exports, and their lazy getters load Node's streams (19 internal
// modules, about 1.2 ms). The entries take fs from process.getBuiltinModule.
test("importing the Node entries loads none of Node's stream modules", (t) => {
  const script = fileURLToPath(new URL("./fixtures/modules-loaded.mjs", import.meta.url));
  const streams = (entry) =>
    JSON.parse(execFileSync(process.execPath, [script, entry], { encoding: "utf8" })).filter((m) => /stream/.test(m));
  // The check can see it: a module importing "node:fs" the ESM way loads them.
  const control = streams(new URL("./fixtures/imports-node-fs.mjs", import.meta.url).href);
  if (control.length === 0) {
    t.skip(`this Node (${process.version}) no longer loads streams for an ESM import of node:fs`);
    return;
  }
  for (const entry of ["vendor-auth", "vendor-auth/emnify"]) {
    assert.deepEqual(streams(entry), [], `${entry} loads Node's streams at import`);
  }
});

test("AuthError is a usable Error subclass on its own", () => {
  const e = new AuthError("boom", { code: "RATE_LIMITED", vendor: "emnify", status: 429, retryAfterSeconds: 7 });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "AuthError");
  assert.equal(e.code, "RATE_LIMITED");
  assert.equal(e.vendor, "emnify");
  assert.equal(e.status, 429);
  assert.equal(e.retryAfterSeconds, 7);
  const plain = new AuthError("x", { code: "NETWORK" });
  assert.equal(plain.vendor, null);
  assert.equal(plain.status, null);
  assert.equal(plain.retryAfterSeconds, null);
  const cause = new Error("inner");
  assert.equal(new AuthError("y", { code: "NETWORK", cause }).cause, cause);
  assert.ok(Object.isFrozen(pkg.AuthErrorCode));
  assert.equal(Object.keys(pkg.AuthErrorCode).length, 13);
});
