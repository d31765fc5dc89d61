// The hardening of issue 14, through the package as users run it (Node,
// real fetch, the simulator, and small servers of the test's own where an
// attacker's or a broken server's behaviour is needed). Each test failed on
// the package before the fix it names.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, CREDENTIALS, fault, kvStore, fakeJwt, sha1Hex, redirectingVendor, serve } from "./helpers.mjs";

let sim;
before(async () => {
  sim = await simulator();
});
after(() => sim?.close());
beforeEach(() => sim.reset());

const ZUM = CREDENTIALS.zumrails;
const VB = CREDENTIALS.voipbin;
const counts = async (vendor) => sim.control(`counts?vendor=${vendor}`);

function client(vendor, credentials, extra = {}) {
  return new AuthClient({ vendor, baseUrl: `${sim.url}/${vendor}`, credentials, ...extra });
}

async function rejects(promise, code) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AuthError, `not an AuthError: ${error?.stack ?? error}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

/** options.fetch that rewrites the vendor's answers with `edit(response) -> { status?, headers?, body? }`. */
function editingFetch(edit) {
  return async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.text();
    const headers = new Headers(response.headers);
    const changed = (await edit({ url: String(input), status: response.status, headers, text })) ?? {};
    return new Response(changed.body ?? text, { status: changed.status ?? response.status, headers: changed.headers ?? headers });
  };
}

// --- 1. a wrong password is never served the cached token ------------------

for (const [name, store] of [
  ["the memory store", () => undefined],
  ["a shared KV store", () => kvStore()],
]) {
  test(`1. a wrong password gets INVALID_CREDENTIALS, not the cached token (${name})`, async () => {
    const shared = store();
    const right = client("zumrails", ZUM, shared ? { store: shared } : {});
    await right.clear();
    const token = await right.getToken();

    const wrong = client("zumrails", { username: ZUM.username, password: "not-the-password" }, shared ? { store: shared } : {});
    await rejects(wrong.getToken(), "INVALID_CREDENTIALS");
    await rejects(wrong.getToken({ cache: "only-if-cached" }), "REAUTH_REQUIRED");
    assert.equal(await right.getToken(), token, "the right client's entry is untouched");
    assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 2 }, "one login each: the wrong one refused by the vendor");
    if (shared) {
      const [[, entry]] = shared.entries();
      assert.equal(entry.token, token);
      assert.match(entry.verifier, /^[0-9a-f]{32}$/);
      for (const text of shared.writes.map((w) => w.value)) {
        assert.ok(!text.includes(ZUM.password) && !text.includes(sha1Hex(ZUM.password)), "no password in the store");
      }
    }
  });
}

test("1. many clients with the right secret still make one login between them", async () => {
  const clients = Array.from({ length: 50 }, () => client("zumrails", ZUM));
  await clients[0].clear();
  const tokens = await Promise.all(clients.map((c) => c.getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.deepEqual(await counts("zumrails"), { "POST /api/authorize": 1 });
});

// --- 2. an endpoint that rejects every token --------------------------------

test("2. 30 calls to an endpoint that rejects every token make 2 logins, not 30; the 401 is returned", async () => {
  const emnify = client("emnify", { applicationToken: CREDENTIALS.emnify.applicationToken });
  await emnify.clear();
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", status: 401, body: '{"message":"forbidden for this token"}', count: 1000 });
  const errors = [];
  emnify.on("error", (e) => errors.push(e.code));
  for (let i = 0; i < 30; i++) {
    const response = await emnify.fetch("/api/v1/endpoint");
    assert.equal(response.status, 401);
  }
  const c = await counts("emnify");
  assert.equal(c["POST /api/v1/authenticate"], 2, JSON.stringify(c));
  assert.equal(c["GET /api/v1/endpoint"], 31);
  assert.ok(errors.filter((code) => code === "TOKEN_REJECTED").length >= 29, "each damped call says so");
});

test("2. 100 concurrent 401s of an expired token still make exactly one renewal", async () => {
  const emnify = client("emnify", { applicationToken: CREDENTIALS.emnify.applicationToken });
  await emnify.clear();
  await emnify.getToken();
  // Eight days on at emnify the token has expired there (not yet here).
  await sim.control("clock", { advanceSeconds: 8 * 86400 });
  const responses = await Promise.all(Array.from({ length: 100 }, () => emnify.fetch("/api/v1/endpoint")));
  assert.deepEqual(responses.map((r) => r.status).filter((s) => s !== 200), []);
  assert.equal((await counts("emnify"))["POST /api/v1/authenticate"], 2);
});

// --- 3. redirects -------------------------------------------------------------

test("3. a login answered with a redirect to another origin is refused; nothing is posted there", async () => {
  const seen = [];
  const elsewhere = await serve((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ auth_token: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }) }));
  });
  const redirecting = await serve((req, res) => {
    res.writeHead(307, { location: `${elsewhere.url}/api/v1/authenticate` });
    res.end();
  });
  try {
    const emnify = new AuthClient({ vendor: "emnify", baseUrl: redirecting.url, credentials: { username: "u@example.com", password: "pw" } });
    const error = await rejects(emnify.getToken(), "VENDOR_ERROR");
    assert.match(error.message, /redirect/);
    assert.deepEqual(seen, [], "the credentials never reached the other origin");
  } finally {
    await elsewhere.close();
    await redirecting.close();
  }
});

test("3. client.fetch with a query credential follows same-origin redirects only", async () => {
  const seen = [];
  const elsewhere = await serve((req, res) => {
    seen.push(req.url);
    res.end("elsewhere");
  });
  const vendor = await serve((req, res) => {
    if (req.url.startsWith("/v1.0/moved")) {
      res.writeHead(302, { location: "/v1.0/here" });
      res.end();
    } else if (req.url.startsWith("/v1.0/away")) {
      res.writeHead(307, { location: `${elsewhere.url}/steal` });
      res.end();
    } else {
      res.end(`here ${new URL(req.url, "http://x").searchParams.get("accesskey")}`);
    }
  });
  try {
    const voipbin = new AuthClient({ vendor: "voipbin", baseUrl: vendor.url, credentials: { accessKey: VB.accessKey } });
    const same = await voipbin.fetch("/v1.0/moved");
    assert.equal(same.status, 200);
    assert.equal(await same.text(), `here ${VB.accessKey}`);
    const away = await voipbin.fetch("/v1.0/away");
    assert.equal(away.status, 307, "the cross-origin redirect is returned, not followed");
    assert.deepEqual(seen, []);
  } finally {
    await elsewhere.close();
    await vendor.close();
  }
});

test("3. client.fetch with a Bearer token follows a redirect to another origin without the token, and same-origin ones with it", async () => {
  const seen = [];
  const elsewhere = await serve((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization ?? null });
    res.end("elsewhere");
  });
  const vendor = await serve(redirectingVendor(`${elsewhere.url}/download`, 303));
  try {
    const emnify = new AuthClient({ vendor: "emnify", baseUrl: vendor.url, credentials: { applicationToken: "an-application-token-of-at-least-32-chars" } });
    const same = await emnify.fetch("/api/v1/moved");
    assert.equal(await same.text(), "here with a token");
    const away = await emnify.fetch("/api/v1/away", { method: "POST", body: "{}" });
    assert.equal(away.status, 200);
    assert.equal(await away.text(), "elsewhere");
    assert.deepEqual(seen, [{ url: "/download", authorization: null }]);
  } finally {
    await elsewhere.close();
    await vendor.close();
  }
});

// --- 5. holds ---------------------------------------------------------------------

test("5. a 429 with a huge Retry-After holds for at most 15 minutes, and clear() lifts it", async () => {
  const store = kvStore();
  const puts = [];
  const put = store.put;
  store.put = (key, value, options) => {
    puts.push({ key, options });
    return put(key, value, options);
  };
  const zum = client("zumrails", ZUM, { store });
  await zum.clear();
  await fault(sim, { vendor: "zumrails", path: "/api/authorize", status: 429, headers: { "retry-after": "999999999" } });
  const first = await rejects(zum.getToken(), "RATE_LIMITED");
  assert.equal(first.retryAfterSeconds, 999999999, "the vendor's own answer is reported as it is");
  const held = await rejects(zum.getToken(), "RATE_LIMITED");
  assert.ok(held.retryAfterSeconds <= 900 && held.retryAfterSeconds >= 899, `${held.retryAfterSeconds}`);
  const hold = puts.find((p) => p.key.endsWith(":hold"));
  assert.ok(hold.options.expirationTtl <= 900, "the store expires the hold too");
  assert.equal((await counts("zumrails"))["POST /api/authorize"], 1);
  await zum.clear();
  assert.ok(![...store.map.keys()].some((k) => k.endsWith(":hold")), "clear() deletes the hold");
  assert.ok(await zum.getToken());
});

// --- 6. clock skew and lifetimes ------------------------------------------------

test("6. a Date header of 2100 neither makes a login per call nor an expiry in the past; a clock-skew event says so", async () => {
  const emnify = client("emnify", { applicationToken: CREDENTIALS.emnify.applicationToken }, {
    fetch: editingFetch(({ headers }) => {
      headers.set("date", "Fri, 01 Jan 2100 00:00:00 GMT");
      return { headers };
    }),
  });
  await emnify.clear();
  const skews = [];
  emnify.on("clock-skew", (e) => skews.push(e));
  const info = await emnify.getTokenInfo();
  assert.ok(info.expiresAt > Date.now() + 3600_000, `expiresAt ${new Date(info.expiresAt).toISOString()}`);
  for (let i = 0; i < 20; i++) await emnify.getToken();
  assert.equal((await counts("emnify"))["POST /api/v1/authenticate"], 1);
  // emnify's tokens carry iat: the lifetime is read from the token itself.
  assert.ok(skews.length <= 1);
});

test("6. a token that has expired on arrival is refused with a back-off, not fetched again on every call", async () => {
  const emnify = client("emnify", { applicationToken: CREDENTIALS.emnify.applicationToken }, {
    fetch: editingFetch(({ url, text }) =>
      url.endsWith("/api/v1/authenticate")
        ? { body: JSON.stringify({ ...JSON.parse(text), auth_token: fakeJwt({ iat: 2_000_000_000, exp: 2_000_000_000 - 30 }) }) }
        : undefined,
    ),
  });
  await emnify.clear();
  const first = await rejects(emnify.getToken(), "BAD_RESPONSE");
  assert.equal(first.retryAfterSeconds, 60);
  for (let i = 0; i < 19; i++) await rejects(emnify.getToken(), "BAD_RESPONSE");
  assert.equal((await counts("emnify"))["POST /api/v1/authenticate"], 1);
});

// --- 7. hangs and unbounded buffering --------------------------------------------

test("7. a store whose get never settles does not hang getToken past timeoutMs", async () => {
  const never = new Promise(() => {});
  const store = { get: () => never, put: () => never, delete: () => never };
  const zum = client("zumrails", ZUM, { store, timeoutMs: 300 });
  const fallbacks = [];
  zum.on("storage-fallback", (e) => fallbacks.push(e.reason));
  const started = Date.now();
  await zum.clear();
  assert.ok(await zum.getToken());
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.equal(fallbacks.length, 1);
  assert.match(fallbacks[0], /did not settle within timeoutMs \(300 ms\)/);
});

test("7. a 401 whose body stalls, or never ends, is judged from its start and the call settles", async () => {
  let written = 0;
  const api = await serve((req, res) => {
    if (req.url.startsWith("/auth/login")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ username: "u", token: fakeJwt({ expire: "2099-01-01 00:00:00.000000" }) }));
      return;
    }
    res.writeHead(401, { "content-type": "application/json" });
    if (req.url.startsWith("/stall")) {
      res.write('{"error":');
      return; // never ends
    }
    const chunk = "x".repeat(64 * 1024);
    const pump = () => {
      while (written < 200 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
    };
    res.on("drain", pump);
    res.on("close", () => res.off("drain", pump));
    pump();
  });
  try {
    const voipbin = new AuthClient({ vendor: "voipbin", baseUrl: api.url, credentials: { username: "u", password: "p" }, timeoutMs: 500 });
    const stalled = await voipbin.fetch("/stall");
    assert.equal(stalled.status, 401);
    await stalled.body?.cancel();
    const huge = await voipbin.fetch("/huge");
    assert.equal(huge.status, 401);
    await huge.body.cancel();
    assert.ok(written < 32 * 1024 * 1024, `${written} bytes were pulled from a 200 MB body`);
  } finally {
    await api.close();
  }
});

test("7. aborting the caller's signal after the headers still aborts the body read", async () => {
  const api = await serve((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("start");
  });
  try {
    const voipbin = new AuthClient({ vendor: "voipbin", baseUrl: api.url, credentials: { accessKey: VB.accessKey } });
    const controller = new AbortController();
    const response = await voipbin.fetch("/v1.0/slow", { signal: controller.signal });
    const body = response.text();
    controller.abort(new Error("user navigated away"));
    await assert.rejects(body);
  } finally {
    await api.close();
  }
});

// --- 8. a transient store error -------------------------------------------------

test("8. one store error does not drop the shared store: later renewals reach it again", async () => {
  const store = kvStore();
  const get = store.get;
  let failures = 1;
  store.get = (key) => (failures-- > 0 ? Promise.reject(new Error("KV GET failed: 503")) : get(key));
  const zum = client("zumrails", ZUM, { store });
  await zum.clear();
  const fallbacks = [];
  zum.on("storage-fallback", () => fallbacks.push(1));
  await zum.getToken();
  assert.equal(fallbacks.length, 1);
  await new Promise((r) => setTimeout(r, 1100)); // past the first retry back-off
  const renewed = await zum.getToken({ cache: "reload" });
  assert.equal(store.entries().find(([, e]) => e.token === renewed)?.[1].token, renewed, "the renewal is in the shared store");
});

// --- 9. long-running processes ----------------------------------------------------

test("9. 2,000 client.fetch calls with one long-lived signal leave no abort listener behind", async () => {
  const api = await serve((req, res) => res.end("ok"));
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const voipbin = new AuthClient({ vendor: "voipbin", baseUrl: api.url, credentials: { accessKey: VB.accessKey } });
    const { signal } = new AbortController();
    // Five at a time: Node warns from 11 listeners on one signal, which
    // concurrent calls may well reach; what must not happen is that settled
    // calls leave theirs behind.
    for (let i = 0; i < 2_000; i += 5) {
      await Promise.all(Array.from({ length: 5 }, () => voipbin.fetch("/v1.0/x", { signal }).then((r) => r.arrayBuffer())));
    }
    assert.equal(getEventListeners(signal, "abort").length, 0);
    assert.ok(!warnings.includes("MaxListenersExceededWarning"), warnings.join(", "));
  } finally {
    process.off("warning", onWarning);
    await api.close();
  }
});

// --- 10. scrubbing -----------------------------------------------------------------

test("10. an error echoing the access token, an upper-case SHA-1 or a URL-encoded password shows none of them", async () => {
  const password = "p@ss word/1";
  // The vendor echoes the token it was asked to cancel.
  const echoing = client("zumrails", ZUM, {
    fetch: async (input, init) => {
      if (String(input).endsWith("/canceltoken")) {
        const auth = new Headers(init.headers).get("authorization") ?? "";
        return new Response(JSON.stringify({ isError: true, message: `token ${auth.slice(7)} is unknown` }), { status: 500 });
      }
      return fetch(input, init);
    },
  });
  await echoing.clear();
  const token = await echoing.getToken();
  const error = await rejects(echoing.revoke(), "VENDOR_ERROR");
  assert.ok(!error.message.includes(token), error.message);

  // emnify keeps only the SHA-1 of a password: echoed in upper case.
  const emnify = new AuthClient({
    vendor: "emnify",
    baseUrl: `${sim.url}/emnify`,
    credentials: { username: "someone@example.com", password },
    fetch: async () => new Response(JSON.stringify({ error_code: 9, error_token: `bad ${sha1Hex(password).toUpperCase()}` }), { status: 422 }),
  });
  const second = await rejects(emnify.getToken(), "VENDOR_ERROR");
  assert.ok(!second.message.toLowerCase().includes(sha1Hex(password).slice(0, 8)), second.message);

  // Zūm Rails has the password itself: echoed URL-encoded and JSON-escaped.
  const zum = new AuthClient({
    vendor: "zumrails",
    baseUrl: `${sim.url}/zumrails`,
    credentials: { username: "someone", password },
    fetch: async () =>
      new Response(JSON.stringify({ isError: true, message: `bad ${encodeURIComponent(password)} ${JSON.stringify(password).replace("/", "\\/")}` }), { status: 500 }),
  });
  const third = await rejects(zum.getToken(), "VENDOR_ERROR");
  assert.ok(!third.message.includes(encodeURIComponent(password)), third.message);
  assert.ok(!third.message.includes("p@ss"), third.message);
});

// --- 11. a fetch from another package ------------------------------------------------

test("11. options.fetch resolving to a Response of another realm (not instanceof Response) works", async () => {
  // What undici's own Response looks like from here: the same shape, another class.
  const foreign = (response) => ({
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    url: response.url,
    type: response.type,
    redirected: response.redirected,
    get body() {
      return response.body;
    },
    get bodyUsed() {
      return response.bodyUsed;
    },
    clone: () => foreign(response.clone()),
    text: () => response.text(),
    json: () => response.json(),
    arrayBuffer: () => response.arrayBuffer(),
  });
  const zum = client("zumrails", ZUM, { fetch: async (input, init) => foreign(await fetch(input, init)) });
  await zum.clear();
  const token = await zum.getToken();
  assert.ok(token.split(".").length === 3);
  const response = await zum.fetch("/api/user");
  assert.equal(response.status, 200);
});

// --- 12. revoke racing a renewal -----------------------------------------------------

test("12. revoke() racing a renewal wins: nothing obtained before it settles stays cached", async () => {
  const store = kvStore();
  const zum = client("zumrails", ZUM, { store });
  await zum.clear();
  await zum.getToken();
  await fault(sim, { vendor: "zumrails", method: "POST", path: "/api/authorize", delayMs: 300 });
  const renewal = zum.getToken({ cache: "reload" });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await zum.revoke(), "vendor");
  const renewed = await renewal;
  assert.deepEqual(store.entries(), [], "the store holds no token after revoke()");
  // The newest token was the one revoked at Zūm Rails.
  const check = await fetch(`${sim.url}/zumrails/api/user`, { headers: { authorization: `Bearer ${renewed}` } });
  assert.equal(check.status, 401);
  assert.equal((await zum.getTokenInfo()).fromCache, false, "the next call logs in");
});

// --- 13. dates a JS Date can hold -----------------------------------------------------

test("13. an exp beyond what a Date can hold is unreadable, not an expiresAt that breaks toISOString()", async () => {
  const emnify = client("emnify", { applicationToken: CREDENTIALS.emnify.applicationToken }, {
    fetch: editingFetch(({ url, text }) =>
      url.endsWith("/api/v1/authenticate") ? { body: JSON.stringify({ ...JSON.parse(text), auth_token: fakeJwt({ exp: 9.99e12 }) }) } : undefined,
    ),
  });
  await emnify.clear();
  await rejects(emnify.getToken(), "BAD_RESPONSE");
});

test("9. 100,000 clients dropped without free() are freed when collected: the wasm memory stays bounded while the GC runs", async () => {
  const { execFile } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(new URL("./fixtures/many-clients.mjs", import.meta.url));
  const out = await new Promise((resolve, reject) =>
    execFile(process.execPath, ["--expose-gc", script, "100000"], { timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const { wasmBytes } = JSON.parse(out.trim().split("\n").pop());
  assert.ok(wasmBytes < 16 * 1024 * 1024, `wasm memory grew to ${(wasmBytes / 1048576).toFixed(1)} MiB`);
});

test("in Node a password's verifier is PBKDF2 by WebCrypto, an issued key's one HMAC: both the formula the wasm computes", async () => {
  const { pbkdf2Sync } = await import("node:crypto");
  // tests/core_security.rs pins the wasm's PBKDF2 to these formulas on fixed
  // inputs; here the entries Node clients wrote carry the same values.
  const written = async (vendor, credentials) => {
    const store = kvStore();
    const client = new AuthClient({ vendor, baseUrl: `${sim.url}/${vendor}`, credentials, store });
    await client.clear();
    await client.getToken();
    client.free();
    const entries = store.entries();
    assert.equal(entries.length, 1);
    return entries[0][1];
  };
  const zum = await written("zumrails", ZUM);
  const iterated = pbkdf2Sync(ZUM.password, `vendor-auth:verifier:v1:zumrails:${zum.principal}`, 20_000, 16, "sha256");
  assert.equal(zum.verifier, iterated.toString("hex"));
  const key = CREDENTIALS.emnify.applicationToken;
  assert.ok(key.length >= 32, "the simulator's application token is as long as an issued one");
  const emnify = await written("emnify", { applicationToken: key });
  const once = pbkdf2Sync(key, `vendor-auth:verifier:key1:emnify:${emnify.principal}`, 1, 16, "sha256");
  assert.equal(emnify.verifier, once.toString("hex"));
});
