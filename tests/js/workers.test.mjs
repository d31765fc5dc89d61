// The example Worker (examples/worker) in the real workerd runtime through
// miniflare, bundled by wrangler as `wrangler deploy` would. Four isolates
// (four Workers sharing one KV namespace and one Durable Object class) stand
// for the many isolates of a deployment; outbound requests go to the vendor
// simulator.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { simulator, CREDENTIALS, redirectingVendor, serve } from "./helpers.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const run = promisify(execFile);
const ISOLATES = 4;

/** Bundles a Worker with wrangler's own bundler; returns the output folder. */
async function bundle(config) {
  const outDir = mkdtempSync(join(tmpdir(), "vendor-auth-example-"));
  await run(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir, "--config", config], {
    cwd: join(config, ".."),
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_LOG_PATH: join(outDir, "logs"), NO_COLOR: "1" },
    timeout: 120_000,
  });
  return outDir;
}

let sim;
let example;
let outage;
const scratch = [];
before(async () => {
  sim = await simulator();
  example = await bundle(join(ROOT, "examples/worker/wrangler.toml"));
  outage = await bundle(join(ROOT, "tests/js/fixtures/kv-outage/wrangler.toml"));
  scratch.push(example, outage);
});
after(async () => {
  await sim.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

/** A Miniflare with `ISOLATES` copies of a bundled Worker. */
function deployment(dir, { coordinator = true, persist, credentials = () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }) } = {}) {
  const bindings = (i) => ({
    VENDOR: "emnify",
    VENDOR_BASE_URL: `${sim.url}/emnify`,
    VENDOR_CREDENTIALS: JSON.stringify(credentials(i)),
    USE_COORDINATOR: coordinator ? "true" : "false",
  });
  const workers = Array.from({ length: ISOLATES }, (_, i) => ({
    name: `proxy-${i}`,
    modules: true,
    scriptPath: join(dir, dir === outage ? "worker.js" : "index.js"),
    modulesRoot: dir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    kvNamespaces: { TOKENS: "tokens" },
    durableObjects: { TOKEN_COORDINATOR: { className: "TokenCoordinator", scriptName: "proxy-0" } },
    bindings: bindings(i),
  }));
  return new Miniflare({
    workers,
    ...(persist ? { kvPersist: join(persist, "kv"), durableObjectsPersist: join(persist, "do") } : {}),
  });
}

async function burst(mf, count, path = "/api/v1/endpoint") {
  const isolates = await Promise.all(Array.from({ length: ISOLATES }, (_, i) => mf.getWorker(`proxy-${i}`)));
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await isolates[i % ISOLATES].fetch(`http://proxy.test${path}`);
      return { status: response.status, body: await response.text() };
    }),
  );
}

const logins = () => sim.count("emnify", "POST /api/v1/authenticate");

test("200 concurrent requests over 4 isolates on a cold cache: one login with the coordinator", async (t) => {
  const mf = deployment(example);
  t.after(() => mf.dispose());
  const responses = await burst(mf, 200);
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200], responses.find((r) => r.status !== 200)?.body);
  assert.equal(await logins(), 1);
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 200);
  t.diagnostic(`logins per 200 requests with the coordinator: ${await logins()}`);
});

test("without the coordinator: measured, and bounded by the isolates", async (t) => {
  const mf = deployment(example, { coordinator: false });
  t.after(() => mf.dispose());
  const responses = await burst(mf, 200);
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
  const count = await logins();
  // Each isolate logs in at most once (its own single flight); KV has no
  // compare-and-swap, so only the store lease stands between isolates.
  assert.ok(count >= 1 && count <= ISOLATES, `${count} logins`);
  t.diagnostic(`logins per 200 requests without the coordinator: ${count}`);
});

test("the token survives a restart (KV and the Durable Object keep it): no new login", async (t) => {
  const persist = mkdtempSync(join(tmpdir(), "vendor-auth-persist-"));
  scratch.push(persist);
  const first = deployment(example, { persist });
  const before = await burst(first, 8, "/_token");
  assert.deepEqual(before.map((r) => r.status), Array(8).fill(200));
  await first.dispose();
  assert.equal(await logins(), 1);

  const second = deployment(example, { persist });
  t.after(() => second.dispose());
  const after = await burst(second, 8, "/_token");
  assert.deepEqual(after.map((r) => r.status), Array(8).fill(200));
  assert.ok(after.every((r) => JSON.parse(r.body).fromCache === true), after[0].body);
  assert.ok(!after.some((r) => r.body.includes("auth_token")) && !after[0].body.includes("eyJ"), "no token in /_token");
  assert.equal(await logins(), 1);
});

