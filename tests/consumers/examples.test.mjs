// The examples/ apps, each with the packed package installed (not linked)
// and its own dependencies from its lockfile: Vite + React (built, signed in
// against the simulator in Chromium, then an API call through client.fetch),
// the Express backend-for-frontend, and the Bun and Deno proxies (Bun and
// Deno from their npm packages). examples/nextjs is built by next.test.mjs.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";
import { HERE, ROOT, launchChromium, serveStatic, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const EXAMPLES = join(ROOT, "examples");
const VOIPBIN = { user: "voipbin-demo", password: "voipbin-demo-password" };

let sim;
test.before(async () => {
  sim = await startSim();
});
test.after(() => sim?.close());

/** Starts a server that prints "listening on http://127.0.0.1:<port>"; resolves to its URL. */
function listen(t, command, args, { cwd, env }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill());
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${log}`)), 60_000);
    const onData = (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${log}`)));
  });
}

async function expectAccessKeys(url) {
  const response = await fetch(`${url}/v1.0/accesskeys`);
  const body = await response.text();
  assert.equal(response.status, 200, body);
  assert.ok(Array.isArray(JSON.parse(body).result), body);
}

test("examples/vite-react: built, signs in with the form, useToken shows the expiry, client.fetch lists keys", async (t) => {
  const dir = await consumer("example-vite-react", { fixture: join(EXAMPLES, "vite-react") });
  for (const f of ["index.html", "src", "vite.config.js"]) cpSync(join(EXAMPLES, "vite-react", f), join(dir, f), { recursive: true });
  const out = join(dir, "dist");
  rmSync(out, { recursive: true, force: true });
  process.env.VITE_VOIPBIN_BASE_URL = `${sim.url}/voipbin`;
  t.after(() => delete process.env.VITE_VOIPBIN_BASE_URL);
  await build({ root: dir, logLevel: "warn", build: { outDir: out, emptyOutDir: true } });

  const site = await serveStatic({ "/": out });
  t.after(() => site.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const log = [];
  page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(site.url);
    await page.fill("input[name=username]", VOIPBIN.user);
    await page.fill("input[name=password]", VOIPBIN.password);
    await page.click("button[type=submit]");
    await page.waitForSelector("text=/signed in until \\d{4}-/", { timeout: 30_000 });
    await page.click("text=List access keys");
    const keys = await page.waitForSelector("[data-testid=keys]", { timeout: 30_000 });
    assert.match(await keys.textContent(), /^\d+ access key\(s\)$/);
  } catch (e) {
    throw new Error(`${e.message}\n${log.join("\n")}`, { cause: e });
  }
});

test("examples/node-express: the BFF proxies with the server's credentials", async (t) => {
  const dir = await consumer("example-node-express", { fixture: join(EXAMPLES, "node-express") });
  cpSync(join(EXAMPLES, "node-express", "server.js"), join(dir, "server.js"));
  const url = await listen(t, process.execPath, ["server.js"], {
    cwd: dir,
    env: { PORT: "0", EMNIFY_BASE_URL: `${sim.url}/emnify`, EMNIFY_APPLICATION_TOKEN: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" },
  });
  const info = await (await fetch(`${url}/api/token-info`)).json();
  assert.ok(info.expiresAt > Date.now(), JSON.stringify(info));
  assert.equal("token" in info, false, "the BFF never hands out the token");
  const endpoints = await fetch(`${url}/api/emnify/api/v1/endpoint`);
  assert.equal(endpoints.status, 200, await endpoints.clone().text());
  assert.ok(Array.isArray(await endpoints.json()));
});

for (const [name, file, command] of [
  ["bun", "server.js", (dir) => [join(dir, "node_modules", ".bin", "bun"), ["bun-server.js"]]],
  ["deno", "main.ts", (dir) => [join(dir, "node_modules", ".bin", "deno"), ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", "deno-main.ts"]]],
]) {
  test(`examples/${name}: the proxy attaches the VoIPBIN token`, async (t) => {
    const dir = await consumer("runtimes", { fixture: join(HERE, "runtimes"), scripts: true });
    cpSync(join(EXAMPLES, name, file), join(dir, `${name}-${file}`));
    const [cmd, args] = command(dir);
    const url = await listen(t, cmd, args, {
      cwd: dir,
      env: { PORT: "0", VOIPBIN_BASE_URL: `${sim.url}/voipbin`, VOIPBIN_USER: VOIPBIN.user, VOIPBIN_PASSWORD: VOIPBIN.password, DENO_NO_UPDATE_CHECK: "1" },
    });
    await expectAccessKeys(url);
  });
}
