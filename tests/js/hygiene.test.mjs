// Secret hygiene and isolation (issue 9), through the package as a consumer
// imports it, against the vendor simulator.
//
// Hygiene: every flow of every vendor runs with a KV-shaped store this file
// owns (every write kept), every event recorded, every error kept and the
// console captured; afterwards helpers.mjs `ledger().leaks()` scans it all:
// - passwords, emnify's password SHA-1, Personr's Basic header, session
//   JWTs, application tokens (given or created), access keys (given or
//   created) and MFA tokens appear nowhere: not in an error, an event, the
//   console, a store key or a store value;
// - tokens a vendor issued (harvested from every vendor answer by a tapping
//   `fetch` option, and from every store write) appear only inside their own
//   store entry, under their principal's key, and as getToken's result.
// The fault matrix (faults.test.mjs) runs the same scan after every fault.
//
// Isolation: one shared store for several principals of one vendor, and the
// same principal at two baseUrls, two environments and two vendors: each
// client has its own key, reads only its own token, and ignores another
// principal's entry even when it is planted under its key.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, fault, kvStore, ledger, sha1Hex, ALL_SECRETS, watchUnhandledRejections, captureConsole, CREDENTIALS } from "./helpers.mjs";

watchUnhandledRejections();
captureConsole();

let sim;
before(async () => { sim = await simulator(); });
after(() => sim.close());
beforeEach(() => sim.reset());

const PERSONR = { email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password };
const EMNIFY_APP = { applicationToken: CREDENTIALS.emnify.applicationToken };
const EMNIFY_USER = { username: CREDENTIALS.emnify.username, password: CREDENTIALS.emnify.password };
const EMNIFY_MFA = { username: CREDENTIALS.emnify.mfaUsername, password: CREDENTIALS.emnify.mfaPassword };
const ZUM = { username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password };
const VOIP = { username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password };


const sessionJwt = async (user) => (await sim.control(`runbuggy/session-jwt?ttlSeconds=3600${user ? `&user=${encodeURIComponent(user)}` : ""}`)).sessionJwt;

/**
 * A `fetch` option that forwards to the real fetch and harvests what the
 * vendor handed out: login answers' tokens (allowed in their own entry),
 * MFA tokens, created application tokens and access keys (never stored).
 */
function tap(led, forward = fetch) {
  return async (input, init) => {
    const response = await forward(input, init);
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    let body;
    try {
      const text = await response.clone().text();
      body = text.length < 1_000_000 ? JSON.parse(text) : undefined;
    } catch {
      return response;
    }
    const created = method === "POST" && /\/(application_token|accesskeys)$/.test(url.pathname);
    walk(body, (key, value) => {
      if (typeof value !== "string") return;
      if (key === "mfa_token" || key === "application_token" || (created && key === "token")) led.secret(value);
      else if (/^(auth_token|refresh_token|token|Token|apiToken|access_token|value)$/.test(key)) led.token(value);
    });
    return response;
  };
}
function walk(value, visit) {
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) (visit(k, v), walk(v, visit));
}

/** A client of the simulator with a store, events, errors and vendor answers recorded in `led`. */
function client(led, vendor, credentials, extra = {}) {
  const options = { vendor, baseUrl: `${sim.url}/${vendor}`, credentials, fetch: tap(led), ...extra };
  if (!("store" in extra)) options.store = led.stores[0] ?? led.store(kvStore());
  return led.watch(new AuthClient(options));
}

async function clean(led) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(led.unhandled().map(String), [], "unhandled promise rejections");
  assert.ok(led.tokens.size > 0, "the flow obtained at least one token");
  assert.deepEqual(led.leaks(), [], "secret hygiene");
}

const flow = (name, fn) =>
  test(`hygiene: ${name}`, async () => {
    const led = ledger(name).secret(...ALL_SECRETS);
    await fn(led);
    await clean(led);
  });

// --- hygiene after every flow --------------------------------------------------

