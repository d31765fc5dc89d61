// emnify, under /emnify.
// Models: /work/shared/vendors.md § "emnify (seed 002)",
//         /work/shared/seeds/002_f2a4d015dee14873.txt (Authentication), and,
//         where they differ, vendors.md § "What the real servers were seen to
//         do" › emnify (the Python SDK's recorded cassettes [rec], the Java
//         SDK's OpenAPI spec and the errors / two-factor pages [spec]).
//
// Real base: https://cdn.emnify.net/api ; here the vendor root replaces
// https://cdn.emnify.net, so the paths keep their /api/v1/... prefix.
//
// POST /api/v1/authenticate takes four bodies [doc]:
//   {application_token}                        -> {auth_token}
//   {username, password: SHA-1 hex, fingerprint?} -> {auth_token, refresh_token} | {mfa_token} (MFA user)
//   {mfa_token, code, trusted_device?}         -> {auth_token, refresh_token}
//   {refresh_token}                            -> {auth_token}
// auth_token [rec]: an HS384 JWT with the claims aud, esc.app, api_key,
// esc.org, esc.orgName, iss, exp, iat; it lasts `authTokenLifetimeSeconds`
// (default 604,800 s = 7 days, as in the 2022 and 2024 recordings; one 2022
// recording had 14,400 s). A failed login is 401 with an EMPTY body [spec].
// Three failed logins lock the account for 5 minutes, answered 401 1105 with
// no Retry-After [spec]. A bad bearer token on the API gets the API gateway's
// 401 {"message": "..."} with x-amzn-ErrorType: AccessDeniedException and no
// error_code [rec]. Revoking an application token answers 204 [rec].
// trusted_device may carry name; a password login with the fingerprint of a
// device trusted at an MFA step in the last 90 days skips MFA [spec]. Rate
// limits [doc]: authenticate 100 / 5 min per IP, everything 2,000 / 5 min per
// IP, then 429 1105. CORS [rec]: Access-Control-Allow-Origin: *.
//
// [inferred] choices:
//  - claim values: aud "/api/v1/authenticate", iss "cdn.emnify.net", esc.org 1,
//    esc.orgName "Simulated Organisation", api_key true for application-token
//    logins (false otherwise), esc.app the application token id (0 for user
//    logins); user logins add sub (the username) and esc.usr (the user id);
//    every token adds a jti (two logins in one second differ);
//  - refresh_token: HS256 JWT with exp = iat + 24 h, SINGLE USE (second use 401 1102);
//    an expired one gets 401 1103;
//  - failed logins counted per user: a wrong password (empty 401) or a wrong
//    MFA code (401 1101 "Invalid MFA code"); the third locks the account for 5
//    minutes on the simulated clock; while locked, every login of that account
//    (password or MFA code, even correct) gets 401 1105; a success resets the count;
//  - an unknown user, revoked or past-expiry_date application token: empty 401;
//  - mfa_token: opaque, valid 5 minutes, dies on success; unknown/expired = 401 1102;
//  - gateway messages: no token "Unauthorized"; not three segments "token
//    contains an invalid number of segments" [rec]; bad signature or not an
//    auth token "signature is invalid"; expired "Token is expired" (golang-jwt's texts);
//  - malformed JSON or a body matching none of the four shapes / wrong types
//    = 400 error_code 1000 "BadRequest" (with `errors` for field problems);
//  - expiry_date "YYYY-MM-DD" ends at 00:00:00Z of that day; an application
//    token with an `ip` CIDR used from outside it = 403 1104;
//  - application token create answers 200; PATCH accepts status id 0 or 1 and
//    `description`, answering 204; unknown id = 404;
//  - 429 responses carry Retry-After (seconds to the window's end) — CORS does
//    not expose it, as with the real service;
//  - the refresh token, app tokens, trusted devices and the lock belong to this
//    process only; generic errors (404, 405, 413, 500) use error_code 1000 with
//    the HTTP status name as error_token.

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

