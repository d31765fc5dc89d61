#!/usr/bin/env node
// `make bench`: measures vendor-auth side by side with the JS token libraries
// people would pick instead, prints a table and writes it to bench/results.md.
//
//   node scripts/bench.mjs [--quick] [--out FILE] [--no-write]
//
//   --quick     fewer runs (a smoke test of the script, not figures to quote)
//   --out FILE  where to write the markdown (default bench/results.md)
//   --no-write  print only
//
// What it measures (each timing as median, min and max over repeated runs):
//   1. Package size: the wasm raw and gzip -9, the JS glue gzip -9, each entry
//      (browser, Node, Workers) bundled with esbuild --bundle --minify
//      --format=esm (the .wasm left external) then gzip -9; the same for
//      @auth0/auth0-spa-js, oidc-client-ts and oauth4webapi; and the top
//      contributors to the wasm's size, read from the name section of a
//      names-keeping build (wasm-bindgen --keep-debug, wasm-opt -Oz -g).
//   2. Cold start: in fresh `node` processes, importing the package and one
//      getToken served from a prefilled KV-shaped store; in workerd, a fresh
//      Miniflare per run and its first request, whose handler imports the
//      package and calls getToken on a KV namespace seeded with the entry.
//   3. Cached-token speed: getToken() calls per second on a warm cache versus
//      `await Promise.resolve(map.get(key))` in the same process and round.
//   4. Fetch overhead: 2,000 client.fetch calls to emnify's /api/v1/endpoint
//      versus 2,000 plain fetch calls with the header set by hand,
//      interleaved in blocks.
//   5. Logins per burst: 1,000 concurrent getToken on a cold cache, counted
//      at the vendor simulator.
//   6. Many processes: 8 Node child processes × 100 concurrent getToken on a
//      cold cache, sharing a real redis-server through vendor-auth/redis
//      (ioredis, node-redis), the same Redis as a plain KV store (no add), or
//      nothing (memory); logins counted at the simulator. And warm getToken
//      calls per second in one of those processes, Redis store vs memory.
//
// The vendor simulator (tests/simulator/server.mjs) runs in its own process,
// so the client being measured does not share its event loop with the
// server. Needs `make build` (pkg/dist) and the npm dev dependencies.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { readU32, skipDescription } from "./short-imports.mjs";
import { VENDORS } from "./vendors.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const NO_WRITE = args.includes("--no-write");
const OUT = args.includes("--out") ? resolve(args[args.indexOf("--out") + 1]) : join(ROOT, "bench/results.md");

const N = {
  coldRuns: QUICK ? 3 : 20, // fresh processes / fresh Miniflares
  speedRounds: QUICK ? 3 : 9, // alternating getToken / baseline rounds
  speedMs: QUICK ? 100 : 300, // length of one timed loop
  fetchRuns: QUICK ? 2 : 5, // runs of 2,000 + 2,000 requests
  fetchCalls: QUICK ? 200 : 2000,
  fetchBlock: 25, // A/B alternate in blocks of this many calls
  burstRuns: QUICK ? 2 : 5,
  burstCalls: 1000,
  fleetProcesses: 8,
  fleetCalls: 100,
  fleetRuns: QUICK ? 1 : 3,
};

const PKG = join(ROOT, "pkg");
const DIST = join(PKG, "dist");
const WASM = join(DIST, "vendor_auth_bg.wasm");
const GLUE = join(DIST, "vendor_auth.js");
const BIN = join(ROOT, "node_modules/.bin");
const CARGO_BIN = join(process.env.HOME ?? "/root", ".cargo/bin");
const TARGET_WASM = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "wasm32-unknown-unknown/release/vendor_auth.wasm");
// The wasm features scripts/build.sh gives wasm-opt.
const WASM_FEATURES = [
  "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
];

for (const file of [WASM, GLUE]) {
  if (!existsSync(file)) fail(`${relative(ROOT, file)} is missing: run \`make build\` first`);
}
if (!existsSync(join(ROOT, "node_modules/esbuild"))) fail("node_modules/esbuild is missing: run `make install` first");

const { CREDENTIALS } = await import(join(ROOT, "tests/simulator/credentials.mjs"));
const { AuthClient } = await import("vendor-auth");

// --- small helpers -------------------------------------------------------------------

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}
const log = (message) => process.stderr.write(`==> ${message}\n`);
const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) => brotliCompressSync(buf, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const int = (n) => Math.round(n).toLocaleString("en-US");
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "—");

/** { median, min, max, n } of a list of numbers. */
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}
/** "median (min – max)" with `format` applied to each. */
const mmm = (s, format = fixed) => `${format(s.median)} (${format(s.min)} – ${format(s.max)})`;

