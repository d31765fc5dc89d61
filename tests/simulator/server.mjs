// Vendor simulator: one local HTTP server standing in for the five vendors'
// servers (which cannot be reached from here), each under its own prefix —
// /runbuggy, /personr, /emnify, /zumrails, /voipbin — plus the control API
// under /__sim/. See README.md in this folder.
//
//   import { startSimulator } from "./tests/simulator/server.mjs";
//   const sim = await startSimulator();          // port 0 = any free port
//   fetch(`${sim.url}/emnify/api/v1/authenticate`, ...);
//   await sim.close();
//
//   node tests/simulator/server.mjs [--port N]   // or SIM_PORT=N; default 8790
//
// Request pipeline for a vendor route (vendor modules only declare the parts):
//   OPTIONS -> 204 preflight (counted as "OPTIONS *")
//   count "METHOD /path" -> read body (1 MiB cap) -> log -> fault?
//   -> 413 if too large -> vendor guard (rate limits, blocks)
//   -> route match (404/405) -> route auth -> handler
// Every response gets a Date header from the simulated clock and the vendor's CORS headers.

import http from "node:http";
import { pathToFileURL } from "node:url";
import { handleControl } from "./control.mjs";
import emnify from "./emnify.mjs";
import {
  CORS_POLICIES,
  LOG_BODY_LIMIT,
  MAX_BODY_BYTES,
  clientIp,
  compileRoutes,
  configDefaults,
  corsHeaders,
  createCallCounter,
  createClock,
  createFaultQueue,
  createRequestLog,
  empty,
  httpDate,
  json,
  matchRoute,
  parseCookies,
  queryToObject,
} from "./lib.mjs";
import personr from "./personr.mjs";
import runbuggy from "./runbuggy.mjs";
import voipbin from "./voipbin.mjs";
import zumrails from "./zumrails.mjs";

export const VENDORS = Object.freeze([runbuggy, personr, emnify, zumrails, voipbin]);
export const DEFAULT_PORT = 8790;

/** All mutable simulator state; `reset()` returns it to the initial state. */
function createSimulation(vendorDefs) {
  const clock = createClock();
  const sim = {
    clock,
    counts: createCallCounter(),
    log: createRequestLog(),
    faults: createFaultQueue(vendorDefs.map((d) => d.name)),
    vendors: new Map(
      vendorDefs.map((def) => [def.name, { def, routes: compileRoutes(def.routes), control: compileRoutes(def.control || {}), state: null, config: null }]),
    ),
    reset() {
      clock.reset();
      sim.counts.clear();
      sim.log.clear();
      sim.faults.clear();
      for (const vendor of sim.vendors.values()) {
        vendor.state = vendor.def.createState({ nowMs: clock.nowMs() });
        vendor.config = configDefaults(vendor.def.config);
      }
    },
  };
  sim.reset();
  return sim;
}

// --- request plumbing -----------------------------------------------------------------

function splitUrl(rawUrl) {
  const url = rawUrl || "/";
  const q = url.indexOf("?");
  return { path: q < 0 ? url : url.slice(0, q), query: new URLSearchParams(q < 0 ? "" : url.slice(q + 1)) };
}

/** Reads the whole body; keeps at most MAX_BODY_BYTES (the rest is drained and dropped). */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      if (size + chunk.length <= MAX_BODY_BYTES) chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // client aborted: answer with what arrived (nobody will read the answer)
  }
  const kept = Buffer.concat(chunks);
  return { body: size > MAX_BODY_BYTES ? Buffer.alloc(0) : kept, head: kept.subarray(0, LOG_BODY_LIMIT), size };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function baseHeaders(sim, req, cors, options) {
  return { date: httpDate(sim.clock.nowMs()), ...corsHeaders(cors, req.headers, options) };
}

/** Writes a response descriptor { status, headers, body } with Content-Length. */
function send(sim, req, res, response, cors, { preflight = false, extraHeaders = {} } = {}) {
  if (res.headersSent || res.destroyed) return;
  const body = response.body ?? "";
  const headers = { ...baseHeaders(sim, req, cors, { preflight }), ...response.headers, ...extraHeaders };
  if (response.status !== 204 && response.status !== 304) headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(response.status, headers);
  res.end(response.status === 204 ? undefined : body);
}

/** Streams `n` bytes of "x" in 64 KiB chunks, honouring backpressure. */
async function streamFiller(res, n) {
  const chunk = Buffer.alloc(64 * 1024, "x");
  const closed = new Promise((resolve) => res.once("close", resolve));
  for (let left = n; left > 0 && !res.destroyed; ) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= part.length;
    if (!res.write(part)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), closed]);
  }
  res.end();
}

function sendFault(sim, req, res, fault, cors) {
  const headers = { ...baseHeaders(sim, req, cors), ...fault.headers };
  const status = fault.status ?? 200;
  if (fault.bodyBytes === undefined) {
    send(sim, req, res, { status, headers, body: fault.body ?? "" }, cors);
    return;
  }
  if (fault.contentLength) headers["content-length"] = String(fault.bodyBytes);
  res.writeHead(status, headers);
  streamFiller(res, fault.bodyBytes).catch(() => res.destroy());
}

// --- vendor routes ----------------------------------------------------------------------

