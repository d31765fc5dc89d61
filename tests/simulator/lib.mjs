// Shared mechanics of the vendor simulator. The vendor modules (runbuggy.mjs,
// personr.mjs, emnify.mjs, zumrails.mjs, voipbin.mjs) only declare routes,
// state and error shapes; everything they have in common lives here once:
// the simulated clock, HS256 JWTs, request parsing, responses, CORS, rate
// limiters, call counts, the request log and fault injection.
//
// Only Node built-ins: node:crypto and node:http types.

import { createHmac, randomBytes, randomInt, randomUUID, createHash, timingSafeEqual } from "node:crypto";
import { STATUS_CODES } from "node:http";

export const MAX_BODY_BYTES = 1024 * 1024; // larger request bodies get 413
export const REQUEST_LOG_LIMIT = 500; // entries kept per vendor
export const LOG_BODY_LIMIT = 4096; // bytes of each body kept in the log

// ---------------------------------------------------------------------------
// Simulated clock: real time + an offset the control API moves, so tokens
// expire and rate-limit windows / IP blocks end without waiting.

export function createClock() {
  let offsetMs = 0;
  return {
    nowMs: () => Date.now() + offsetMs,
    get offsetSeconds() {
      return offsetMs / 1000;
    },
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    setOffset(seconds) {
      offsetMs = seconds * 1000;
    },
    reset() {
      offsetMs = 0;
    },
  };
}

/** RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
export const httpDate = (ms) => new Date(ms).toUTCString();

/**
 * "2026-11-30T12:00:00.123456Z": ISO 8601 with 6 fractional digits (Go's
 * style). `micros` (0-999) fills the last three digits.
 */
export const isoMicros = (ms, micros = 0) =>
  new Date(Math.trunc(ms)).toISOString().replace(/Z$/, `${String(micros).padStart(3, "0")}Z`);

// ---------------------------------------------------------------------------
// Random values and hashes

const ALNUM_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + ALNUM_LOWER;

export function randomString(length, alphabet = ALNUM) {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
export const randomLowerAlnum = (length) => randomString(length, ALNUM_LOWER);
export const randomDigits = (length) => randomString(length, "0123456789");
export const randomSecret = () => randomBytes(32);
export const randomUrlSafe = (bytes) => randomBytes(bytes).toString("base64url");
export const uuid = () => randomUUID();
export const sha1Hex = (text) => createHash("sha1").update(text, "utf8").digest("hex");

// ---------------------------------------------------------------------------
// HMAC JWTs: HS256 (most vendors), HS384 (emnify's recorded auth tokens)

const b64urlJson = (value) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
const HMAC_ALGS = { HS256: "sha256", HS384: "sha384" };
const hmac = (alg, input, secret) => createHmac(HMAC_ALGS[alg], secret).update(input).digest();

export function signJwt(claims, secret, alg = "HS256") {
  const signingInput = `${b64urlJson({ alg, typ: "JWT" })}.${b64urlJson(claims)}`;
  return `${signingInput}.${hmac(alg, signingInput, secret).toString("base64url")}`;
}

function parseJsonSegment(segment) {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Verifies an HMAC JWT (`alg`, HS256 by default) against `secret` at
 * `nowSeconds` (simulated clock).
 * Returns { ok: true, claims } or { ok: false, reason } with reason one of
 * "segments" (not three parts), "malformed", "signature", "expired",
 * "not_yet_valid". `exp` and `nbf` are checked only when numeric (a token
 * without `exp` never expires here; VoIPBIN checks its own `expire` claim
 * itself).
 */
export function verifyJwt(token, secret, nowSeconds, alg = "HS256") {
  if (typeof token !== "string") return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "segments" };
  const header = parseJsonSegment(parts[0]);
  const claims = parseJsonSegment(parts[1]);
  if (!header || !claims || header.alg !== alg) return { ok: false, reason: "malformed" };
  const expected = hmac(alg, `${parts[0]}.${parts[1]}`, secret);
  const given = Buffer.from(parts[2], "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature" };
  }
  if (typeof claims.exp === "number" && nowSeconds >= claims.exp) return { ok: false, reason: "expired", claims };
  if (typeof claims.nbf === "number" && nowSeconds < claims.nbf) return { ok: false, reason: "not_yet_valid", claims };
  return { ok: true, claims };
}

// ---------------------------------------------------------------------------
// Responses. Handlers return plain descriptors; server.mjs writes them.

/** JSON response descriptor. */
export const json = (status, body, headers = {}) => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(body),
});

/** Response with an empty body (Content-Length: 0). */
export const empty = (status, headers = {}) => ({ status, headers, body: "" });

