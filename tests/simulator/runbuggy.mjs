// RunBuggy, under /runbuggy.
// Models: /work/shared/vendors.md § "RunBuggy (seed 000)" and
//         /work/shared/seeds/000_d95fd15bd7699c11.txt (Authentication page).
//
// Real hosts: accounts base https://apps.runbuggy.com/runbuggy/accounts
// (staging .../staging/accounts), API base https://apps.runbuggy.com/v2/api
// (staging .../staging/api). Here both live under one vendor root, so a client
// configured with root R uses R/accounts/... and R/api/....
//
// Flow: the user logs in on the web (password-less email link) and copies the
// short-lived session JWT; the simulator mints that JWT through the control
// API (GET /__sim/runbuggy/session-jwt). The JWT is exchanged once for a
// long-lasting API token, which every API call sends as a bearer token.
//
// From vendors.md § "What the real servers were seen to do" › RunBuggy: a bad
// request to RunBuggy's auth endpoints got 400 with an EMPTY text/plain body
// [rec]; its JWTs carry sub, userId, rbuser, exp and NO iat [doc]; the
// {code, message, field} 400 belongs to the Orders API.
//
// [inferred] choices (vendors.md says the response is undocumented):
//  - the exchange answers 200 {id, name, description, disabled, expireAt, token}
//    with a 32-char lowercase alphanumeric token (the shape of the seed's example);
//  - expireAt null = never expires; an ISO-8601 timestamp = expires then;
//  - a malformed JSON body, a missing name, a bad description, disabled or
//    expireAt = 400 with an empty text/plain body (the exchange's bad request);
//  - disabled: true is echoed and such a token does not authenticate;
//  - the Orders API answers a malformed body with 400 {code:"VALIDATION", message, field:null};
//  - the session JWT is HS256 with `sub` (user email), `userId`, `rbuser` and
//    `exp`, no `iat`; it is not accepted by the API (only API tokens are), and
//    API tokens are not accepted by the accounts endpoint;
//  - every 401/403/404/405/413/500 has an empty body ("no declared body" [doc]).

import { createHash } from "node:crypto";
import { CREDENTIALS } from "./credentials.mjs";
import {
  CORS_POLICIES,
  bearerToken,
  empty,
  json,
  nonEmptyString,
  parseJsonObject,
  randomLowerAlnum,
  randomSecret,
  signJwt,
  uuid,
  verifyJwt,
} from "./lib.mjs";

const ORDERS = Object.freeze([
  { id: "sim-order-1", status: "DISPATCHED", pickup: { city: "Oakland", state: "CA" }, delivery: { city: "Reno", state: "NV" } },
  { id: "sim-order-2", status: "DELIVERED", pickup: { city: "Austin", state: "TX" }, delivery: { city: "Dallas", state: "TX" } },
]);

const validation = (message, field) => json(400, { code: "VALIDATION", message, field });
/** The exchange's bad request [rec]: 400, an empty text/plain body. */
const badExchange = () => empty(400, { "content-type": "text/plain; charset=utf-8" });
const unauthorized = () => empty(401);

function createState({ nowMs }) {
  const tokens = new Map();
  tokens.set(CREDENTIALS.runbuggy.apiToken, {
    id: "sim-preprovisioned-token",
    name: "Pre-provisioned token",
    user: CREDENTIALS.runbuggy.user,
    disabled: false,
    expiresAtMs: null, // never
    createdMs: nowMs,
  });
  // A fresh secret on every reset, so session JWTs minted before a reset die with it.
  return { secret: randomSecret(), tokens };
}

/** Session JWT from the (simulated) web login: HS256 with sub, userId, rbuser, exp and no iat [doc]. */
function mintSessionJwt(state, { user, ttlSeconds, nowSeconds }) {
  const userId = Number.parseInt(createHash("sha1").update(user).digest("hex").slice(0, 8), 16);
  return signJwt({ sub: user, userId, rbuser: user.split("@")[0], exp: nowSeconds + ttlSeconds, scope: "web-session", jti: uuid() }, state.secret);
}

// --- auth checks (route-level) ---------------------------------------------

function sessionJwt(ctx) {
  const verdict = verifyJwt(bearerToken(ctx.headers), ctx.state.secret, ctx.nowSeconds);
  if (!verdict.ok || typeof verdict.claims.sub !== "string") return { response: unauthorized() };
  return { principal: { user: verdict.claims.sub } };
}

function apiToken(ctx) {
  const record = ctx.state.tokens.get(bearerToken(ctx.headers));
  const expired = record && record.expiresAtMs !== null && ctx.nowMs >= record.expiresAtMs;
  if (!record || record.disabled || expired) return { response: unauthorized() };
  return { principal: record };
}

// --- handlers ---------------------------------------------------------------

function createApiToken(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return badExchange();
  const name = nonEmptyString(body.name);
  if (!name) return badExchange();
  if (body.description !== undefined && body.description !== null && typeof body.description !== "string") return badExchange();
  if (body.disabled !== undefined && typeof body.disabled !== "boolean") return badExchange();
  const expireAt = body.expireAt ?? null;
  const expiresAtMs = expireAt === null ? null : Date.parse(expireAt);
  if (expireAt !== null && (typeof expireAt !== "string" || Number.isNaN(expiresAtMs))) return badExchange();

  const record = {
    id: uuid(),
    name,
    description: body.description ?? null,
    disabled: body.disabled === true,
    expireAt,
    user: ctx.principal.user,
    expiresAtMs,
    createdMs: ctx.nowMs,
  };
  const token = randomLowerAlnum(32);
  ctx.state.tokens.set(token, record);
  const { id, description, disabled } = record;
  return json(200, { id, name, description, disabled, expireAt, token });
}

function listOrders(ctx) {
  // POST /api/orders is what the seed's "example secure request" sends ({}).
  if (ctx.method === "POST" && ctx.text.trim() !== "" && !parseJsonObject(ctx.text)) {
    return validation("request body must be a JSON object", null);
  }
  return json(200, { orders: ORDERS });
}

export default {
  name: "runbuggy",
  cors: CORS_POLICIES.reflectOrigin,
  config: {},
  createState,
  error: (status) => empty(status),
  routes: {
    "POST /accounts/api-token/tokens": { auth: sessionJwt, handle: createApiToken },
    "GET /api/orders": { auth: apiToken, handle: listOrders },
    "POST /api/orders": { auth: apiToken, handle: listOrders },
  },
  // Mounted under /__sim/runbuggy/ by the control API.
  control: {
    "GET /session-jwt"(ctx) {
      const ttl = ctx.query.has("ttlSeconds") ? Number(ctx.query.get("ttlSeconds")) : 3600;
      if (!Number.isFinite(ttl)) return json(400, { error: "ttlSeconds must be a number" });
      const user = ctx.query.get("user") || CREDENTIALS.runbuggy.user;
      return json(200, { sessionJwt: mintSessionJwt(ctx.state, { user, ttlSeconds: Math.trunc(ttl), nowSeconds: ctx.nowSeconds }) });
    },
  },
};