flow("RunBuggy session exchange, API call, re-exchange, a rejection, revoke, clear; an apiToken client", async (led) => {
  const jwt = await sessionJwt();
  led.secret(jwt);
  const rb = client(led, "runbuggy", { sessionJwt: jwt, tokenName: "hygiene", description: "d" });
  await rb.clear();
  led.result(await rb.getToken());
  led.result(await rb.getTokenInfo());
  assert.equal((await rb.fetch("/api/orders")).status, 200);
  led.result(await rb.getToken({ cache: "reload" }));
  await fault(sim, { vendor: "runbuggy", method: "GET", path: "/api/orders", status: 401 });
  const renewed = await led.failure(rb.fetch("/api/orders")); // re-exchanged and retried while the session JWT lives
  assert.equal(renewed.resolved?.status, 200, String(renewed));
  assert.equal(await rb.revoke(), "local");
  await rb.clear();
  // An expired session JWT: REAUTH_REQUIRED, without the JWT in it.
  const expired = (await sim.control("runbuggy/session-jwt?ttlSeconds=-60")).sessionJwt;
  led.secret(expired);
  const late = client(led, "runbuggy", { sessionJwt: expired, tokenName: "hygiene-late" });
  assert.equal((await led.failure(late.getToken())).code, "REAUTH_REQUIRED");
  // A given apiToken is the token itself: never stored.
  const given = client(led, "runbuggy", { apiToken: CREDENTIALS.runbuggy.apiToken });
  assert.equal(led.result(await given.getToken()), CREDENTIALS.runbuggy.apiToken);
  assert.equal((await given.fetch("/api/orders")).status, 200);
});

flow("Personr form and Basic logins, API calls, a token replaced elsewhere (Bubble echoing it whole), reload, wrong password", async (led) => {
  const form = client(led, "personr", PERSONR);
  await form.clear();
  const first = led.result(await form.getToken());
  assert.equal((await form.fetch("/api/1.1/obj/workspace")).status, 200);
  // Real Bubble echoes the whole rejected token in `translation` (the simulator masks it; here it does not).
  await fault(sim, {
    vendor: "personr",
    method: "GET",
    path: "/api/1.1/obj/workspace",
    status: 401,
    body: { error_class: "Unauthorized", args: { code: "1700000000000x1" }, message: null, translation: `Invalid or expired token: ${first}` },
  });
  const rejected = await led.failure(form.fetch("/api/1.1/obj/workspace"));
  assert.ok(rejected instanceof AuthError || rejected.resolved, String(rejected));
  led.result(await form.getToken({ cache: "reload" }));
  const basic = client(led, "personr", PERSONR, { loginMethod: "basic", store: led.store(kvStore()) });
  await basic.clear();
  led.result(await basic.getToken());
  await fault(sim, { vendor: "personr", path: "/api/1.1/wf/api-token-generate", status: 400, body: { statusCode: 400, reason: "INVALID_LOGIN_CREDENTIALS", message: `bad login for ${PERSONR.email} / not-the-password` } });
  const wrong = client(led, "personr", { email: PERSONR.email, password: "not-the-password" }, { store: led.store(kvStore()) });
  led.secret("not-the-password");
  await wrong.clear(); // same principal (the email): the realm's memory tier would answer from the cache
  assert.equal((await led.failure(wrong.getToken())).code, "INVALID_CREDENTIALS");
});

flow("emnify application token: login, API call, 401 → renewal → retry, create / list / revoke application tokens, login with the created one", async (led) => {
  const app = client(led, "emnify", EMNIFY_APP);
  await app.clear();
  led.result(await app.getTokenInfo());
  assert.equal((await app.fetch("/api/v1/endpoint")).status, 200);
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", status: 401, body: { error_code: 1102, error_token: "InvalidToken", message: "Invalid token" } });
  assert.equal((await app.fetch("/api/v1/endpoint")).status, 200);
  const created = await app.createApplicationToken({ description: "hygiene" });
  led.secret(created);
  const listed = await app.listApplicationTokens();
  const second = client(led, "emnify", { applicationToken: created });
  await second.clear();
  led.result(await second.getToken());
  await app.revokeApplicationToken(listed.find((t) => t.description === "hygiene").id);
  await second.clear();
  assert.equal((await led.failure(second.getToken())).code, "INVALID_CREDENTIALS");
});

