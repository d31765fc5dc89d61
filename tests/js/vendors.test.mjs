// Every documented flow of the five vendors (issue 3), run through the
// package as a consumer imports it, against the vendor simulator over real
// HTTP. Each test asserts exact simulator counts and, from the request log,
// what was sent and where the credentials landed.
//
// Time: the simulator's clock is moved with POST /__sim/clock. Where a test
// needs *both* the library and the simulator to see time pass (an expiry
// noticed by getToken itself, a rate-limit hold running out), `timeTravel`
// shifts Date.now for the whole process — the simulator and the wasm glue
// both read it — and restores it afterwards. Nothing waits for real.
//
// Rate-limit holds are recorded by the library per vendor + baseUrl and
// outlive a simulator reset, so tests that provoke a long 429 run against a
// second, throw-away simulator (another port, so another baseUrl).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, claims, kvStore, CREDENTIALS } from "./helpers.mjs";

let sim;
before(async () => { sim = await simulator(); });
after(() => sim.close());
beforeEach(() => sim.reset());

// --- helpers ----------------------------------------------------------------

const sha1Hex = (text) => createHash("sha1").update(text, "utf8").digest("hex");
const counts = (vendor, s = sim) => s.control(`counts?vendor=${vendor}`);
const log = (vendor, s = sim) => s.control(`requests?vendor=${vendor}`);
const bodyOf = (entry) => JSON.parse(entry.body);

async function inject(spec, s = sim) {
  const answer = await s.control("fault", spec);
  assert.equal(answer.ok, true, `fault refused: ${JSON.stringify(answer)}`);
}

async function configure(spec, s = sim) {
  const answer = await s.control("config", spec);
  assert.ok(answer.config, `config refused: ${JSON.stringify(answer)}`);
}

/**
 * A client against the simulator, its cache entry cleared (the memory store
 * is shared by every client of the process).
 */
async function fresh(vendor, credentials, extra = {}, s = sim) {
  const client = new AuthClient({ vendor, baseUrl: `${s.url}/${vendor}`, credentials, ...extra });
  await client.clear();
  return client;
}

/** Awaits a rejection and checks it is an AuthError with `code` (and the given fields). */
async function rejects(promise, code, fields = {}) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a rejection with ${code}, but it resolved`);
  assert.ok(error instanceof AuthError, `not an AuthError: ${error?.stack ?? error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.code, code, `code ${error.code} (${error.message}), expected ${code}`);
  for (const [name, value] of Object.entries(fields)) assert.equal(error[name], value, `.${name} of ${error.code}: ${error.message}`);
  return error;
}

/** No secret anywhere in what an error shows. */
function noSecrets(error, ...secrets) {
  const shown = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
  for (const secret of secrets) assert.ok(!shown.includes(secret), `the error shows a secret: ${error.message}`);
}

/** Runs fn with Date.now moved `seconds` ahead, for the simulator and the library alike. */
async function timeTravel(seconds, fn) {
  const realNow = Date.now;
  Date.now = () => realNow.call(Date) + seconds * 1000;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

/** A second simulator for one test (a fresh baseUrl, so no rate-limit hold leaks). */
async function withOwnSimulator(fn) {
  const own = await simulator();
  try {
    return await fn(own);
  } finally {
    await own.close();
  }
}

/**
 * A `fetch` option that stands in for the vendors' real hosts: it records
 * each URL the library asks for and forwards it to the simulator.
 */
const REAL_HOSTS = [
  ["https://apps.runbuggy.com/runbuggy", "runbuggy"],
  ["https://apps.runbuggy.com/v2", "runbuggy"],
  ["https://ng-staging.runbuggy.com/staging", "runbuggy"],
  ["https://enterprise.personr.co", "personr"],
  ["https://cdn.emnify.net", "emnify"],
  ["https://api-sandbox.zumrails.com", "zumrails"],
  ["https://api-app.zumrails.com", "zumrails"],
  ["https://api.voipbin.net", "voipbin"],
];
function forwardingFetch(seen) {
  return (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    seen.push(`${init?.method ?? input?.method ?? "GET"} ${url}`);
    const host = REAL_HOSTS.find(([prefix]) => url.startsWith(`${prefix}/`));
    if (!host) return Promise.reject(new TypeError(`unexpected host: ${url}`));
    return fetch(`${sim.url}/${host[1]}${url.slice(host[0].length)}`, init);
  };
}

const sessionJwt = async (ttlSeconds, s = sim) => (await s.control(`runbuggy/session-jwt?ttlSeconds=${ttlSeconds}`)).sessionJwt;

/** Personr generation straight at the simulator, as another integration would. */
async function personrGenerateElsewhere() {
  const form = new FormData();
  form.set("email", CREDENTIALS.personr.email);
  form.set("password", CREDENTIALS.personr.password);
  const response = await fetch(`${sim.url}/personr/api/1.1/wf/api-token-generate`, { method: "POST", body: form });
  assert.equal(response.status, 200);
  return (await response.json()).response.token;
}

const PERSONR = { email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password };
const EMNIFY_USER = { username: CREDENTIALS.emnify.username, password: CREDENTIALS.emnify.password };
const EMNIFY_APP = { applicationToken: CREDENTIALS.emnify.applicationToken };
const ZUM = { username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password };
const VOIP = { username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password };

// =============================================================================
// RunBuggy
// =============================================================================

test("RunBuggy { apiToken }: used as is with no request; client.fetch sends it as a Bearer", async () => {
  const client = await fresh("runbuggy", { apiToken: CREDENTIALS.runbuggy.apiToken });
  assert.equal(await client.getToken(), CREDENTIALS.runbuggy.apiToken);
  const info = await client.getTokenInfo();
  assert.equal(info.token, CREDENTIALS.runbuggy.apiToken);
  assert.equal(info.expiresAt, null);
  assert.equal(info.vendor, "runbuggy");
  assert.deepEqual(await counts("runbuggy"), {}, "getToken sent nothing");

  const response = await client.fetch("/api/orders", {});
  assert.equal(response.status, 200);
  assert.equal((await response.json()).orders.length, 2);
  assert.deepEqual(await counts("runbuggy"), { "GET /api/orders": 1 });
  const [call] = await log("runbuggy");
  assert.equal(call.path, "/api/orders");
  assert.equal(call.headers.authorization, `Bearer ${CREDENTIALS.runbuggy.apiToken}`);
  assert.deepEqual(call.query, {});
});

test("RunBuggy session JWT: one exchange with the bearer JWT and the documented body; never expires; then cached", async () => {
  const jwt = await sessionJwt(3600);
  const client = await fresh("runbuggy", { sessionJwt: jwt, tokenName: "vendors-test", description: "integration tests", expireAt: null });
  const first = await client.getTokenInfo();
  assert.equal(first.fromCache, false);
  assert.equal(first.expiresAt, null);
  assert.match(first.token, /^[a-z0-9]{32}$/);
  assert.notEqual(first.token, jwt);
  assert.deepEqual(await counts("runbuggy"), { "POST /accounts/api-token/tokens": 1 });
  assert.equal(claims(jwt).iat, undefined, "the session JWT has no iat, like RunBuggy's [doc]");
  const [exchange] = await log("runbuggy");
  assert.equal(exchange.headers.authorization, `Bearer ${jwt}`);
  assert.match(exchange.headers["content-type"], /^application\/json/);
  assert.deepEqual(bodyOf(exchange), { name: "vendors-test", description: "integration tests", disabled: false, expireAt: null });

  const second = await client.getTokenInfo();
  assert.equal(second.fromCache, true);
  assert.equal(second.token, first.token);
  assert.equal(await client.getToken(), first.token);
  assert.deepEqual(await counts("runbuggy"), { "POST /accounts/api-token/tokens": 1 });

  // The exchanged token opens the API.
  const response = await client.fetch("/api/orders", {});
  assert.equal(response.status, 200);
  assert.equal((await log("runbuggy")).at(-1).headers.authorization, `Bearer ${first.token}`);
});

test("RunBuggy expireAt as ISO-8601: sent as is, and expiresAt equals it", async () => {
  const expireAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
  const client = await fresh("runbuggy", { sessionJwt: await sessionJwt(3600), tokenName: "expiring", description: "d", expireAt });
  const info = await client.getTokenInfo();
  assert.equal(info.expiresAt, Date.parse(expireAt));
  const [exchange] = await log("runbuggy");
  assert.equal(bodyOf(exchange).expireAt, expireAt);
  assert.equal(await sim.count("runbuggy", "POST /accounts/api-token/tokens"), 1);
});

test("RunBuggy expired session JWT with nothing cached: REAUTH_REQUIRED telling to sign in on the web, and no request", async () => {
  const expired = await sessionJwt(-60);
  const client = await fresh("runbuggy", { sessionJwt: expired, tokenName: "vendors-test" });
  const error = await rejects(client.getToken(), "REAUTH_REQUIRED", { vendor: "runbuggy" });
  assert.match(error.message, /sign in/i);
  assert.match(error.message, /web/i);
  assert.match(error.message, /sessionJwt/);
  noSecrets(error, expired);
  assert.deepEqual(await counts("runbuggy"), {}, "no request at all");
});

test("RunBuggy: a cached token outlives its session JWT; once it is rejected, REAUTH_REQUIRED without a new exchange", async () => {
  const jwt = await sessionJwt(3600);
  const live = await fresh("runbuggy", { sessionJwt: jwt, tokenName: "shared", description: "d" });
  const token = await live.getToken();

  // Two hours on, the session JWT has expired; the API token it was
  // exchanged for has not, and is still served from the cache.
  await timeTravel(7200, async () => {
    assert.equal(await live.getToken(), token, "the cached token outlives the session JWT");
    assert.equal(await sim.count("runbuggy", "POST /accounts/api-token/tokens"), 1);

    // The API rejects the token: the library cannot renew with an expired session JWT.
    await inject({ vendor: "runbuggy", method: "GET", path: "/api/orders", status: 401 });
    const error = await rejects(live.fetch("/api/orders", {}), "REAUTH_REQUIRED", { vendor: "runbuggy" });
    assert.match(error.message, /sign in/i);
    noSecrets(error, jwt, token);
  });
  assert.deepEqual(await counts("runbuggy"), { "POST /accounts/api-token/tokens": 1, "GET /api/orders": 1 });
});

test("RunBuggy: another session JWT of the same user and token name does not get the cached token (the verifier)", async () => {
  const live = await fresh("runbuggy", { sessionJwt: await sessionJwt(3600), tokenName: "shared-2", description: "d" });
  const token = await live.getToken();
  // The same claims, but not the session JWT the token was obtained with
  // (here: an expired one; an unsigned forgery would look the same to the
  // library): it must go to RunBuggy, which says no.
  const other = new AuthClient({ vendor: "runbuggy", baseUrl: `${sim.url}/runbuggy`, credentials: { sessionJwt: await sessionJwt(-60), tokenName: "shared-2" } });
  await rejects(other.getToken(), "REAUTH_REQUIRED", { vendor: "runbuggy" });
  assert.equal(await live.getToken(), token, "the first client's entry is untouched");
  assert.equal(await sim.count("runbuggy", "POST /accounts/api-token/tokens"), 1);
});

test("RunBuggy: once the token's expireAt has passed and the session JWT has expired too, REAUTH_REQUIRED with no request", async () => {
  const expireAt = new Date(Date.now() + 2 * 3600 * 1000).toISOString();
  const client = await fresh("runbuggy", { sessionJwt: await sessionJwt(3600), tokenName: "short", description: "d", expireAt });
  await client.getToken();
  await timeTravel(2 * 3600 + 60, async () => {
    const error = await rejects(client.getToken(), "REAUTH_REQUIRED", { vendor: "runbuggy" });
    assert.match(error.message, /sign in/i);
  });
  assert.deepEqual(await counts("runbuggy"), { "POST /accounts/api-token/tokens": 1 });
});

test("RunBuggy exchange errors: 401 (bad session JWT) is REAUTH_REQUIRED; a 400 is VENDOR_ERROR with the vendor's message, or naming the exchange when it says nothing", async () => {
  const bogus = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"; // no exp, wrong signature
  const client = await fresh("runbuggy", { sessionJwt: bogus, tokenName: "t" });
  const unauthorized = await rejects(client.getToken(), "REAUTH_REQUIRED", { vendor: "runbuggy", status: 401 });
  noSecrets(unauthorized, bogus);

  const jwt = await sessionJwt(3600);
  await inject({ vendor: "runbuggy", path: "/accounts/api-token/tokens", status: 400, body: { code: "VALIDATION", message: "name is already used", field: "name" } });
  const other = await fresh("runbuggy", { sessionJwt: jwt, tokenName: "t2" });
  const invalid = await rejects(other.getToken(), "VENDOR_ERROR", { vendor: "runbuggy", status: 400 });
  assert.match(invalid.message, /name is already used/);
  noSecrets(invalid, jwt);
  // The recorded bad request of RunBuggy's auth endpoints: an empty text/plain 400 [rec].
  await inject({ vendor: "runbuggy", path: "/accounts/api-token/tokens", status: 400, body: "", headers: { "content-type": "text/plain" } });
  const silent = await rejects((await fresh("runbuggy", { sessionJwt: jwt, tokenName: "t3" })).getToken(), "VENDOR_ERROR", { vendor: "runbuggy", status: 400 });
  assert.match(silent.message, /API-token exchange \(POST \/api-token\/tokens, HTTP 400\) with an empty body/);
  assert.match(silent.message, /tokenName/);
  noSecrets(silent, jwt);
  // Never retried: each attempt would create a token on the account.
  assert.equal(await sim.count("runbuggy", "POST /accounts/api-token/tokens"), 3);
});

test("RunBuggy: the token field is read leniently (apiToken, value, access_token with token_type)", async () => {
  const jwt = await sessionJwt(3600);
  for (const field of ["apiToken", "value", "access_token"]) {
    await inject({ vendor: "runbuggy", path: "/accounts/api-token/tokens", status: 200, body: { id: "x", name: "n", [field]: `tok-${field}`, expireAt: null } });
    const client = await fresh("runbuggy", { sessionJwt: jwt, tokenName: `lenient-${field}` });
    assert.equal(await client.getToken(), `tok-${field}`);
  }
  // The shape of RunBuggy's former login answer [rec].
  await inject({ vendor: "runbuggy", path: "/accounts/api-token/tokens", status: 200, body: { username: CREDENTIALS.runbuggy.user, roles: ["SHIPPER"], token_type: "Bearer", access_token: "k2m9x7q4w1e8r5t3y6u0i2o4p7a9s1d3" } });
  const recorded = await fresh("runbuggy", { sessionJwt: jwt, tokenName: "recorded-shape" });
  const info = await recorded.getTokenInfo();
  assert.deepEqual([info.token, info.expiresAt], ["k2m9x7q4w1e8r5t3y6u0i2o4p7a9s1d3", null]);
  assert.equal(await sim.count("runbuggy", "POST /accounts/api-token/tokens"), 4);
});

// =============================================================================
// Personr
// =============================================================================

test("Personr multipart login: token, expiry = issue + 31536000 s, meta.userId; the password only in that request's body", async () => {
  const client = await fresh("personr", PERSONR);
  const before = Date.now();
  const info = await client.getTokenInfo();
  assert.match(info.token, /^bus\|/);
  assert.equal(info.fromCache, false);
  assert.ok(Math.abs(info.expiresAt - (before + 31536000 * 1000)) <= 5000, `expiresAt ${info.expiresAt}`);
  assert.equal(info.meta.userId, "1700000000000x424242424242424242");
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 1 });

  const [login] = await log("personr");
  assert.match(login.headers["content-type"], /^multipart\/form-data; *boundary=/);
  assert.equal(login.headers.authorization, undefined);
  assert.match(login.body, /name="email"\r\n\r\nexample@personr\.co\r\n/);
  assert.match(login.body, /name="password"\r\n\r\nexample123\r\n/);
  assert.deepEqual(login.query, {});

  // Cached; and an API call carries the token, never the password.
  assert.equal((await client.getTokenInfo()).fromCache, true);
  const response = await client.fetch("/api/1.1/obj/workspace", {});
  assert.equal(response.status, 200);
  const entries = await log("personr");
  assert.equal(entries.length, 2);
  assert.equal(entries[1].headers.authorization, `Bearer ${info.token}`);
  for (const entry of entries.slice(1)) {
    assert.ok(!JSON.stringify(entry).includes(PERSONR.password), `password leaked into ${entry.method} ${entry.path}`);
  }
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 1, "GET /api/1.1/obj/workspace": 1 });
});

