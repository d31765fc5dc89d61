#!/usr/bin/env node
// Renames the wasm's imports from the JS glue to short names, in the wasm's
// import section and in the glue's import object alike.
//
// wasm-bindgen names each import after the JS it calls plus a 16-digit hash
// (`__wbg_getOwnPropertyDescriptor_bde8c48ab22edbff`). The hashes are random
// text, so neither deflate nor brotli can shrink them, and each name is
// shipped twice: in the wasm and in the glue. Short names (`$0`, `$1` …)
// took about 1 kB of zlib off the wasm and 0.8 kB off the glue (session 8).
//
//   node scripts/short-imports.mjs DIR [MODULE]
//
// DIR holds vendor_auth_bg.wasm and vendor_auth.js (wasm-bindgen --target
// web); MODULE is the import module the glue provides ("./vendor_auth_bg.js"
// by default). Each renamed import must appear exactly once in the glue, as
// a key of its import object: otherwise nothing is written and the script
// exits 1, so a wasm-bindgen that lays out its glue differently fails the
// build instead of shipping a wasm that cannot be instantiated.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
export function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length || shift > 28) throw new Error("short-imports: a malformed LEB128 number");
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

export function writeU32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encode = (text) => new TextEncoder().encode(text);

/** Skips an import's description (what follows its two names): the offset after it. */
export function skipDescription(bytes, at) {
  const kind = bytes[at++];
  const limits = (i) => {
    const flags = bytes[i++];
    [, i] = readU32(bytes, i);
    if (flags & 1) [, i] = readU32(bytes, i);
    return i;
  };
  switch (kind) {
    case 0: // function: its type index
      return readU32(bytes, at)[1];
    case 1: // table: a reference type, then limits
      return limits(at + 1);
    case 2: // memory: limits
      return limits(at);
    case 3: // global: a value type and mutability
      return at + 2;
    case 4: // tag: an attribute and a type index
      return readU32(bytes, at + 1)[1];
    default:
      throw new Error(`short-imports: an import of unknown kind ${kind}`);
  }
}

/**
 * The wasm with every function import from `module` renamed by `rename`
 * (old name → new name), and the renames made.
 */
export function renameImports(wasm, module, rename) {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new Error("short-imports: not a wasm module");
  }
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readU32(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      at = end;
      continue;
    }
    const renames = [];
    const body = [];
    let [count, i] = readU32(wasm, start);
    body.push(...writeU32(count));
    while (count-- > 0) {
      const names = [];
      for (let n = 0; n < 2; n++) {
        const [length, from] = readU32(wasm, i);
        names.push(utf8.decode(wasm.subarray(from, from + length)));
        i = from + length;
      }
      const descEnd = skipDescription(wasm, i);
      let [mod, field] = names;
      if (mod === module && wasm[i] === 0) {
        const short = rename(field);
        renames.push([field, short]);
        field = short;
      }
      for (const name of [mod, field]) {
        const bytes = encode(name);
        body.push(...writeU32(bytes.length), ...bytes);
      }
      body.push(...wasm.subarray(i, descEnd));
      i = descEnd;
    }
    if (i !== end) throw new Error("short-imports: the import section did not parse to its end");
    const section = [2, ...writeU32(body.length), ...body];
    const out = new Uint8Array(at + section.length + (wasm.length - end));
    out.set(wasm.subarray(0, at));
    out.set(section, at);
    out.set(wasm.subarray(end), at + section.length);
    return { wasm: out, renames };
  }
  return { wasm, renames: [] };
}

/** `$0`, `$1` … `$9`, `$a` …: short, valid JS identifiers, and unlike any word of the glue. */
export const shortName = (index) => `$${index.toString(36)}`;

/** Renames the imports of DIR's wasm and glue; returns how many. */
export function shortenImports(dir, module = "./vendor_auth_bg.js") {
  const wasmPath = join(dir, "vendor_auth_bg.wasm");
  const gluePath = join(dir, "vendor_auth.js");
  let glue = readFileSync(gluePath, "utf8");
  let next = 0;
  const { wasm, renames } = renameImports(readFileSync(wasmPath), module, () => shortName(next++));
  for (const [long, short] of renames) {
    // The glue's import object has each import as a key: `long: function`.
    const key = new RegExp(`(?<![\\w$])${long.replace(/[$]/g, "\\$")}(?=: function)`, "g");
    const found = glue.match(key)?.length ?? 0;
    const anywhere = glue.split(long).length - 1;
    if (found !== 1 || anywhere !== 1 || glue.includes(short)) {
      throw new Error(`short-imports: ${gluePath} names the import ${long} ${anywhere} times (${found} as a key); expected once`);
    }
    glue = glue.replace(key, () => short);
  }
  writeFileSync(wasmPath, wasm);
  writeFileSync(gluePath, glue);
  return renames.length;
}

// Run, not imported (the tests and scripts/bench.mjs import it; `node -e`
// has no argv[1]). `pathToFileURL`, not `file://` + the path: a checkout
// path with a space or `%` would not match, and the build would go on with
// the long names.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir, module] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node scripts/short-imports.mjs DIR [MODULE]");
    process.exit(2);
  }
  try {
    shortenImports(dir, module);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