flow("emnify username + password: login, refresh, refresh failing over to a login, MFA_REQUIRED, a wrong and a right MFA code", async (led) => {
  const user = client(led, "emnify", EMNIFY_USER);
  await user.clear();
  led.result(await user.getToken());
  // The refresh is refused (a vendor message echoing it): a login follows.
  const entry = JSON.parse(led.stores[0].map.get([...led.stores[0].map.keys()].find((k) => !/:(lease|hold)$/.test(k))));
  assert.ok(entry.refreshToken, "the refresh token is in the entry");
  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/authenticate", status: 401, body: { error_code: 1102, error_token: "InvalidToken", message: `refresh token ${entry.refreshToken} already used` } });
  led.result(await user.getToken({ cache: "reload" }));
  led.result(await user.getToken({ cache: "reload" })); // the new refresh token
  assert.deepEqual(await sim.count("emnify", "POST /api/v1/authenticate"), 4);
  const mfa = client(led, "emnify", EMNIFY_MFA, { store: led.store(kvStore()) });
  await mfa.clear();
  assert.equal((await led.failure(mfa.getToken())).code, "MFA_REQUIRED");
  assert.ok((await led.failure(mfa.completeMfa("000000"))) instanceof AuthError);
  assert.equal((await led.failure(mfa.getToken())).code, "MFA_REQUIRED");
  led.result(await mfa.completeMfa(CREDENTIALS.emnify.mfaCode));
  led.result(await mfa.getToken());
});

flow("Zūm Rails: login, API call, revoke at the vendor, login again, a password-echoing 500, a 429 block", async (led) => {
  const zum = client(led, "zumrails", ZUM);
  await zum.clear();
  led.result(await zum.getToken());
  assert.equal((await zum.fetch("/api/user")).status, 200);
  assert.equal(await zum.revoke(), "vendor");
  led.result(await zum.getToken());
  await zum.clear();
  await fault(sim, { vendor: "zumrails", path: "/api/authorize", count: 3, status: 500, body: { statusCode: 500, isError: true, responseException: { exceptionMessage: `login failed for ${ZUM.username}:${ZUM.password}` } } });
  assert.equal((await led.failure(zum.getToken())).code, "VENDOR_ERROR");
  // The 5-minute block is recorded in the store (a hold entry, no secret in it).
  const own = await simulator();
  try {
    const blocked = led.watch(new AuthClient({ vendor: "zumrails", baseUrl: `${own.url}/zumrails`, credentials: ZUM, store: led.stores[0], fetch: tap(led) }));
    await fault(own, { vendor: "zumrails", path: "/api/authorize", status: 429, headers: { "retry-after": "300" }, body: { statusCode: 429, isError: true, responseException: { exceptionMessage: "Too many requests" } } });
    assert.equal((await led.failure(blocked.getToken())).code, "RATE_LIMITED");
    assert.equal((await led.failure(blocked.getToken())).code, "RATE_LIMITED");
  } finally {
    await own.close();
  }
});

flow("VoIPBIN: login, header and query API calls, access keys created / listed / deleted, an access-key client, a wrong password", async (led) => {
  const voip = client(led, "voipbin", VOIP);
  await voip.clear();
  led.result(await voip.getTokenInfo());
  assert.equal((await voip.fetch("/v1.0/accesskeys")).status, 200);
  const query = client(led, "voipbin", VOIP, { tokenIn: "query" });
  assert.equal((await query.fetch("/v1.0/accesskeys")).status, 200);
  const key = await voip.createAccessKey({ name: "hygiene", expireSeconds: 86400 });
  led.secret(key.token);
  await voip.listAccessKeys();
  const keyed = client(led, "voipbin", { accessKey: key.token });
  assert.equal((await keyed.fetch("/v1.0/accesskeys")).status, 200);
  await voip.deleteAccessKey(key.id);
  const wrong = client(led, "voipbin", { username: VOIP.username, password: "wrong-password" }, { store: led.store(kvStore()) });
  led.secret("wrong-password");
  await wrong.clear();
  assert.equal((await led.failure(wrong.getToken())).code, "INVALID_CREDENTIALS");
});