test("Personr loginMethod 'basic': Authorization: Basic to api-basic-auth", async () => {
  const client = await fresh("personr", PERSONR, { loginMethod: "basic" });
  const info = await client.getTokenInfo();
  assert.match(info.token, /^bus\|/);
  assert.equal(info.meta.userId, "1700000000000x424242424242424242");
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-basic-auth": 1 });
  const [login] = await log("personr");
  const basic = Buffer.from(`${PERSONR.email}:${PERSONR.password}`).toString("base64");
  assert.equal(login.headers.authorization, `Basic ${basic}`);
  assert.ok(!login.body.includes(PERSONR.password));
});

test("Personr: concurrent getToken calls on several clients generate exactly once (a second generation would invalidate the first)", async () => {
  const clients = Array.from({ length: 4 }, () => new AuthClient({ vendor: "personr", baseUrl: `${sim.url}/personr`, credentials: PERSONR }));
  await clients[0].clear();
  const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % 4].getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 1 });
  const works = await fetch(`${sim.url}/personr/api/1.1/obj/workspace`, { headers: { authorization: `Bearer ${tokens[0]}` } });
  assert.equal(works.status, 200);
});

test("Personr wrong password: INVALID_CREDENTIALS (400), the message without the password, one request", async () => {
  const client = await fresh("personr", { email: PERSONR.email, password: "not-the-password-42" });
  const error = await rejects(client.getToken(), "INVALID_CREDENTIALS", { vendor: "personr", status: 400 });
  noSecrets(error, "not-the-password-42");
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 1 });
});

test("Personr rejection rule: a token replaced elsewhere gives REAUTH_REQUIRED, never a silent regeneration, until cache: 'reload'", async () => {
  const a = await fresh("personr", PERSONR);
  const mine = await a.getToken();
  const generate = "POST /api/1.1/wf/api-token-generate";
  assert.equal(await sim.count("personr", generate), 1);

  const theirs = await personrGenerateElsewhere(); // invalidates `mine`
  assert.notEqual(theirs, mine);
  assert.equal(await sim.count("personr", generate), 2);

  const error = await rejects(a.fetch("/api/1.1/obj/workspace", {}), "REAUTH_REQUIRED", { vendor: "personr" });
  assert.match(error.message, /reload|regenerateOnRejection/);
  noSecrets(error, mine, PERSONR.password);
  assert.equal(await sim.count("personr", generate), 2, "the library generated nothing");
  assert.equal(await sim.count("personr", "GET /api/1.1/obj/workspace"), 1);

  // Still no silent regeneration, for this client or another of the same account.
  await rejects(a.getToken(), "REAUTH_REQUIRED");
  await rejects(new AuthClient({ vendor: "personr", baseUrl: `${sim.url}/personr`, credentials: PERSONR }).getToken(), "REAUTH_REQUIRED");
  assert.equal(await sim.count("personr", generate), 2);

  // The other holder's token still works: nothing invalidated it.
  const theirCall = await fetch(`${sim.url}/personr/api/1.1/obj/workspace`, { headers: { authorization: `Bearer ${theirs}` } });
  assert.equal(theirCall.status, 200);

  // An explicit reload generates (once).
  const renewed = await a.getTokenInfo({ cache: "reload" });
  assert.equal(renewed.fromCache, false);
  assert.notEqual(renewed.token, mine);
  assert.equal(await sim.count("personr", generate), 3);
  assert.equal(await a.getToken(), renewed.token);
  assert.equal((await a.fetch("/api/1.1/obj/workspace", {})).status, 200);
  assert.equal(await sim.count("personr", generate), 3);
});

