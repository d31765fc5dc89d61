// The consumer tests import pkg/ through a link, which would hide a file
// missing from package.json "files". This checks what `npm pack` would
// publish: every file the entry points reach by a relative import, a
// `new URL("./…", import.meta.url)` or a types reference is in the tarball,
// and nothing hand-written for development is.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./helpers.mjs";

const run = promisify(execFile);
const PKG = join(ROOT, "pkg");

function reachable(entries) {
  const seen = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(PKG, file), "utf8");
    const specs = [
      ...text.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g),
      ...text.matchAll(/new URL\(\s*["'](\.{0,2}\/?[^"':]+)["']\s*,\s*import\.meta\.url/g),
    ].map((m) => m[1]);
    for (const spec of specs) {
      let target = normalize(join(dirname(file), spec));
      if (file.endsWith(".d.ts") && target.endsWith(".js")) target = target.replace(/\.js$/, ".d.ts");
      if (!existsSync(join(PKG, target))) {
        assert.fail(`${file} refers to ${spec}, which does not exist (run make build?)`);
      }
      queue.push(relative(PKG, join(PKG, target)));
    }
  }
  return seen;
}

test("npm pack ships every file the entry points need", async () => {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: PKG });
  const packed = new Set(JSON.parse(stdout)[0].files.map((f) => f.path));
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  // Every file any condition of any subpath points at.
  const leaves = (node) => (typeof node === "string" ? [node] : Object.values(node).flatMap(leaves));
  const exported = [...new Set(leaves(manifest.exports))];
  const needed = reachable(exported.map((p) => normalize(p)));
  const missing = [...needed].filter((f) => !packed.has(f));
  assert.deepEqual(missing, [], `files reached from the exports but not packed: ${missing.join(", ")}`);
  for (const f of packed) {
    assert.ok(!/(^|\/)(\.dist\.tmp|node_modules)\//.test(f), `does not pack ${f}`);
    assert.ok(!f.endsWith("_bg.wasm.d.ts"), `does not pack wasm-bindgen's internal ${f}`);
  }
});
