// Zūm Rails, under /zumrails.
// Models: /work/shared/vendors.md § "Zūm Rails (seed 003)" and
//         /work/shared/seeds/003_62b88218615f4221.txt (Authentication).
//
// Real hosts: sandbox https://api-sandbox.zumrails.com, production
// https://api-app.zumrails.com; here the vendor root replaces either.
//
// POST /api/authorize {Username, Password} -> result.Token, an HS256 JWT with
// exp = iat + 3600, nbf, iat [3p]. PATCH /api/authorize/canceltoken cancels the
// bearer token [doc]. Errors: {statusCode, isError:true, responseException:
// {exceptionMessage}} [doc]. Rate limits [doc]: sandbox 300 requests / 5 min on
// every endpoint, production 1,000 / 5 min on /api/authorize; EXCEEDING A LIMIT
// BLOCKS THE CALLER'S IP FOR 5 MINUTES: every request then gets 429.
//
// From vendors.md § "What the real servers were seen to do" › Zūm Rails: the
// envelope is .NET AutoWrapper's (HTTP status = statusCode); exceptionMessage
// may be an OBJECT, RFC 7807 problem details {type, title, status, errors}
// [spec] (answered here to validation failures); the real `result` also has
// Id, CustomerCreatedAt, RefreshToken, CreatedAt, OtpReady [rec]; in
// production the filter endpoints and GET /api/transaction/* are limited too
// (100 / 5 min), and exceeding ANY limit blocks the IP for 5 minutes [spec].
//
// [inferred] choices:
//  - the sandbox limit counts each endpoint (method + path) separately per IP;
//    the block that follows covers every endpoint;
//  - 429s carry Retry-After = whole seconds left on the block (CORS does not
//    expose it to pages, as with the real service);
//  - property names of the authorize body match case-insensitively (ASP.NET
//    Core model binding); missing or non-string fields and malformed JSON =
//    400 with problem details (ASP.NET Core's ValidationProblemDetails texts);
//  - the RefreshToken of the result is opaque and opens nothing (no refresh
//    endpoint is documented);
//  - the limited API endpoints are GET /api/transaction/:id and
//    POST /api/transaction/filter (apiLimit, 100 per window in production;
//    in sandbox every endpoint has the sandbox limit);
//  - 401 exceptionMessages: "Invalid username or password" [doc] for bad
//    credentials; "Unauthorized" / "Token expired" / "Token cancelled" for bearer problems;
//  - success bodies of other calls carry message "<METHOD> Request successful.";
//  - cancelling twice: the second call is 401 (the token is no longer valid).

import { CREDENTIALS } from "./credentials.mjs";
import {
  CORS_POLICIES,
  bearerToken,
  randomUrlSafe,
  createBlockList,
  createFixedWindowLimiter,
  json,
  parseJsonObject,
  randomSecret,
  signJwt,
  uuid,
  verifyJwt,
} from "./lib.mjs";

const TOKEN_TTL = 3600; // "up to an hour" [doc]; the exact value is in the JWT's exp
const ACCOUNT = Object.freeze({
  CustomerId: "3012a7c4-5b9e-4d2f-9c1a-6e8f0b2d042f",
  CompanyName: "Simulated Company Inc.",
  CustomerType: "Customer",
  Username: "b022aced-fae9-414f-853e-959fdf90d8f1",
  Role: "API",
});

const zumError = (statusCode, exceptionMessage, headers) =>
  json(statusCode, { statusCode, isError: true, responseException: { exceptionMessage } }, headers);
/** A validation failure: exceptionMessage is RFC 7807 problem details [spec]. */
const validationProblem = (errors) =>
  zumError(400, { type: "https://tools.ietf.org/html/rfc7231#section-6.5.1", title: "One or more validation errors occurred.", status: 400, errors });
const ok = (method, result, message = `${method} Request successful.`) =>
  json(200, { statusCode: 200, message, isError: false, ...(result === undefined ? {} : { result }) });

function createState() {
  return {
    secret: randomSecret(), // new on reset: tokens issued before a reset stop verifying
    cancelled: new Set(), // jti of cancelled tokens
    windows: createFixedWindowLimiter(),
    blocks: createBlockList(),
  };
}

/** Case-insensitive property lookup, as ASP.NET Core binds JSON. */
const field = (body, name) => body[Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase())];

function authorize(ctx) {
  const body = parseJsonObject(ctx.text);
  if (!body) return validationProblem({ $: ["The JSON value could not be converted to AuthorizeRequest."] });
  const username = field(body, "Username");
  const password = field(body, "Password");
  const missing = {};
  if (typeof username !== "string" || !username) missing.Username = ["The Username field is required."];
  if (typeof password !== "string" || !password) missing.Password = ["The Password field is required."];
  if (Object.keys(missing).length) return validationProblem(missing);
  const expected = CREDENTIALS.zumrails;
  if (username !== expected.username || password !== expected.password) return zumError(401, "Invalid username or password");
  const now = ctx.nowSeconds;
  const Token = signJwt(
    { sub: ACCOUNT.Username, unique_name: username, role: ACCOUNT.Role, CustomerId: ACCOUNT.CustomerId, jti: uuid(), nbf: now, iat: now, exp: now + TOKEN_TTL },
    ctx.state.secret,
  );
  const { Role, CustomerId, CompanyName, CustomerType, Username } = ACCOUNT;
  return ok("POST", {
    Id: ACCOUNT.Username,
    Role,
    Token,
    CustomerId,
    CompanyName,
    CustomerType,
    Username,
    CustomerCreatedAt: "2021-05-04T12:00:00Z",
    RefreshToken: randomUrlSafe(32),
    CreatedAt: new Date(ctx.nowMs).toISOString(),
    OtpReady: false,
  });
}

