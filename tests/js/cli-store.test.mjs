// The command line's file store on its own: the atomic add / deleteIf of the
// store protocol across real processes, expiry, and what a reader does with
// files that are half written or left behind by a crash.
import test, { after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fileName, fileStore, privateDirectory } from "../../pkg/cli/file-store.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const STORE = pathToFileURL(join(ROOT, "pkg/cli/file-store.js")).href;

const scratches = [];
after(() => scratches.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratch() {
  mkdirSync(join(ROOT, "target"), { recursive: true });
  scratches.push(mkdtempSync(join(ROOT, "target", "cli-store-")));
  return join(scratches.at(-1), "cache");
}

/** Runs `add` in `n` separate Node processes released at the same moment. */
async function addInProcesses(dir, key, n) {
  const startAt = Date.now() + 1500;
  const script = `
    import { fileStore } from ${JSON.stringify(STORE)};
    const store = fileStore(process.argv[1]);
    await new Promise((r) => setTimeout(r, ${startAt} - Date.now()));
    process.stdout.write(String(await store.add(${JSON.stringify(key)}, "owner-" + process.pid, { expirationTtl: 30 })));
  `;
  const runs = Array.from({ length: n }, () =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, dir], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`exit ${code}`))));
    }),
  );
  return Promise.all(runs);
}

test("add across 12 processes at once: exactly one wins", async () => {
  const dir = scratch();
  await privateDirectory(dir);
  const results = await addInProcesses(dir, "vendor-auth:v1:emnify:x:lease", 12);
  assert.equal(results.filter((r) => r === "true").length, 1, results.join(","));
  assert.equal(results.filter((r) => r === "false").length, 11);
});

test("get/put/delete; add refuses a live key and takes an expired one; deleteIf compares", async () => {
  const dir = scratch();
  await privateDirectory(dir);
  const store = fileStore(dir);
  assert.equal(await store.get("k"), null);
  await store.put("k", "v1");
  assert.equal(await store.get("k"), "v1");
  assert.equal(statSync(join(dir, fileName("k"))).mode & 0o777, 0o600);
  await store.delete("k");
  assert.equal(await store.get("k"), null);
  await store.delete("k"); // absent: no error

  assert.equal(await store.add("lock", "a", { expirationTtl: 60 }), true);
  assert.equal(await store.add("lock", "b", { expirationTtl: 60 }), false);
  assert.equal(await store.get("lock"), "a");
  assert.equal(await store.deleteIf("lock", "b"), false, "not b's");
  assert.equal(await store.get("lock"), "a");
  assert.equal(await store.deleteIf("lock", "a"), true);
  assert.equal(await store.deleteIf("lock", "a"), false, "already gone");

  assert.equal(await store.add("short", "a", { expirationTtl: 0.05 }), true);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(await store.get("short"), null, "expired reads as absent");
  assert.equal(await store.add("short", "b", { expirationTtl: 60 }), true, "an expired holder is replaced");
  assert.equal(await store.get("short"), "b");
  assert.equal(await store.deleteIf("short", "a"), false, "the late first owner frees nothing");
  assert.equal(await store.get("short"), "b");

  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".tmp-") || f.endsWith(".rm")), [], "no temp files or mutexes left");
});

test("a half-written lock is held while young and replaced once old; a crashed mutex is cleared", async () => {
  const dir = scratch();
  await privateDirectory(dir);
  const store = fileStore(dir);
  const path = join(dir, fileName("lock"));
  writeFileSync(path, "", { mode: 0o600 }); // created, text not yet written
  assert.equal(await store.add("lock", "a"), false, "its creator may still be writing");
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(path, old, old);
  assert.equal(await store.add("lock", "a"), true, "an old unreadable lock is stale");
  assert.equal(await store.get("lock"), "a");

  writeFileSync(`${path}.rm`, "crashed-owner", { mode: 0o600 });
  utimesSync(`${path}.rm`, old, old);
  assert.equal(await store.deleteIf("lock", "a"), true, "a mutex left by a crash does not block");
});

test("the cache directory is created 0700 and tightened when too open", async () => {
  const dir = scratch();
  await privateDirectory(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const open = scratch();
  mkdirSync(open, { recursive: true, mode: 0o777 });
  await privateDirectory(open);
  assert.equal(statSync(open).mode & 0o777, 0o700);
});