function logEntry(sim, req, path, query, { head, size }) {
  return {
    time: new Date(sim.clock.nowMs()).toISOString(),
    ip: clientIp(req.socket),
    method: req.method,
    path,
    query: queryToObject(query),
    headers: { ...req.headers }, // Node lower-cases header names
    cookies: { ...parseCookies(req.headers.cookie) },
    body: head.toString("utf8"),
    bodyBytes: size,
    bodyTruncated: size > head.length,
  };
}

/** The vendor's answer once faults are out of the way. */
function answer(vendor, ctx, tooLarge) {
  const { def } = vendor;
  try {
    if (tooLarge) return def.error(413, "Request body too large");
    const limited = def.guard?.(ctx);
    if (limited) return limited;
    const match = matchRoute(vendor.routes, ctx.method, ctx.path);
    if (!match) return def.error(404, "Not found");
    if (match.methodNotAllowed) return def.error(405, "Method not allowed");
    ctx.params = match.params;
    if (match.route.auth) {
      const { principal, response } = match.route.auth(ctx);
      if (response) return response;
      ctx.principal = principal;
    }
    return match.route.handle(ctx);
  } catch (err) {
    console.error(`vendor simulator: ${def.name} ${ctx.method} ${ctx.path} threw`, err);
    return def.error(500, "Internal server error");
  }
}

async function handleVendor(sim, vendor, req, res, path, query) {
  const { name, cors } = vendor.def;
  const read = await readBody(req);
  if (req.method === "OPTIONS") {
    sim.counts.add(name, "OPTIONS *");
    sim.log.add(name, logEntry(sim, req, path, query, read));
    send(sim, req, res, empty(204), cors, { preflight: true });
    return;
  }
  sim.counts.add(name, `${req.method} ${path}`);
  sim.log.add(name, logEntry(sim, req, path, query, read));

  const fault = sim.faults.take(name, req.method, path);
  if (fault?.delayMs) await sleep(fault.delayMs);
  if (fault?.drop) {
    req.socket.destroy();
    return;
  }
  if (fault?.replaces) {
    sendFault(sim, req, res, fault, cors);
    return;
  }

  const nowMs = sim.clock.nowMs();
  const ctx = {
    vendor: name,
    method: req.method,
    path,
    query,
    headers: req.headers,
    cookies: parseCookies(req.headers.cookie),
    body: read.body,
    text: read.body.toString("utf8"),
    ip: clientIp(req.socket),
    nowMs,
    nowSeconds: Math.floor(nowMs / 1000),
    state: vendor.state,
    config: vendor.config,
    params: {},
    principal: undefined,
  };
  send(sim, req, res, answer(vendor, ctx, read.size > MAX_BODY_BYTES), cors, { extraHeaders: fault?.headers });
}

// --- control routes ---------------------------------------------------------------------

async function handleControlRequest(sim, req, res, path, query) {
  const { body } = await readBody(req);
  if (req.method === "OPTIONS") {
    send(sim, req, res, empty(204), CORS_POLICIES.control, { preflight: true });
    return;
  }
  const nowMs = sim.clock.nowMs();
  const ctx = { method: req.method, path, query, headers: req.headers, text: body.toString("utf8"), nowMs, nowSeconds: Math.floor(nowMs / 1000) };
  let response;
  try {
    response = handleControl(sim, ctx);
  } catch (err) {
    console.error("vendor simulator: control route threw", err);
    response = json(500, { error: String(err?.message || err) });
  }
  send(sim, req, res, response, CORS_POLICIES.control);
}

async function handle(sim, req, res) {
  res.on("error", () => {}); // a client that went away must not crash the server
  const { path, query } = splitUrl(req.url);
  const slash = path.indexOf("/", 1);
  const prefix = path.slice(1, slash < 0 ? undefined : slash);
  const rest = slash < 0 ? "/" : path.slice(slash);
  if (prefix === "__sim") return handleControlRequest(sim, req, res, rest, query);
  const vendor = sim.vendors.get(prefix);
  if (vendor) return handleVendor(sim, vendor, req, res, rest, query);
  await readBody(req);
  const index = { error: `no vendor at ${path}`, vendors: [...sim.vendors.keys()].map((v) => `/${v}`), control: "/__sim/" };
  return send(sim, req, res, json(404, index), CORS_POLICIES.control);
}

// --- lifecycle --------------------------------------------------------------------------

/**
 * Starts the simulator. Resolves to { url, port, close(), state } where
 * `state` is the live simulation (clock, counts, log, faults, vendors) for
 * in-process tests.
 */
export async function startSimulator({ port = 0, host = "127.0.0.1" } = {}) {
  const sim = createSimulation(VENDORS);
  const server = http.createServer((req, res) => {
    handle(sim, req, res).catch((err) => {
      console.error("vendor simulator: request failed", err);
      if (!res.headersSent) res.destroy();
    });
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    state: sim,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function portFromArgs(argv, env) {
  const i = argv.findIndex((a) => a === "--port" || a.startsWith("--port="));
  const value = i < 0 ? env.SIM_PORT : argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  if (value === undefined || value === "") return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${value}`);
  return port;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const simulator = await startSimulator({ port: portFromArgs(process.argv.slice(2), process.env) });
  console.log(`vendor simulator listening on ${simulator.url}`);
  const stop = () => simulator.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