/** A markdown table; the first `textColumns` columns are left-aligned, the rest (figures) right-aligned. */
function table(head, rows, textColumns = 1) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((_, i) => (i < textColumns ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

async function version(cmd, argv) {
  try {
    return (await run(cmd, argv)).stdout.trim();
  } catch {
    return null;
  }
}
const pkgVersion = (name) => JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")).version;

/** A KV-shaped store (the `{ get, put, delete }` store option) over a Map. */
function kvStore(entries = []) {
  const map = new Map(entries);
  return {
    map,
    get: async (key) => (map.has(key) ? map.get(key) : null),
    put: async (key, value) => void map.set(key, value),
    delete: async (key) => void map.delete(key),
  };
}

// --- the machine ---------------------------------------------------------------------

async function machine() {
  const cpu = cpus();
  const commit = await version("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
  // Only changes to what is measured count (the crate and the package).
  const dirty = commit && (await version("git", ["--no-optional-locks", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "pkg"]));
  return {
    cpu: cpu[0]?.model?.trim() ?? "unknown CPU",
    cores: cpu.length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${platform()} ${release()}`,
    node: process.version,
    workerd: pkgVersion("workerd"),
    miniflare: pkgVersion("miniflare"),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    load: loadavg()[0],
    commit: commit ? `${commit}${dirty ? " + uncommitted changes to src/ or pkg/" : ""}` : "unknown",
  };
}

// --- 1. package size -----------------------------------------------------------------

const COMPARED = [
  { name: "@auth0/auth0-spa-js", what: "Auth0Client, createAuth0Client", source: `export { Auth0Client, createAuth0Client } from "@auth0/auth0-spa-js";` },
  { name: "oidc-client-ts", what: "UserManager", source: `export { UserManager } from "oidc-client-ts";` },
  { name: "oauth4webapi", what: "the whole API: it has no client class", source: `export * from "oauth4webapi";` },
];

async function bundle(options) {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    external: ["*.wasm"],
    ...options,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js") || f.path === "<stdout>") ?? result.outputFiles[0];
  return { raw: js.contents.length, gzip: gzip(js.contents), brotli: brotli(js.contents) };
}

async function sizes() {
  log("package size: bundling the entries and the libraries compared");
  const wasm = readFileSync(WASM);
  const glue = readFileSync(GLUE);
  const ours = {
    wasmRaw: wasm.length,
    wasmGzip: gzip(wasm),
    wasmBrotli: brotli(wasm),
    glueRaw: glue.length,
    glueGzip: gzip(glue),
    glueBrotli: brotli(glue),
  };
  const entries = [];
  for (const [label, file, platform] of [
    ["browser", "index.js", "browser"],
    ["Node", "node.js", "node"],
    ["Workers", "workers.js", "neutral"],
  ]) {
    const b = await bundle({ entryPoints: [join(PKG, file)], platform });
    entries.push({ label, file, ...b, total: b.gzip + ours.wasmGzip, totalBrotli: b.brotli + ours.wasmBrotli });
  }
  // The one-vendor entries ("vendor-auth/<vendor>"), browser build.
  for (const vendor of VENDORS) {
    const own = readFileSync(join(DIST, vendor, "vendor_auth_bg.wasm"));
    const b = await bundle({ entryPoints: [join(DIST, vendor, "index.js")], platform: "browser" });
    const wasmGzip = gzip(own);
    const wasmBrotli = brotli(own);
    entries.push({ label: `${vendor} only, browser`, file: `dist/${vendor}/index.js`, ...b, wasmGzip, total: b.gzip + wasmGzip, totalBrotli: b.brotli + wasmBrotli });
  }
  const others = [];
  for (const lib of COMPARED) {
    const b = await bundle({ stdin: { contents: lib.source, resolveDir: ROOT, loader: "js" }, platform: "browser" });
    others.push({ ...lib, version: pkgVersion(lib.name), ...b });
  }
  return { ours, entries, others, contributors: await contributors(wasm) };
}

// A minimal reader of the wasm binary format: enough for section sizes,
// function body sizes and the name section.
function readWasm(buf) {
  let pos = 8;
  const u32 = () => {
    let value;
    [value, pos] = readU32(buf, pos);
    return value;
  };
  const name = () => {
    const length = u32();
    const text = buf.toString("utf8", pos, pos + length);
    pos += length;
    return text;
  };
  const sections = [];
  let importedFunctions = 0;
  const bodies = []; // byte size of each defined function's body
  const names = new Map(); // function index -> name
  let dataSegments = 0;
  const SECTION = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"];
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = u32();
    const start = pos;
    const end = pos + size;
    let label = SECTION[id] ?? `section ${id}`;
    if (id === 0) {
      label = `custom "${name()}"`;
      if (label === 'custom "name"') {
        while (pos < end) {
          const sub = buf[pos++];
          const subSize = u32();
          const subEnd = pos + subSize;
          if (sub === 1) {
            for (let count = u32(); count > 0; count--) {
              const index = u32();
              names.set(index, name());
            }
          }
          pos = subEnd;
        }
      }
    } else if (id === 2) {
      for (let count = u32(); count > 0; count--) {
        name();
        name();
        if (buf[pos] === 0) importedFunctions++;
        pos = skipDescription(buf, pos);
      }
    } else if (id === 10) {
      for (let count = u32(); count > 0; count--) {
        const bodySize = u32();
        bodies.push(bodySize);
        pos += bodySize;
      }
    } else if (id === 11) {
      dataSegments = u32();
    }
    sections.push({ label, size: end - start });
    pos = end;
  }
  const functions = bodies.map((size, i) => ({ index: importedFunctions + i, size, name: names.get(importedFunctions + i) ?? null }));
  return { sections, functions, importedFunctions, dataSegments, hasNames: names.size > 0 };
}

const PRIMITIVE = /^(bool|char|str|u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64|T|F|S|E|V)$/;
const STD = new Set(["core", "alloc", "std"]);
const BINDGEN = new Set(["wasm_bindgen", "js_sys", "web_sys", "wasm_bindgen_futures"]);

/** A readable Rust name: no crate disambiguators, no symbol hash. */
const cleanName = (name) => name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "");

/** The crate a (demangled) function name belongs to, by its first path. */
function crateOf(name) {
  if (!name) return "(unnamed)";
  if (!name.includes("::")) return /shim|__wbg|__wbindgen|externref/i.test(name) ? "wasm-bindgen shims" : "(no path: memcpy, memset…)";
  const stripped = name.replace(/^[<&(\s]*(?:(?:mut|dyn|impl|const)\s+)*/, "");
  let crate = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(stripped)?.[1] ?? "(other)";
  if (PRIMITIVE.test(crate) || stripped[crate.length] !== ":") {
    // `<f64 as core::str::FromStr>::from_str`: the trait's crate;
    // `<char>::is_whitespace`: a primitive's inherent method, in core.
    crate = / as &?([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(stripped)?.[1] ?? (PRIMITIVE.test(crate) ? "core" : crate);
  }
  if (STD.has(crate)) return "Rust std (core, alloc)";
  if (crate === "__rustc" || crate === "compiler_builtins") return "compiler builtins";
  if (BINDGEN.has(crate)) return `${crate}`;
  return crate;
}

/** vendor_auth's module of a function name (core::client, web::api…). */
function moduleOf(name) {
  const m = /vendor_auth::((?:core::vendors|core|web)::[a-z_0-9]+)/.exec(name);
  return m ? m[1] : null;
}

async function contributors(distWasm) {
  const dist = readWasm(distWasm);
  const result = { sections: dist.sections, functionCount: dist.functions.length, dataSegments: dist.dataSegments, notes: [], top: null };
  const wasmBindgen = join(CARGO_BIN, "wasm-bindgen");
  const haveBindgen = existsSync(wasmBindgen) || (await version("wasm-bindgen", ["--version"])) !== null;
  if (!existsSync(TARGET_WASM)) {
    result.notes.push(`no ${relative(ROOT, TARGET_WASM)} (cargo's output): function names not available; run \`make build\``);
    return result;
  }
  if (!haveBindgen) {
    result.notes.push("wasm-bindgen not found: function names not available (scripts/install.sh installs it)");
    return result;
  }
  log("package size: a names-keeping build (wasm-bindgen --keep-debug, wasm-opt -Oz -g)");
  const dir = mkdtempSync(join(tmpdir(), "vendor-auth-bench-names-"));
  try {
    const bindgen = existsSync(wasmBindgen) ? wasmBindgen : "wasm-bindgen";
    await run(bindgen, ["--keep-debug", "--target", "web", "--out-dir", dir, "--out-name", "vendor_auth", TARGET_WASM], { maxBuffer: 1 << 24 });
    const named = join(dir, "named.wasm");
    await run(join(BIN, "wasm-opt"), ["-Oz", "-g", ...WASM_FEATURES, join(dir, "vendor_auth_bg.wasm"), "-o", named], { maxBuffer: 1 << 24 });
    const build = readWasm(readFileSync(named));
    const codeOf = (w) => w.sections.find((s) => s.label === "code")?.size ?? 0;
    const delta = codeOf(build) - codeOf(dist);
    if (delta !== 0) {
      result.notes.push(`the names-keeping build's code section differs from pkg/dist's by ${delta} bytes (pkg/dist may be older than cargo's output: \`make build\`)`);
    }
    const functions = build.functions.map((f) => ({ ...f, name: f.name ? cleanName(f.name) : `function ${f.index}` }));
    const byCrate = new Map();
    const byModule = new Map();
    for (const f of functions) {
      const crate = crateOf(f.name);
      byCrate.set(crate, (byCrate.get(crate) ?? 0) + f.size);
      const module = crate === "vendor_auth" ? moduleOf(f.name) : null;
      if (module) byModule.set(module, (byModule.get(module) ?? 0) + f.size);
    }
    const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
    result.top = {
      code: codeOf(build),
      functions: [...functions].sort((a, b) => b.size - a.size).slice(0, 15),
      crates: sorted(byCrate).slice(0, 12),
      modules: sorted(byModule).slice(0, 12),
    };
    const twiggy = join(CARGO_BIN, "twiggy");
    if (existsSync(twiggy)) {
      const out = await version(twiggy, ["top", "-n", "12", named]);
      if (out) result.twiggy = out;
    }
  } catch (error) {
    result.notes.push(`the names-keeping build failed (${String(error.message).split("\n")[0]}): function names not available`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

// --- the simulator, in its own process ----------------------------------------------

async function startSimulator() {
  const child = spawn(process.execPath, [join(ROOT, "tests/simulator/server.mjs"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("the simulator did not start within 10 s")), 10_000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ""));
      }
    });
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code})`)));
  });
  child.stdout.resume();
  const control = async (path, body) => {
    const response = await fetch(`${url}/__sim/${path}`, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    url,
    control,
    /** Back to the initial state, with the request limits out of the way. */
    reset: async () => {
      await control("reset", {});
      await control("config", { vendor: "emnify", overallLimit: 1_000_000_000, authenticateLimit: 1_000_000_000 });
    },
    count: async (vendor, route) => (await control(`counts?vendor=${vendor}`))[route] ?? 0,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.kill("SIGTERM");
    }),
  };
}

const EMNIFY_LOGIN = "POST /api/v1/authenticate";

// --- 2. cold start -------------------------------------------------------------------

/** One real login with a KV-shaped store; returns the entry it wrote. */
async function seedEntry(sim) {
  const store = kvStore();
  const baseUrl = `${sim.url}/emnify`;
  const applicationToken = CREDENTIALS.emnify.applicationToken;
  const client = new AuthClient({ vendor: "emnify", baseUrl, credentials: { applicationToken }, store });
  await client.getToken();
  const entries = [...store.map].filter(([key]) => !/:(lease|hold)$/.test(key));
  if (entries.length !== 1) throw new Error(`expected one store entry after a login, found ${entries.length}`);
  client.free();
  const [key, value] = entries[0];
  return { key, value, baseUrl, applicationToken, token: JSON.parse(value).token };
}

async function coldNode(sim, entry) {
  log(`cold start in Node: ${N.coldRuns} fresh processes`);
  const loginsBefore = await sim.count("emnify", EMNIFY_LOGIN);
  // One fresh `node` process running `script` with the entry; its JSON line.
  const fresh = async (script, ok, failure) => {
    const { stdout } = await run(process.execPath, [join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_ENTRY: JSON.stringify(entry) },
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1));
    if (!ok(result)) throw new Error(failure);
    return result;
  };
  const once = () => fresh("bench/cold-node.mjs", (r) => r.fromStore, "a Node cold start did not get the stored token");
  // The pure-JS baseline in the same run: oauth4webapi's import and the same store read.
  const baseline = () => fresh("bench/cold-node-baseline.mjs", (r) => r.ok, "the pure-JS baseline did not read the stored token");
  await once(); // unmeasured: brings the files into the page cache
  await baseline();
  const runs = [];
  const baselines = [];
  // Interleaved, so both see the same load.
  for (let i = 0; i < N.coldRuns; i++) {
    runs.push(await once());
    baselines.push(await baseline());
  }
  const logins = (await sim.count("emnify", EMNIFY_LOGIN)) - loginsBefore;
  if (logins !== 0) throw new Error(`Node cold starts logged in ${logins} times; they should be served from the store`);
  return {
    baseline: stats(baselines.map((r) => r.totalMs)),
    ratio: stats(runs.map((r, i) => r.totalMs / baselines[i].totalMs)),
    import: stats(runs.map((r) => r.importMs)),
    firstToken: stats(runs.map((r) => r.firstTokenMs)),
    total: stats(runs.map((r) => r.totalMs)),
    fromProcessStart: stats(runs.map((r) => r.bootMs + r.totalMs)),
  };
}

async function coldWorkerd(sim, entry) {
  log("cold start in workerd: bundling bench/worker with wrangler");
  const out = mkdtempSync(join(tmpdir(), "vendor-auth-bench-worker-"));
  const { Miniflare } = await import("miniflare");
  try {
    await run(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", out, "--config", join(ROOT, "bench/worker/wrangler.toml")], {
      cwd: join(ROOT, "bench/worker"),
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_LOG_PATH: join(out, "logs"), NO_COLOR: "1" },
      timeout: 120_000,
    });
    log(`cold start in workerd: ${N.coldRuns} fresh Miniflares`);
    const loginsBefore = await sim.count("emnify", EMNIFY_LOGIN);
    const once = async () => {
      const t0 = performance.now();
      const mf = new Miniflare({
        modules: true,
        scriptPath: join(out, "worker.js"),
        modulesRoot: out,
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        compatibilityDate: "2026-04-01",
        kvNamespaces: { TOKENS: "tokens" },
        bindings: { BASE_URL: entry.baseUrl, APPLICATION_TOKEN: entry.applicationToken, EXPECTED_TOKEN: entry.token },
      });
      try {
        await mf.ready;
        const startup = performance.now() - t0;
        const kv = await mf.getKVNamespace("TOKENS");
        await kv.put(entry.key, entry.value);
        const request = async (path) => {
          const started = performance.now();
          const response = await mf.dispatchFetch(`http://bench.test${path}`);
          const body = await response.text();
          const ms = performance.now() - started;
          if (path === "/token" && body !== "same") throw new Error(`the Worker answered ${response.status} ${body.slice(0, 200)}`);
          return ms;
        };
        // The isolate's first request does nothing: the floor of a first
        // request, as an empty Worker's; the package is imported by the next.
        const firstNoop = await request("/noop");
        const first = await request("/token");
        const second = await request("/token");
        const noop = await request("/noop");
        return { startup, firstNoop, first, second, noop };
      } finally {
        await mf.dispose();
      }
    };
    await once(); // unmeasured
    const runs = [];
    for (let i = 0; i < N.coldRuns; i++) runs.push(await once());
    const logins = (await sim.count("emnify", EMNIFY_LOGIN)) - loginsBefore;
    if (logins !== 0) throw new Error(`workerd cold starts logged in ${logins} times; they should be served from KV`);
    return {
      startup: stats(runs.map((r) => r.startup)),
      first: stats(runs.map((r) => r.first)),
      firstNoop: stats(runs.map((r) => r.firstNoop)),
      ratio: stats(runs.map((r) => r.first / r.firstNoop)),
      second: stats(runs.map((r) => r.second)),
      noop: stats(runs.map((r) => r.noop)),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(join(ROOT, "bench/worker/.wrangler"), { recursive: true, force: true });
  }
}

