// VoIPBIN, under /voipbin.
// Models: /work/shared/vendors.md § "VoIPBIN (seed 004)" and
//         /work/shared/seeds/004_5bbd70ae85591963.txt (Quickstart: Authentication);
// open source, github.com/voipbin/monorepo: bin-api-manager/server/auth.go,
// server/accesskeys.go, lib/middleware/authenticate.go, lib/middleware/ratelimit.go.
//
// Real host: https://api.voipbin.net ; here the vendor root replaces it, so
// login is ROOT/auth/login and the API is ROOT/v1.0/....
//
// [code] facts modelled:
//  - POST /auth/login: bad JSON, missing fields, wrong credentials -> 400, EMPTY body;
//    success -> {username, token} and Set-Cookie token=<jwt>; Path=/; Max-Age=604800; HttpOnly;
//  - the JWT has NO `exp`: expiry is the custom claim "expire" (now + 7 days);
//  - credentials are read in this order: token cookie, ?token=, Authorization
//    Bearer, accesskey cookie, ?accesskey= — the FIRST one present is the only
//    one tried; an access key in the Authorization header is taken as a JWT and fails;
//  - no credential -> 401 AUTHENTICATION_REQUIRED; a bad one -> 401 INVALID_CREDENTIALS;
//  - /auth/* is rate limited per IP by a token bucket (10/s, burst 20).
//
// From vendors.md § "What the real servers were seen to do" › VoIPBIN
// (lib/service/auth.go, pkg/servicehandler/auth.go, lib/middleware/ratelimit.go,
// lib/apierror/envelope.go, server/accesskeys.go, utilhandler/time.go) [code]:
//  - claims are {type: "agent", agent: {…}, expire}; `expire` is
//    "2006-01-02T15:04:05.000000Z" (config expireFormat "zoned", the default)
//    or, before February 2026 / on older installs, "2006-01-02 15:04:05.000000"
//    with no zone, UTC (expireFormat "legacy", with the old `customer` claim
//    holding a JSON string);
//  - the login also sets an HttpOnly `token` cookie, read before the header;
//  - 429: {"error":{"status":"RESOURCE_EXHAUSTED","reason":"RATE_LIMIT_EXCEEDED",
//    "message","details":[{"limited_by":"ip"}]}} with Retry-After in whole
//    seconds, rounded up;
//  - access-key errors are JSON envelopes: 400 INVALID_ARGUMENT, 404 NOT_FOUND;
//  - next_page_token on every non-empty page, the last one included; the page
//    after the last is empty (next_page_token "");
//  - tm_update / tm_delete of a live key are "9999-01-01T00:00:00.000000Z";
//    `expire` is a 32-bit integer (at most 2,147,483,647).
//
// [inferred] choices:
//  - POST /accesskeys: `expire` (seconds) is required and must be an integer
//    86400..2147483647, else 400 INVALID_ARGUMENT;
//  - access key token = "vb_" + 32 alphanumerics; token_prefix = its first 11 chars;
//    tm_* are "YYYY-MM-DDTHH:MM:SS.ffffffZ" strings;
//  - list: newest first, page_size 1..100 (default 10, else 400 INVALID_ARGUMENT),
//    next_page_token = tm_create of the page's last item; deleted keys are not listed;
//  - GET/PUT of an unknown or deleted key = 404 NOT_FOUND; DELETE of a deleted key returns it again;
//  - the envelope's message texts and the agent claim's fields;
//  - CORS exposes only Content-Length, so pages cannot read Retry-After;
//  - unknown routes and other generic errors (404, 405, 413, 500) have an empty body.

import { CREDENTIALS } from "./credentials.mjs";
import {
  CORS_POLICIES,
  bearerToken,
  createTokenBucketLimiter,
  empty,
  isoMicros,
  json,
  nonEmptyString,
  parseJsonObject,
  randomSecret,
  randomString,
  signJwt,
  uuid,
  verifyJwt,
} from "./lib.mjs";

const LOGIN_TOKEN_TTL_SECONDS = 7 * 24 * 3600; // [doc + code]
const MIN_ACCESSKEY_EXPIRE = 86400;
const MAX_ACCESSKEY_EXPIRE = 2147483647; // a 32-bit integer [code]
const NOT_SET = "9999-01-01T00:00:00.000000Z"; // tm_update / tm_delete of a live key [code]
const CUSTOMER = Object.freeze({
  id: "5e4a0680-804e-11ec-8477-2fea5968d85b",
  username: CREDENTIALS.voipbin.username,
  name: "Simulated customer",
  detail: "voipbin simulator account",
});
const AGENT = Object.freeze({
  id: "9b1f9a40-804e-11ec-9d6c-2bd0bd2c4e30",
  customer_id: CUSTOMER.id,
  username: CREDENTIALS.voipbin.username,
  name: "Simulated agent",
  permission: 1,
});

