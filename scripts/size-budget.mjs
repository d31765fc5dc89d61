#!/usr/bin/env node
// The size budget of the npm package, checked by `make test` after the build:
// gzips (zlib level 9, what make bench measures too) pkg/dist/vendor_auth_bg.wasm,
// pkg/dist/vendor_auth.js and each one-vendor wasm (pkg/dist/<vendor>/) and
// compares them with size-budget.json. Prints
// today's figures and the headroom; exits 1 when a file is over its budget,
// 2 when the build output or the budget file is missing or malformed.
//
//   node scripts/size-budget.mjs [--budget FILE]
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { VENDORS } from "./vendors.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const BUDGET = args.includes("--budget") ? resolve(args[args.indexOf("--budget") + 1]) : join(ROOT, "size-budget.json");

const CHECKS = [
  { key: "wasmGzipBytes", file: "pkg/dist/vendor_auth_bg.wasm", what: "the wasm" },
  { key: "glueGzipBytes", file: "pkg/dist/vendor_auth.js", what: "the JS glue" },
  // The one-vendor entries ("vendor-auth/<vendor>"): one budget for each.
  ...VENDORS.map((vendor) => ({
    key: "vendorWasmGzipBytes",
    file: `pkg/dist/${vendor}/vendor_auth_bg.wasm`,
    what: `the ${vendor} entry's wasm`,
  })),
];

const int = (n) => n.toLocaleString("en-US");
const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)} %`;
function die(message) {
  console.error(`size budget: ${message}`);
  process.exit(2);
}

if (!existsSync(BUDGET)) die(`${relative(ROOT, BUDGET)} is missing`);
let budget;
try {
  budget = JSON.parse(readFileSync(BUDGET, "utf8"));
} catch (error) {
  die(`${relative(ROOT, BUDGET)} is not JSON: ${error.message}`);
}

const over = [];
console.log(`size budget (${relative(ROOT, BUDGET)}), gzip -9:`);
for (const { key, file, what } of CHECKS) {
  const limit = budget[key];
  if (!Number.isInteger(limit) || limit <= 0) die(`${relative(ROOT, BUDGET)}: "${key}" must be a positive integer (bytes)`);
  const path = join(ROOT, file);
  if (!existsSync(path)) die(`${file} is missing: run \`make build\` first`);
  const size = gzipSync(readFileSync(path), { level: 9 }).length;
  const headroom = limit - size;
  const verdict = headroom >= 0 ? `headroom ${int(headroom)} bytes (${pct(headroom, limit)})` : `OVER by ${int(-headroom)} bytes (${pct(-headroom, limit)})`;
  console.log(`  ${file.padEnd(30)} ${int(size).padStart(9)} bytes   budget ${int(limit).padStart(9)} (${key})   ${verdict}`);
  if (headroom < 0) over.push({ key, file, what, size, limit });
}

if (over.length === 0) {
  console.log("size budget: ok");
  process.exit(0);
}
for (const { key, file, what, size, limit } of over) {
  console.error(
    `size budget: ${what} (${file}) is ${int(size)} bytes gzipped, ${int(size - limit)} bytes (${pct(size - limit, limit)}) over its budget of ${int(limit)} (${key}).`,
  );
}
console.error(
  [
    "Where to look: `make bench` lists what the wasm is made of (sections, code by crate, vendor_auth by module,",
    "the largest functions) in bench/results.md; compare it with the committed one to see what grew.",
    "`twiggy top` on a names-keeping build (wasm-bindgen --keep-debug, then wasm-opt -Oz -g) shows the same per function.",
    "Culprits seen so far: str::parse::<f64> (18 kB: use json::parse_decimal), str::find/replace with a &str needle or",
    "unchecked str slicing (their panics link Unicode tables: use core::text and .get()), {:?} and float formatting,",
    "HashMap/BTreeMap (hashbrown, SipHash, rebalancing), and any new crate (serde_json was 35 kB, base64 10 kB).",
    "If the growth is intended, raise the figure in size-budget.json in the same commit and say why.",
  ].join("\n"),
);
process.exit(1);