// --- 3. cached-token speed -----------------------------------------------------------

async function cachedSpeed(sim) {
  log(`cached-token speed: ${N.speedRounds} rounds of ${N.speedMs} ms per loop`);
  await sim.reset();
  const client = new AuthClient({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials: { applicationToken: CREDENTIALS.emnify.applicationToken } });
  await client.clear();
  const token = await client.getToken(); // the one login
  const map = new Map([["vendor-auth:v1:emnify:bench", token]]);
  const key = "vendor-auth:v1:emnify:bench";
  const CHUNK = 1000;
  // Calls per second of `call`, looping in chunks for at least `ms`.
  const rate = async (call, ms) => {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < CHUNK; i++) await call();
      calls += CHUNK;
      elapsed = performance.now() - started;
    } while (elapsed < ms);
    return (calls * 1000) / elapsed;
  };
  const viaClient = () => client.getToken();
  const baseline = () => Promise.resolve(map.get(key));
  // Warm-up (JIT) of both loops.
  await rate(viaClient, 100);
  await rate(baseline, 100);
  const rounds = [];
  for (let i = 0; i < N.speedRounds; i++) {
    // Alternate which loop goes first, so neither always gets the warmer start.
    let a;
    let b;
    if (i % 2) {
      b = await rate(baseline, N.speedMs);
      a = await rate(viaClient, N.speedMs);
    } else {
      a = await rate(viaClient, N.speedMs);
      b = await rate(baseline, N.speedMs);
    }
    rounds.push({ client: a, baseline: b, ratio: b / a });
  }
  const logins = await sim.count("emnify", EMNIFY_LOGIN);
  if (logins !== 1) throw new Error(`the cached-token loop logged in ${logins} times (expected the one warm-up login)`);
  if ((await client.getToken()) !== token) throw new Error("the cached token changed during the loop");
  client.free();
  return {
    client: stats(rounds.map((r) => r.client)),
    baseline: stats(rounds.map((r) => r.baseline)),
    ratio: stats(rounds.map((r) => r.ratio)),
    usPerCall: stats(rounds.map((r) => 1e6 / r.client)),
  };
}