test("Personr regenerateOnRejection: true: a replaced token is regenerated once and the call succeeds", async () => {
  const a = await fresh("personr", PERSONR, { regenerateOnRejection: true });
  const mine = await a.getToken();
  await personrGenerateElsewhere();
  const response = await a.fetch("/api/1.1/obj/workspace", {});
  assert.equal(response.status, 200);
  assert.equal((await response.json()).response.count, 1);
  assert.deepEqual(await counts("personr"), {
    "POST /api/1.1/wf/api-token-generate": 3, // A's, the other integration's, the one renewal
    "GET /api/1.1/obj/workspace": 2, // rejected, then retried once
  });
  const calls = (await log("personr")).filter((e) => e.path === "/api/1.1/obj/workspace");
  assert.equal(calls[0].headers.authorization, `Bearer ${mine}`);
  const renewed = await a.getToken();
  assert.notEqual(renewed, mine);
  assert.equal(calls[1].headers.authorization, `Bearer ${renewed}`);
});

test("Personr idle drop: a token unused for 30 days is rejected by Bubble; the library regenerates it by itself and says why", async () => {
  const client = await fresh("personr", PERSONR);
  const events = [];
  client.on("regenerated", (e) => events.push(e));
  const first = await client.getToken();
  await timeTravel(31 * 86400, async () => {
    const response = await client.fetch("/api/1.1/obj/workspace", {});
    assert.equal(response.status, 200);
    assert.notEqual(await client.getToken(), first);
  });
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 2, "GET /api/1.1/obj/workspace": 2 });
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.deepEqual([events[0].vendor, events[0].reason], ["personr", "idle"]);
  assert.match(events[0].message, /unused for 31 days/);
  assert.ok(!JSON.stringify(events).includes(first));
});

test("Personr: a token in use is not idle (last use kept in the entry), and a rejection then keeps the rule: REAUTH_REQUIRED", async () => {
  const store = kvStore();
  const client = await fresh("personr", PERSONR, { store });
  const events = [];
  client.on("regenerated", (e) => events.push(e));
  await client.getToken();
  await timeTravel(20 * 86400, async () => {
    assert.equal((await client.fetch("/api/1.1/obj/workspace", {})).status, 200);
  });
  const [[, entry]] = store.entries();
  assert.ok(Math.abs(entry.lastUsedAt - (Date.now() + 20 * 86400 * 1000)) < 60000, `lastUsedAt ${entry.lastUsedAt}`);
  await timeTravel(40 * 86400, async () => {
    // 40 days after the login, 20 after the last use: still alive at Bubble.
    assert.equal((await client.fetch("/api/1.1/obj/workspace", {})).status, 200);
    await personrGenerateElsewhere();
    await rejects(client.fetch("/api/1.1/obj/workspace", {}), "REAUTH_REQUIRED", { vendor: "personr" });
  });
  assert.deepEqual(events, []);
  assert.equal(await sim.count("personr", "POST /api/1.1/wf/api-token-generate"), 2, "the library's one, the other holder's");
});

test("Personr: a rejection is judged by its body whatever the status (here 400), and error bodies are read leniently", async () => {
  await configure({ vendor: "personr", rejectionStatus: 400 });
  const client = await fresh("personr", PERSONR);
  await client.getToken();
  await personrGenerateElsewhere();
  await rejects(client.fetch("/api/1.1/obj/workspace", {}), "REAUTH_REQUIRED", { vendor: "personr" });
  const rejected = (await log("personr")).filter((e) => e.path === "/api/1.1/obj/workspace");
  assert.equal(rejected.length, 1);
  // The seed's own 400 sample, trailing comma included.
  await inject({ vendor: "personr", path: "/api/1.1/wf/api-token-generate", status: 400, body: '{"statusCode":400,"reason":"INVALID_LOGIN_CREDENTIALS","message":"We didn’t find an account with those login credentials",}' });
  const error = await rejects((await fresh("personr", PERSONR)).getToken(), "INVALID_CREDENTIALS", { vendor: "personr", status: 400 });
  assert.match(error.message, /We didn’t find an account/);
});

test("Personr api-change-workspace to an unknown workspace: the HTTP 200 {status:'error'} answer is returned untouched", async () => {
  const client = await fresh("personr", PERSONR);
  const response = await client.fetch("/api/1.1/wf/api-change-workspace", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workspace: "nope" }),
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "error", response: "Workspace not found" });
  assert.deepEqual(await counts("personr"), { "POST /api/1.1/wf/api-token-generate": 1, "POST /api/1.1/wf/api-change-workspace": 1 });
  const call = (await log("personr")).at(-1);
  assert.deepEqual(bodyOf(call), { workspace: "nope" });

  const known = await client.fetch("/api/1.1/wf/api-change-workspace", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workspace: "1700000000000x100000000000000001" }),
  });
  assert.deepEqual(await known.json(), { status: "success", response: {} });
});

test("Personr login error shapes: 200 {status:'error'} and MISSING_DATA are VENDOR_ERROR with the vendor's words, never a token", async () => {
  const client = await fresh("personr", PERSONR);
  await inject({ vendor: "personr", path: "/api/1.1/wf/api-token-generate", status: 200, body: { status: "error", response: "Workflow disabled" } });
  const statusError = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "personr", status: 200 });
  assert.match(statusError.message, /Workflow disabled/);

  await inject({ vendor: "personr", path: "/api/1.1/wf/api-token-generate", status: 400, body: { statusCode: 400, body: { status: "MISSING_DATA", message: "Missing parameter for workflow api-token-generate: parameter email" } } });
  const missing = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "personr", status: 400 });
  assert.match(missing.message, /MISSING_DATA/);
  noSecrets(missing, PERSONR.password);
  assert.equal(await sim.count("personr", "POST /api/1.1/wf/api-token-generate"), 2);
});

// =============================================================================
// emnify
// =============================================================================

test("emnify application token: the body is exactly {application_token}; expiry from exp", async () => {
  const client = await fresh("emnify", EMNIFY_APP);
  const info = await client.getTokenInfo();
  assert.ok(Math.abs(info.expiresAt - claims(info.token).exp * 1000) <= 2000);
  assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 1 });
  const [login] = await log("emnify");
  assert.match(login.headers["content-type"], /^application\/json/);
  assert.deepEqual(bodyOf(login), { application_token: CREDENTIALS.emnify.applicationToken });
  assert.equal(login.headers.authorization, undefined);
});

/** Auth tokens of 14,400 s, as in one 2022 recording (the default is the recorded 7 days). */
const shortEmnifyTokens = (s = sim) => configure({ vendor: "emnify", authTokenLifetimeSeconds: 14400 }, s);

test("emnify username + password: the SHA-1 hex goes on the wire; an expired token renews with the refresh token first", async () => {
  await shortEmnifyTokens();
  const client = await fresh("emnify", EMNIFY_USER);
  const first = await client.getToken();
  const [login] = await log("emnify");
  assert.deepEqual(bodyOf(login), { username: EMNIFY_USER.username, password: sha1Hex(EMNIFY_USER.password) });
  assert.ok(!login.body.includes(EMNIFY_USER.password));

  // 4 h later at emnify the auth token has expired: the API rejects it, the
  // library renews with the refresh token, and the call goes through.
  await sim.control("clock", { advanceSeconds: 14400 });
  const response = await client.fetch("/api/v1/endpoint", {});
  assert.equal(response.status, 200);
  let auth = (await log("emnify")).filter((e) => e.path === "/api/v1/authenticate").map(bodyOf);
  assert.equal(auth.length, 2);
  assert.deepEqual(Object.keys(auth[1]), ["refresh_token"]);
  assert.equal(claims(auth[1].refresh_token).token_use, "refresh");
  const second = await client.getToken();
  assert.notEqual(second, first);

  // Another 4 h: the refresh token was single use and the refresh answer
  // carried none, so the renewal is a full login — the used refresh token is
  // not sent again. (The local clock moves too, but not past the token's
  // local expiry: a token renewed after a rejection and rejected again
  // within a minute would not be renewed again, see the security tests.)
  await sim.control("clock", { advanceSeconds: 14400 });
  assert.equal((await timeTravel(14400 - 180, () => client.fetch("/api/v1/endpoint", {}))).status, 200);
  auth = (await log("emnify")).filter((e) => e.path === "/api/v1/authenticate").map(bodyOf);
  assert.equal(auth.length, 3);
  assert.deepEqual(auth[2], { username: EMNIFY_USER.username, password: sha1Hex(EMNIFY_USER.password) });
  assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 3, "GET /api/v1/endpoint": 4 });
});

test("emnify: getToken itself notices the expiry and refreshes (library and simulator clocks moved together)", async () => {
  await shortEmnifyTokens();
  const client = await fresh("emnify", EMNIFY_USER);
  const first = await client.getTokenInfo();
  await timeTravel(4 * 3600 + 60, async () => {
    const renewed = await client.getTokenInfo();
    assert.equal(renewed.fromCache, false);
    assert.notEqual(renewed.token, first.token);
    assert.ok(renewed.expiresAt > Date.now() + 3 * 3600 * 1000);
  });
  const auth = (await log("emnify")).map(bodyOf);
  assert.equal(auth.length, 2);
  assert.deepEqual(Object.keys(auth[1]), ["refresh_token"], "the refresh token is tried first");
});

test("emnify: a refresh that fails (refresh token expired after 24 h) falls back to one full login", async () => {
  await shortEmnifyTokens();
  const client = await fresh("emnify", EMNIFY_USER);
  await client.getToken();
  await sim.control("clock", { advanceSeconds: 25 * 3600 });
  const response = await client.fetch("/api/v1/endpoint", {});
  assert.equal(response.status, 200);
  const auth = (await log("emnify")).filter((e) => e.path === "/api/v1/authenticate").map(bodyOf);
  assert.deepEqual(auth.map((b) => Object.keys(b).sort().join("+")), ["password+username", "refresh_token", "password+username"]);
  assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 3, "GET /api/v1/endpoint": 2 });
});

test("emnify passwordIsSha1: true sends the given digest as is", async () => {
  const digest = sha1Hex(EMNIFY_USER.password).toUpperCase();
  const client = await fresh("emnify", { username: EMNIFY_USER.username, password: digest, passwordIsSha1: true });
  await client.getToken();
  const [login] = await log("emnify");
  assert.deepEqual(bodyOf(login), { username: EMNIFY_USER.username, password: digest.toLowerCase() });
  assert.throws(() => new AuthClient({ vendor: "emnify", credentials: { username: "u", password: "plain", passwordIsSha1: true } }), (e) => e.code === "INVALID_OPTIONS");
});

