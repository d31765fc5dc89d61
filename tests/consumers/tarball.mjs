// The consumer tests install the package the way users get it: `npm pack`
// of pkg/, installed (not linked) into a consumer directory under
// target/consumers/. A consumer's own dependencies come from its committed
// lockfile (`npm ci --prefer-offline`, cached under target/ by the lockfile's
// hash, so a second run installs nothing); tools shared with the root dev
// dependencies (vite, webpack, typescript…) resolve from the root
// node_modules, since target/ is inside the repository.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./helpers.mjs";

const run = promisify(execFile);
export const CONSUMERS = join(ROOT, "target", "consumers");
const NPM_FLAGS = ["--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"];

let packed;

/** `npm pack` of pkg/ (once per process): the tarball's path. */
export function packTarball() {
  packed ??= (async () => {
    const dir = join(CONSUMERS, `pack-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir, "--loglevel=error"], {
      cwd: join(ROOT, "pkg"),
    });
    const [{ filename }] = JSON.parse(stdout);
    const bytes = readFileSync(join(dir, filename));
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    const target = join(CONSUMERS, `vendor-auth-${hash}.tgz`);
    if (!existsSync(target)) renameSync(join(dir, filename), target);
    rmSync(dir, { recursive: true, force: true });
    return target;
  })();
  return packed;
}

async function npm(args, cwd, timeout = 600_000) {
  try {
    return await run("npm", [...args, ...NPM_FLAGS], { cwd, timeout, maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`npm ${args.join(" ")} in ${cwd} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: e });
  }
}

/**
 * A consumer directory target/consumers/<name> with the packed tarball
 * installed in its node_modules. `fixture` (optional) is a directory with a
 * package.json and package-lock.json of the consumer's own dependencies;
 * `files` are copied in (a directory's content, or { relPath: text });
 * `scripts: true` lets the fixture's install scripts run (Bun's and Deno's
 * npm packages link their platform binary in a postinstall).
 * Returns the directory.
 */
export async function consumer(name, { fixture, files, scripts = false } = {}) {
  const dir = join(CONSUMERS, name);
  mkdirSync(dir, { recursive: true });
  const tarball = await packTarball();
  let manifest = { name: `consumer-${name}`, private: true, type: "module" };
  if (fixture) {
    const lock = readFileSync(join(fixture, "package-lock.json"));
    const pkgJson = readFileSync(join(fixture, "package.json"));
    const key = createHash("sha256").update(pkgJson).update(lock).digest("hex");
    const stamp = join(dir, "node_modules", ".consumer-stamp");
    if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== key) {
      writeFileSync(join(dir, "package.json"), pkgJson);
      writeFileSync(join(dir, "package-lock.json"), lock);
      await npm(["ci", ...(scripts ? [] : ["--ignore-scripts"])], dir);
      writeFileSync(stamp, key);
    }
    manifest = JSON.parse(pkgJson);
  }
  // The tarball, installed by npm without touching the lockfile or the
  // consumer's other packages (vendor-auth has no dependencies).
  const installed = join(dir, "node_modules", ".vendor-auth-tarball");
  if (!existsSync(installed) || readFileSync(installed, "utf8") !== tarball) {
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    rmSync(join(dir, "node_modules", "vendor-auth"), { recursive: true, force: true });
    const scratch = join(CONSUMERS, `.install-${name}`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, "package.json"), '{"private":true}');
    await npm(["install", "--no-save", "--ignore-scripts", "--offline", tarball], scratch);
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    renameSync(join(scratch, "node_modules", "vendor-auth"), join(dir, "node_modules", "vendor-auth"));
    rmSync(scratch, { recursive: true, force: true });
    writeFileSync(installed, tarball);
  }
  if (typeof files === "string") cpSync(files, dir, { recursive: true });
  else for (const [rel, text] of Object.entries(files ?? {})) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