const badLogin = () => empty(400);
/** VoIPBIN's error envelope [code]. */
const envelope = (httpStatus, status, reason, message, extra = {}, headers = {}) =>
  json(httpStatus, { error: { status, reason, message, request_id: uuid(), ...extra } }, headers);
const invalidArgument = (message) => envelope(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message);
const notFound = () => envelope(404, "NOT_FOUND", "NOT_FOUND", "The access key was not found.");
const unauthenticated = (reason, message) => envelope(401, "UNAUTHENTICATED", reason, message);

/** "2006-01-02T15:04:05.000000Z", or the legacy "2006-01-02 15:04:05.000000" (UTC, no zone). */
const expireText = (ms, format) => (format === "legacy" ? isoMicros(ms).replace("T", " ").replace(/Z$/, "") : isoMicros(ms));
/** Reads both `expire` formats; the legacy one is UTC. */
const parseExpire = (text) => (typeof text === "string" ? Date.parse(/Z$/.test(text) ? text : `${text.replace(" ", "T")}Z`) : NaN);

function createState({ nowMs }) {
  const state = { secret: randomSecret(), accessKeys: [], lastCreateMicros: 0, bucket: createTokenBucketLimiter() };
  addAccessKey(state, nowMs, {
    name: "pre-provisioned",
    detail: "simulator access key",
    token: CREDENTIALS.voipbin.accessKey,
    expireSeconds: 10 * 365 * 24 * 3600,
  });
  return state;
}

// --- access key records ------------------------------------------------------------

function addAccessKey(state, nowMs, { name, detail, token, expireSeconds }) {
  // Strictly increasing creation times, so tm_create works as a page token.
  const micros = Math.max(Math.trunc(nowMs) * 1000, state.lastCreateMicros + 1);
  state.lastCreateMicros = micros;
  const key = {
    id: uuid(),
    customer_id: CUSTOMER.id,
    name,
    detail,
    token,
    token_prefix: token.slice(0, 11),
    tm_expire: isoMicros(nowMs + expireSeconds * 1000),
    tm_create: isoMicros(Math.floor(micros / 1000), micros % 1000),
    tm_update: NOT_SET,
    tm_delete: NOT_SET,
  };
  state.accessKeys.push(key);
  return key;
}

/** The public view: everything but the token (shown once, at creation). */
const publicView = ({ token, ...rest }) => rest;
const isLive = (key) => key.tm_delete === NOT_SET;
const liveKey = (ctx) => ctx.state.accessKeys.find((k) => k.id === ctx.params.id && isLive(k));

// --- authentication -------------------------------------------------------------------

/** First credential present, in the server's order; { kind, value } or undefined. */
function findCredential(ctx) {
  const sources = [
    ["token", ctx.cookies.token],
    ["token", ctx.query.get("token")],
    ["token", /^Bearer /.test(ctx.headers.authorization || "") ? bearerToken(ctx.headers) : undefined],
    ["accesskey", ctx.cookies.accesskey],
    ["accesskey", ctx.query.get("accesskey")],
  ];
  const found = sources.find(([, value]) => nonEmptyString(value));
  return found && { kind: found[0], value: found[1] };
}

function loginTokenValid(ctx, token) {
  const verdict = verifyJwt(token, ctx.state.secret, ctx.nowSeconds);
  const expire = verdict.ok ? parseExpire(verdict.claims.expire) : NaN;
  return !Number.isNaN(expire) && ctx.nowMs < expire;
}

function accessKeyValid(ctx, token) {
  const key = ctx.state.accessKeys.find((k) => k.token === token);
  return Boolean(key && isLive(key) && ctx.nowMs < Date.parse(key.tm_expire));
}

function authenticate(ctx) {
  const credential = findCredential(ctx);
  if (!credential) return { response: unauthenticated("AUTHENTICATION_REQUIRED", "Authentication is required.") };
  const valid = credential.kind === "token" ? loginTokenValid(ctx, credential.value) : accessKeyValid(ctx, credential.value);
  if (!valid) return { response: unauthenticated("INVALID_CREDENTIALS", "The provided credentials are invalid.") };
  return { principal: CUSTOMER };
}

// --- handlers ----------------------------------------------------------------------------

function login(ctx) {
  const body = parseJsonObject(ctx.text);
  const username = nonEmptyString(body?.username);
  const password = nonEmptyString(body?.password);
  const expected = CREDENTIALS.voipbin;
  if (!username || !password || username !== expected.username || password !== expected.password) return badLogin();
  const { expireFormat } = ctx.config;
  const expire = expireText(ctx.nowMs + LOGIN_TOKEN_TTL_SECONDS * 1000, expireFormat);
  const claims = expireFormat === "legacy" ? { customer: JSON.stringify(CUSTOMER), expire } : { type: "agent", agent: AGENT, expire };
  const token = signJwt(claims, ctx.state.secret);
  return json(200, { username, token }, { "set-cookie": `token=${token}; Path=/; Max-Age=${LOGIN_TOKEN_TTL_SECONDS}; HttpOnly` });
}