test("emnify MFA: getToken rejects MFA_REQUIRED; a wrong code rejects; completeMfa(code) resolves a TokenInfo that is then cached", async () => {
  const client = await fresh("emnify", { username: CREDENTIALS.emnify.mfaUsername, password: CREDENTIALS.emnify.mfaPassword });
  const challenge = await rejects(client.getToken(), "MFA_REQUIRED", { vendor: "emnify" });
  assert.match(challenge.message, /completeMfa/);
  assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 1 });

  const wrong = await rejects(client.completeMfa("000000"), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
  noSecrets(wrong, CREDENTIALS.emnify.mfaCode);

  const device = { fingerprint: "fp-1", operating_system: "Linux", browser: "node" };
  const info = await client.completeMfa(CREDENTIALS.emnify.mfaCode, device);
  assert.equal(info.fromCache, false);
  assert.equal(info.vendor, "emnify");
  assert.equal(claims(info.token).sub, CREDENTIALS.emnify.mfaUsername);
  assert.ok(Math.abs(info.expiresAt - claims(info.token).exp * 1000) <= 2000);

  const auth = (await log("emnify")).map(bodyOf);
  assert.equal(auth.length, 3);
  assert.deepEqual(auth[1], { mfa_token: auth[1].mfa_token, code: "000000" });
  assert.deepEqual(auth[2], { mfa_token: auth[1].mfa_token, code: CREDENTIALS.emnify.mfaCode, trusted_device: device });

  const cached = await client.getTokenInfo();
  assert.equal(cached.fromCache, true);
  assert.equal(cached.token, info.token);
  assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 3 });
});

test("emnify application tokens: create (it authenticates), list (no values), revoke (it no longer does)", async () => {
  const admin = await fresh("emnify", EMNIFY_USER);
  const created = await admin.createApplicationToken({ description: "ci token" });
  assert.equal(typeof created, "string");
  assert.ok(created.length >= 20);
  const createCall = (await log("emnify")).find((e) => e.path === "/api/v1/application_token");
  assert.equal(createCall.method, "POST");
  assert.deepEqual(bodyOf(createCall), { description: "ci token" });
  assert.equal(createCall.headers.authorization, `Bearer ${await admin.getToken()}`);

  const user = await fresh("emnify", { applicationToken: created });
  const userToken = await user.getToken();
  const userLogin = (await log("emnify")).at(-1);
  assert.deepEqual(bodyOf(userLogin), { application_token: created });

  const list = await admin.listApplicationTokens();
  assert.equal(list.length, 2);
  const mine = list.find((t) => t.description === "ci token");
  assert.ok(mine, JSON.stringify(list));
  assert.deepEqual(Object.keys(mine).sort(), ["created", "description", "expiryDate", "id", "ip", "status"]);
  assert.equal(mine.status, "activated");
  assert.equal(typeof mine.id, "number");
  assert.ok(!JSON.stringify(list).includes(created));
  assert.ok(!JSON.stringify(list).includes(CREDENTIALS.emnify.applicationToken));

  assert.equal(await admin.revokeApplicationToken(mine.id), undefined);
  const patch = (await log("emnify")).find((e) => e.method === "PATCH");
  assert.equal(patch.path, `/api/v1/application_token/${mine.id}`);
  assert.deepEqual(bodyOf(patch), { status: { id: 1 } });
  assert.equal((await admin.listApplicationTokens()).find((t) => t.id === mine.id).status, "revoked");

  const again = await fresh("emnify", { applicationToken: created });
  const error = await rejects(again.getToken(), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
  noSecrets(error, created);
  // Auth tokens it already issued stay valid until their own expiry [doc].
  const still = await fetch(`${sim.url}/emnify/api/v1/endpoint`, { headers: { authorization: `Bearer ${userToken}` } });
  assert.equal(still.status, 200);
  assert.deepEqual(await counts("emnify"), {
    "POST /api/v1/authenticate": 3, // admin, the new token, the revoked token
    "POST /api/v1/application_token": 1,
    "GET /api/v1/application_token": 2,
    "PATCH /api/v1/application_token/2": 1,
    "GET /api/v1/endpoint": 1,
  });
});

test("emnify login errors: any 401 (empty body, 1101, 1102, 1103) → INVALID_CREDENTIALS, 1104 → VENDOR_ERROR", async () => {
  // An unknown application token: 401 with an empty body [spec].
  const unknown = await fresh("emnify", { applicationToken: "no-such-token-1101" });
  const e1101 = await rejects(unknown.getToken(), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
  noSecrets(e1101, "no-such-token-1101");
  await inject({ vendor: "emnify", path: "/api/v1/authenticate", status: 401, body: { error_code: 1101, error_token: "InvalidCredentials", message: "Invalid credentials" } });
  const withBody = await rejects((await fresh("emnify", EMNIFY_APP)).getToken(), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
  assert.match(withBody.message, /1101/);

  // 1104: an application token bound to a CIDR the caller is outside of.
  const admin = await fresh("emnify", EMNIFY_APP);
  const bound = await admin.createApplicationToken({ description: "bound", ip: "203.0.113.0/24" });
  assert.deepEqual(bodyOf((await log("emnify")).find((e) => e.path === "/api/v1/application_token")), { description: "bound", ip: "203.0.113.0/24" });
  const outside = await fresh("emnify", { applicationToken: bound });
  const e1104 = await rejects(outside.getToken(), "VENDOR_ERROR", { vendor: "emnify", status: 403 });
  assert.match(e1104.message, /1104/);
  noSecrets(e1104, bound);

  // 1102 and 1103 on authenticate (a dead application token): a 401 of
  // authenticate is a credentials failure whatever its body.
  for (const [code, token] of [[1102, "InvalidToken"], [1103, "TokenExpired"]]) {
    await inject({ vendor: "emnify", path: "/api/v1/authenticate", status: 401, body: { error_code: code, error_token: token, message: token } });
    const client = await fresh("emnify", EMNIFY_APP);
    const error = await rejects(client.getToken(), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
    assert.match(error.message, new RegExp(String(code)));
  }
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 6);
});

test("emnify 1105: over the authenticate limit is RATE_LIMITED (429) with Retry-After", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "emnify", authenticateLimit: 1 }, own);
    const first = await fresh("emnify", EMNIFY_APP, {}, own);
    await first.getToken();
    const second = await fresh("emnify", EMNIFY_USER, {}, own); // another principal, same IP
    const error = await rejects(second.getToken(), "RATE_LIMITED", { vendor: "emnify", status: 429 });
    assert.match(error.message, /1105/);
    assert.ok(error.retryAfterSeconds >= 295 && error.retryAfterSeconds <= 300, `retryAfterSeconds ${error.retryAfterSeconds}`);
    noSecrets(error, EMNIFY_USER.password, sha1Hex(EMNIFY_USER.password));
    // A long Retry-After is not waited out or retried.
    assert.deepEqual(await counts("emnify", own), { "POST /api/v1/authenticate": 2 });
  });
});

test("emnify: a recorded-style token (HS384, 7 days) is used from the cache for days; an expired one gets the gateway's 401, renewed once by client.fetch", async () => {
  const client = await fresh("emnify", EMNIFY_APP);
  const info = await client.getTokenInfo();
  assert.equal(JSON.parse(Buffer.from(info.token.split(".")[0], "base64url")).alg, "HS384");
  assert.ok(Math.abs(info.expiresAt - (Date.now() + 604800 * 1000)) <= 5000, `expiresAt ${info.expiresAt}`);
  await timeTravel(6 * 86400, async () => {
    assert.equal((await client.getTokenInfo()).fromCache, true);
  });
  // Past its exp at emnify (only the simulator's clock moves): the gateway's
  // 401 without error_code is a rejection like any other.
  await sim.control("clock", { advanceSeconds: 604800 });
  const response = await client.fetch("/api/v1/endpoint", {});
  assert.equal(response.status, 200);
  const calls = (await log("emnify")).map((e) => `${e.method} ${e.path}`);
  assert.deepEqual(calls, ["POST /api/v1/authenticate", "GET /api/v1/endpoint", "POST /api/v1/authenticate", "GET /api/v1/endpoint"]);
  assert.notEqual(await client.getToken(), info.token);
});

test("emnify lock-out: three failed logins, then 401 1105 is RATE_LIMITED 300 s; every client of the account holds off, other accounts do not", async () => {
  await withOwnSimulator(async (own) => {
    const store = kvStore();
    const wrong = await fresh("emnify", { username: EMNIFY_USER.username, password: "not-the-password" }, { store }, own);
    for (let i = 0; i < 3; i++) await rejects(wrong.getToken(), "INVALID_CREDENTIALS", { vendor: "emnify", status: 401 });
    const right = await fresh("emnify", EMNIFY_USER, { store }, own);
    const locked = await rejects(right.getToken(), "RATE_LIMITED", { vendor: "emnify", status: 401, retryAfterSeconds: 300 });
    assert.match(locked.message, /1105/);
    noSecrets(locked, EMNIFY_USER.password, sha1Hex(EMNIFY_USER.password));
    assert.deepEqual(await counts("emnify", own), { "POST /api/v1/authenticate": 4 });
    // The hold is in the store, under the account's key.
    const holds = [...store.map.keys()].filter((k) => k.endsWith(":hold"));
    assert.equal(holds.length, 1, holds.join());
    assert.match(holds[0], /^vendor-auth:v1:emnify:.+:[0-9a-f]{32}:hold$/, "the account's hold, not the whole root's");
    // Another client of the account, sharing the store: fails fast, no request.
    const other = await fresh("emnify", EMNIFY_USER, { store }, own);
    const held = await rejects(other.getToken(), "RATE_LIMITED", { vendor: "emnify" });
    assert.ok(held.retryAfterSeconds > 290 && held.retryAfterSeconds <= 300, `${held.retryAfterSeconds}`);
    assert.deepEqual(await counts("emnify", own), { "POST /api/v1/authenticate": 4 }, "no login into the locked account");
    // Another account of the same root is not held.
    await (await fresh("emnify", EMNIFY_APP, { store }, own)).getToken();
    assert.deepEqual(await counts("emnify", own), { "POST /api/v1/authenticate": 5 });
    // After 5 minutes (both clocks), the account logs in again.
    await timeTravel(301, async () => {
      assert.equal((await other.getTokenInfo()).fromCache, false);
    });
    assert.deepEqual(await counts("emnify", own), { "POST /api/v1/authenticate": 6 });
  });
});

