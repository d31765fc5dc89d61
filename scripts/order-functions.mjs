#!/usr/bin/env node
// Puts the wasm's function bodies in an order where each one follows the
// body it most resembles, so deflate and brotli find the repeats nearby.
//
// Compressors only match against what they have just seen (deflate: the last
// 32 kB). wasm-opt's --reorder-functions-by-name put a module's functions
// side by side, which saved 239 bytes of zlib (session 8); ordering by
// likeness of the bytes themselves saves about 1.5 kB more (session 10).
// Nothing an engine does depends on the order of the code section.
//
//   node scripts/order-functions.mjs FILE.wasm
//
// FILE is rewritten in place. Every function index in the module is
// renumbered to match: calls, `ref.func`, exports, the start function,
// element segments, global initialisers and the name section. An
// instruction or section the script does not know stops it with exit 1 and
// nothing written, so a toolchain that starts emitting one fails the build
// instead of shipping a module with stale indices.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { readU32, skipDescription, writeU32 } from "./short-imports.mjs";

const fail = (why) => {
  throw new Error(`order-functions: ${why}`);
};

/** The offset after a signed LEB128 number (i32, i64 or a block type). */
function skipSigned(bytes, at) {
  for (let n = 0; n < 10; n++) {
    if (at >= bytes.length) break;
    if ((bytes[at++] & 0x80) === 0) return at;
  }
  return fail("a malformed LEB128 number");
}

const skipU32 = (bytes, at) => readU32(bytes, at)[1];

/** Appends `bytes` to the array `out` (a spread would overflow the stack on long runs). */
function append(out, bytes) {
  for (const byte of bytes) out.push(byte);
}

/**
 * How many u32 immediates an opcode has, for those with only u32s: br,
 * br_if, the local, global and table accesses, memory.size/grow (one);
 * call_indirect (type, table) and the loads and stores (alignment, offset).
 */
const U32_IMMEDIATES = new Map([
  ...[0x0c, 0x0d, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40].map((op) => [op, 1]),
  [0x11, 2],
  ...Array.from({ length: 0x3e - 0x28 + 1 }, (_, i) => [0x28 + i, 2]),
]);

/**
 * The same for the 0xfc prefix: the saturating truncations (0–7) have none;
 * memory.init, memory.copy, table.init and table.copy two; data.drop,
 * memory.fill, elem.drop, table.grow/size/fill one.
 */
const FC_IMMEDIATES = new Map([
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((sub) => [sub, 0]),
  ...[8, 10, 12, 14].map((sub) => [sub, 2]),
  ...[9, 11, 13, 15, 16, 17].map((sub) => [sub, 1]),
]);

const skipU32s = (bytes, at, count) => {
  for (; count > 0; count--) at = skipU32(bytes, at);
  return at;
};

/**
 * Copies one expression (a function body's instructions, or an initialiser)
 * from `at` to its closing `end` into `out`, with every function index
 * passed through `renumber`. Returns the offset after the `end`.
 */
function copyExpression(bytes, at, out, renumber) {
  let depth = 0;
  let copied = at;
  const flush = (to) => append(out, bytes.subarray(copied, to));
  for (;;) {
    if (at >= bytes.length) fail("an expression runs past its section");
    const op = bytes[at++];
    if (op === 0x10 || op === 0xd2) {
      // call, ref.func: the function index is the one thing rewritten.
      flush(at);
      const [index, next] = readU32(bytes, at);
      out.push(...writeU32(renumber(index)));
      at = copied = next;
    } else if (op === 0x02 || op === 0x03 || op === 0x04) {
      depth++;
      at = skipSigned(bytes, at);
    } else if (op === 0x0b) {
      if (depth-- === 0) {
        flush(at);
        return at;
      }
    } else if (U32_IMMEDIATES.has(op)) {
      at = skipU32s(bytes, at, U32_IMMEDIATES.get(op));
    } else if (op === 0x0e) {
      const [count, next] = readU32(bytes, at);
      at = skipU32s(bytes, next, count + 1); // br_table's labels and its default
    } else if (op === 0x41 || op === 0x42) {
      at = skipSigned(bytes, at);
    } else if (op === 0x43) {
      at += 4;
    } else if (op === 0x44) {
      at += 8;
    } else if (op === 0x1c) {
      const [count, next] = readU32(bytes, at);
      at = next + count; // select's value types, one byte each
    } else if (op === 0xd0) {
      at += 1; // ref.null's reference type
    } else if (op === 0xfc) {
      const [sub, next] = readU32(bytes, at);
      if (!FC_IMMEDIATES.has(sub)) fail(`an unknown instruction 0xfc ${sub}`);
      at = skipU32s(bytes, next, FC_IMMEDIATES.get(sub));
    } else if (op === 0x00 || op === 0x01 || op === 0x05 || op === 0x0f || op === 0x1a || op === 0x1b) {
      // no immediates: unreachable, nop, else, return, drop, select
    } else if ((op >= 0x45 && op <= 0xc4) || op === 0xd1) {
      // numeric instructions and ref.is_null: no immediates
    } else {
      fail(`an unknown instruction 0x${op.toString(16)}`);
    }
  }
}