// --- 4. fetch overhead ---------------------------------------------------------------

async function fetchOverhead(sim) {
  log(`fetch overhead: ${N.fetchRuns} runs of ${N.fetchCalls} client.fetch + ${N.fetchCalls} plain fetch, interleaved`);
  await sim.reset();
  const baseUrl = `${sim.url}/emnify`;
  const client = new AuthClient({ vendor: "emnify", baseUrl, credentials: { applicationToken: CREDENTIALS.emnify.applicationToken } });
  await client.clear();
  const token = await client.getToken();
  const url = `${baseUrl}/api/v1/endpoint`;
  const viaClient = async () => {
    const response = await client.fetch("/api/v1/endpoint");
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`client.fetch answered ${response.status}`);
  };
  const plain = async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`fetch answered ${response.status}`);
  };
  // Times `count` calls of A and of B, alternating blocks of N.fetchBlock.
  const interleaved = async (count) => {
    let a = 0;
    let b = 0;
    for (let done = 0, block = 0; done < count; done += N.fetchBlock, block++) {
      const size = Math.min(N.fetchBlock, count - done);
      for (const which of block % 2 ? ["b", "a"] : ["a", "b"]) {
        const call = which === "a" ? viaClient : plain;
        const started = performance.now();
        for (let i = 0; i < size; i++) await call();
        const ms = performance.now() - started;
        if (which === "a") a += ms;
        else b += ms;
      }
    }
    return { client: a, plain: b };
  };
  await interleaved(200); // warm-up
  const runs = [];
  for (let i = 0; i < N.fetchRuns; i++) runs.push(await interleaved(N.fetchCalls));
  const logins = await sim.count("emnify", EMNIFY_LOGIN);
  const served = await sim.count("emnify", "GET /api/v1/endpoint");
  const expected = 2 * (200 + N.fetchRuns * N.fetchCalls);
  if (logins !== 1) throw new Error(`the fetch loop logged in ${logins} times (expected 1)`);
  if (served !== expected) throw new Error(`the simulator served ${served} endpoint calls, expected ${expected}`);
  client.free();
  return {
    client: stats(runs.map((r) => r.client)),
    plain: stats(runs.map((r) => r.plain)),
    ratio: stats(runs.map((r) => r.client / r.plain)),
    usPerCall: stats(runs.map((r) => ((r.client - r.plain) * 1000) / N.fetchCalls)),
  };
}