const REFRESH_TOKEN_TTL = 24 * 3600; // [inferred]
const MFA_TOKEN_TTL_MS = 5 * 60 * 1000; // [inferred]
const MAX_FAILED_LOGINS = 3; // [spec]
const LOCK_MS = 5 * 60 * 1000; // [spec]
const TRUST_MS = 90 * 86400 * 1000; // [spec]

const ERRORS = {
  1000: [400, "BadRequest", "Bad request"], // [inferred]
  1101: [401, "InvalidCredentials", "Invalid credentials"],
  1102: [401, "InvalidToken", "Invalid token"],
  1103: [401, "TokenExpired", "Token expired"],
  1104: [403, "Forbidden", "Forbidden"],
  1105: [429, "TooManyRequests", "Too many requests"],
};

/** A failed login [spec]: 401 with an empty body. */
const loginFailed = () => empty(401);
/** The account lock-out [spec]: 401 (not 429) 1105, no Retry-After. */
const accountLocked = () =>
  json(401, { error_code: 1105, error_token: "TooManyRequests", message: "Too many failed login attempts, the account is locked for 5 minutes" });
/** The API gateway's rejection of a bearer token [rec]. */
const gatewayDenied = (message) => json(401, { message }, { "x-amzn-errortype": "AccessDeniedException" });

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
    users: new Map([user, mfaUser].map((u) => [u.username, { ...u, failures: 0, lockedUntilMs: 0, trusted: new Map() }])),
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
  const claims = {
    aud: "/api/v1/authenticate",
    "esc.app": appTokenId ?? 0,
    api_key: appTokenId !== undefined,
    "esc.org": 1,
    "esc.orgName": "Simulated Organisation",
    iss: "cdn.emnify.net",
    exp: now + ctx.config.authTokenLifetimeSeconds,
    iat: now,
    ...(appTokenId === undefined ? { sub: user.username, "esc.usr": user.id } : {}),
    jti: uuid(),
  };
  const out = { auth_token: signJwt(claims, ctx.state.secret, "HS384") };
  if (refresh) {
    out.refresh_token = signJwt({ sub: user.username, "esc.usr": user.id, iat: now, jti: uuid(), token_use: "refresh", exp: now + REFRESH_TOKEN_TTL }, ctx.state.secret);
  }
  return json(200, out);
}

/** Verifies a refresh token. Returns { claims } or { response }. */
function verifyRefreshToken(ctx, token) {
  const verdict = verifyJwt(token, ctx.state.secret, ctx.nowSeconds);
  if (verdict.claims?.token_use !== "refresh") return { response: fail(1102) };
  if (verdict.reason === "expired") return { response: fail(1103) };
  if (!verdict.ok) return { response: fail(1102) };
  return { claims: verdict.claims };
}

/** The user an auth token stands for: its application token's creator, or its sub. */
function tokenUser(ctx, claims) {
  if (claims.api_key) {
    const app = ctx.state.appTokens.find((t) => t.id === claims["esc.app"]);
    return app && ctx.state.users.get(app.creator.username);
  }
  return ctx.state.users.get(claims.sub);
}

const GATEWAY_MESSAGES = {
  segments: "token contains an invalid number of segments", // [rec]
  expired: "Token is expired",
};

function authToken(ctx) {
  const token = bearerToken(ctx.headers);
  if (!token) return { response: gatewayDenied("Unauthorized") };
  const verdict = verifyJwt(token, ctx.state.secret, ctx.nowSeconds, "HS384");
  if (!verdict.ok) return { response: gatewayDenied(GATEWAY_MESSAGES[verdict.reason] ?? "signature is invalid") };
  const user = tokenUser(ctx, verdict.claims);
  return user ? { principal: user } : { response: gatewayDenied("Unauthorized") };
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
  if (!app || app.statusId !== 0 || (app.expiresMs !== null && ctx.nowMs >= app.expiresMs)) return loginFailed();
  if (app.ip && !ipInCidr(ctx.ip, app.ip)) return fail(1104, "Application token not allowed from this IP address");
  return issue(ctx, ctx.state.users.get(app.creator.username), { refresh: false, appTokenId: app.id });
}