test("emnify trusted device: completeMfa(code, { name }) generates and sends a fingerprint and resolves with it; a client given it as options.fingerprint skips MFA", async () => {
  const MFA_USER = { username: CREDENTIALS.emnify.mfaUsername, password: CREDENTIALS.emnify.mfaPassword };
  const store = kvStore();
  const client = await fresh("emnify", MFA_USER, { store });
  await rejects(client.getToken(), "MFA_REQUIRED");
  const done = await client.completeMfa(CREDENTIALS.emnify.mfaCode, { name: "ops laptop", operating_system: "Linux", browser: "node" });
  assert.match(done.fingerprint, /^[0-9a-f]{32}$/);
  assert.equal(claims(done.token).sub, MFA_USER.username);
  const answer = bodyOf((await log("emnify")).at(-1));
  assert.deepEqual(answer.trusted_device, { name: "ops laptop", operating_system: "Linux", browser: "node", fingerprint: done.fingerprint });
  // Never stored by the library.
  assert.ok(store.writes.every((w) => !w.value.includes(done.fingerprint) && !w.key.includes(done.fingerprint)));
  // A caller-chosen fingerprint is sent as is; without a trusted device it is null.
  const again = await fresh("emnify", MFA_USER);
  await rejects(again.getToken(), "MFA_REQUIRED");
  assert.equal((await again.completeMfa(CREDENTIALS.emnify.mfaCode)).fingerprint, null);

  const trusted = await fresh("emnify", MFA_USER, { fingerprint: done.fingerprint });
  const info = await trusted.getTokenInfo();
  assert.equal(info.fromCache, false);
  const login = bodyOf((await log("emnify")).at(-1));
  assert.deepEqual(login, { username: MFA_USER.username, password: sha1Hex(MFA_USER.password), fingerprint: done.fingerprint });
  assert.throws(() => new AuthClient({ vendor: "emnify", fingerprint: "f", credentials: EMNIFY_APP }), (e) => e.code === "INVALID_OPTIONS" && /username\/password/.test(e.message));
  assert.throws(() => new AuthClient({ vendor: "voipbin", fingerprint: "f", credentials: VOIP }), (e) => e.code === "INVALID_OPTIONS");
});

test("management methods of one vendor on another vendor's client reject UNSUPPORTED without a request", async () => {
  const emnifyOnly = [
    (c) => c.completeMfa("123456"),
    (c) => c.createApplicationToken({ description: "x" }),
    (c) => c.listApplicationTokens(),
    (c) => c.revokeApplicationToken(1),
  ];
  const voipbinOnly = [
    (c) => c.createAccessKey({ expireSeconds: 86400 }),
    (c) => c.listAccessKeys(),
    (c) => c.deleteAccessKey("some-id"),
  ];
  const clients = {
    runbuggy: await fresh("runbuggy", { apiToken: CREDENTIALS.runbuggy.apiToken }),
    personr: await fresh("personr", PERSONR),
    emnify: await fresh("emnify", EMNIFY_APP),
    zumrails: await fresh("zumrails", ZUM),
    voipbin: await fresh("voipbin", VOIP),
  };
  for (const [vendor, client] of Object.entries(clients)) {
    const calls = [...(vendor === "emnify" ? [] : emnifyOnly), ...(vendor === "voipbin" ? [] : voipbinOnly)];
    for (const call of calls) await rejects(call(client), "UNSUPPORTED", { vendor });
  }
  for (const vendor of Object.keys(clients)) assert.deepEqual(await counts(vendor), {}, `${vendor} got requests`);
});

// =============================================================================
// Zūm Rails
// =============================================================================

test("Zūm Rails sandbox and production: {Username, Password} login, expiry from exp, meta with the account facts", async () => {
  for (const environment of ["sandbox", "production"]) {
    await sim.reset();
    const client = await fresh("zumrails", ZUM, { environment });
    const info = await client.getTokenInfo();
    assert.equal(info.environment, environment);
    assert.equal(info.vendor, "zumrails");
    assert.ok(Math.abs(info.expiresAt - claims(info.token).exp * 1000) <= 2000);
    assert.deepEqual(info.meta, {
      customerId: "3012a7c4-5b9e-4d2f-9c1a-6e8f0b2d042f",
      companyName: "Simulated Company Inc.",
      customerType: "Customer",
      role: "API",
      username: "b022aced-fae9-414f-853e-959fdf90d8f1",
    });
    assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 1 });
    const [login] = await log("zumrails");
    assert.match(login.headers["content-type"], /^application\/json/);
    assert.deepEqual(bodyOf(login), { Username: ZUM.username, Password: ZUM.password });

    const response = await client.fetch("/api/user", {});
    assert.equal(response.status, 200);
    assert.equal((await log("zumrails")).at(-1).headers.authorization, `Bearer ${info.token}`);
  }
  assert.throws(() => new AuthClient({ vendor: "zumrails", environment: "staging", credentials: ZUM }), (e) => e.code === "INVALID_OPTIONS");
});

test("Zūm Rails bad password: INVALID_CREDENTIALS (401), no password in the message, no retry", async () => {
  const client = await fresh("zumrails", { username: ZUM.username, password: "wrong-zum-password" });
  const error = await rejects(client.getToken(), "INVALID_CREDENTIALS", { vendor: "zumrails", status: 401 });
  assert.match(error.message, /Invalid username or password/);
  noSecrets(error, "wrong-zum-password");
  assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 1 });
});

test("Zūm Rails: isError is checked before the HTTP status (HTTP 200 carrying a 401 or 400 error)", async () => {
  const client = await fresh("zumrails", ZUM);
  await inject({ vendor: "zumrails", path: "/api/authorize", status: 200, body: { statusCode: 401, isError: true, responseException: { exceptionMessage: "Invalid username or password" } } });
  await rejects(client.getToken(), "INVALID_CREDENTIALS", { vendor: "zumrails", status: 401 });
  await inject({ vendor: "zumrails", path: "/api/authorize", status: 200, body: { statusCode: 400, isError: true, responseException: { exceptionMessage: "Username and Password are required" }, result: { Token: "must-not-be-used" } } });
  const error = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "zumrails", status: 400 });
  assert.match(error.message, /Username and Password are required/);
  await rejects(client.getToken({ cache: "only-if-cached" }), "REAUTH_REQUIRED");
  assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 2 });
});

test("Zūm Rails: unknown fields (older docs' IsTermsOfUseAccepted, LoginType…) are ignored; an opaque token lasts the documented hour", async () => {
  await inject({
    vendor: "zumrails", path: "/api/authorize", status: 200,
    body: {
      statusCode: 200, message: "POST Request successful.", isError: false, version: "1.0",
      result: { Role: "API", Token: "opaque-zum-token", CustomerId: "c-1", CompanyName: "Co", CustomerType: "Customer", Username: "u-1", IsTermsOfUseAccepted: true, IsTwoFactorAuthenticationEnabled: false, LoginType: "Api" },
    },
  });
  const client = await fresh("zumrails", ZUM);
  const before = Date.now();
  const info = await client.getTokenInfo();
  assert.equal(info.token, "opaque-zum-token");
  assert.ok(Math.abs(info.expiresAt - (before + 3600 * 1000)) <= 5000, `expiresAt ${info.expiresAt}`);
  assert.deepEqual(info.meta, { customerId: "c-1", companyName: "Co", customerType: "Customer", role: "API", username: "u-1" });
});

test("Zūm Rails revoke(): 'vendor', PATCH canceltoken with the bearer; the old token then gets 401; the next getToken logs in", async () => {
  const client = await fresh("zumrails", ZUM);
  const token = await client.getToken();
  assert.equal(await client.revoke(), "vendor");
  const cancel = (await log("zumrails")).at(-1);
  assert.equal(cancel.method, "PATCH");
  assert.equal(cancel.path, "/api/authorize/canceltoken");
  assert.equal(cancel.headers.authorization, `Bearer ${token}`);

  const old = await fetch(`${sim.url}/zumrails/api/user`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(old.status, 401);
  assert.equal((await old.json()).responseException.exceptionMessage, "Token cancelled");

  const next = await client.getTokenInfo();
  assert.equal(next.fromCache, false);
  assert.notEqual(next.token, token);
  assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 2, "PATCH /api/authorize/canceltoken": 1, "GET /api/user": 1 });
});