/** A function body (its size, locals and instructions) with its indices renumbered. */
function renumberBody(body, renumber) {
  const out = [];
  let [groups, at] = readU32(body, 0);
  for (; groups > 0; groups--) at = skipU32(body, at) + 1;
  append(out, body.subarray(0, at));
  if (copyExpression(body, at, out, renumber) !== body.length) fail("a function body does not end at its end");
  return [...writeU32(out.length), ...out];
}

/**
 * An order of `bodies` (a permutation of their indices) where each body
 * follows the not yet placed one with the most 5-byte sequences in common
 * (Jaccard similarity), starting from the first. Deterministic: ties go to
 * the lower index.
 */
export function likenessOrder(bodies) {
  const K = 5;
  const shingles = bodies.map((body) => {
    const set = new Set();
    const text = Buffer.from(body.buffer, body.byteOffset, body.length).toString("latin1");
    for (let i = 0; i + K <= text.length; i++) set.add(text.slice(i, i + K));
    return set;
  });
  const likeness = (a, b) => {
    const [small, large] = a.size < b.size ? [a, b] : [b, a];
    let common = 0;
    for (const s of small) if (large.has(s)) common++;
    const union = a.size + b.size - common;
    return union === 0 ? 0 : common / union;
  };
  const left = new Set(bodies.keys());
  const order = [];
  let current = 0;
  while (left.size > 0) {
    order.push(current);
    left.delete(current);
    let best = -1;
    let bestLikeness = -1;
    for (const candidate of left) {
      const l = likeness(shingles[current], shingles[candidate]);
      if (l > bestLikeness) [best, bestLikeness] = [candidate, l];
    }
    current = best;
  }
  return order;
}