/** "Not Found" -> "NotFound": a token-ish name for an HTTP status. */
export const statusName = (status) => (STATUS_CODES[status] || "Error").replace(/[^A-Za-z]/g, "");

/** "Not Found" -> "NOT_FOUND". */
export const statusConstant = (status) => (STATUS_CODES[status] || "Error").toUpperCase().replace(/[^A-Z]+/g, "_");

// ---------------------------------------------------------------------------
// Request parsing. All of it is lenient about garbage: it returns null /
// undefined instead of throwing, and the vendor decides how to answer.

export const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** The parsed JSON body if it is a JSON object, else null (malformed, array, scalar, empty). */
export function parseJsonObject(text) {
  try {
    const value = JSON.parse(text);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** v if it is a non-empty string, else undefined. */
export const nonEmptyString = (v) => (typeof v === "string" && v !== "" ? v : undefined);

export function parseCookies(header) {
  const cookies = Object.create(null);
  if (typeof header !== "string") return cookies;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!(name in cookies)) cookies[name] = safeDecode(value);
  }
  return cookies;
}

export function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** URLSearchParams -> { key: value | [values] } for the request log. */
export function queryToObject(params) {
  const out = Object.create(null);
  for (const [k, v] of params) {
    if (k in out) out[k] = [].concat(out[k], v);
    else out[k] = v;
  }
  return out;
}

/** The token of "Authorization: Bearer <token>" (scheme case-insensitive), else undefined. */
export function bearerToken(headers) {
  const m = /^Bearer +(\S+)\s*$/i.exec(headers.authorization || "");
  return m ? m[1] : undefined;
}

/**
 * "Authorization: Basic base64(user:password)".
 * Returns undefined when there is no Basic header, null when it is undecodable.
 */
