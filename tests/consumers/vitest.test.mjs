// Vitest with the jsdom and happy-dom environments, as a dashboard's unit
// tests run: vitest-app/login.spec.js logs in against the vendor simulator
// with the package installed from the packed tarball. Under these
// environments the fetch body's chunks are Uint8Arrays of another realm.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { HERE, startSim } from "./helpers.mjs";
import { consumer } from "./tarball.mjs";

const run = promisify(execFile);
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

for (const [environment, userAgent] of [["jsdom", "jsdom"], ["happy-dom", "HappyDOM"]]) {
  test(`Vitest (${environment}): logins work and fail as AuthError`, async (t) => {
    const dir = await consumer(`vitest-${environment}`, { files: join(HERE, "vitest-app") });
    const sim = await startSim();
    t.after(() => sim.close());
    try {
      await run(process.execPath, [VITEST, "run", "--environment", environment, "--reporter", "verbose", "--no-color"], {
        cwd: dir,
        env: { ...process.env, VENDOR_AUTH_SIM_URL: sim.url, EXPECT_ENVIRONMENT: userAgent, CI: "1" },
        timeout: 120_000,
      });
    } catch (e) {
      assert.fail(`vitest --environment ${environment} failed:\n${e.stdout}${e.stderr}`);
    }
  });
}
