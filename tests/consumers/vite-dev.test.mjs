// (b2) Vite's dev server with the package installed as a real copy (the
// tarball `npm pack` makes, unpacked into a scratch project's node_modules),
// which is what an app gets from `npm install vendor-auth`. Vite's dependency
// pre-bundling moves a package's code into node_modules/.vite/deps, which
// breaks the package's `new URL("./dist/…wasm", import.meta.url)`; apps must
// exclude it, as the README says:
//     optimizeDeps: { exclude: ["vendor-auth"] }
// This test runs that documented set-up in Chromium, and checks that without
// the exclusion the page indeed fails (so the advice stays necessary and true).
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createServer } from "vite";
import { HERE, ROOT, assertChecks, launch, resultFromPage, startSim } from "./helpers.mjs";

const run = promisify(execFile);

async function scratchProject(t) {
  const dir = mkdtempSync(join(tmpdir(), "vendor-auth-vite-dev-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: join(ROOT, "pkg") });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  const installed = join(dir, "node_modules/vendor-auth");
  mkdirSync(installed, { recursive: true });
  await run("tar", ["-xzf", join(dir, tarball), "-C", installed, "--strip-components=1"]);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  cpSync(join(HERE, "vite-app"), join(dir, "app"), { recursive: true });
  cpSync(join(HERE, "fixtures"), join(dir, "fixtures"), { recursive: true });
  return dir;
}

async function devServer(t, root, optimizeDeps) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: "silent",
    optimizeDeps,
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  t.after(() => server.close());
  return server.resolvedUrls.local[0].replace(/\/$/, "");
}

test("Vite dev server, installed package, optimizeDeps.exclude", async (t) => {
  const dir = await scratchProject(t);
  const sim = await startSim();
  t.after(() => sim.close());
  const browser = await launch("chromium");
  t.after(() => browser.close());

  const url = await devServer(t, join(dir, "app"), { exclude: ["vendor-auth"] });
  assertChecks(await resultFromPage(browser, `${url}/?sim=${encodeURIComponent(sim.url)}`));

  // Without the exclusion, pre-bundling breaks the wasm URL.
  const broken = await devServer(t, join(dir, "app"), { force: true });
  await assert.rejects(
    resultFromPage(browser, `${broken}/?sim=${encodeURIComponent(sim.url)}`, 3_000),
    "pre-bundled by Vite, the package cannot find its .wasm",
  );
});