// --- 5. logins per burst -------------------------------------------------------------

async function bursts(sim) {
  log(`logins per burst: ${N.burstRuns} bursts of ${N.burstCalls} concurrent getToken per scenario`);
  const root = (vendor) => `${sim.url}/${vendor}`;
  const scenarios = [
    { label: "emnify (application token), one client, memory store", vendor: "emnify", route: EMNIFY_LOGIN, clients: 1, credentials: async () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }) },
    { label: "emnify, 1,000 clients (one call each), memory store", vendor: "emnify", route: EMNIFY_LOGIN, clients: N.burstCalls, credentials: async () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }) },
    { label: "emnify, 1,000 clients, one shared KV-shaped store", vendor: "emnify", route: EMNIFY_LOGIN, clients: N.burstCalls, kv: true, credentials: async () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }) },
    { label: "emnify (username + password), one client", vendor: "emnify", route: EMNIFY_LOGIN, clients: 1, credentials: async () => ({ username: CREDENTIALS.emnify.username, password: CREDENTIALS.emnify.password }) },
    { label: "Personr, one client", vendor: "personr", route: "POST /api/1.1/wf/api-token-generate", clients: 1, credentials: async () => ({ email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password }) },
    { label: "Zūm Rails (sandbox), one client", vendor: "zumrails", route: "POST /api/authorize", clients: 1, extra: { environment: "sandbox" }, credentials: async () => ({ username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password }) },
    { label: "VoIPBIN (username + password), one client", vendor: "voipbin", route: "POST /auth/login", clients: 1, credentials: async () => ({ username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password }) },
    {
      label: "RunBuggy (session JWT exchange), one client",
      vendor: "runbuggy",
      route: "POST /accounts/api-token/tokens",
      clients: 1,
      credentials: async () => ({ sessionJwt: (await sim.control("runbuggy/session-jwt?ttlSeconds=3600")).sessionJwt, tokenName: "bench", expireAt: null }),
    },
  ];
  const results = [];
  for (const scenario of scenarios) {
    const logins = [];
    const elapsed = [];
    for (let i = 0; i < N.burstRuns; i++) {
      await sim.reset();
      const credentials = await scenario.credentials();
      const store = scenario.kv ? kvStore() : undefined;
      const clients = Array.from({ length: scenario.clients }, () =>
        new AuthClient({ vendor: scenario.vendor, baseUrl: root(scenario.vendor), credentials, ...(store ? { store } : {}), ...(scenario.extra ?? {}) }),
      );
      await clients[0].clear(); // a cold cache (the memory store is shared by the realm)
      const started = performance.now();
      const settled = await Promise.allSettled(Array.from({ length: N.burstCalls }, (_, k) => clients[k % clients.length].getToken()));
      elapsed.push(performance.now() - started);
      const failed = settled.filter((s) => s.status === "rejected");
      if (failed.length) throw new Error(`${scenario.label}: ${failed.length} of ${N.burstCalls} getToken calls failed: ${failed[0].reason?.code ?? ""} ${failed[0].reason?.message ?? failed[0].reason}`);
      const tokens = new Set(settled.map((s) => s.value));
      if (tokens.size !== 1) throw new Error(`${scenario.label}: the burst got ${tokens.size} different tokens`);
      logins.push(await sim.count(scenario.vendor, scenario.route));
      await clients[0].clear();
      for (const client of clients) client.free();
    }
    results.push({ label: scenario.label, logins: stats(logins), ms: stats(elapsed) });
  }
  return results;
}