function bearerAuth(ctx) {
  const verdict = verifyJwt(bearerToken(ctx.headers), ctx.state.secret, ctx.nowSeconds);
  if (verdict.reason === "expired") return { response: zumError(401, "Token expired") };
  if (!verdict.ok) return { response: zumError(401, "Unauthorized") };
  if (ctx.state.cancelled.has(verdict.claims.jti)) return { response: zumError(401, "Token cancelled") };
  return { principal: verdict.claims };
}

function cancelToken(ctx) {
  ctx.state.cancelled.add(ctx.principal.jti);
  return ok("PATCH", undefined, "Token cancelled");
}

const TRANSACTION = Object.freeze({ Id: "7f0c2a10-0000-4000-8000-000000000001", Amount: 10.5, TransactionStatus: "Completed" });
const getTransaction = (ctx) => ok("GET", { ...TRANSACTION, Id: ctx.params.id });
const filterTransactions = () => ok("POST", { Items: [TRANSACTION], CurrentPage: 1, PageSize: 10, TotalCount: 1 });

const getUser = () =>
  ok("GET", { Id: ACCOUNT.Username, Username: CREDENTIALS.zumrails.username, Role: ACCOUNT.Role, CustomerId: ACCOUNT.CustomerId, CompanyName: ACCOUNT.CompanyName });

// --- limits -------------------------------------------------------------------------

const MODE_LIMITS = { sandbox: 300, production: 1000 };

const isTransactionGet = (ctx) => ctx.method === "GET" && ctx.path.startsWith("/api/transaction/");
/** The API endpoints production limits besides /api/authorize [spec]. */
const isLimitedApi = (ctx) => isTransactionGet(ctx) || (ctx.method === "POST" && ctx.path.endsWith("/filter"));
/** What one window counts: an endpoint; in production GET /api/transaction/* is one. */
const windowOf = (ctx) => (ctx.config.mode === "production" && isTransactionGet(ctx) ? "GET /api/transaction/*" : `${ctx.method} ${ctx.path}`);

/** The limit for this request, or null when the endpoint is not limited in this mode. */
function limitFor(ctx) {
  const { mode, limit, apiLimit } = ctx.config;
  if (mode === "sandbox") return limit ?? MODE_LIMITS.sandbox;
  if (ctx.method === "POST" && ctx.path === "/api/authorize") return limit ?? MODE_LIMITS.production;
  return isLimitedApi(ctx) ? apiLimit : null;
}

function guard(ctx) {
  const { state, config, ip, nowMs } = ctx;
  const tooMany = (seconds) => zumError(429, `Too many requests. Your IP address is blocked for ${seconds} seconds.`, { "retry-after": String(seconds) });
  const left = state.blocks.secondsLeft(ip, nowMs);
  if (left > 0) return tooMany(left);
  const limit = limitFor(ctx);
  if (limit === null) return undefined;
  const verdict = state.windows.hit(`${ip} ${windowOf(ctx)}`, nowMs, { limit, windowSeconds: config.windowSeconds });
  if (verdict.allowed) return undefined;
  state.blocks.block(ip, nowMs + config.blockSeconds * 1000);
  return tooMany(config.blockSeconds);
}

export default {
  name: "zumrails",
  cors: CORS_POLICIES.reflectOrigin,
  config: {
    mode: { default: "sandbox", type: ["sandbox", "production"], doc: "sandbox: every endpoint limited (300); production: POST /api/authorize (1000), filter endpoints and GET /api/transaction/* (apiLimit)" },
    limit: { default: null, type: "integer", min: 0, nullable: true, doc: "overrides the mode's requests per window (production: of /api/authorize); null = the mode's default" },
    apiLimit: { default: 100, type: "integer", min: 0, doc: "production: requests per window of the filter endpoints and GET /api/transaction/* [spec: 100 / 5 min]" },
    windowSeconds: { default: 300, type: "integer", min: 1, doc: "fixed window length, started by the first request" },
    blockSeconds: { default: 300, type: "integer", min: 1, doc: "how long an IP stays blocked after exceeding a limit" },
  },
  createState,
  error: (status, message) => zumError(status, message),
  guard,
  routes: {
    "POST /api/authorize": authorize,
    "PATCH /api/authorize/canceltoken": { auth: bearerAuth, handle: cancelToken },
    "GET /api/user": { auth: bearerAuth, handle: getUser },
    "GET /api/transaction/:id": { auth: bearerAuth, handle: getTransaction },
    "POST /api/transaction/filter": { auth: bearerAuth, handle: filterTransactions },
  },
};