export function basicCredentials(headers) {
  const m = /^Basic +(\S*)\s*$/i.exec(headers.authorization || "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Form fields of a multipart/form-data or application/x-www-form-urlencoded
 * body, as { name: value } (first value wins), or null for any other type.
 */
export function parseForm(contentType, body) {
  const type = (contentType || "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries([...new URLSearchParams(body.toString("utf8"))].reverse());
  }
  if (type.startsWith("multipart/form-data")) {
    const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    return m ? parseMultipart(body, m[1] || m[2]) : {};
  }
  return null;
}

function parseMultipart(body, boundary) {
  // latin1 maps bytes 1:1 to chars, so slicing is byte-exact; values are
  // re-decoded as UTF-8 afterwards.
  const fields = Object.create(null);
  const text = body.toString("latin1");
  for (const part of text.split(`--${boundary}`).slice(1)) {
    if (part.startsWith("--")) break; // closing delimiter
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const name = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(part.slice(0, headerEnd));
    if (!name || name[1] in fields) continue;
    const value = part.slice(headerEnd + 4).replace(/\r\n$/, "");
    fields[Buffer.from(name[1], "latin1").toString("utf8")] = Buffer.from(value, "latin1").toString("utf8");
  }
  return fields;
}

/** Normalises "::ffff:127.0.0.1" to "127.0.0.1". */
export const clientIp = (socket) => (socket.remoteAddress || "unknown").replace(/^::ffff:/, "");

// ---------------------------------------------------------------------------
// Routing: "METHOD /path/:param" keys -> { handle, auth? } entries.

export function compileRoutes(table) {
  return Object.entries(table).map(([key, entry]) => {
    const [method, pattern] = key.split(" ");
    const route = typeof entry === "function" ? { handle: entry } : entry;
    return { key, method, segments: pattern.split("/").filter(Boolean), ...route };
  });
}

/** { route, params } | { methodNotAllowed: true } | null */
export function matchRoute(routes, method, path) {
  const segments = path.split("/").filter(Boolean);
  let pathMatched = false;
  for (const route of routes) {
    const params = matchSegments(route.segments, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathMatched = true;
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

function matchSegments(pattern, segments) {
  if (pattern.length !== segments.length) return null;
  const params = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(":")) params[pattern[i].slice(1)] = safeDecode(segments[i]);
    else if (pattern[i] !== segments[i]) return null;
  }
  return params;
}

// ---------------------------------------------------------------------------
// CORS. Browsers only let a page read CORS-safelisted response headers plus
// those named in Access-Control-Expose-Headers — so the vendors that expose
// nothing hide Date and Retry-After from pages, as the real ones do.

export const CORS_POLICIES = Object.freeze({
  /** Reflects the request Origin, no credentials, exposes nothing extra. [inferred] */
  reflectOrigin: Object.freeze({ origin: "reflect", expose: [] }),
  /** emnify [rec]: "*", exposes nothing beyond the safelist (Date, Retry-After hidden). */
  anyOrigin: Object.freeze({ origin: "*", expose: [] }),
  /** VoIPBIN [code]: "*", credentials not allowed, only Content-Length exposed. */
  anyOriginContentLength: Object.freeze({ origin: "*", expose: ["Content-Length"] }),
  /** The control API: any origin, every header readable. */
  control: Object.freeze({ origin: "*", expose: ["*"] }),
});

export const CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/** CORS headers for a request carrying an Origin header (none without one, like most CORS middleware). */
export function corsHeaders(policy, requestHeaders, { preflight = false } = {}) {
  const origin = requestHeaders.origin;
  if (!origin) return {};
  const headers = {};
  if (policy.origin === "reflect") {
    headers["access-control-allow-origin"] = origin;
    headers.vary = "Origin";
  } else {
    headers["access-control-allow-origin"] = policy.origin;
  }
  if (preflight) {
    headers["access-control-allow-methods"] = CORS_METHODS;
    const requested = requestHeaders["access-control-request-headers"];
    if (requested) headers["access-control-allow-headers"] = requested;
  } else if (policy.expose.length) {
    headers["access-control-expose-headers"] = policy.expose.join(", ");
  }
  return headers;
}

// ---------------------------------------------------------------------------
// Rate limiting, all keyed by a string (client IP, or IP + endpoint) and all
// driven by the simulated clock. Limits are passed at each call so a config
// change applies to the very next request.

/** Fixed window that starts at a key's first request (not epoch-aligned, so tests are deterministic). */
export function createFixedWindowLimiter() {
  const windows = new Map();
  return {
    /** Counts one request. Returns { allowed, count, retryAfterSeconds }. */
    hit(key, nowMs, { limit, windowSeconds }) {
      let w = windows.get(key);
      const windowMs = windowSeconds * 1000;
      if (!w || nowMs >= w.start + windowMs || nowMs < w.start) {
        w = { start: nowMs, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return {
        allowed: w.count <= limit,
        count: w.count,
        retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - nowMs) / 1000)),
      };
    },
    clear: () => windows.clear(),
  };
}

/** Token bucket (golang.org/x/time/rate style): `ratePerSecond` refill, `burst` capacity. */
export function createTokenBucketLimiter() {
  const buckets = new Map();
  return {
    take(key, nowMs, { ratePerSecond, burst }) {
      let b = buckets.get(key);
      if (!b) b = { tokens: burst, last: nowMs };
      const elapsed = Math.max(0, nowMs - b.last) / 1000;
      b.tokens = Math.min(burst, b.tokens + elapsed * ratePerSecond);
      b.last = nowMs;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, waitSeconds: ratePerSecond > 0 ? (1 - b.tokens) / ratePerSecond : Infinity };
    },
    clear: () => buckets.clear(),
  };
}

/** Keys blocked until a time on the simulated clock (Zūm Rails blocks an IP for 5 minutes). */
export function createBlockList() {
  const until = new Map();
  return {
    block(key, untilMs) {
      until.set(key, untilMs);
    },
    /** Whole seconds left on the block, 0 when not blocked. */
    secondsLeft(key, nowMs) {
      const end = until.get(key);
      if (end === undefined || nowMs >= end) return 0;
      return Math.ceil((end - nowMs) / 1000);
    },
    clear: () => until.clear(),
  };
}

// ---------------------------------------------------------------------------
// Bookkeeping for tests: call counts, request log, faults.

export function createCallCounter() {
  const counts = new Map(); // vendor -> { "METHOD /path": n }
  return {
    add(vendor, key) {
      if (!counts.has(vendor)) counts.set(vendor, {});
      const map = counts.get(vendor);
      map[key] = (map[key] || 0) + 1;
    },
    get: (vendor) => ({ ...(counts.get(vendor) || {}) }),
    clear: () => counts.clear(),
  };
}

export function createRequestLog(limit = REQUEST_LOG_LIMIT) {
  const logs = new Map(); // vendor -> entries, oldest first
  return {
    add(vendor, entry) {
      if (!logs.has(vendor)) logs.set(vendor, []);
      const list = logs.get(vendor);
      list.push(entry);
      if (list.length > limit) list.splice(0, list.length - limit);
    },
    get: (vendor) => [...(logs.get(vendor) || [])],
    clear: () => logs.clear(),
  };
}

const FAULT_KEYS = new Set(["vendor", "method", "path", "count", "status", "body", "headers", "delayMs", "drop", "bodyBytes", "contentLength"]);
export const MAX_FAULT_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Faults replace (or delay) the next `count` answers of an endpoint.
 * A fault "replaces" when it has status, body, bodyBytes or drop; otherwise
 * (delayMs and/or headers only) the normal answer is sent after the delay
 * with the extra headers.
 */
export function createFaultQueue(vendorNames) {
  let faults = [];
  let nextId = 1;
  return {
    /** Validates and queues a fault spec. Returns { fault } or { error }. */
    add(spec) {
      const error = validateFault(spec, vendorNames);
      if (error) return { error };
      const fault = {
        id: nextId++,
        vendor: spec.vendor,
        method: spec.method ? spec.method.toUpperCase() : null,
        path: spec.path ? normalisePath(spec.path, spec.vendor) : null,
        remaining: spec.count ?? 1,
        status: spec.status,
        body: spec.body === undefined || typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body),
        headers: spec.headers || {},
        delayMs: spec.delayMs || 0,
        drop: spec.drop === true,
        bodyBytes: spec.bodyBytes,
        contentLength: spec.contentLength === true,
      };
      fault.replaces = fault.drop || fault.status !== undefined || fault.body !== undefined || fault.bodyBytes !== undefined;
      faults.push(fault);
      return { fault };
    },
    /** Takes one use of the first fault matching this request, if any. */
    take(vendor, method, path) {
      const fault = faults.find(
        (f) => f.vendor === vendor && (!f.method || f.method === method) && (!f.path || f.path === path),
      );
      if (!fault) return undefined;
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
      return fault;
    },
    list: () => faults.map((f) => ({ ...f })),
    clear() {
      faults = [];
    },
  };
}

