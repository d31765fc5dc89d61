// The packed tarball as npm would publish it (`npm pack`): publint --strict
// and @arethetypeswrong/cli are clean, the licence files, the full user
// README, the changelog and the npm page's links are in it, and `engines`
// states what `require()` needs.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { packTarball } from "./tarball.mjs";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

async function unpacked(t) {
  const dir = mkdtempSync(join(tmpdir(), "vendor-auth-tgz-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await run("tar", ["xzf", await packTarball(), "-C", dir]);
  return join(dir, "package");
}

test("publint --strict on the tarball: no message at any level", async () => {
  const tarball = readFileSync(await packTarball());
  const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer }, strict: true, level: "suggestion" });
  const text = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  assert.deepEqual(text, []);
});

test("attw on the tarball: every entry resolves with types in node10, node16 and bundler", async () => {
  const attw = join(require.resolve("@arethetypeswrong/cli/package.json"), "../dist/index.js");
  // ESM-only by design: require() of it needs Node >= 20.19 (engines), which
  // attw's node16-from-CJS mode reports as "CJS resolves to ESM".
  try {
    await run(process.execPath, [attw, await packTarball(), "--ignore-rules", "cjs-resolves-to-esm", "--format", "ascii"]);
  } catch (e) {
    assert.fail(`attw reported problems:\n${e.stdout}${e.stderr}`);
  }
});

test("the licence files are in the tarball and match the licence field", async (t) => {
  const dir = await unpacked(t);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.equal(manifest.license, "MIT OR Apache-2.0");
  assert.match(readFileSync(join(dir, "LICENSE-MIT"), "utf8"), /^MIT License|Permission is hereby granted, free of charge/m);
  assert.match(readFileSync(join(dir, "LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0, January 2004/);
});

test("the npm page: the full user README, absolute links, repository, homepage, bugs, provenance, changelog", async (t) => {
  const dir = await unpacked(t);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.match(manifest.repository?.url ?? "", /^git\+https:\/\/github\.com\/.+\.git$/);
  assert.equal(manifest.repository.directory, "pkg");
  assert.match(manifest.homepage ?? "", /^https:\/\//);
  assert.match(manifest.bugs?.url ?? "", /^https:\/\/.+\/issues$/);
  assert.equal(manifest.publishConfig?.provenance, true);

  const readme = readFileSync(join(dir, "README.md"), "utf8");
  for (const heading of ["## Quick start", "## Vendors", "## Options", "## What the library guarantees", "## Errors", "## Bundlers", "## Content-Security-Policy"]) {
    assert.ok(readme.includes(`\n${heading}`), `README has "${heading}"`);
  }
  for (const heading of ["## The two commands", "## Tests", "## Layout"]) {
    assert.ok(!readme.includes(`\n${heading}\n`), `the npm README leaves out the contributors' "${heading}"`);
  }
  const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?:|#|mailto:)/.test(l));
  assert.deepEqual(relative, [], "links on the npm page are absolute");

  const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
  assert.match(changelog, /Keep a Changelog/);
  assert.match(changelog, /^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$/m);
  assert.match(changelog, new RegExp(`^## \\[${manifest.version.replace(/\./g, "\\.")}\\]`, "m"), "the changelog has the package's version");
});

test("engines: require() of the package needs Node 20.19 (require of ESM)", async (t) => {
  const dir = await unpacked(t);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.equal(manifest.engines.node, ">=20.19");
});
