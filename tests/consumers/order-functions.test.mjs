// scripts/order-functions.mjs: the function bodies reordered by likeness,
// every function index renumbered. Checked on a small module that refers to
// its functions in every way a module can (assembled with binaryen's
// wasm-as), on instructions it must refuse, and on the published build.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers.mjs";
import { functionBodies as bodies, likenessOrder, orderFunctions } from "../../scripts/order-functions.mjs";

// Calls, call_indirect through an active and a passive element segment (one
// by index, one by expression), ref.func in a global, a start function,
// exports, and instructions with every kind of immediate around them.
const WAT = `(module
  (type $unary (func (param i32) (result i32)))
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (memory 1)
  (table $t 4 funcref)
  (global $started (mut i32) (i32.const 0))
  (global $ref funcref (ref.func $triple))
  (elem (i32.const 0) $double $triple)
  (elem $later funcref (ref.func $square) (ref.null func))
  (start $init)
  (func $init (global.set $started (i32.const 7)))
  (func $double (type $unary) (call $add (local.get 0) (local.get 0)))
  (func $triple (type $unary) (i32.mul (local.get 0) (i32.const 3)))
  (func $square (type $unary) (i32.mul (local.get 0) (local.get 0)))
  (func $inner (unreachable))
  (func (export "boom") (call $inner))
  (func (export "started") (result i32) (global.get $started))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $unary) (local.get 1) (local.get 0)))
  (func (export "passive") (param i32) (result i32)
    (table.init $t $later (i32.const 2) (i32.const 0) (i32.const 1))
    (call_indirect (type $unary) (local.get 0) (i32.const 2)))
  (func (export "mixed") (param i32) (result i64)
    (local $x i64) (local $f f64)
    (memory.fill (i32.const 0) (i32.const 9) (i32.const 4))
    (memory.copy (i32.const 8) (i32.const 0) (i32.const 4))
    (local.set $f (f64.add (f64.const 0.5) (f64.promote_f32 (f32.const 1.5))))
    (local.set $x (i64.add (i64.const -5000000000) (i64.trunc_sat_f64_s (local.get $f))))
    (block $out
      (block $one
        (block $zero (br_table $zero $one $out (local.get 0)))
        (local.set $x (i64.add (local.get $x) (i64.load8_u offset=8 (i32.const 0))))
        (br $out))
      (local.set $x (select (result i64) (i64.const 1) (local.get $x) (i32.const 1))))
    (if (result i64) (i32.eqz (local.get 0))
      (then (i64.add (local.get $x) (i64.extend_i32_s (call $double (i32.const 21)))))
      (else (local.get $x))))
  (func (export "viaGlobal") (param i32) (result i32)
    (table.set $t (i32.const 3) (global.get $ref))
    (call_indirect (type $unary) (local.get 0) (i32.const 3))))`;

/** A wasm assembled from WAT (scratch files in a temporary directory), with its name section. */
function assemble(dir, wat, ...features) {
  writeFileSync(join(dir, "m.wat"), wat);
  // The features the build enables (scripts/build.sh), and no more: with GC
  // on, wasm-as writes reference types that Node 20 does not read.
  const enable = ["bulk-memory", "reference-types", "nontrapping-float-to-int", "sign-ext", "multivalue", ...features];
  execFileSync(join(ROOT, "node_modules", ".bin", "wasm-as"), [
    ...enable.map((f) => `--enable-${f}`),
    "-g",
    join(dir, "m.wat"),
    "-o",
    join(dir, "m.wasm"),
  ]);
  return readFileSync(join(dir, "m.wasm"));
}

const scratch = (t) => {
  const dir = mkdtempSync(join(tmpdir(), "order-functions-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** What each export of the module gives. */
function behaviour(wasm) {
  const { exports: e } = new WebAssembly.Instance(new WebAssembly.Module(wasm), { host: { add: (a, b) => a + b } });
  let trace;
  try {
    e.boom();
  } catch (error) {
    // The name of the function that trapped, from the name section.
    trace = /^\s*at (\S+) \(wasm:/m.exec(error.stack)?.[1];
  }
  return {
    started: e.started(),
    indirect: [e.indirect(0, 5), e.indirect(1, 5)],
    passive: e.passive(6),
    viaGlobal: e.viaGlobal(4),
    mixed: [e.mixed(0), e.mixed(1), e.mixed(2)],
    trace,
  };
}

test("a reordered module behaves as before, its functions and names renumbered", (t) => {
  const original = assemble(scratch(t), WAT);
  const before = behaviour(original);
  assert.deepEqual({ ...before, trace: undefined }, {
    started: 7,
    indirect: [10, 15],
    passive: 36,
    viaGlobal: 12,
    mixed: [-4999999998n + 9n + 42n, 1n, -4999999998n],
    trace: undefined,
  });
  // The trap's stack names the function from the name section.
  assert.equal(before.trace, "inner");

  // Reversed, so that every index moves.
  const reverse = (list) => [...list.keys()].reverse();
  const reordered = orderFunctions(original, reverse);
  assert.deepEqual(bodies(reordered).length, bodies(original).length);
  assert.notDeepEqual(bodies(reordered), bodies(original));
  // The first body now is what was the last one ("viaGlobal", which has no call to renumber).
  assert.deepEqual(bodies(reordered)[0], bodies(original).at(-1));
  assert.deepEqual(behaviour(reordered), before);
  assert.deepEqual(WebAssembly.Module.exports(new WebAssembly.Module(reordered)), WebAssembly.Module.exports(new WebAssembly.Module(original)));

  // And the order it picks by itself.
  assert.deepEqual(behaviour(orderFunctions(original)), before);
});

test("likenessOrder puts each body next to its nearest likeness, starting from the first", () => {
  const text = (s) => new TextEncoder().encode(s);
  const order = likenessOrder([
    text("aaaaaaaaaa-first"),
    text("zzzzzzzzzzzzzzzzzzzz"),
    text("qqqqqqqqqqqqqqqqq"),
    text("aaaaaaaaaa-firsT"),
    text("zzzzzzzzzzzzzzzzzzzy"),
  ]);
  assert.deepEqual(order.slice(0, 2), [0, 3]);
  assert.equal(Math.abs(order.indexOf(1) - order.indexOf(4)), 1);
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
});

test("refuses an instruction it does not know, and the command writes nothing", (t) => {
  const dir = scratch(t);
  const wasm = assemble(dir, `(module (func (export "v") (drop (v128.const i32x4 1 2 3 4))) (func (export "w")))`, "simd");
  assert.throws(() => orderFunctions(wasm), /order-functions: an unknown instruction 0xfd/);
  writeFileSync(join(dir, "v.wasm"), wasm);
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", "order-functions.mjs"), join(dir, "v.wasm")], { encoding: "utf8" });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /unknown instruction/);
  assert.deepEqual(readFileSync(join(dir, "v.wasm")), wasm);
});

test("the published wasm is in likeness order", () => {
  // Ordered once, the bodies are nearly a fixed point of the order: most of
  // them are still followed by their nearest likeness (renumbered calls
  // change a few bytes). In wasm-opt's by-name order few are.
  const list = bodies(readFileSync(join(ROOT, "pkg", "dist", "vendor_auth_bg.wasm")));
  const order = likenessOrder(list);
  const inPlace = order.filter((f, i) => i > 0 && f === order[i - 1] + 1).length;
  assert.ok(inPlace > list.length * 0.5, `${inPlace} of ${list.length} bodies follow their likeness`);
});