flow("a store that fails, echoing keys and values in its errors: storage-fallback events carry no token", async (led) => {
  const echoing = {
    writes: [],
    get: async (key) => {
      throw new Error(`KV get failed for ${key}`);
    },
    put: async (key, value) => {
      throw new Error(`KV quota exceeded writing ${key} = ${value}`);
    },
    delete: async (key) => {
      throw new Error(`KV delete failed for ${key}`);
    },
  };
  led.stores.push(echoing);
  const zum = client(led, "zumrails", ZUM, { store: echoing });
  const fallbacks = [];
  zum.on("storage-fallback", (event) => fallbacks.push(event));
  led.result(await zum.getToken());
  led.result(await zum.getToken({ cache: "reload" }));
  assert.ok(fallbacks.length >= 1, "storage-fallback emitted");
  // Only the put of an entry could echo a token; a second client shows its own.
  const user = client(led, "emnify", EMNIFY_USER, {
    store: {
      get: async () => null,
      put: async (key, value) => {
        throw new Error(`cannot store ${value}`);
      },
      delete: async () => {},
    },
  });
  led.result(await user.getToken({ cache: "reload" }));
});

flow("a fetch that fails echoing the request (URL, headers, body): no secret and no token in the errors", async (led) => {
  const echo = (forward) => async (input, init = {}) => {
    if (echo.fail) {
      const headers = [...new Headers(init.headers ?? {})].map(([k, v]) => `${k}: ${v}`).join("; ");
      let body = init.body;
      if (body instanceof FormData) body = [...body].map(([k, v]) => `${k}=${v}`).join("&");
      throw new TypeError(`fetch failed: ${init.method ?? "GET"} ${String(input)} [${headers}] ${body ?? ""}`);
    }
    return forward(input, init);
  };
  const cases = [
    ["emnify", EMNIFY_USER, "/api/v1/endpoint", {}],
    ["emnify", EMNIFY_APP, "/api/v1/endpoint", {}],
    ["personr", PERSONR, "/api/1.1/obj/workspace", {}],
    ["personr", PERSONR, "/api/1.1/obj/workspace", { loginMethod: "basic" }],
    ["zumrails", ZUM, "/api/user", {}],
    ["voipbin", VOIP, "/v1.0/accesskeys", { tokenIn: "query" }],
    ["voipbin", { accessKey: CREDENTIALS.voipbin.accessKey }, "/v1.0/accesskeys", {}],
  ];
  for (const [vendor, credentials, apiPath, extra] of cases) {
    echo.fail = false;
    const c = client(led, vendor, credentials, { ...extra, store: led.store(kvStore()), fetch: echo(tap(led)) });
    await c.clear();
    led.result(await c.getToken()); // a cached token, and for emnify users a refresh token
    echo.fail = true;
    // The renewal (emnify: the refresh request carries the refresh token) and the API call fail.
    if (!credentials.accessKey) assert.ok((await led.failure(c.getToken({ cache: "reload" }))) instanceof Error);
    const failed = await led.failure(c.fetch(apiPath));
    assert.ok(failed instanceof Error, `${vendor}: client.fetch rejected`);
  }
});

// --- isolation ------------------------------------------------------------------

/** The key a client's first login added to the store. */
async function loginAndKey(led, store, c) {
  const before = new Set(store.map.keys());
  await c.clear();
  const token = led.result(await c.getToken());
  const added = [...store.map.keys()].filter((k) => !before.has(k) && !/:(lease|hold)$/.test(k));
  assert.equal(added.length, 1, `one new entry, got ${added.join(", ")}`);
  return { token, key: added[0] };
}