test("Zūm Rails block: a 429 is RATE_LIMITED ≈ 300 s; later logins of any principal fail fast with no request, until the block ends", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "zumrails", limit: 2 }, own);
    // Two logins elsewhere on this IP use the window up.
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${own.url}/zumrails/api/authorize`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ Username: ZUM.username, Password: ZUM.password }) });
      assert.equal(r.status, 200);
    }
    const kv = new Map();
    const puts = [];
    const store = {
      get: (key) => kv.get(key) ?? null,
      put: (key, value, options) => { kv.set(key, value); puts.push({ key, options }); },
      delete: (key) => { kv.delete(key); },
    };
    const a = await fresh("zumrails", ZUM, { store }, own);
    const blocked = await rejects(a.getToken(), "RATE_LIMITED", { vendor: "zumrails", status: 429 });
    assert.ok(blocked.retryAfterSeconds >= 295 && blocked.retryAfterSeconds <= 300, `retryAfterSeconds ${blocked.retryAfterSeconds}`);
    noSecrets(blocked, ZUM.password);
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 3 }, "the 429 is not retried");
    // The block is recorded in the store, for other tabs and isolates.
    assert.ok(puts.some((p) => p.options?.expirationTtl >= 295), `store puts: ${JSON.stringify(puts)}`);

    // Fail fast: the same client, and another principal of the same root.
    const again = await rejects(a.getToken(), "RATE_LIMITED", { vendor: "zumrails" });
    assert.ok(again.retryAfterSeconds > 250 && again.retryAfterSeconds <= 300);
    // Not `fresh()`: its clear() would lift the hold (clear() is the way out of one).
    const b = new AuthClient({ vendor: "zumrails", baseUrl: `${own.url}/zumrails`, credentials: { username: "another-api-user", password: "another-password" } });
    const other = await rejects(b.getToken(), "RATE_LIMITED", { vendor: "zumrails" });
    assert.ok(other.retryAfterSeconds > 250 && other.retryAfterSeconds <= 300);
    noSecrets(other, "another-password");
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 3 }, "no request while blocked");

    // Once the 5 minutes have passed (for both clocks), one login goes through.
    await timeTravel(301, async () => {
      const info = await a.getTokenInfo();
      assert.equal(info.fromCache, false);
    });
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 4 });
  });
});

test("Zūm Rails production: a 429 of an API call seen by client.fetch blocks logins too (held in the store), the answer returned as it is", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "zumrails", mode: "production", apiLimit: 1 }, own);
    const store = kvStore();
    const client = await fresh("zumrails", ZUM, { store }, own);
    assert.equal((await client.fetch("/api/transaction/t1", {})).status, 200);
    const limited = await client.fetch("/api/transaction/t2", {});
    assert.equal(limited.status, 429, "the caller's own call is returned untouched");
    assert.equal((await limited.json()).statusCode, 429);
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 1, "GET /api/transaction/t1": 1, "GET /api/transaction/t2": 1 });
    const holds = [...store.map.keys()].filter((k) => k.endsWith(":hold"));
    assert.equal(holds.length, 1, holds.join());
    // The next renewal does not walk into the block: this client and another principal.
    const reload = await rejects(client.getToken({ cache: "reload" }), "RATE_LIMITED", { vendor: "zumrails" });
    assert.ok(reload.retryAfterSeconds > 290 && reload.retryAfterSeconds <= 300, `${reload.retryAfterSeconds}`);
    // Not `fresh()`: its clear() would lift the hold (clear() is the way out of one).
    const other = new AuthClient({ vendor: "zumrails", baseUrl: `${own.url}/zumrails`, credentials: { username: "another-api-user", password: "another-password" }, store });
    await rejects(other.getToken(), "RATE_LIMITED", { vendor: "zumrails" });
    assert.equal(await own.count("zumrails", "POST /api/authorize"), 1, "no login while the IP is blocked");
  });
});

test("Zūm Rails: the 429 of a client.fetch whose body is streamed (so not retried) blocks logins all the same", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "zumrails", mode: "production", apiLimit: 1 }, own);
    const store = kvStore();
    const client = await fresh("zumrails", ZUM, { store }, own);
    const json = { "content-type": "application/json" };
    assert.equal((await client.fetch("/api/transaction/filter", { method: "POST", body: "{}", headers: json })).status, 200);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
      },
    });
    const limited = await client.fetch("/api/transaction/filter", { method: "POST", body, duplex: "half", headers: json });
    assert.equal(limited.status, 429, "the caller's own call is returned untouched");
    await rejects(client.getToken({ cache: "reload" }), "RATE_LIMITED", { vendor: "zumrails" });
    assert.equal(await own.count("zumrails", "POST /api/authorize"), 1, "no login while the IP is blocked");
  });
});

test("Zūm Rails: an exceptionMessage object (RFC 7807 problem details, or {}) gives its title and errors, never [object Object]; the result's RefreshToken is never kept", async () => {
  const problem = { type: "https://tools.ietf.org/html/rfc7231#section-6.5.1", title: "One or more validation errors occurred.", status: 400, errors: { Password: ["The Password field is required."] } };
  await inject({ vendor: "zumrails", path: "/api/authorize", status: 400, body: { statusCode: 400, isError: true, responseException: { exceptionMessage: problem } } });
  const client = await fresh("zumrails", ZUM);
  const error = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "zumrails", status: 400 });
  assert.match(error.message, /One or more validation errors occurred\.; Password: The Password field is required\./);
  await inject({ vendor: "zumrails", path: "/api/authorize", count: 3, status: 500, body: { statusCode: 500, isError: true, responseException: { exceptionMessage: {} } } });
  const empty = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "zumrails", status: 500 });
  assert.doesNotMatch(empty.message, /object Object|\{\}/);

  const store = kvStore();
  const refresh = "zum-recorded-refresh-token-0001";
  await inject({ vendor: "zumrails", path: "/api/authorize", status: 200, body: { statusCode: 200, message: "POST Request successful.", isError: false, result: { Id: "i-1", Role: "API", Token: "opaque-zum-token-2", CustomerId: "c-1", CompanyName: "Co", CustomerType: "Customer", Username: "u-1", CustomerCreatedAt: "2021-05-04T12:00:00Z", RefreshToken: refresh, CreatedAt: "2023-01-01T00:00:00Z", OtpReady: false } } });
  const recorded = await fresh("zumrails", ZUM, { store });
  const info = await recorded.getTokenInfo();
  assert.deepEqual(info.meta, { customerId: "c-1", companyName: "Co", customerType: "Customer", role: "API", username: "u-1" });
  assert.ok(store.writes.every((w) => !w.value.includes(refresh)), "the RefreshToken is not stored");
});

test("Zūm Rails 429 without a readable Retry-After: RATE_LIMITED with the documented 300 s", async () => {
  await withOwnSimulator(async (own) => {
    await inject({ vendor: "zumrails", path: "/api/authorize", count: 3, status: 429, body: { statusCode: 429, isError: true, responseException: { exceptionMessage: "Too many requests" } } }, own);
    const client = await fresh("zumrails", ZUM, {}, own);
    await rejects(client.getToken(), "RATE_LIMITED", { vendor: "zumrails", status: 429, retryAfterSeconds: 300 });
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 1 });
  });
});

/** Runs getToken in a worker thread: another JS realm with its own wasm instance and memory store. */
function getTokenInAnotherIsolate(workerData) {
  const code = `
    const { workerData, parentPort } = require("node:worker_threads");
    import(workerData.pkg).then(async ({ AuthClient }) => {
      const kv = new Map(workerData.entries);
      const store = { get: (k) => kv.get(k) ?? null, put: (k, v) => { kv.set(k, v); }, delete: (k) => { kv.delete(k); } };
      const client = new AuthClient({ vendor: "zumrails", baseUrl: workerData.baseUrl, credentials: workerData.credentials, store });
      try {
        await client.getToken();
        parentPort.postMessage({ resolved: true });
      } catch (e) {
        parentPort.postMessage({ code: e.code, retryAfterSeconds: e.retryAfterSeconds });
      }
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { pkg: import.meta.resolve("vendor-auth"), ...workerData } });
    const timer = setTimeout(() => { worker.terminate(); reject(new Error("worker timed out")); }, 10000);
    worker.once("message", (message) => { clearTimeout(timer); worker.terminate(); resolve(message); });
    worker.once("error", (error) => { clearTimeout(timer); reject(error); });
  });
}

test("Zūm Rails block: an isolate sharing the store holds off too (no login from it while the block lasts)", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "zumrails", limit: 0 }, own); // the first request already blocks the IP
    const kv = new Map();
    const store = { get: (k) => kv.get(k) ?? null, put: (k, v) => { kv.set(k, v); }, delete: (k) => { kv.delete(k); } };
    const here = await fresh("zumrails", ZUM, { store }, own);
    await rejects(here.getToken(), "RATE_LIMITED", { vendor: "zumrails", status: 429 });
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 1 });

    const there = await getTokenInAnotherIsolate({ entries: [...kv], baseUrl: `${own.url}/zumrails`, credentials: { username: "isolate-user", password: "isolate-password" } });
    assert.equal(there.code, "RATE_LIMITED", JSON.stringify(there));
    assert.ok(there.retryAfterSeconds > 250 && there.retryAfterSeconds <= 300, JSON.stringify(there));
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 1 }, "the other isolate sent nothing");

    // Control: an isolate with its own (empty) store does reach Zūm Rails.
    const alone = await getTokenInAnotherIsolate({ entries: [], baseUrl: `${own.url}/zumrails`, credentials: ZUM });
    assert.equal(alone.code, "RATE_LIMITED");
    assert.deepEqual(await counts("zumrails", own), { "POST /api/authorize": 2 });
  });
});

// =============================================================================
// VoIPBIN
// =============================================================================

test("VoIPBIN login: {username, password}, expiry from the custom expire claim, meta.username", async () => {
  const client = await fresh("voipbin", VOIP);
  const info = await client.getTokenInfo();
  const { expire, exp } = claims(info.token);
  assert.equal(exp, undefined);
  assert.ok(Math.abs(info.expiresAt - Date.parse(expire)) <= 2000);
  assert.equal(info.meta.username, VOIP.username);
  const [login] = await log("voipbin");
  assert.equal(login.path, "/auth/login");
  assert.deepEqual(bodyOf(login), { username: VOIP.username, password: VOIP.password });
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 1 });
});

test("VoIPBIN: the token ends at its expire claim (7 days), and getToken logs in again then", async () => {
  const client = await fresh("voipbin", VOIP);
  const first = await client.getTokenInfo();
  await timeTravel(6 * 24 * 3600, async () => {
    assert.equal((await client.getTokenInfo()).fromCache, true, "still fresh after 6 days");
  });
  await timeTravel(7 * 24 * 3600 + 5, async () => {
    const next = await client.getTokenInfo();
    assert.equal(next.fromCache, false);
    assert.notEqual(next.token, first.token);
  });
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 2 });
});

test("VoIPBIN wrong password: the empty 400 is INVALID_CREDENTIALS", async () => {
  const client = await fresh("voipbin", { username: VOIP.username, password: "wrong-voip-password" });
  const error = await rejects(client.getToken(), "INVALID_CREDENTIALS", { vendor: "voipbin", status: 400 });
  noSecrets(error, "wrong-voip-password");
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 1 });
});

