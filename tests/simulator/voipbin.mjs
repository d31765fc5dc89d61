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
//  - the JWT has NO `exp`: expiry is the custom claim "expire" (now + 7 days,
//    "YYYY-MM-DDTHH:MM:SS.ffffffZ"); the `customer` claim is a JSON *string* (as in the seed's token);
//  - credentials are read in this order: token cookie, ?token=, Authorization
//    Bearer, accesskey cookie, ?accesskey= — the FIRST one present is the only
//    one tried; an access key in the Authorization header is taken as a JWT and fails;
//  - no credential -> 401 AUTHENTICATION_REQUIRED; a bad one -> 401 INVALID_CREDENTIALS;
//  - access key handlers answer every failure with 400 and an empty body;
//  - /auth/* is rate limited per IP by a token bucket (10/s, burst 20).
//
// [inferred] choices:
//  - POST /accesskeys: `expire` (seconds) is required and must be an integer >= 86400, else 400;
//  - access key token = "vb_" + 32 alphanumerics; token_prefix = its first 11 chars;
//    tm_* are "YYYY-MM-DDTHH:MM:SS.ffffffZ" strings, tm_update/tm_delete null until set;
//  - list: newest first, page_size 1..100 (default 10, else 400), next_page_token =
//    tm_create of the page's last item when more items follow, "" when done
//    (the real server returns a token for every non-empty page); deleted keys are not listed;
//  - GET/PUT of an unknown or deleted key = 400; DELETE of a deleted key returns it again;
//  - 429 body {"error":{"status":"RATE_LIMIT_EXCEEDED","message",...}} with Retry-After: 1
//    (CORS exposes only Content-Length, so pages cannot read it);
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
const CUSTOMER = Object.freeze({
  id: "5e4a0680-804e-11ec-8477-2fea5968d85b",
  username: CREDENTIALS.voipbin.username,
  name: "Simulated customer",
  detail: "voipbin simulator account",
});

const badRequest = () => empty(400);
const unauthenticated = (reason, message) =>
  json(401, { error: { status: "UNAUTHENTICATED", reason, message, request_id: uuid() } });

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
    tm_update: null,
    tm_delete: null,
  };
  state.accessKeys.push(key);
  return key;
}

/** The public view: everything but the token (shown once, at creation). */
const publicView = ({ token, ...rest }) => rest;
const liveKey = (ctx) => ctx.state.accessKeys.find((k) => k.id === ctx.params.id && k.tm_delete === null);

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
  const expire = verdict.ok ? Date.parse(verdict.claims.expire) : NaN;
  return !Number.isNaN(expire) && ctx.nowMs < expire;
}

function accessKeyValid(ctx, token) {
  const key = ctx.state.accessKeys.find((k) => k.token === token);
  return Boolean(key && key.tm_delete === null && ctx.nowMs < Date.parse(key.tm_expire));
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
  if (!username || !password || username !== expected.username || password !== expected.password) return badRequest();
  const token = signJwt(
    { customer: JSON.stringify(CUSTOMER), expire: isoMicros(ctx.nowMs + LOGIN_TOKEN_TTL_SECONDS * 1000) },
    ctx.state.secret,
  );
  return json(200, { username, token }, { "set-cookie": `token=${token}; Path=/; Max-Age=${LOGIN_TOKEN_TTL_SECONDS}; HttpOnly` });
}

function createAccessKey(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return badRequest();
  const { name = "", detail = "", expire } = body;
  if (typeof name !== "string" || typeof detail !== "string") return badRequest();
  if (!Number.isInteger(expire) || expire < MIN_ACCESSKEY_EXPIRE) return badRequest();
  const key = addAccessKey(ctx.state, ctx.nowMs, { name, detail, token: `vb_${randomString(32)}`, expireSeconds: expire });
  return json(200, key); // the only response that carries the token
}

function listAccessKeys(ctx) {
  const pageSize = ctx.query.has("page_size") ? Number(ctx.query.get("page_size")) : 10;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return badRequest();
  const pageToken = ctx.query.get("page_token") || "";
  const live = ctx.state.accessKeys
    .filter((k) => k.tm_delete === null)
    .sort((a, b) => (a.tm_create < b.tm_create ? 1 : -1)) // newest first
    .filter((k) => !pageToken || k.tm_create < pageToken);
  const page = live.slice(0, pageSize);
  const more = live.length > pageSize;
  return json(200, { result: page.map(publicView), next_page_token: more ? page[page.length - 1].tm_create : "" });
}

function getAccessKey(ctx) {
  const key = liveKey(ctx);
  return key ? json(200, publicView(key)) : badRequest();
}

function updateAccessKey(ctx) {
  const key = liveKey(ctx);
  const body = parseJsonObject(ctx.text);
  if (!key || !body) return badRequest();
  const { name = "", detail = "" } = body;
  if (typeof name !== "string" || typeof detail !== "string") return badRequest();
  Object.assign(key, { name, detail, tm_update: isoMicros(ctx.nowMs) });
  return json(200, publicView(key));
}

function deleteAccessKey(ctx) {
  const key = ctx.state.accessKeys.find((k) => k.id === ctx.params.id);
  if (!key) return badRequest();
  key.tm_delete ??= isoMicros(ctx.nowMs);
  return json(200, publicView(key));
}

// --- limits ---------------------------------------------------------------------------------

function guard(ctx) {
  if (!ctx.path.startsWith("/auth/")) return undefined;
  const { ratePerSecond, burst } = ctx.config;
  if (ctx.state.bucket.take(ctx.ip, ctx.nowMs, { ratePerSecond, burst }).allowed) return undefined;
  return json(
    429,
    { error: { status: "RATE_LIMIT_EXCEEDED", reason: "RATE_LIMIT_EXCEEDED", message: "Too many requests. Please try again later.", request_id: uuid() } },
    { "retry-after": "1" },
  );
}

export default {
  name: "voipbin",
  cors: CORS_POLICIES.anyOriginContentLength,
  config: {
    ratePerSecond: { default: 10, type: "number", min: 0, doc: "token refill per second for /auth/* per client IP [code: 10]" },
    burst: { default: 20, type: "integer", min: 0, doc: "token bucket capacity for /auth/* [code: 20]" },
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
