// emnify, under /emnify.
// Models: /work/shared/vendors.md § "emnify (seed 002)" and
//         /work/shared/seeds/002_f2a4d015dee14873.txt (Authentication).
//
// Real base: https://cdn.emnify.net/api ; here the vendor root replaces
// https://cdn.emnify.net, so the paths keep their /api/v1/... prefix.
//
// POST /api/v1/authenticate takes four bodies [doc]:
//   {application_token}                  -> {auth_token}
//   {username, password: SHA-1 hex}      -> {auth_token, refresh_token} | {mfa_token} (MFA user)
//   {mfa_token, code, trusted_device?}   -> {auth_token, refresh_token}
//   {refresh_token}                      -> {auth_token}
// auth_token: HS256 JWT, exp = iat + 240 min [doc]. Three failed MFA codes lock
// the account for 5 minutes [doc]. Rate limits [doc]: authenticate 100 / 5 min
// per IP, everything 2,000 / 5 min per IP, then 429 1105.
//
// [inferred] choices:
//  - refresh_token: HS256 JWT with exp = iat + 24 h, SINGLE USE (second use 401 1102);
//    an expired one gets 401 1103;
//  - while locked, every login of that account (password or MFA code, even
//    correct) gets 401 1101 "Account locked"; the third wrong code itself still
//    gets the ordinary 1101; the lock ends 5 minutes later on the simulated clock;
//  - mfa_token: opaque, valid 5 minutes, dies on success; unknown/expired = 401 1102;
//  - malformed JSON or a body matching none of the four shapes / wrong types
//    = 400 error_code 1000 "BadRequest" (with `errors` for field problems);
//  - a revoked or past-expiry_date application token = 401 1101; expiry_date
//    "YYYY-MM-DD" ends at 00:00:00Z of that day; an application token with an
//    `ip` CIDR used from outside it = 403 1104;
//  - application token create answers 200; PATCH accepts status id 0 or 1 and
//    `description`, answering 200 with an empty body; unknown id = 404;
//  - 429 responses carry Retry-After (seconds to the window's end) — CORS does
//    not expose it, as with the real service;
//  - the refresh token, app tokens and the lock belong to this process only;
//    generic errors (404, 405, 413, 500) use error_code 1000 with the HTTP
//    status name as error_token.

import { isIPv4 } from "node:net";
import { CREDENTIALS } from "./credentials.mjs";
import {
  CORS_POLICIES,
  bearerToken,
  createFixedWindowLimiter,
  empty,
  isPlainObject,
  json,
  nonEmptyString,
  parseJsonObject,
  randomSecret,
  randomUrlSafe,
  sha1Hex,
  signJwt,
  statusName,
  uuid,
  verifyJwt,
} from "./lib.mjs";

const AUTH_TOKEN_TTL = 240 * 60; // [doc]
const REFRESH_TOKEN_TTL = 24 * 3600; // [inferred]
const MFA_TOKEN_TTL_MS = 5 * 60 * 1000; // [inferred]
const MFA_MAX_FAILURES = 3; // [doc]
const MFA_LOCK_MS = 5 * 60 * 1000; // [doc]

const ERRORS = {
  1000: [400, "BadRequest", "Bad request"], // [inferred]
  1101: [401, "InvalidCredentials", "Invalid credentials"],
  1102: [401, "InvalidToken", "Invalid token"],
  1103: [401, "TokenExpired", "Token expired"],
  1104: [403, "Forbidden", "Forbidden"],
  1105: [429, "TooManyRequests", "Too many requests"],
};

function fail(code, message, { errors, headers } = {}) {
  const [status, token, defaultMessage] = ERRORS[code];
  const body = { error_code: code, error_token: token, message: message || defaultMessage };
  if (errors) body.errors = errors;
  return json(status, body, headers);
}
const badRequest = (message, errors) => fail(1000, message, { errors });
const fieldError = (field, message) => badRequest("Validation failed", [{ field, message }]);

const ENDPOINTS = Object.freeze([
  { id: 1, name: "sim-endpoint-1", status: { id: 0, description: "Enabled" }, ip_address: "100.64.0.1", imei: "350000000000001" },
  { id: 2, name: "sim-endpoint-2", status: { id: 1, description: "Disabled" }, ip_address: "100.64.0.2", imei: "350000000000002" },
]);

function createState({ nowMs }) {
  const c = CREDENTIALS.emnify;
  const user = { id: 1, username: c.username, passwordSha1: sha1Hex(c.password), mfa: false };
  const mfaUser = { id: 2, username: c.mfaUsername, passwordSha1: sha1Hex(c.mfaPassword), mfa: true, mfaCode: c.mfaCode };
  return {
    secret: randomSecret(), // new on reset: tokens issued before a reset stop verifying
    users: new Map([user, mfaUser].map((u) => [u.username, { ...u, failures: 0, lockedUntilMs: 0 }])),
    appTokens: [
      { id: 1, token: c.applicationToken, description: "Pre-provisioned token", createdMs: nowMs, statusId: 0, expiryDate: null, expiresMs: null, ip: null, creator: { id: user.id, username: user.username } },
    ],
    nextAppTokenId: 2,
    mfaTokens: new Map(), // token -> { username, expiresMs }
    usedRefreshTokens: new Set(), // jti
    windows: createFixedWindowLimiter(),
  };
}