/** The module's sections: [{ id, header (its first byte), start (of its contents), end }]. */
function sections(wasm) {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    fail("not a wasm module");
  }
  const out = [];
  for (let at = 8; at < wasm.length; ) {
    const [size, start] = readU32(wasm, at + 1);
    if (start + size > wasm.length) fail("a section runs past the module's end");
    out.push({ id: wasm[at], header: at, start, end: start + size });
    at = start + size;
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A vector's items as [start, end) ranges, each item's end found by `skip`. */
function items(bytes, at, skip) {
  let [count, next] = readU32(bytes, at);
  const out = [];
  for (; count > 0; count--) {
    const end = skip(next);
    out.push(bytes.subarray(next, end));
    next = end;
  }
  return [out, next];
}

/** The number of functions the module imports (they come before its own). */
function importedFunctions(wasm, section) {
  let [count, at] = readU32(wasm, section.start);
  let functions = 0;
  for (; count > 0; count--) {
    for (let n = 0; n < 2; n++) {
      const [length, next] = readU32(wasm, at);
      at = next + length;
    }
    if (wasm[at] === 0) functions++;
    at = skipDescription(wasm, at);
  }
  return functions;
}

/** The section's bytes (id, size, contents) for `contents`. */
function section(id, contents) {
  const size = writeU32(contents.length);
  const out = new Uint8Array(1 + size.length + contents.length);
  out[0] = id;
  out.set(size, 1);
  out.set(contents, 1 + size.length);
  return out;
}

/** An element segment with its function indices renumbered. */
function renumberElements(wasm, at, renumber, out) {
  const flags = wasm[at];
  out.push(flags);
  at++;
  if (flags > 7) fail(`an element segment of unknown kind ${flags}`);
  if (flags === 2 || flags === 6) {
    const end = skipU32(wasm, at);
    append(out, wasm.subarray(at, end));
    at = end;
  }
  if ((flags & 1) === 0) at = copyExpression(wasm, at, out, renumber); // the offset
  if (flags & 4) {
    if (flags & 3) out.push(wasm[at++]); // reference type
    let [count, next] = readU32(wasm, at);
    out.push(...writeU32(count));
    for (; count > 0; count--) next = copyExpression(wasm, next, out, renumber);
    return next;
  }
  if (flags & 3) out.push(wasm[at++]); // element kind
  let [count, next] = readU32(wasm, at);
  out.push(...writeU32(count));
  for (; count > 0; count--) {
    const [index, after] = readU32(wasm, next);
    out.push(...writeU32(renumber(index)));
    next = after;
  }
  return next;
}

/** The "name" section with its function and local names renumbered. */
function renumberNames(wasm, start, end, renumber) {
  const out = [];
  let at = start;
  const [nameLength, nameStart] = readU32(wasm, at);
  append(out, wasm.subarray(at, nameStart + nameLength));
  at = nameStart + nameLength;
  while (at < end) {
    const kind = wasm[at];
    const [size, from] = readU32(wasm, at + 1);
    const to = from + size;
    if (kind !== 1 && kind !== 2) {
      append(out, wasm.subarray(at, to));
      at = to;
      continue;
    }
    // A map from function index to a name (1) or to a map of locals (2).
    const skipName = (i) => {
      const [length, next] = readU32(wasm, i);
      return next + length;
    };
    const skipEntry = (i) => {
      i = skipU32(wasm, i);
      return kind === 1 ? skipName(i) : items(wasm, i, (j) => skipName(skipU32(wasm, j)))[1];
    };
    const [entries] = items(wasm, from, skipEntry);
    const renamed = entries
      .map((entry) => {
        const [index, rest] = readU32(entry, 0);
        return [renumber(index), entry.subarray(rest)];
      })
      .sort((a, b) => a[0] - b[0]);
    const body = [...writeU32(renamed.length)];
    for (const [index, rest] of renamed) body.push(...writeU32(index), ...rest);
    out.push(kind, ...writeU32(body.length), ...body);
    at = to;
  }
  return out;
}

/**
 * The module's function bodies (locals and instructions, without their size),
 * in code-section order.
 */
export function functionBodies(wasm, code = sections(wasm).find((s) => s.id === 10)) {
  if (!code) return [];
  return items(wasm, code.start, (i) => {
    const [size, next] = readU32(wasm, i);
    return next + size;
  })[0].map((body) => body.subarray(skipU32(body, 0)));
}

/** The module with its function bodies in `likenessOrder`, every index renumbered. */
export function orderFunctions(wasm, order = likenessOrder) {
  const all = sections(wasm);
  const find = (id) => all.find((s) => s.id === id);
  const imports = find(2) ? importedFunctions(wasm, find(2)) : 0;
  const code = find(10);
  const types = find(3);
  if (!code || !types) return wasm;
  const contents = functionBodies(wasm, code);
  const [typeIndices] = items(wasm, types.start, (i) => skipU32(wasm, i));
  if (contents.length !== typeIndices.length) fail("the function and code sections disagree");
  const permutation = order(contents);
  if (permutation.length !== contents.length || new Set(permutation).size !== contents.length) {
    fail("the order is not a permutation of the functions");
  }
  const place = new Array(contents.length);
  permutation.forEach((old, position) => (place[old] = position));
  const renumber = (index) => {
    if (index < imports) return index;
    const position = place[index - imports];
    if (position === undefined) fail(`a function index ${index} out of range`);
    return imports + position;
  };

  // Chunks, joined at the end: a code section is too long to spread into one array's push.
  const out = [wasm.subarray(0, 8)];
  for (const s of all) {
    if (s.id === 3) {
      const body = [...writeU32(permutation.length)];
      for (const old of permutation) body.push(...typeIndices[old]);
      out.push(section(3, body));
    } else if (s.id === 10) {
      const body = [...writeU32(permutation.length)];
      for (const old of permutation) append(body, renumberBody(contents[old], renumber));
      out.push(section(10, body));
    } else if (s.id === 7) {
      const [exports] = items(wasm, s.start, (i) => {
        const [length, next] = readU32(wasm, i);
        return skipU32(wasm, next + length + 1);
      });
      const body = [...writeU32(exports.length)];
      for (const e of exports) {
        const [length, next] = readU32(e, 0);
        const kind = e[next + length];
        const [index] = readU32(e, next + length + 1);
        body.push(...e.subarray(0, next + length + 1), ...writeU32(kind === 0 ? renumber(index) : index));
      }
      out.push(section(7, body));
    } else if (s.id === 8) {
      out.push(section(8, writeU32(renumber(readU32(wasm, s.start)[0]))));
    } else if (s.id === 9) {
      let [count, at] = readU32(wasm, s.start);
      const body = [...writeU32(count)];
      for (; count > 0; count--) at = renumberElements(wasm, at, renumber, body);
      out.push(section(9, body));
    } else if (s.id === 6) {
      let [count, at] = readU32(wasm, s.start);
      const body = [...writeU32(count)];
      for (; count > 0; count--) {
        body.push(wasm[at], wasm[at + 1]); // value type, mutability
        at = copyExpression(wasm, at + 2, body, renumber);
      }
      out.push(section(6, body));
    } else if (s.id === 0) {
      const [length, from] = readU32(wasm, s.start);
      const name = utf8.decode(wasm.subarray(from, from + length));
      if (name === "name") out.push(section(0, renumberNames(wasm, s.start, s.end, renumber)));
      else fail(`a custom section "${name}" that may hold function indices`);
    } else {
      out.push(wasm.subarray(s.header, s.end));
    }
  }
  return Buffer.concat(out);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node scripts/order-functions.mjs FILE.wasm");
    process.exit(2);
  }
  try {
    const wasm = readFileSync(file);
    const ordered = orderFunctions(wasm);
    if (!WebAssembly.validate(ordered)) fail("the reordered module does not validate");
    writeFileSync(file, ordered);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