test("VoIPBIN { accessKey }: no request on getToken; on API calls only in ?accesskey= (no header, no cookie)", async () => {
  const key = CREDENTIALS.voipbin.accessKey;
  const client = await fresh("voipbin", { accessKey: key });
  assert.equal(await client.getToken(), key);
  assert.equal((await client.getTokenInfo()).expiresAt, null);
  assert.deepEqual(await counts("voipbin"), {});

  const response = await client.fetch("/v1.0/accesskeys", {});
  assert.equal(response.status, 200);
  const [call] = await log("voipbin");
  assert.equal(call.path, "/v1.0/accesskeys");
  assert.deepEqual(call.query, { accesskey: key });
  assert.equal(call.headers.authorization, undefined);
  assert.equal(call.headers.cookie, undefined);
  assert.deepEqual(call.cookies, {});
  assert.deepEqual(await counts("voipbin"), { "GET /v1.0/accesskeys": 1 });
});

test("VoIPBIN login tokens: Bearer header by default; ?token= (and no header) with tokenIn: 'query'", async () => {
  const header = await fresh("voipbin", VOIP);
  const token = await header.getToken();
  assert.equal((await header.fetch("/v1.0/accesskeys", {})).status, 200);
  let call = (await log("voipbin")).at(-1);
  assert.equal(call.headers.authorization, `Bearer ${token}`);
  assert.deepEqual(call.query, {});
  assert.equal(call.headers.cookie, undefined);

  const query = new AuthClient({ vendor: "voipbin", baseUrl: `${sim.url}/voipbin`, credentials: VOIP, tokenIn: "query" });
  assert.equal((await query.fetch("/v1.0/accesskeys?page_size=5", {})).status, 200);
  call = (await log("voipbin")).at(-1);
  assert.deepEqual(call.query, { page_size: "5", token });
  assert.equal(call.headers.authorization, undefined);
  assert.equal(call.headers.cookie, undefined);
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 1, "GET /v1.0/accesskeys": 2 });
});

test("VoIPBIN createAccessKey: under 86400 s or over the server's 32-bit 2147483647 is INVALID_OPTIONS with zero requests; 86400 returns a vb_ token that works", async () => {
  const client = await fresh("voipbin", VOIP);
  const error = await rejects(client.createAccessKey({ expireSeconds: 86399 }), "INVALID_OPTIONS");
  assert.match(error.message, /expireSeconds/);
  const tooLong = await rejects(client.createAccessKey({ expireSeconds: 2147483648 }), "INVALID_OPTIONS");
  assert.match(tooLong.message, /2147483647/);
  assert.deepEqual(await counts("voipbin"), {}, "not even a login");

  const key = await client.createAccessKey({ name: "ci", detail: "vendors test", expireSeconds: 86400 });
  assert.match(key.token, /^vb_[A-Za-z0-9]{32}$/);
  assert.equal(key.tokenPrefix, key.token.slice(0, 11));
  assert.equal(key.name, "ci");
  assert.equal(key.detail, "vendors test");
  assert.equal(key.deletedAt, null);
  assert.ok(Math.abs(Date.parse(key.expiresAt) - Date.parse(key.createdAt) - 86400 * 1000) <= 1000);
  const create = (await log("voipbin")).at(-1);
  assert.equal(create.method, "POST");
  assert.equal(create.path, "/v1.0/accesskeys");
  assert.deepEqual(bodyOf(create), { expire: 86400, name: "ci", detail: "vendors test" });
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 1, "POST /v1.0/accesskeys": 1 });

  const user = await fresh("voipbin", { accessKey: key.token });
  assert.equal((await user.fetch("/v1.0/accesskeys", {})).status, 200);
});

test("VoIPBIN listAccessKeys follows next_page_token over every page (105 keys + 1 at page_size 100), without token values", async () => {
  const client = await fresh("voipbin", VOIP);
  const token = await client.getToken();
  const made = [];
  for (let batch = 0; batch < 5; batch++) {
    made.push(...(await Promise.all(Array.from({ length: 21 }, async (_, i) => {
      const r = await fetch(`${sim.url}/voipbin/v1.0/accesskeys`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `bulk-${batch}-${i}`, expire: 86400 }),
      });
      assert.equal(r.status, 200);
      return r.json();
    }))));
  }
  const keys = await client.listAccessKeys();
  assert.equal(keys.length, 106);
  assert.equal(new Set(keys.map((k) => k.id)).size, 106);
  for (const k of made) assert.ok(keys.some((listed) => listed.id === k.id), `missing ${k.name}`);
  assert.ok(keys.some((k) => k.tokenPrefix === CREDENTIALS.voipbin.accessKey.slice(0, 11)));
  assert.ok(keys.every((k) => k.token === undefined));
  assert.ok(!JSON.stringify(keys).includes(made[0].token));

  assert.ok(keys.every((k) => k.deletedAt === null && k.updatedAt === null), "the 9999-01-01 sentinel lists as null");
  // VoIPBIN gives a next_page_token on the last page too; the page after it is empty [code].
  const pages = (await log("voipbin")).filter((e) => e.method === "GET");
  assert.equal(pages.length, 3);
  assert.deepEqual(pages[0].query, { page_size: "100" });
  assert.equal(pages[1].query.page_size, "100");
  assert.ok(pages[1].query.page_token, "the second page is asked for with the token of the first");
  assert.ok(pages[2].query.page_token && pages[2].query.page_token !== pages[1].query.page_token, "and the third with the second's");
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 1, "POST /v1.0/accesskeys": 105, "GET /v1.0/accesskeys": 3 });
});

test("VoIPBIN deleteAccessKey: returns the key with deletedAt set, and the key stops working", async () => {
  const client = await fresh("voipbin", VOIP);
  const key = await client.createAccessKey({ name: "short-lived", expireSeconds: 86400 });
  const deleted = await client.deleteAccessKey(key.id);
  assert.equal(deleted.id, key.id);
  assert.equal(typeof deleted.deletedAt, "string");
  assert.ok(!Number.isNaN(Date.parse(deleted.deletedAt)));
  assert.equal(deleted.token, undefined);
  const call = (await log("voipbin")).at(-1);
  assert.equal(call.method, "DELETE");
  assert.equal(call.path, `/v1.0/accesskeys/${key.id}`);

  assert.ok(!(await client.listAccessKeys()).some((k) => k.id === key.id));
  // At the vendor: the deleted key no longer authenticates.
  const direct = await fetch(`${sim.url}/voipbin/v1.0/accesskeys?accesskey=${key.token}`);
  assert.equal(direct.status, 401);
  assert.equal((await direct.json()).error.reason, "INVALID_CREDENTIALS");
  // Through a client holding it: nothing to renew, so TOKEN_REJECTED after one request.
  const user = await fresh("voipbin", { accessKey: key.token });
  const before = await sim.count("voipbin", "GET /v1.0/accesskeys");
  const error = await rejects(user.fetch("/v1.0/accesskeys", {}), "TOKEN_REJECTED", { vendor: "voipbin" });
  noSecrets(error, key.token);
  assert.equal(await sim.count("voipbin", "GET /v1.0/accesskeys"), before + 1);
});

