// Next.js 16 (`next build`, Turbopack, no vendor-auth configuration) with
// the packed tarball: examples/nextjs, whose server-rendered page, Node
// route handler and Edge route (the edge-light condition) each log in
// against the vendor simulator at request time under `next start`. The
// app's own dependencies come from examples/nextjs/package-lock.json (cached
// under target/consumers/next). About a minute warm; the install adds about
// 30 s on the first run.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const run = promisify(execFile);
const EMNIFY_APP_TOKEN = "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

test("Next.js 16: next build, then a page, a Node route and an Edge route log in", { timeout: 600_000 }, async (t) => {
  const started = Date.now();
  const fixture = join(ROOT, "examples", "nextjs");
  const dir = await consumer("next", { fixture });
  const installed = Date.now();
  rmSync(join(dir, "app"), { recursive: true, force: true });
  rmSync(join(dir, ".next"), { recursive: true, force: true });
  rmSync(join(dir, "lib"), { recursive: true, force: true });
  for (const f of ["app", "lib", "next.config.mjs"]) cpSync(join(fixture, f), join(dir, f), { recursive: true });
  const next = join(dir, "node_modules", "next", "dist", "bin", "next");
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CI: "1" };
  try {
    await run(process.execPath, [next, "build"], { cwd: dir, env, timeout: 480_000, maxBuffer: 64 << 20 });
  } catch (e) {
    assert.fail(`next build failed:\n${e.stdout}${e.stderr}`);
  }
  const built = Date.now();

  const sim = await startSim();
  t.after(() => sim.close());
  const port = await freePort();
  const server = spawn(process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: { ...env, EMNIFY_BASE_URL: `${sim.url}/emnify`, EMNIFY_APPLICATION_TOKEN: EMNIFY_APP_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  t.after(() => server.kill());
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/api/token-info`);
      break;
    } catch (e) {
      if (i > 150) assert.fail(`next start did not answer:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const expectLogin = (state, runtime) => {
    assert.equal(state.ok, true, `${runtime}: ${state.code}: ${state.message}\n${log}`);
    assert.equal(state.runtime, runtime);
    assert.ok(state.expiresAt > Date.now(), `${runtime}: a token that expires in the future`);
  };
  for (const [path, runtime] of [["/api/token-info", "nodejs"], ["/api/edge-token-info", "edge"]]) {
    const response = await fetch(`${base}${path}`);
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}\n${log}`);
    expectLogin(await response.json(), runtime);
  }
  const html = await (await fetch(`${base}/`)).text();
  const match = html.match(/<pre id="state">([^<]*)<\/pre>/);
  assert.ok(match, `the page rendered its state:\n${html.slice(0, 500)}`);
  expectLogin(JSON.parse(match[1].replace(/&quot;/g, '"').replace(/&amp;/g, "&")), "nodejs");
  assert.match(html, /signed in until \d{4}-/);
  t.diagnostic(`install ${(installed - started) / 1000}s, next build ${(built - installed) / 1000}s, start+requests ${(Date.now() - built) / 1000}s`);
});
