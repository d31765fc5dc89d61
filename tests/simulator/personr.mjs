// Personr (a Bubble.io application), under /personr.
// Models: /work/shared/vendors.md § "Personr (seed 001)" and
//         /work/shared/seeds/001_fc7e26b2c1ca9268.txt (Generating an authentication token).
//
// Real host: https://enterprise.personr.co/api/1.1/... ; here the vendor root
// replaces https://enterprise.personr.co.
//
// Key behaviour [doc]: generating a token INVALIDATES the previous one for that
// user — every other holder of the old token starts getting 401. Tokens are
// opaque (not JWTs) and last `expires` = 31536000 s from issue.
//
// From vendors.md § "What the real servers were seen to do" › Personr: Bubble
// DROPS A TOKEN AFTER 30 DAYS WITHOUT USE, whatever `expires` says [3p]
// (driven by the simulated clock: POST /__sim/clock); the rejection body is
// {"error_class":"Unauthorized", ..., "translation":"Invalid or expired
// token: …"} and its HTTP status is not published: `rejectionStatus`
// (default 401) sets it.
//
// [inferred] choices:
//  - api-token-generate reads multipart/form-data and x-www-form-urlencoded
//    bodies; a JSON body is answered as if the fields were missing (MISSING_DATA),
//    so clients keep to the documented multipart form;
//  - api-change-workspace accepts JSON or form bodies; `workspace` is the
//    workspace's unique id;
//  - api-basic-auth without a Basic header = MISSING_DATA (parameter email);
//    an undecodable Basic header = INVALID_LOGIN_CREDENTIALS;
//  - emails compare case-insensitively, passwords exactly;
//  - a protected call without any bearer token gets the same 401 shape with
//    translation "Invalid or expired token";
//  - DEVIATION from Bubble: the 401 translation echoes only the first 8
//    characters of the rejected token followed by "…" (Bubble echoes all of
//    it); the simulator must not teach clients that logging this text is safe;
//  - generic errors (404, 405, 413, 500) use the {statusCode, body:{status, message}} shape;
//  - "use" is any authenticated call; a dropped token stays dead (only a new
//    generation gives a working token).

import { CREDENTIALS } from "./credentials.mjs";
import {
  CORS_POLICIES,
  basicCredentials,
  bearerToken,
  json,
  nonEmptyString,
  parseForm,
  parseJsonObject,
  randomDigits,
  statusConstant,
} from "./lib.mjs";

const TOKEN_LIFETIME_SECONDS = 31536000; // 1 year [doc]
const IDLE_DROP_MS = 30 * 86400 * 1000; // [3p, Bubble support]

/** A Bubble unique id: 13-digit millisecond timestamp, "x", 18 digits. */
const bubbleId = (nowMs) => `${String(Math.trunc(nowMs)).padStart(13, "0").slice(-13)}x${randomDigits(18)}`;

const invalidLogin = () =>
  json(400, {
    statusCode: 400,
    reason: "INVALID_LOGIN_CREDENTIALS",
    message: "We didn’t find an account with those login credentials",
  });

const bubbleError = (status, code, message) => json(status, { statusCode: status, body: { status: code, message } });
const missingData = (workflow, parameter) =>
  bubbleError(400, "MISSING_DATA", `Missing parameter for workflow ${workflow}: parameter ${parameter}`);

function createState({ nowMs }) {
  const { email, password } = CREDENTIALS.personr;
  const workspace = { _id: "1700000000000x100000000000000001", name: "Simulated Workspace", "Created Date": new Date(nowMs).toISOString() };
  return {
    users: new Map([
      [email.toLowerCase(), { userId: "1700000000000x424242424242424242", email, password, token: null, issuedMs: 0, lastUsedMs: 0, workspaces: [workspace], currentWorkspace: workspace._id }],
    ]),
  };
}

// --- token issue / check -----------------------------------------------------

function generateToken(ctx, email, password) {
  const user = ctx.state.users.get(email.toLowerCase());
  if (!user || user.password !== password) return invalidLogin();
  // Issuing replaces the user's only valid token: the previous one dies here.
  user.token = `bus|${user.userId}|${bubbleId(ctx.nowMs)}`;
  user.issuedMs = ctx.nowMs;
  user.lastUsedMs = ctx.nowMs;
  return json(200, { status: "success", response: { token: user.token, user_id: user.userId, expires: TOKEN_LIFETIME_SECONDS } });
}

function bearerAuth(ctx) {
  const token = bearerToken(ctx.headers);
  for (const user of ctx.state.users.values()) {
    if (!token || user.token !== token) continue;
    if (ctx.nowMs - user.lastUsedMs >= IDLE_DROP_MS) user.token = null; // Bubble's idle drop
    else if (ctx.nowMs < user.issuedMs + TOKEN_LIFETIME_SECONDS * 1000) {
      user.lastUsedMs = ctx.nowMs;
      return { principal: user };
    }
  }
  const shown = token ? `: ${token.slice(0, 8)}…` : ""; // never the whole token (see header)
  return {
    response: json(ctx.config.rejectionStatus, {
      error_class: "Unauthorized",
      args: { code: bubbleId(ctx.nowMs) },
      message: null,
      translation: `Invalid or expired token${shown}`,
    }),
  };
}

/** Workflow parameters: form bodies always, JSON only when the workflow allows it. */
function workflowParams(ctx, { acceptJson }) {
  const form = parseForm(ctx.headers["content-type"], ctx.body);
  if (form) return form;
  return (acceptJson && parseJsonObject(ctx.text)) || {};
}

// --- handlers ----------------------------------------------------------------

function apiTokenGenerate(ctx) {
  const params = workflowParams(ctx, { acceptJson: false });
  const email = nonEmptyString(params.email);
  const password = nonEmptyString(params.password);
  if (!email) return missingData("api-token-generate", "email");
  if (!password) return missingData("api-token-generate", "password");
  return generateToken(ctx, email, password);
}

function apiBasicAuth(ctx) {
  const credentials = basicCredentials(ctx.headers);
  if (credentials === undefined) return missingData("api-basic-auth", "email");
  if (credentials === null) return invalidLogin();
  return generateToken(ctx, credentials.user, credentials.password);
}

function listWorkspaces(ctx) {
  const results = ctx.principal.workspaces;
  return json(200, { response: { results, count: results.length, remaining: 0 } });
}

function changeWorkspace(ctx) {
  const workspace = nonEmptyString(workflowParams(ctx, { acceptJson: true }).workspace);
  if (!workspace) return missingData("api-change-workspace", "workspace");
  // Bubble reports a business error with HTTP 200 [doc]: check `status`, not the HTTP code.
  if (!ctx.principal.workspaces.some((w) => w._id === workspace)) {
    return json(200, { status: "error", response: "Workspace not found" });
  }
  ctx.principal.currentWorkspace = workspace;
  return json(200, { status: "success", response: {} });
}

export default {
  name: "personr",
  cors: CORS_POLICIES.reflectOrigin,
  config: {
    rejectionStatus: { default: 401, type: "integer", min: 200, doc: "HTTP status of the token-rejection body (Bubble does not publish it)" },
  },
  createState,
  error: (status, message) => bubbleError(status, statusConstant(status), message),
  routes: {
    "POST /api/1.1/wf/api-token-generate": apiTokenGenerate,
    "POST /api/1.1/wf/api-basic-auth": apiBasicAuth,
    "GET /api/1.1/obj/workspace": { auth: bearerAuth, handle: listWorkspaces },
    "POST /api/1.1/wf/api-change-workspace": { auth: bearerAuth, handle: changeWorkspace },
  },
};