// --- tokens --------------------------------------------------------------------

function issue(ctx, user, { refresh, appTokenId }) {
  const now = ctx.nowSeconds;
  const base = { sub: user.username, "esc.usr": user.id, iat: now };
  const out = {
    auth_token: signJwt({ ...base, jti: uuid(), token_use: "auth", exp: now + AUTH_TOKEN_TTL, ...(appTokenId ? { "esc.app": appTokenId } : {}) }, ctx.state.secret),
  };
  if (refresh) out.refresh_token = signJwt({ ...base, jti: uuid(), token_use: "refresh", exp: now + REFRESH_TOKEN_TTL }, ctx.state.secret);
  return json(200, out);
}

/** Verifies one of our JWTs of the given use. Returns { claims } or { response }. */
function verifyOwnJwt(ctx, token, use) {
  const verdict = verifyJwt(token, ctx.state.secret, ctx.nowSeconds);
  if (verdict.claims?.token_use !== use) return { response: fail(1102) };
  if (verdict.reason === "expired") return { response: fail(1103) };
  if (!verdict.ok) return { response: fail(1102) };
  return { claims: verdict.claims };
}

function authToken(ctx) {
  const token = bearerToken(ctx.headers);
  if (!token) return { response: fail(1102) };
  const { claims, response } = verifyOwnJwt(ctx, token, "auth");
  if (response) return { response };
  const user = ctx.state.users.get(claims.sub);
  return user ? { principal: user } : { response: fail(1102) };
}

// --- POST /api/v1/authenticate --------------------------------------------------

function authenticate(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return badRequest("Malformed JSON body");
  if ("application_token" in body) return withApplicationToken(ctx, body);
  if ("refresh_token" in body) return withRefreshToken(ctx, body);
  if ("mfa_token" in body) return withMfaCode(ctx, body);
  if ("username" in body || "password" in body) return withPassword(ctx, body);
  return badRequest("Expected application_token, username and password, mfa_token and code, or refresh_token");
}

function withApplicationToken(ctx, body) {
  const token = nonEmptyString(body.application_token);
  if (!token) return fieldError("application_token", "must be a non-empty string");
  const app = ctx.state.appTokens.find((t) => t.token === token);
  if (!app || app.statusId !== 0 || (app.expiresMs !== null && ctx.nowMs >= app.expiresMs)) return fail(1101);
  if (app.ip && !ipInCidr(ctx.ip, app.ip)) return fail(1104, "Application token not allowed from this IP address");
  return issue(ctx, ctx.state.users.get(app.creator.username), { refresh: false, appTokenId: app.id });
}

function withRefreshToken(ctx, body) {
  const token = nonEmptyString(body.refresh_token);
  if (!token) return fieldError("refresh_token", "must be a non-empty string");
  const { claims, response } = verifyOwnJwt(ctx, token, "refresh");
  if (response) return response;
  const user = ctx.state.users.get(claims.sub);
  if (!user || ctx.state.usedRefreshTokens.has(claims.jti)) return fail(1102);
  ctx.state.usedRefreshTokens.add(claims.jti); // single use
  return issue(ctx, user, { refresh: false });
}

const isLocked = (ctx, user) => ctx.nowMs < user.lockedUntilMs;
const accountLocked = () => fail(1101, "Account locked");

function withPassword(ctx, body) {
  const username = nonEmptyString(body.username);
  const password = nonEmptyString(body.password);
  if (!username) return fieldError("username", "must be a non-empty string");
  if (!password) return fieldError("password", "must be a non-empty string");
  const user = ctx.state.users.get(username);
  // The password must be the SHA-1 hex of the password; the plain text is simply wrong.
  if (!user || password.toLowerCase() !== user.passwordSha1) return fail(1101);
  if (isLocked(ctx, user)) return accountLocked();
  if (!user.mfa) return issue(ctx, user, { refresh: true });
  const mfaToken = randomUrlSafe(24);
  ctx.state.mfaTokens.set(mfaToken, { username: user.username, expiresMs: ctx.nowMs + MFA_TOKEN_TTL_MS });
  return json(200, { mfa_token: mfaToken });
}

function withMfaCode(ctx, body) {
  const mfaToken = nonEmptyString(body.mfa_token);
  if (!mfaToken) return fieldError("mfa_token", "must be a non-empty string");
  if (typeof body.code !== "string" && typeof body.code !== "number") return fieldError("code", "is required");
  if (body.trusted_device !== undefined && !isPlainObject(body.trusted_device)) return fieldError("trusted_device", "must be an object");
  const pending = ctx.state.mfaTokens.get(mfaToken);
  if (!pending || ctx.nowMs >= pending.expiresMs) return fail(1102);
  const user = ctx.state.users.get(pending.username);
  if (isLocked(ctx, user)) return accountLocked();
  if (String(body.code) !== user.mfaCode) {
    user.failures += 1;
    if (user.failures >= MFA_MAX_FAILURES) {
      user.failures = 0;
      user.lockedUntilMs = ctx.nowMs + MFA_LOCK_MS;
    }
    return fail(1101, "Invalid MFA code");
  }
  user.failures = 0;
  ctx.state.mfaTokens.delete(mfaToken);
  return issue(ctx, user, { refresh: true });
}