async function manyProcesses(sim) {
  const { startRedis, startFleet, LOGIN } = await import(join(ROOT, "tests/js/redis-helpers.mjs"));
  log(`many processes: ${N.fleetProcesses} processes × ${N.fleetCalls} concurrent getToken, ${N.fleetRuns} cold bursts per row`);
  const redis = await startRedis();
  const kinds = [
    { label: "Redis through `vendor-auth/redis` (ioredis)", lib: "ioredis", store: "redis" },
    { label: "Redis through `vendor-auth/redis` (node-redis)", lib: "node-redis", store: "redis" },
    { label: "the same Redis as a plain KV store (no `add`: best-effort lease)", lib: "ioredis", store: "plain" },
    { label: "nothing shared (each process's memory)", store: "memory" },
  ];
  const rows = [];
  const speed = {};
  try {
    for (const kind of kinds) {
      const fleet = await startFleet({ count: N.fleetProcesses, lib: kind.lib, redisUrl: redis.url, store: kind.store });
      try {
        for (const vendor of ["emnify", "personr", "zumrails"]) {
          const logins = [];
          for (let i = 0; i < N.fleetRuns; i++) {
            await sim.reset();
            await redis.flush();
            await fleet.all("client", { vendor, simUrl: sim.url });
            await redis.flush();
            const results = await fleet.all("burst", { calls: N.fleetCalls });
            const errors = results.flatMap((r) => r.errors);
            if (errors.length) throw new Error(`${kind.label}, ${vendor}: ${errors.length} calls failed: ${errors[0]}`);
            logins.push(await sim.count(vendor, LOGIN[vendor]));
          }
          rows.push({ label: kind.label, vendor, logins: stats(logins) });
        }
        if (kind.store !== "plain") {
          // Warm calls: the memory tier answers, Redis is not asked.
          await sim.reset();
          await fleet.workers[0].call("client", { vendor: "emnify", simUrl: sim.url });
          const runs = [];
          for (let i = 0; i < N.speedRounds; i++) runs.push((await fleet.workers[0].call("speed", { ms: N.speedMs })).perSecond);
          speed[kind.store === "memory" ? "memory" : kind.lib] = stats(runs);
        }
      } finally {
        await fleet.close();
      }
    }
  } finally {
    await redis.stop();
  }
  return { rows, speed };
}

// --- the report ----------------------------------------------------------------------