function normalisePath(path, vendor) {
  let p = path.split("?")[0];
  if (!p.startsWith("/")) p = `/${p}`;
  if (p === `/${vendor}` || p.startsWith(`/${vendor}/`)) p = p.slice(vendor.length + 1) || "/";
  return p;
}

function validateFault(spec, vendorNames) {
  if (!isPlainObject(spec)) return "body must be a JSON object";
  const unknown = Object.keys(spec).filter((k) => !FAULT_KEYS.has(k));
  if (unknown.length) return `unknown keys: ${unknown.join(", ")}`;
  if (!vendorNames.includes(spec.vendor)) return `vendor must be one of ${vendorNames.join(", ")}`;
  const checks = [
    [spec.method, (v) => typeof v === "string" && /^[A-Za-z]+$/.test(v), "method must be an HTTP method"],
    [spec.path, (v) => typeof v === "string", "path must be a string"],
    [spec.count, (v) => Number.isInteger(v) && v >= 1, "count must be an integer >= 1"],
    [spec.status, (v) => Number.isInteger(v) && v >= 100 && v <= 599, "status must be an integer 100-599"],
    [spec.headers, (v) => isPlainObject(v) && Object.values(v).every((h) => typeof h === "string"), "headers must map names to strings"],
    [spec.delayMs, (v) => Number.isFinite(v) && v >= 0 && v <= 600000, "delayMs must be 0-600000"],
    [spec.drop, (v) => typeof v === "boolean", "drop must be a boolean"],
    [spec.bodyBytes, (v) => Number.isInteger(v) && v >= 0 && v <= MAX_FAULT_BODY_BYTES, `bodyBytes must be 0-${MAX_FAULT_BODY_BYTES}`],
    [spec.contentLength, (v) => typeof v === "boolean", "contentLength must be a boolean"],
  ];
  for (const [value, ok, message] of checks) if (value !== undefined && !ok(value)) return message;
  if (spec.body !== undefined && spec.bodyBytes !== undefined) return "give body or bodyBytes, not both";
  return undefined;
}

// ---------------------------------------------------------------------------
// Per-vendor tunables: each vendor declares a schema
//   { key: { default, type: "integer" | "number" | ["enum", ...], nullable?, min?, doc } }

export const configDefaults = (schema) =>
  Object.fromEntries(Object.entries(schema).map(([key, spec]) => [key, spec.default]));

/** Returns { config } (current merged with patch) or { error }. */
export function applyConfig(schema, current, patch) {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const spec = schema[key];
    if (!spec) return { error: `unknown key "${key}"; known: ${Object.keys(schema).join(", ") || "(none)"}` };
    if (value === null && spec.nullable) {
      next[key] = null;
      continue;
    }
    const valid = Array.isArray(spec.type)
      ? spec.type.includes(value)
      : (spec.type === "integer" ? Number.isInteger(value) : Number.isFinite(value)) && value >= (spec.min ?? -Infinity);
    if (!valid) {
      const expected = Array.isArray(spec.type) ? `one of ${spec.type.join(", ")}` : `${spec.type} >= ${spec.min}`;
      return { error: `"${key}" must be ${expected}${spec.nullable ? " or null" : ""}` };
    }
    next[key] = value;
  }
  return { config: next };
}