// --- application tokens ------------------------------------------------------------

const STATUS = { 0: { id: 0, description: "Activated" }, 1: { id: 1, description: "Revoked" } };

function createApplicationToken(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return badRequest("Malformed JSON body");
  const { description = null, expiry_date: expiryDate = null, ip = null } = body;
  if (description !== null && typeof description !== "string") return fieldError("description", "must be a string");
  const expiresMs = typeof expiryDate === "string" ? Date.parse(expiryDate) : NaN;
  if (expiryDate !== null && Number.isNaN(expiresMs)) return fieldError("expiry_date", "must be an ISO 8601 date");
  if (ip !== null && !parseCidr(ip)) return fieldError("ip", "must be an IPv4 CIDR such as 192.0.2.0/24");
  const token = randomUrlSafe(48);
  ctx.state.appTokens.push({
    id: ctx.state.nextAppTokenId++,
    token,
    description,
    createdMs: ctx.nowMs,
    statusId: 0,
    expiryDate,
    expiresMs: expiryDate === null ? null : expiresMs,
    ip,
    creator: { id: ctx.principal.id, username: ctx.principal.username },
  });
  return json(200, { application_token: token });
}

function listApplicationTokens(ctx) {
  // Never the token value itself.
  return json(
    200,
    ctx.state.appTokens.map((t) => ({
      id: t.id,
      description: t.description,
      created: new Date(t.createdMs).toISOString(),
      status: STATUS[t.statusId],
      expiry_date: t.expiryDate,
      ip: t.ip,
      creator: t.creator,
    })),
  );
}

function updateApplicationToken(ctx) {
  const app = ctx.state.appTokens.find((t) => String(t.id) === ctx.params.id);
  if (!app) return genericError(404, "Application token not found");
  const body = parseJsonObject(ctx.text);
  if (!body) return badRequest("Malformed JSON body");
  if (body.status !== undefined && !(isPlainObject(body.status) && (body.status.id === 0 || body.status.id === 1))) {
    return fieldError("status", "must be {\"id\": 0} (activated) or {\"id\": 1} (revoked)");
  }
  if (body.description !== undefined && typeof body.description !== "string") return fieldError("description", "must be a string");
  // Revoking stops new logins with this token; auth tokens already issued stay valid to their exp [doc].
  if (body.status) app.statusId = body.status.id;
  if (body.description !== undefined) app.description = body.description;
  return empty(200);
}

const listEndpoints = () => json(200, ENDPOINTS);

// --- IPv4 CIDR ------------------------------------------------------------------------

const ipv4ToInt = (ip) => ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);

function parseCidr(cidr) {
  const m = typeof cidr === "string" && /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) return null;
  return { base: ipv4ToInt(m[1]), bits: Number(m[2]) };
}

function ipInCidr(ip, cidr) {
  const range = parseCidr(cidr);
  if (!range || !isIPv4(ip)) return false;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ipv4ToInt(ip) / size) === Math.floor(range.base / size);
}

// --- errors, limits -------------------------------------------------------------------

function genericError(status, message) {
  return json(status, { error_code: 1000, error_token: statusName(status), message });
}

function guard(ctx) {
  const { windowSeconds, overallLimit, authenticateLimit } = ctx.config;
  const checks = [[`overall ${ctx.ip}`, overallLimit]];
  if (ctx.method === "POST" && ctx.path === "/api/v1/authenticate") checks.push([`authenticate ${ctx.ip}`, authenticateLimit]);
  for (const [key, limit] of checks) {
    const r = ctx.state.windows.hit(key, ctx.nowMs, { limit, windowSeconds });
    if (!r.allowed) return fail(1105, undefined, { headers: { "retry-after": String(r.retryAfterSeconds) } });
  }
  return undefined;
}

export default {
  name: "emnify",
  cors: CORS_POLICIES.reflectOrigin,
  config: {
    authenticateLimit: { default: 100, type: "integer", min: 0, doc: "POST /api/v1/authenticate requests per window per client IP [doc: 100 / 5 min]" },
    overallLimit: { default: 2000, type: "integer", min: 0, doc: "requests of any kind per window per client IP [doc: 2,000 / 5 min]" },
    windowSeconds: { default: 300, type: "integer", min: 1, doc: "length of both fixed windows, started by an IP's first request" },
  },
  createState,
  error: genericError,
  guard,
  routes: {
    "POST /api/v1/authenticate": authenticate,
    "POST /api/v1/application_token": { auth: authToken, handle: createApplicationToken },
    "GET /api/v1/application_token": { auth: authToken, handle: listApplicationTokens },
    "PATCH /api/v1/application_token/:id": { auth: authToken, handle: updateApplicationToken },
    "GET /api/v1/endpoint": { auth: authToken, handle: listEndpoints },
  },
};