test("VoIPBIN: the pre-2026 expire claim without a zone is read as UTC (older self-hosted installs)", async () => {
  await configure({ vendor: "voipbin", expireFormat: "legacy" });
  const client = await fresh("voipbin", VOIP);
  const info = await client.getTokenInfo();
  const { expire, customer } = claims(info.token);
  assert.match(expire, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
  assert.equal(typeof customer, "string");
  assert.ok(Math.abs(info.expiresAt - Date.parse(`${expire.replace(" ", "T")}Z`)) <= 2000, `${info.expiresAt} vs ${expire}`);
  assert.equal((await client.fetch("/v1.0/accesskeys", {})).status, 200);
});

test("VoIPBIN access-key error envelopes: NOT_FOUND → VENDOR_ERROR, INVALID_ARGUMENT → INVALID_OPTIONS, PERMISSION_DENIED → TOKEN_REJECTED, with VoIPBIN's message", async () => {
  const client = await fresh("voipbin", VOIP);
  const missing = await rejects(client.deleteAccessKey("00000000-0000-4000-8000-000000000000"), "VENDOR_ERROR", { vendor: "voipbin", status: 404 });
  assert.match(missing.message, /NOT_FOUND.*The access key was not found\./);
  await inject({ vendor: "voipbin", method: "POST", path: "/v1.0/accesskeys", status: 400, body: { error: { status: "INVALID_ARGUMENT", reason: "INVALID_ARGUMENT", message: "name is too long", request_id: "r" } } });
  const invalid = await rejects(client.createAccessKey({ name: "x", expireSeconds: 86400 }), "INVALID_OPTIONS", { vendor: "voipbin", status: 400 });
  assert.match(invalid.message, /name is too long/);
  await inject({ vendor: "voipbin", method: "GET", path: "/v1.0/accesskeys", status: 403, body: { error: { status: "PERMISSION_DENIED", reason: "PERMISSION_DENIED", message: "agent lacks permission", request_id: "r" } } });
  const denied = await rejects(client.listAccessKeys(), "TOKEN_REJECTED", { vendor: "voipbin", status: 403 });
  assert.match(denied.message, /agent lacks permission/);
});

test("VoIPBIN's real 429 envelope (RESOURCE_EXHAUSTED / RATE_LIMIT_EXCEEDED, limited by ip) is RATE_LIMITED with its Retry-After", async () => {
  await withOwnSimulator(async (own) => {
    await configure({ vendor: "voipbin", ratePerSecond: 0.01, burst: 0 }, own);
    const client = await fresh("voipbin", VOIP, {}, own);
    const error = await rejects(client.getToken(), "RATE_LIMITED", { vendor: "voipbin", status: 429, retryAfterSeconds: 100 });
    assert.match(error.message, /RATE_LIMIT_EXCEEDED, limited by ip/);
    noSecrets(error, VOIP.password);
    assert.deepEqual(await counts("voipbin", own), { "POST /auth/login": 1 });
  });
});

test("VoIPBIN login 429 with Retry-After: 120 is RATE_LIMITED carrying 120", async () => {
  await withOwnSimulator(async (own) => {
    await inject({ vendor: "voipbin", method: "POST", path: "/auth/login", count: 5, status: 429, headers: { "Retry-After": "120" }, body: "{}" }, own);
    const client = await fresh("voipbin", VOIP, {}, own);
    const error = await rejects(client.getToken(), "RATE_LIMITED", { vendor: "voipbin", status: 429, retryAfterSeconds: 120 });
    noSecrets(error, VOIP.password);
    assert.deepEqual(await counts("voipbin", own), { "POST /auth/login": 1 }, "a long Retry-After is not waited out");
    // While the hold lasts, no further login is sent.
    const again = await rejects(client.getToken(), "RATE_LIMITED", { vendor: "voipbin" });
    assert.ok(again.retryAfterSeconds > 100 && again.retryAfterSeconds <= 120);
    assert.deepEqual(await counts("voipbin", own), { "POST /auth/login": 1 });
  });
});

test("without baseUrl each vendor and environment logs in at the documented host, and API calls go to its root", async () => {
  const cases = [
    ["runbuggy", "production", async () => ({ sessionJwt: await sessionJwt(3600), tokenName: "hosts" }), "POST https://apps.runbuggy.com/runbuggy/accounts/api-token/tokens", null],
    ["runbuggy", "staging", async () => ({ sessionJwt: await sessionJwt(3600), tokenName: "hosts" }), "POST https://ng-staging.runbuggy.com/staging/accounts/api-token/tokens", null],
    ["personr", undefined, async () => PERSONR, "POST https://enterprise.personr.co/api/1.1/wf/api-token-generate", ["/api/1.1/obj/workspace", "https://enterprise.personr.co/api/1.1/obj/workspace"]],
    ["emnify", undefined, async () => EMNIFY_APP, "POST https://cdn.emnify.net/api/v1/authenticate", ["/api/v1/endpoint", "https://cdn.emnify.net/api/v1/endpoint"]],
    ["zumrails", "sandbox", async () => ZUM, "POST https://api-sandbox.zumrails.com/api/authorize", ["/api/user", "https://api-sandbox.zumrails.com/api/user"]],
    ["zumrails", "production", async () => ZUM, "POST https://api-app.zumrails.com/api/authorize", ["/api/user", "https://api-app.zumrails.com/api/user"]],
    ["voipbin", undefined, async () => VOIP, "POST https://api.voipbin.net/auth/login", ["/v1.0/accesskeys", "https://api.voipbin.net/v1.0/accesskeys"]],
  ];
  for (const [vendor, environment, credentials, login, api] of cases) {
    const seen = [];
    const client = new AuthClient({ vendor, environment, credentials: await credentials(), fetch: forwardingFetch(seen) });
    await client.clear();
    const info = await client.getTokenInfo();
    assert.equal(info.environment, environment ?? "production");
    assert.deepEqual(seen, [login], `${vendor} ${environment}`);
    if (api) {
      const response = await client.fetch(api[0], {});
      assert.equal(response.status, 200, `${vendor} ${environment}`);
      assert.equal(seen.at(-1), `GET ${api[1]}`);
    }
    await client.clear();
  }
});

// =============================================================================
// Every vendor
// =============================================================================

test("revoke() where the vendor has no revoke: resolves 'local', sends nothing, and the next getToken obtains a new token", async () => {
  const cases = [
    ["runbuggy", async () => ({ sessionJwt: await sessionJwt(3600), tokenName: "revoke-test" }), "POST /accounts/api-token/tokens"],
    ["personr", async () => PERSONR, "POST /api/1.1/wf/api-token-generate"],
    ["emnify", async () => EMNIFY_APP, "POST /api/v1/authenticate"],
    ["voipbin", async () => VOIP, "POST /auth/login"],
  ];
  for (const [vendor, credentials, login] of cases) {
    const client = await fresh(vendor, await credentials());
    const first = await client.getToken();
    assert.equal(await client.revoke(), "local", vendor);
    assert.deepEqual(await counts(vendor), { [login]: 1 }, `${vendor}: revoke sent a request`);
    const next = await client.getTokenInfo();
    assert.equal(next.fromCache, false, vendor);
    assert.notEqual(next.token, first, vendor);
    assert.deepEqual(await counts(vendor), { [login]: 2 }, vendor);
    // Forgotten here: nothing is cached after a revoke.
    assert.equal(await client.revoke(), "local", vendor);
    await rejects(client.getToken({ cache: "only-if-cached" }), "REAUTH_REQUIRED");
  }
  // Tokens given in the credentials are only forgotten too (nothing to forget).
  assert.equal(await (await fresh("runbuggy", { apiToken: CREDENTIALS.runbuggy.apiToken })).revoke(), "local");
  assert.equal(await (await fresh("voipbin", { accessKey: CREDENTIALS.voipbin.accessKey })).revoke(), "local");
  assert.deepEqual(await counts("runbuggy"), { "POST /accounts/api-token/tokens": 2 });
  assert.deepEqual(await counts("voipbin"), { "POST /auth/login": 2 });
});

// attempts5xx: logins that create something (RunBuggy adds a token, Personr
// invalidates the previous one) are never retried; the others are retried
// on 5xx, 3 attempts in all.
const LOGINS = {
  runbuggy: { path: "/accounts/api-token/tokens", credentials: async () => ({ sessionJwt: await sessionJwt(3600), tokenName: "garbage" }), secret: (c) => c.sessionJwt, attempts5xx: 1 },
  personr: { path: "/api/1.1/wf/api-token-generate", credentials: async () => PERSONR, secret: (c) => c.password, attempts5xx: 1 },
  emnify: { path: "/api/v1/authenticate", credentials: async () => EMNIFY_USER, secret: (c) => c.password, attempts5xx: 3 },
  zumrails: { path: "/api/authorize", credentials: async () => ZUM, secret: (c) => c.password, attempts5xx: 3 },
  voipbin: { path: "/auth/login", credentials: async () => VOIP, secret: (c) => c.password, attempts5xx: 3 },
};
const GARBAGE = [
  { name: "an HTML 500 page", status: 500, body: "<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>", headers: { "content-type": "text/html" }, code: "VENDOR_ERROR", said: /HTML/ },
  { name: "an empty 200", status: 200, body: "", code: "BAD_RESPONSE", said: /empty/ },
  { name: "truncated JSON 200", status: 200, body: '{"token": "abc', headers: { "content-type": "application/json" }, code: "BAD_RESPONSE", said: /not valid JSON/ },
  { name: "JSON without a token", status: 200, body: '{"unexpected": true}', headers: { "content-type": "application/json" }, code: "BAD_RESPONSE", said: /unexpected shape/ },
];

for (const [vendor, login] of Object.entries(LOGINS)) {
  test(`${vendor}: garbage login answers (HTML 500, empty 200, truncated JSON, no token) are VENDOR_ERROR (5xx) / BAD_RESPONSE (2xx) with vendor and status, no secret`, async () => {
    for (const garbage of GARBAGE) {
      await sim.reset();
      const credentials = await login.credentials(); // after the reset: RunBuggy's session JWT must verify
      const { name, code, said, ...answer } = garbage;
      // count 3: logins that retry 5xx (at most 3 attempts) get garbage every time.
      await inject({ vendor, method: "POST", path: login.path, count: 3, ...answer });
      const client = await fresh(vendor, credentials);
      let error;
      try {
        await client.getToken();
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof AuthError, `${name}: ${error ?? "resolved"}`);
      assert.equal(error.code, code, `${name}: ${error.code} ${error.message}`);
      assert.equal(error.vendor, vendor, name);
      assert.equal(error.status, answer.status, `${name}: ${error.message}`);
      assert.match(error.message, said, name);
      noSecrets(error, login.secret(credentials), PERSONR.password, sha1Hex(EMNIFY_USER.password));
      const attempts = answer.status >= 500 ? login.attempts5xx : 1;
      assert.equal(await sim.count(vendor, `POST ${login.path}`), attempts, `${name}: logins sent`);
    }
  });
}

test("a vendor message echoing the password is shown without it", async () => {
  const client = await fresh("zumrails", ZUM);
  await inject({ vendor: "zumrails", path: "/api/authorize", count: 3, status: 500, body: { statusCode: 500, isError: true, responseException: { exceptionMessage: `login failed for ${ZUM.username} with password ${ZUM.password}` } } });
  const error = await rejects(client.getToken(), "VENDOR_ERROR", { vendor: "zumrails", status: 500 });
  assert.match(error.message, /login failed/);
  noSecrets(error, ZUM.password);

  const personr = await fresh("personr", PERSONR);
  await inject({ vendor: "personr", path: "/api/1.1/wf/api-token-generate", status: 400, body: { statusCode: 400, reason: "INVALID_LOGIN_CREDENTIALS", message: `bad password ${PERSONR.password}` } });
  const invalid = await rejects(personr.getToken(), "INVALID_CREDENTIALS", { vendor: "personr", status: 400 });
  noSecrets(invalid, PERSONR.password);
});

// Regression: check_origin once compared against an origin parsed from the
// whole root, which failed for a root with a path, so the vendor's own origin
// was refused with FOREIGN_ORIGIN (fixed while these tests were written).
test("client.fetch sends credentials to the vendor root's own origin when the root has a path (no allowedOrigins needed)", async () => {
  for (const [vendor, credentials, path] of [
    ["runbuggy", { apiToken: CREDENTIALS.runbuggy.apiToken }, "/api/orders"],
    ["emnify", EMNIFY_APP, "/api/v1/endpoint"],
    ["voipbin", { accessKey: CREDENTIALS.voipbin.accessKey }, "/v1.0/accesskeys"],
  ]) {
    const client = new AuthClient({ vendor, baseUrl: `${sim.url}/${vendor}`, credentials });
    await client.clear();
    const response = await client.fetch(path, {});
    assert.equal(response.status, 200, vendor);
  }
  // The same with no baseUrl at all: RunBuggy's production API root is https://apps.runbuggy.com/v2.
  const seen = [];
  const production = new AuthClient({ vendor: "runbuggy", credentials: { apiToken: CREDENTIALS.runbuggy.apiToken }, fetch: forwardingFetch(seen) });
  const response = await production.fetch("/api/orders", {});
  assert.equal(response.status, 200);
  assert.deepEqual(seen, ["GET https://apps.runbuggy.com/v2/api/orders"]);
});