test("a KV outage does not fail requests: the coordinator still serves them, one login", async (t) => {
  const mf = deployment(outage);
  t.after(() => mf.dispose());
  const responses = await burst(mf, 40);
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200], responses.find((r) => r.status !== 200)?.body);
  assert.equal(await logins(), 1);
});

test("a KV outage without a coordinator still serves requests (each isolate logs in)", async (t) => {
  const mf = deployment(outage, { coordinator: false });
  t.after(() => mf.dispose());
  const responses = await burst(mf, 40);
  assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
  assert.ok((await logins()) <= ISOLATES);
});

test("the coordinator does not hand a wrong password the principal's token (the verifier)", async (t) => {
  const { username, password } = CREDENTIALS.emnify;
  // Isolate 3 has the right username and a wrong password; all share KV and the coordinator.
  const mf = deployment(example, { credentials: (i) => ({ username, password: i === 3 ? "not-the-password" : password }) });
  t.after(() => mf.dispose());
  const isolates = await Promise.all(Array.from({ length: ISOLATES }, (_, i) => mf.getWorker(`proxy-${i}`)));
  const ask = async (i) => {
    const response = await isolates[i].fetch("http://proxy.test/api/v1/endpoint");
    return { status: response.status, body: await response.text() };
  };
  const right = await Promise.all([0, 1, 2, 0, 1, 2].map(ask));
  assert.deepEqual(right.map((r) => r.status), Array(6).fill(200), right[0].body);
  const wrong = await ask(3);
  assert.notEqual(wrong.status, 200);
  assert.equal(JSON.parse(wrong.body).code, "INVALID_CREDENTIALS", wrong.body);
  const again = await Promise.all([0, 1, 2].map(ask));
  assert.deepEqual(again.map((r) => r.status), [200, 200, 200]);
  assert.equal(await logins(), 2, "one login for the right password, one refused for the wrong one");
});

test("cold and warm getToken latency in workerd (printed, not asserted)", async (t) => {
  const mf = deployment(example);
  t.after(() => mf.dispose());
  const worker = await mf.getWorker("proxy-1");
  const time = async () => {
    const started = performance.now();
    const response = await worker.fetch("http://proxy.test/_token");
    await response.text();
    return performance.now() - started;
  };
  const cold = await time();
  const warm = [];
  for (let i = 0; i < 50; i++) warm.push(await time());
  warm.sort((a, b) => a - b);
  t.diagnostic(`/_token latency through miniflare: cold ${cold.toFixed(1)} ms (login via the coordinator), warm median ${warm[25].toFixed(2)} ms (min ${warm[0].toFixed(2)}, max ${warm.at(-1).toFixed(2)})`);
  assert.equal(await logins(), 1);
});

// workerd drops Authorization on a cross-origin redirect only from
// compatibility date 2025-09-01 (the strip_authorization_on_cross_origin_redirect
// flag): with an older date it forwards the header, so the host follows the
// vendor's redirects itself and sends the token to the vendor's origins only.
test("client.fetch in a Worker of an old compatibility date: a redirect to another origin is followed without the token", async (t) => {
  const seen = [];
  const elsewhere = await serve((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null });
    res.end("elsewhere");
  });
  const vendor = await serve(redirectingVendor(`${elsewhere.url}/steal`));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(example, "index.js"),
    modulesRoot: example,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2024-06-01",
    kvNamespaces: { TOKENS: "tokens" },
    bindings: { VENDOR: "emnify", VENDOR_BASE_URL: vendor.url, VENDOR_CREDENTIALS: JSON.stringify({ applicationToken: CREDENTIALS.emnify.applicationToken }), USE_COORDINATOR: "false" },
  });
  t.after(async () => {
    await mf.dispose();
    await elsewhere.close();
    await vendor.close();
  });
  const same = await mf.dispatchFetch("http://proxy.test/api/v1/moved");
  assert.equal(same.status, 200);
  assert.equal(await same.text(), "here with a token", "a same-origin redirect keeps the token");
  const away = await mf.dispatchFetch("http://proxy.test/api/v1/away");
  assert.equal(away.status, 200);
  assert.equal(await away.text(), "elsewhere", "the cross-origin redirect is followed, as fetch would");
  assert.deepEqual(seen, [{ method: "GET", url: "/steal", authorization: null }], "the other origin never saw the token");
});