function withRefreshToken(ctx, body) {
  const token = nonEmptyString(body.refresh_token);
  if (!token) return fieldError("refresh_token", "must be a non-empty string");
  const { claims, response } = verifyRefreshToken(ctx, token);
  if (response) return response;
  const user = ctx.state.users.get(claims.sub);
  if (!user || ctx.state.usedRefreshTokens.has(claims.jti)) return fail(1102);
  ctx.state.usedRefreshTokens.add(claims.jti); // single use
  return issue(ctx, user, { refresh: false });
}

const isLocked = (ctx, user) => ctx.nowMs < user.lockedUntilMs;

/** Counts a failed login of `user`; the third locks the account. */
function failedLogin(ctx, user, response) {
  user.failures += 1;
  if (user.failures >= MAX_FAILED_LOGINS) {
    user.failures = 0;
    user.lockedUntilMs = ctx.nowMs + LOCK_MS;
  }
  return response;
}

function withPassword(ctx, body) {
  const username = nonEmptyString(body.username);
  const password = nonEmptyString(body.password);
  if (!username) return fieldError("username", "must be a non-empty string");
  if (!password) return fieldError("password", "must be a non-empty string");
  if (body.fingerprint !== undefined && !nonEmptyString(body.fingerprint)) return fieldError("fingerprint", "must be a non-empty string");
  const user = ctx.state.users.get(username);
  if (!user) return loginFailed();
  if (isLocked(ctx, user)) return accountLocked();
  // The password must be the SHA-1 hex of the password; the plain text is simply wrong.
  if (password.toLowerCase() !== user.passwordSha1) return failedLogin(ctx, user, loginFailed());
  user.failures = 0;
  const trustedSince = user.trusted.get(body.fingerprint);
  if (!user.mfa || (trustedSince !== undefined && ctx.nowMs < trustedSince + TRUST_MS)) return issue(ctx, user, { refresh: true });
  const mfaToken = randomUrlSafe(24);
  ctx.state.mfaTokens.set(mfaToken, { username: user.username, expiresMs: ctx.nowMs + MFA_TOKEN_TTL_MS });
  return json(200, { mfa_token: mfaToken });
}

function withMfaCode(ctx, body) {
  const mfaToken = nonEmptyString(body.mfa_token);
  if (!mfaToken) return fieldError("mfa_token", "must be a non-empty string");
  if (typeof body.code !== "string" && typeof body.code !== "number") return fieldError("code", "is required");
  const device = body.trusted_device;
  if (device !== undefined && !isPlainObject(device)) return fieldError("trusted_device", "must be an object");
  for (const name of ["fingerprint", "name", "operating_system", "browser"]) {
    if (device?.[name] !== undefined && typeof device[name] !== "string") return fieldError(`trusted_device.${name}`, "must be a string");
  }
  const pending = ctx.state.mfaTokens.get(mfaToken);
  if (!pending || ctx.nowMs >= pending.expiresMs) return fail(1102);
  const user = ctx.state.users.get(pending.username);
  if (isLocked(ctx, user)) return accountLocked();
  if (String(body.code) !== user.mfaCode) return failedLogin(ctx, user, fail(1101, "Invalid MFA code"));
  user.failures = 0;
  ctx.state.mfaTokens.delete(mfaToken);
  if (nonEmptyString(device?.fingerprint)) user.trusted.set(device.fingerprint, ctx.nowMs);
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
  return empty(204); // [rec]
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
  cors: CORS_POLICIES.anyOrigin,
  config: {
    authTokenLifetimeSeconds: { default: 604800, type: "integer", min: 1, doc: "auth_token lifetime (exp - iat) [rec: 604,800 s in 2022 and 2024; 14,400 s once in 2022]" },
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
