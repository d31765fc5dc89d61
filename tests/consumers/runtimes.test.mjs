// The package from the packed tarball in the runtimes besides Node ESM:
// require() from CommonJS (Node >= 20.19), the side-effect-free errors
// subpath, freed clients, the inlined entry (Deno's condition), and Bun and
// Deno themselves (their npm packages; each runs runtime-app.mjs against the
// vendor simulator).
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { HERE, assertChecks, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const run = promisify(execFile);
const app = `import * as pkg from "vendor-auth";
import { runChecks } from "./check.js";
console.log(JSON.stringify(await runChecks(pkg, process.env.VENDOR_AUTH_SIM_URL)));
`;
const dir = await consumer("runtimes", {
  fixture: join(HERE, "runtimes"),
  scripts: true,
  files: {
    "runtime-app.mjs": app,
    "require.cjs": `const { AuthClient, AuthError } = require("vendor-auth");
try { new AuthClient({ vendor: "nope" }); } catch (e) { console.log(JSON.stringify({ isAuthError: e instanceof AuthError, code: e.code, resolved: require.resolve("vendor-auth") })); }
`,
    // Every way to compile or instantiate wasm throws: what loads without
    // tripping it loads no wasm.
    "no-wasm.mjs": `for (const k of ["Module", "Instance", "instantiate", "compile", "instantiateStreaming", "compileStreaming"]) {
  WebAssembly[k] = function () { throw new Error("wasm was loaded"); };
}
const out = {};
for (const spec of ["vendor-auth/errors", "vendor-auth"]) {
  try {
    const m = await import(spec);
    out[spec] = { ok: true, exports: Object.keys(m).sort(), code: new m.AuthError("x", { code: "NETWORK" }).code };
  } catch (e) {
    out[spec] = { ok: false, message: String(e?.message ?? e) };
  }
}
console.log(JSON.stringify(out));
`,
    "free.mjs": `import { AuthClient, AuthError } from "vendor-auth";
const client = new AuthClient({ vendor: "emnify", credentials: { applicationToken: "t" } });
client.free();
const out = {};
for (const call of [() => client.getToken(), () => client.fetch("/api/v1/endpoint"), () => client.completeMfa("123456")]) {
  const e = await call().then(() => null, (e) => e);
  (out.rejections ??= []).push({ isAuthError: e instanceof AuthError, code: e?.code });
}
try { client.on("token", () => {}); out.on = "returned"; } catch (e) { out.on = { isAuthError: e instanceof AuthError, code: e.code }; }
try { client.free(); out.secondFree = "ok"; } catch (e) { out.secondFree = String(e); }
if (typeof Symbol.dispose === "symbol") {
  // What \`using\` calls at the end of its block (Node 20 has the symbol, not the syntax).
  const disposed = new AuthClient({ vendor: "emnify", credentials: { applicationToken: "t" } });
  disposed[Symbol.dispose]();
  const e = await disposed.getToken().then(() => null, (e) => e);
  out.afterUsing = { isAuthError: e instanceof AuthError, code: e?.code };
}
console.log(JSON.stringify(out));
`,
  },
});
copyFileSync(join(HERE, "fixtures", "check.js"), join(dir, "check.js"));

async function json(cmd, args, env = {}) {
  try {
    const { stdout } = await run(cmd, args, { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 });
    return JSON.parse(stdout.trim().split("\n").pop());
  } catch (e) {
    assert.fail(`${cmd} ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

test("require(\"vendor-auth\") from CommonJS (Node >= 20.19)", async () => {
  const out = await json(process.execPath, ["require.cjs"]);
  assert.deepEqual({ isAuthError: out.isAuthError, code: out.code }, { isAuthError: true, code: "INVALID_OPTIONS" });
  assert.match(out.resolved, /node_modules\/vendor-auth\/dist\/node\.js$/);
});

test("vendor-auth/errors loads no wasm (and the main entry does: the trap works)", async () => {
  const out = await json(process.execPath, ["no-wasm.mjs"]);
  assert.deepEqual(out["vendor-auth/errors"], { ok: true, exports: ["AuthError", "AuthErrorCode"], code: "NETWORK" });
  assert.equal(out["vendor-auth"].ok, false, "importing the main entry compiles the wasm");
});

test("calls after free() reject with an AuthError; free() twice is harmless", async () => {
  const out = await json(process.execPath, ["free.mjs"]);
  assert.deepEqual(out.rejections, Array(3).fill({ isAuthError: true, code: "UNSUPPORTED" }));
  assert.deepEqual(out.on, { isAuthError: true, code: "UNSUPPORTED" });
  assert.equal(out.secondFree, "ok");
  if (out.afterUsing) assert.deepEqual(out.afterUsing, { isAuthError: true, code: "UNSUPPORTED" });
});

test("the deno condition resolves to the inlined entry, which works without reading files", async (t) => {
  const sim = await startSim();
  t.after(() => sim.close());
  const resolved = await json(process.execPath, ["--conditions=deno", "--input-type=module", "-e", 'console.log(JSON.stringify(import.meta.resolve("vendor-auth")))']);
  assert.match(resolved, /\/vendor-auth\/inline\.js$/);
  assertChecks(await json(process.execPath, ["--conditions=deno", "runtime-app.mjs"], { VENDOR_AUTH_SIM_URL: sim.url }));
});

test("Bun: bun runtime-app.mjs", async (t) => {
  const sim = await startSim();
  t.after(() => sim.close());
  assertChecks(await json(join(dir, "node_modules", ".bin", "bun"), ["runtime-app.mjs"], { VENDOR_AUTH_SIM_URL: sim.url }));
});

test("Deno: deno run --allow-net --allow-env (no --allow-read)", async (t) => {
  const sim = await startSim();
  t.after(() => sim.close());
  const deno = join(dir, "node_modules", ".bin", "deno");
  assertChecks(
    await json(deno, ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", "runtime-app.mjs"], {
      VENDOR_AUTH_SIM_URL: sim.url,
      DENO_NO_UPDATE_CHECK: "1",
    }),
  );
});
