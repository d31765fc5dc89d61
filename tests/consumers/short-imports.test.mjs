// scripts/short-imports.mjs: the glue's imports renamed to short names in
// the wasm and the glue alike. Checked on a small module with every kind of
// import (assembled with binaryen's wasm-as), on glue it must refuse, and on
// the published build.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers.mjs";
import { renameImports, shortenImports } from "../../scripts/short-imports.mjs";

const GLUE = "./vendor_auth_bg.js";
const WAT = `(module
  (import "${GLUE}" "__wbg_add_0123456789abcdef" (func $add (param i32 i32) (result i32)))
  (import "other" "__wbg_keep_0123456789abcdef" (func $keep (result i32)))
  (import "${GLUE}" "mem" (memory 1 2))
  (import "${GLUE}" "table" (table 1 10 funcref))
  (import "${GLUE}" "g" (global $g i32))
  (import "${GLUE}" "__wbg_double_fedcba9876543210" (func $double (param i32) (result i32)))
  (func (export "run") (result i32)
    (call $add (call $double (global.get $g)) (call $keep))))`;

/** A wasm assembled from WAT (scratch files in a temporary directory). */
function assemble(dir, wat) {
  writeFileSync(join(dir, "m.wat"), wat);
  execFileSync(join(ROOT, "node_modules", ".bin", "wasm-as"), [join(dir, "m.wat"), "-o", join(dir, "m.wasm")]);
  return readFileSync(join(dir, "m.wasm"));
}

const scratch = (t) => {
  const dir = mkdtempSync(join(tmpdir(), "short-imports-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test("renames only the glue module's function imports, and the module still links and runs", (t) => {
  const original = assemble(scratch(t), WAT);
  let next = 0;
  const { wasm, renames } = renameImports(original, GLUE, () => `$${next++}`);
  assert.deepEqual(renames, [
    ["__wbg_add_0123456789abcdef", "$0"],
    ["__wbg_double_fedcba9876543210", "$1"],
  ]);
  const module = new WebAssembly.Module(wasm);
  // wasm-as writes memories, tables and globals before functions: compared
  // as sorted lists.
  const sorted = (list) => list.map((i) => i.join(" ")).sort();
  assert.deepEqual(
    sorted(WebAssembly.Module.imports(module).map(({ module, name, kind }) => [module, name, kind])),
    sorted([
      [GLUE, "$0", "function"],
      ["other", "__wbg_keep_0123456789abcdef", "function"],
      [GLUE, "mem", "memory"],
      [GLUE, "table", "table"],
      [GLUE, "g", "global"],
      [GLUE, "$1", "function"],
    ]),
  );
  const instance = new WebAssembly.Instance(module, {
    [GLUE]: {
      $0: (a, b) => a + b,
      $1: (a) => a * 2,
      mem: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
      table: new WebAssembly.Table({ initial: 1, maximum: 10, element: "anyfunc" }),
      g: 20,
    },
    other: { __wbg_keep_0123456789abcdef: () => 2 },
  });
  assert.equal(instance.exports.run(), 42);
  // Everything after the import section is carried over byte for byte.
  assert.deepEqual(WebAssembly.Module.exports(module), WebAssembly.Module.exports(new WebAssembly.Module(original)));
});

test("refuses glue that does not name each import exactly once as a key, and writes nothing", (t) => {
  const dir = scratch(t);
  const wasm = assemble(dir, WAT);
  const glue = (extra) =>
    `const imports = {\n  __wbg_add_0123456789abcdef: function(a, b) { return a + b; },\n  __wbg_double_fedcba9876543210: function(a) { return a * 2; },\n};\n${extra}`;
  for (const [why, text] of [
    ["named twice", glue("// __wbg_add_0123456789abcdef again")],
    ["missing", glue("").replace("__wbg_double_fedcba9876543210", "__wbg_triple_fedcba9876543210")],
    ["a short name already taken", glue("const $1 = 1;")],
  ]) {
    writeFileSync(join(dir, "vendor_auth_bg.wasm"), wasm);
    writeFileSync(join(dir, "vendor_auth.js"), text);
    assert.throws(() => shortenImports(dir), /short-imports: .* expected once/, why);
    assert.deepEqual(readFileSync(join(dir, "vendor_auth_bg.wasm")), wasm, why);
    assert.equal(readFileSync(join(dir, "vendor_auth.js"), "utf8"), text, why);
  }
  writeFileSync(join(dir, "vendor_auth.js"), glue(""));
  assert.equal(shortenImports(dir), 2);
  assert.match(readFileSync(join(dir, "vendor_auth.js"), "utf8"), /\$0: function\(a, b\)[^]*\$1: function\(a\)/);
});

test("the published wasms import from their glue by short names only", () => {
  for (const dir of ["", "emnify", "zumrails"]) {
    const dist = join(ROOT, "pkg", "dist", dir);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(join(dist, "vendor_auth_bg.wasm"))));
    const fromGlue = imports.filter((i) => i.module === GLUE);
    assert.ok(fromGlue.length > 20, `${dir || "main"}: ${fromGlue.length} imports from the glue`);
    for (const { name } of fromGlue) assert.match(name, /^\$[0-9a-z]+$/, `${dir || "main"}: ${name}`);
    assert.doesNotMatch(readFileSync(join(dist, "vendor_auth.js"), "utf8"), /__wbg_\w+_[0-9a-f]{16}\b/);
  }
});
