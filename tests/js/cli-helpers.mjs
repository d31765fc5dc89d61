// The command line as a user runs it: the package packed with `npm pack`,
// installed with npm into a directory under target/, and its `bin` started
// as child processes with a private HOME and cache per test.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

/** Packs pkg/ and installs the tarball: { bin, packageDir, work }. */
export async function installPackedCli() {
  mkdirSync(join(ROOT, "target"), { recursive: true });
  const work = mkdtempSync(join(ROOT, "target", "cli-test-"));
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: join(ROOT, "pkg"),
  });
  const tarball = join(work, JSON.parse(stdout)[0].filename);
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "cli-user", private: true }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: app });
  return {
    work,
    bin: join(app, "node_modules", ".bin", "vendor-auth"),
    packageDir: join(app, "node_modules", "vendor-auth"),
  };
}

/** A fresh home for one test: HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME. */
export function freshHome(work) {
  const home = mkdtempSync(join(work, "home-"));
  return {
    home,
    cache: join(home, ".cache", "vendor-auth"),
    env: { HOME: home, XDG_CACHE_HOME: join(home, ".cache"), XDG_CONFIG_HOME: join(home, ".config") },
  };
}

/**
 * Runs the bin with exactly `env` (plus PATH), stdin from `input`:
 * { code, stdout, stderr }.
 */
export function runCli(bin, args, { env = {}, input = "" } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolvePromise({
        code: signal ? `signal ${signal}` : code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.end(input);
  });
}

/** The files of the cache directory, without temp files. */
export const cacheFiles = (dir) => readdirSync(dir).filter((f) => !f.startsWith(".tmp-"));