test("isolation: principals of one vendor, one baseUrl at two addresses, two environments and two vendors share one store without reading each other", async () => {
  const led = ledger("isolation").secret(...ALL_SECRETS);
  const store = led.store(kvStore());
  const other = await simulator();
  try {
    const principals = [];
    const add = async (name, c) => principals.push({ name, c, ...(await loginAndKey(led, store, c)) });

    // Principals of one vendor: emnify application token, a created application token, a user, the MFA user;
    // RunBuggy sessions of two users; Personr form and Basic (one principal: one entry).
    const app = client(led, "emnify", EMNIFY_APP, { store });
    await add("emnify app token #1", app);
    const createdToken = await app.createApplicationToken({ description: "isolation" });
    led.secret(createdToken);
    await add("emnify app token #2", client(led, "emnify", { applicationToken: createdToken }, { store }));
    await add("emnify user", client(led, "emnify", EMNIFY_USER, { store }));
    const mfa = client(led, "emnify", EMNIFY_MFA, { store });
    await mfa.clear();
    assert.equal((await led.failure(mfa.getToken())).code, "MFA_REQUIRED");
    const mfaBefore = new Set(store.map.keys());
    led.result(await mfa.completeMfa(CREDENTIALS.emnify.mfaCode));
    const mfaKey = [...store.map.keys()].filter((k) => !mfaBefore.has(k) && !/:(lease|hold)$/.test(k));
    assert.equal(mfaKey.length, 1);
    principals.push({ name: "emnify MFA user", c: mfa, token: await mfa.getToken(), key: mfaKey[0] });
    const jwtA = await sessionJwt("alice@example.com");
    const jwtB = await sessionJwt("bob@example.com");
    led.secret(jwtA, jwtB);
    await add("runbuggy alice", client(led, "runbuggy", { sessionJwt: jwtA, tokenName: "isolation" }, { store }));
    await add("runbuggy bob", client(led, "runbuggy", { sessionJwt: jwtB, tokenName: "isolation" }, { store }));
    await add("runbuggy alice, another token name", client(led, "runbuggy", { sessionJwt: jwtA, tokenName: "isolation-2" }, { store }));

    // The same principal at two baseUrls (two simulators).
    await add("emnify user at simulator 2", led.watch(new AuthClient({ vendor: "emnify", baseUrl: `${other.url}/emnify`, credentials: EMNIFY_USER, store, fetch: tap(led) })));
    await add("voipbin user", client(led, "voipbin", VOIP, { store }));
    await add("voipbin user at simulator 2", led.watch(new AuthClient({ vendor: "voipbin", baseUrl: `${other.url}/voipbin`, credentials: VOIP, store, fetch: tap(led) })));

    // The same principal in two environments (no baseUrl: the real hosts, forwarded to the simulator).
    const forward = (prefix, vendor) => (input, init) => {
      const url = String(input);
      assert.ok(url.startsWith(prefix), url);
      return fetch(`${sim.url}/${vendor}${url.slice(prefix.length)}`, init);
    };
    await add("zumrails sandbox", led.watch(new AuthClient({ vendor: "zumrails", environment: "sandbox", credentials: ZUM, store, fetch: tap(led, forward("https://api-sandbox.zumrails.com", "zumrails")) })));
    await add("zumrails production", led.watch(new AuthClient({ vendor: "zumrails", environment: "production", credentials: ZUM, store, fetch: tap(led, forward("https://api-app.zumrails.com", "zumrails")) })));
    await add("runbuggy staging (alice)", led.watch(new AuthClient({ vendor: "runbuggy", environment: "staging", credentials: { sessionJwt: jwtA, tokenName: "isolation" }, store, fetch: tap(led, forward("https://ng-staging.runbuggy.com/staging", "runbuggy")) })));

    // The same username and password at two vendors (a stub vendor that accepts anyone).
    const stub = (vendor) => async (input) => {
      const token = `${vendor}-token-${Math.random().toString(36).slice(2)}-${"x".repeat(16)}`;
      const exp = new Date(Date.now() + 86400e3).toISOString();
      const body = vendor === "zumrails" ? { statusCode: 200, isError: false, result: { Token: token } } : { username: "same-user", token };
      led.token(token);
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", date: new Date().toUTCString() } });
    };
    const same = { username: "same-user", password: "same-password" };
    led.secret(same.password);
    await add("same-user at zumrails", led.watch(new AuthClient({ vendor: "zumrails", baseUrl: "https://same.example/zum", credentials: same, store, fetch: stub("zumrails") })));
    await add("same-user at voipbin", led.watch(new AuthClient({ vendor: "voipbin", baseUrl: "https://same.example/voip", credentials: same, store, fetch: stub("voipbin") })));
    await add("same-user at voipbin, another baseUrl", led.watch(new AuthClient({ vendor: "voipbin", baseUrl: "https://same.example/voip2", credentials: same, store, fetch: stub("voipbin") })));

    // Keys: one per principal, all different; tokens: all different.
    const keys = principals.map((p) => p.key);
    assert.equal(new Set(keys).size, keys.length, `distinct keys:\n${keys.join("\n")}`);
    assert.equal(new Set(principals.map((p) => p.token)).size, principals.length, "distinct tokens");
    for (const p of principals) {
      assert.match(p.key, /^vendor-auth:v1:(runbuggy|personr|emnify|zumrails|voipbin):[^:]+.*:[0-9a-f]{32}$/, p.name);
      assert.equal(JSON.parse(store.map.get(p.key)).token, p.token, `${p.name}: its entry holds its token`);
    }
    // Each reads its own token, from the cache, and nothing else.
    for (const p of principals) {
      assert.equal(await p.c.getToken({ cache: "only-if-cached" }), p.token, `${p.name} reads its own token`);
      const info = await p.c.getTokenInfo();
      assert.equal(info.token, p.token, p.name);
      assert.equal(info.fromCache, true, p.name);
    }
    // Every token was written under its own principal's key only.
    const ownKeys = new Map(principals.map((p) => [p.token, p.key]));
    assert.deepEqual(led.leaks({ ownKeys }), [], "secret hygiene across principals");

    // Another principal's entry planted under a key is ignored and replaced, never used.
    const victim = principals.find((p) => p.name === "emnify user");
    const intruder = principals.find((p) => p.name === "emnify app token #1");
    await victim.c.clear();
    await store.put(victim.key, store.map.get(intruder.key));
    const fresh = new AuthClient({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials: EMNIFY_USER, store });
    await assert.rejects(fresh.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" }, "the planted entry is not read");
    const own = led.result(await fresh.getToken());
    assert.notEqual(own, intruder.token);
    assert.equal(JSON.parse(store.map.get(victim.key)).token, own, "the planted entry was replaced");
    assert.equal(JSON.parse(store.map.get(intruder.key)).token, intruder.token, "the intruder's own entry is untouched");
    // A new principal finds nothing although the store is full of others' entries.
    const newcomer = new AuthClient({ vendor: "voipbin", baseUrl: "https://same.example/voip", credentials: { username: "newcomer", password: "newcomer-password" }, store, fetch: stub("voipbin") });
    await assert.rejects(newcomer.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" });

    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(led.unhandled().map(String), []);
  } finally {
    await other.close();
  }
});

test("isolation: the realm's memory store keeps principals apart too", async () => {
  const led = ledger("memory isolation").secret(...ALL_SECRETS);
  const a = led.watch(new AuthClient({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials: EMNIFY_APP }));
  const b = led.watch(new AuthClient({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials: EMNIFY_USER }));
  await a.clear();
  await b.clear();
  const ta = led.result(await a.getToken());
  await assert.rejects(b.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" });
  const tb = led.result(await b.getToken());
  assert.notEqual(ta, tb);
  assert.equal(await a.getToken(), ta);
  assert.equal(await b.getToken(), tb);
  await b.clear();
  assert.equal(await a.getToken({ cache: "only-if-cached" }), ta, "clearing one principal leaves the other");
  await clean(led);
});