function createAccessKey(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return invalidArgument("The request body is not valid JSON.");
  const { name = "", detail = "", expire } = body;
  if (typeof name !== "string" || typeof detail !== "string") return invalidArgument("name and detail must be strings.");
  if (!Number.isInteger(expire) || expire < MIN_ACCESSKEY_EXPIRE || expire > MAX_ACCESSKEY_EXPIRE) {
    return invalidArgument(`expire must be an integer from ${MIN_ACCESSKEY_EXPIRE} to ${MAX_ACCESSKEY_EXPIRE} seconds.`);
  }
  const key = addAccessKey(ctx.state, ctx.nowMs, { name, detail, token: `vb_${randomString(32)}`, expireSeconds: expire });
  return json(200, key); // the only response that carries the token
}

function listAccessKeys(ctx) {
  const pageSize = ctx.query.has("page_size") ? Number(ctx.query.get("page_size")) : 10;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return invalidArgument("page_size must be from 1 to 100.");
  const pageToken = ctx.query.get("page_token") || "";
  const live = ctx.state.accessKeys
    .filter(isLive)
    .sort((a, b) => (a.tm_create < b.tm_create ? 1 : -1)) // newest first
    .filter((k) => !pageToken || k.tm_create < pageToken);
  const page = live.slice(0, pageSize);
  // A token on every non-empty page, the last one included [code].
  return json(200, { result: page.map(publicView), next_page_token: page.length ? page[page.length - 1].tm_create : "" });
}

function getAccessKey(ctx) {
  const key = liveKey(ctx);
  return key ? json(200, publicView(key)) : notFound();
}

function updateAccessKey(ctx) {
  const key = liveKey(ctx);
  if (!key) return notFound();
  const body = parseJsonObject(ctx.text);
  if (!body) return invalidArgument("The request body is not valid JSON.");
  const { name = "", detail = "" } = body;
  if (typeof name !== "string" || typeof detail !== "string") return invalidArgument("name and detail must be strings.");
  Object.assign(key, { name, detail, tm_update: isoMicros(ctx.nowMs) });
  return json(200, publicView(key));
}

function deleteAccessKey(ctx) {
  const key = ctx.state.accessKeys.find((k) => k.id === ctx.params.id);
  if (!key) return notFound();
  if (isLive(key)) key.tm_delete = isoMicros(ctx.nowMs);
  return json(200, publicView(key));
}

// --- limits ---------------------------------------------------------------------------------

function guard(ctx) {
  if (!ctx.path.startsWith("/auth/")) return undefined;
  const { ratePerSecond, burst } = ctx.config;
  const verdict = ctx.state.bucket.take(ctx.ip, ctx.nowMs, { ratePerSecond, burst });
  if (verdict.allowed) return undefined;
  // Whole seconds until a token is back, rounded up [code].
  const retryAfter = Number.isFinite(verdict.waitSeconds) ? Math.max(1, Math.ceil(verdict.waitSeconds)) : 60;
  return envelope(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", "Too many requests. Please try again later.", { details: [{ limited_by: "ip" }] }, { "retry-after": String(retryAfter) });
}

export default {
  name: "voipbin",
  cors: CORS_POLICIES.anyOriginContentLength,
  config: {
    ratePerSecond: { default: 10, type: "number", min: 0, doc: "token refill per second for /auth/* per client IP [code: 10]" },
    burst: { default: 20, type: "integer", min: 0, doc: "token bucket capacity for /auth/* [code: 20]" },
    expireFormat: { default: "zoned", type: ["zoned", "legacy"], doc: "login tokens' expire claim: \"2006-01-02T15:04:05.000000Z\" with {type, agent}, or the pre-2026 \"2006-01-02 15:04:05.000000\" with a customer JSON string [code]" },
  },
  createState,
  error: (status) => empty(status),
  guard,
  routes: {
    "POST /auth/login": login,
    "GET /v1.0/accesskeys": { auth: authenticate, handle: listAccessKeys },
    "POST /v1.0/accesskeys": { auth: authenticate, handle: createAccessKey },
    "GET /v1.0/accesskeys/:id": { auth: authenticate, handle: getAccessKey },
    "PUT /v1.0/accesskeys/:id": { auth: authenticate, handle: updateAccessKey },
    "DELETE /v1.0/accesskeys/:id": { auth: authenticate, handle: deleteAccessKey },
  },
};