function report(m, size, node, workerd, speed, fetchResult, burst, fleets) {
  const lines = [];
  const p = (...text) => lines.push(...text);
  const ms = (n) => fixed(n, n < 10 ? 2 : 1);
  p(
    "# vendor-auth benchmarks",
    "",
    "Generated by `make bench` (`node scripts/bench.mjs`); rerun it to refresh this file.",
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory}, ${m.os}; Node ${m.node}; workerd ${m.workerd} (miniflare ${m.miniflare}). Date: ${m.date}. Commit: ${m.commit}. Load average (1 min) at the start ${fixed(m.load)}, at the end ${fixed(loadavg()[0])}: other work on the machine widens the ranges.`,
    "",
    "Timings are the median, with the minimum and maximum in brackets, over the runs named in each table; sizes are exact (they do not vary between runs).",
    "",
    "## Package size",
    "",
    "gzip is zlib level 9 (what a server or CDN using zlib sends; the `gzip` program's own deflate can differ by up to 1 kB on the wasm), brotli is quality 11. Each entry is bundled with esbuild `--bundle --minify --format=esm`, its `.wasm` left out as a file, so the total is what a page, a Node service or a Worker ships: the minified JS plus the wasm.",
    "",
    table(
      ["file", "raw", "gzip -9", "brotli"],
      [
        ["`pkg/dist/vendor_auth_bg.wasm`", int(size.ours.wasmRaw), int(size.ours.wasmGzip), int(size.ours.wasmBrotli)],
        ["`pkg/dist/vendor_auth.js` (JS glue, as shipped)", int(size.ours.glueRaw), int(size.ours.glueGzip), int(size.ours.glueBrotli)],
      ],
    ),
    "",
    table(
      ["package (entry)", "JS minified", "JS min + gzip", "wasm gzip", "total gzip", "total brotli"],
      [
        ...size.entries.map((e) => [`vendor-auth, ${e.label} (\`${e.file}\`)`, int(e.raw), int(e.gzip), int(e.wasmGzip ?? size.ours.wasmGzip), `**${int(e.total)}** (${kb(e.total)})`, int(e.totalBrotli)]),
        ...size.others.map((o) => [`${o.name} ${o.version} (${o.what})`, int(o.raw), int(o.gzip), "—", `**${int(o.gzip)}** (${kb(o.gzip)})`, int(o.brotli)]),
      ],
    ),
    "",
    "### What the wasm is made of",
    "",
    `Sections of \`pkg/dist/vendor_auth_bg.wasm\` (${int(size.contributors.functionCount)} functions, ${size.contributors.dataSegments} data segments):`,
    "",
    table(
      ["section", "bytes", "share"],
      [...size.contributors.sections]
        .sort((a, b) => b.size - a.size)
        .map((s) => [s.label, int(s.size), `${fixed((100 * s.size) / size.ours.wasmRaw, 1)} %`]),
    ),
    "",
  );
  const top = size.contributors.top;
  if (top) {
    p(
      `Code by crate (function bodies, read from the name section of a names-keeping build of the same code: \`wasm-bindgen --keep-debug\`, \`wasm-opt -Oz -g\`; code section ${int(top.code)} bytes). A function is counted under the crate its name starts with, so generic std code instantiated for our types counts as std, closures of async functions as their crate:`,
      "",
      table(["crate", "code bytes", "share of code"], top.crates.map(([crate, bytes]) => [crate, int(bytes), `${fixed((100 * bytes) / top.code, 1)} %`])),
      "",
      "`vendor_auth` by module:",
      "",
      table(["module", "code bytes"], top.modules.map(([module, bytes]) => [`\`${module}\``, int(bytes)])),
      "",
      "The largest functions:",
      "",
      table(["function", "bytes"], top.functions.map((f) => [`\`${f.name.length > 110 ? `${f.name.slice(0, 107)}…` : f.name}\``, int(f.size)])),
      "",
    );
  }
  for (const note of size.contributors.notes) p(`Note: ${note}.`, "");
  if (size.contributors.twiggy) {
    p("<details><summary><code>twiggy top -n 12</code> of the names-keeping build</summary>", "", "```", size.contributors.twiggy, "```", "", "</details>", "");
  }
  p(
    "## Cold start",
    "",
    `Module instantiation plus the first \`getToken\` served from a warm store (emnify, a valid entry already stored; no login happens). Node: ${node.import.n} fresh \`node\` processes (\`bench/cold-node.mjs\`), a KV-shaped in-memory store prefilled with the entry. workerd: a fresh Miniflare per run (${workerd.first.n} runs) and a Worker (\`bench/worker\`, bundled by \`wrangler deploy --dry-run\`) that imports the package on its first request and reads the entry from a KV namespace seeded through Miniflare's KV API. One unmeasured run first in each. Milliseconds:`,
    "",
    table(
      ["runtime", "what", "median (min – max) ms"],
      [
        ["Node", "`import(\"vendor-auth\")`: read, compile and instantiate the wasm", mmm(node.import, ms)],
        ["Node", "first `getToken()` from the prefilled store", mmm(node.firstToken, ms)],
        ["Node", "**import + first `getToken()`**", `**${mmm(node.total, ms)}**`],
        ["Node", "process start → token (Node's own start-up included)", mmm(node.fromProcessStart, ms)],
        ["Node", "pure-JS baseline (`bench/cold-node-baseline.mjs`): `import(\"oauth4webapi\")` + the same store read", mmm(node.baseline, ms)],
        ["Node", "**ratio: import + first `getToken()` ÷ the baseline** (per run, interleaved)", `**${mmm(node.ratio, (n) => `${fixed(n, 2)}×`)}**`],
        ["workerd", "the isolate's first request, which does nothing (an empty Worker's first request)", mmm(workerd.firstNoop, ms)],
        ["workerd", "**first request: import + instantiate + `getToken()` from KV** (`dispatchFetch` round trip)", `**${mmm(workerd.first, ms)}**`],
        ["workerd", "**ratio: that first `getToken` request ÷ the empty first request**", `**${mmm(workerd.ratio, (n) => `${fixed(n, 1)}×`)}**`],
        ["workerd", "second request (`getToken()` from the isolate's memory)", mmm(workerd.second, ms)],
        ["workerd", "a request that does nothing (the floor of a round trip)", mmm(workerd.noop, ms)],
        ["workerd", "Miniflare start to ready (workerd boot, Worker load, wasm compile)", mmm(workerd.startup, ms)],
      ],
      2,
    ),
    "",
    "## Cached-token speed",
    "",
    `\`await client.getToken()\` on a warm memory cache, in a loop, versus the same loop over \`await Promise.resolve(map.get(key))\`, in the same process; ${speed.ratio.n} rounds of at least ${N.speedMs} ms per loop, alternating which goes first. The ratio is the baseline's calls per second divided by getToken's: how many times longer a cached getToken takes than a bare Map lookup.`,
    "",
    table(
      ["figure", "median (min – max)"],
      [
        ["`getToken()` calls per second", mmm(speed.client, int)],
        ["baseline calls per second", mmm(speed.baseline, int)],
        ["**ratio (getToken time ÷ baseline time)**", `**${mmm(speed.ratio, (n) => `${fixed(n, 1)}×`)}**`],
        ["`getToken()` µs per call", mmm(speed.usPerCall, (n) => fixed(n, 2))],
      ],
    ),
    "",
    "## Fetch overhead",
    "",
    `${int(N.fetchCalls)} sequential \`client.fetch("/api/v1/endpoint")\` calls (emnify, the token cached) versus ${int(N.fetchCalls)} plain \`fetch\` calls with \`Authorization: Bearer …\` set by hand, to the simulator in another process, interleaved in blocks of ${N.fetchBlock} (alternating which goes first), bodies read; ${fetchResult.ratio.n} runs.`,
    "",
    table(
      ["figure", "median (min – max)"],
      [
        [`${int(N.fetchCalls)} \`client.fetch\` calls, ms`, mmm(fetchResult.client, (n) => fixed(n, 0))],
        [`${int(N.fetchCalls)} plain \`fetch\` calls, ms`, mmm(fetchResult.plain, (n) => fixed(n, 0))],
        ["**ratio (client.fetch ÷ fetch)**", `**${mmm(fetchResult.ratio, (n) => `${fixed(n, 3)}×`)}**`],
        ["overhead per call, µs", mmm(fetchResult.usPerCall, (n) => fixed(n, 1))],
      ],
    ),
    "",
    "## Logins per burst",
    "",
    `${int(N.burstCalls)} concurrent \`getToken()\` calls on a cold cache; logins counted at the simulator (the floor is 1); ${burst[0].logins.n} bursts per row, the simulator reset before each.`,
    "",
    table(
      ["scenario", "logins: median (min – max)", "burst time, ms"],
      burst.map((b) => [b.label, `**${mmm(b.logins, int)}**`, mmm(b.ms, (n) => fixed(n, 0))]),
    ),
    "",
    "## Many processes",
    "",
    `${N.fleetProcesses} Node child processes, each with its own \`AuthClient\` (and its own Redis client), ${N.fleetCalls} concurrent \`getToken()\` calls in each at once on a cold cache; logins counted at the simulator; ${N.fleetRuns} bursts per row. A real \`redis-server\` (no persistence) on loopback.`,
    "",
    table(
      ["store shared by the processes", "emnify logins", "Personr logins", "Zūm Rails logins"],
      [...new Set(fleets.rows.map((r) => r.label))].map((label) => [
        label,
        ...["emnify", "personr", "zumrails"].map((v) => `**${mmm(fleets.rows.find((r) => r.label === label && r.vendor === v).logins, int)}**`),
      ]),
    ),
    "",
    "Warm `getToken()` in one of those processes (emnify, the token cached), calls per second: the memory tier in front of Redis answers without a Redis round trip.",
    "",
    table(
      ["store", "calls per second: median (min – max)"],
      Object.entries(fleets.speed).map(([k, v]) => [k === "memory" ? "memory" : `Redis (${k})`, mmm(v, int)]),
    ),
    "",
    "## Reproduce",
    "",
    "```sh",
    "make build   # pkg/dist (scripts/build.sh prints the same zlib level 9 sizes as this file)",
    "make bench   # node scripts/bench.mjs: prints this and writes bench/results.md (about a minute on 2 cores)",
    "```",
    "",
  );
  return lines.join("\n");
}

// --- main ----------------------------------------------------------------------------

const started = performance.now();
const m = await machine();
log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}`);
const size = await sizes();
const sim = await startSimulator();
let text;
try {
  await sim.reset();
  const entry = await seedEntry(sim);
  const node = await coldNode(sim, entry);
  const workerd = await coldWorkerd(sim, entry);
  const speed = await cachedSpeed(sim);
  const fetchResult = await fetchOverhead(sim);
  const burst = await bursts(sim);
  const fleets = await manyProcesses(sim);
  text = report(m, size, node, workerd, speed, fetchResult, burst, fleets);
} finally {
  await sim.stop();
}
process.stdout.write(`${text}\n`);
if (!NO_WRITE) {
  writeFileSync(OUT, text);
  log(`wrote ${relative(ROOT, OUT)}`);
}
log(`bench done in ${fixed((performance.now() - started) / 1000, 0)} s`);
