// The fault matrix (issue 9): every vendor's login and renewal against every
// way a vendor answer can go wrong, through the package as a consumer
// imports it, against the vendor simulator over real HTTP.
//
// Rows: each vendor's login with nothing cached, and its renewal (a valid
// token cached first, then getToken({ cache: "reload" }) under the fault);
// emnify twice (application token; username + password, whose renewal is the
// refresh token). Columns: the faults below. Each cell asserts
// - the AuthError code of the EXPECT table, its .vendor, .status and
//   .retryAfterSeconds, and how many requests went out (RunBuggy and Personr
//   never retry: each attempt creates a token; the others retry 5xx and
//   network errors, 3 attempts in all);
// - no unhandled promise rejection;
// - secret hygiene (helpers.mjs `ledger`): no password, password digest,
//   session JWT, application token or access key anywhere; tokens only inside
//   their own store entry and as getToken's result; refused tokens nowhere;
// - the cache: a failed login caches nothing; a failed renewal leaves the
//   cached token (and its store entry, byte for byte) as it was.
//
// Rows run concurrently, each against its own simulator (so its own
// baseUrl, cache keys and rate-limit holds); the cells of a row run in order.
// Three columns are produced in JS through the `fetch` option instead of the
// simulator (a body that stalls after the headers, a valid answer padded past
// 1 MiB, an endless body), as the simulator's faults cannot express them.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, fault as inject, clearFaults, kvStore, fakeJwt, ledger, sha1Hex, ALL_SECRETS, watchUnhandledRejections, captureConsole, CREDENTIALS } from "./helpers.mjs";

watchUnhandledRejections();
captureConsole();

const MiB = 1024 * 1024;
const ANY = Symbol("any status");
const now = () => Math.floor(Date.now() / 1000);

// --- every secret of the simulator's accounts: never anywhere -----------------

// --- the vendors: where they log in, and what a well-formed answer looks like --
const VENDORS = {
  runbuggy: {
    path: "/accounts/api-token/tokens",
    retries: false,
    credentials: async (sim) => ({ sessionJwt: (await sim.control("runbuggy/session-jwt?ttlSeconds=3600")).sessionJwt, tokenName: "fault-matrix" }),
    secrets: (c) => [c.sessionJwt],
    goodToken: () => `rb${Math.random().toString(36).slice(2)}${"0".repeat(30)}`.slice(0, 32),
    answer: (token, { expireAt = null } = {}) => ({ id: "fault-1", name: "fault-matrix", description: null, disabled: false, expireAt, token }),
    wrongExpiry: () => ({ expireAt: "in a while" }),
  },
  personr: {
    path: "/api/1.1/wf/api-token-generate",
    retries: false,
    credentials: async () => ({ email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password }),
    secrets: (c) => [c.password],
    goodToken: () => `bus|1700000000000x${Date.now()}|1700000000000x${Math.random().toString().slice(2, 14)}`,
    answer: (token, { expires = 31536000 } = {}) => ({ status: "success", response: { token, user_id: "1700000000000x424242424242424242", expires } }),
    wrongExpiry: () => ({ expires: "one year" }),
  },
  emnify: {
    path: "/api/v1/authenticate",
    retries: true,
    credentials: async () => ({ applicationToken: CREDENTIALS.emnify.applicationToken }),
    secrets: (c) => [c.applicationToken, c.password, c.password && sha1Hex(c.password)],
    goodToken: (exp = now() + 14400) => fakeJwt({ sub: "user@domain.com", iat: now(), exp }),
    answer: (token) => ({ auth_token: token }),
    // emnify's expiry is the JWT's exp: here a non-numeric string.
    wrongExpiryToken: () => fakeJwt({ sub: "user@domain.com", iat: now(), exp: "later" }),
  },
  zumrails: {
    path: "/api/authorize",
    retries: true,
    credentials: async () => ({ username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password }),
    secrets: (c) => [c.password],
    goodToken: (exp = now() + 3600) => fakeJwt({ iat: now(), nbf: now(), exp }),
    answer: (token) => ({
      statusCode: 200,
      message: "POST Request successful.",
      isError: false,
      result: { Role: "API", Token: token, CustomerId: "c-1", CompanyName: "Fault Inc.", CustomerType: "Customer", Username: "5f0c7c7e-0000-4000-8000-000000000001" },
    }),
    wrongExpiryToken: () => fakeJwt({ iat: now(), nbf: now(), exp: "later" }),
  },
  voipbin: {
    path: "/auth/login",
    retries: true,
    credentials: async () => ({ username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password }),
    secrets: (c) => [c.password],
    goodToken: () => fakeJwt({ customer: "{}", expire: new Date(Date.now() + 7 * 86400e3).toISOString().replace("Z", "000Z") }),
    answer: (token) => ({ username: CREDENTIALS.voipbin.username, token }),
    // VoIPBIN's expiry is the JWT's custom `expire` claim: here not a date.
    wrongExpiryToken: () => fakeJwt({ customer: "{}", expire: "next week" }),
  },
};

/** A well-formed answer whose expiry has the wrong type; returns [body, token]. */
function wrongExpiryAnswer(vendor) {
  const v = VENDORS[vendor];
  if (v.wrongExpiry) {
    const token = v.goodToken();
    return [v.answer(token, v.wrongExpiry(token)), token];
  }
  const token = v.wrongExpiryToken();
  return [v.answer(token), token];
}

// --- the rows -----------------------------------------------------------------
const ROWS = [
  { name: "runbuggy session exchange", vendor: "runbuggy", phase: "login" },
  { name: "runbuggy re-exchange", vendor: "runbuggy", phase: "renewal" },
  { name: "personr login", vendor: "personr", phase: "login" },
  { name: "personr regeneration", vendor: "personr", phase: "renewal" },
  { name: "emnify app-token login", vendor: "emnify", phase: "login" },
  { name: "emnify app-token renewal", vendor: "emnify", phase: "renewal" },
  { name: "emnify user login", vendor: "emnify", phase: "login", user: true },
  { name: "emnify user renewal (refresh)", vendor: "emnify", phase: "renewal", user: true },
  { name: "zumrails login", vendor: "zumrails", phase: "login" },
  { name: "zumrails renewal", vendor: "zumrails", phase: "renewal" },
  { name: "voipbin login", vendor: "voipbin", phase: "login" },
  { name: "voipbin renewal", vendor: "voipbin", phase: "renewal" },
];
const credentialsOf = async (row, sim) =>
  row.user ? { username: CREDENTIALS.emnify.username, password: CREDENTIALS.emnify.password } : VENDORS[row.vendor].credentials(sim);
/**
 * Requests one failing login or renewal sends: retried vendors 3 per login,
 * others 1; an emnify user renewal tries the refresh, then a login. Where the
 * refresh answer is well-formed HTTP and only its token is refused (after
 * parsing), going on to a login is optional: [min, max]. A rate limit of the
 * refresh ends the renewal (a login would walk into it too): `endsRenewal`.
 */
function attemptsFor(row, retried, afterParse = false, endsRenewal = false) {
  const perLogin = retried && VENDORS[row.vendor].retries ? 3 : 1;
  const logins = row.user && row.phase === "renewal" && !endsRenewal ? 2 : 1;
  return [afterParse ? perLogin : perLogin * logins, perLogin * logins];
}

// --- the faults (columns) -------------------------------------------------------
// sim: a simulator fault spec for the login path (count 10 covers every retry);
// js: an answer produced by the `fetch` option instead (see `router`).
// expect: the AuthError expected; retried: whether a retrying vendor retries it.
const FAULTS = [
  {
    name: "500 HTML page",
    sim: () => ({ status: 500, headers: { "content-type": "text/html" }, body: "<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>" }),
    expect: { code: "VENDOR_ERROR", status: 500 },
    retried: true,
  },
  { name: "502 empty", sim: () => ({ status: 502, body: "" }), expect: { code: "VENDOR_ERROR", status: 502 }, retried: true },
  {
    name: "200 truncated JSON",
    sim: (row) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(VENDORS[row.vendor].answer("abcdefghijklmnopqrstuvwxyz012345")).slice(0, 25) }),
    expect: { code: "BAD_RESPONSE", status: 200 },
  },
  { name: "200 empty body", sim: () => ({ status: 200, body: "" }), expect: { code: "BAD_RESPONSE", status: 200 } },
  {
    name: "200 expiry of the wrong type",
    sim: (row, cell) => {
      const [body, token] = wrongExpiryAnswer(row.vendor);
      cell.refuse(token);
      return { status: 200, headers: { "content-type": "application/json" }, body };
    },
    expect: { code: "BAD_RESPONSE", status: 200 },
    afterParse: true,
  },
  {
    name: "200 token as a number",
    sim: (row) => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(VENDORS[row.vendor].answer(12345678901234567890)) }),
    expect: { code: "BAD_RESPONSE", status: 200 },
  },
  { name: "200 body of 2 MiB, chunked", sim: () => ({ status: 200, headers: { "content-type": "application/json" }, bodyBytes: 2 * MiB }), expect: { code: "BAD_RESPONSE", status: [200, null] }, prompt: true },
  { name: "200 body of 2 MiB, Content-Length", sim: () => ({ status: 200, headers: { "content-type": "application/json" }, bodyBytes: 2 * MiB, contentLength: true }), expect: { code: "BAD_RESPONSE", status: [200, null] }, prompt: true },
  { name: "slower than timeoutMs", sim: () => ({ delayMs: 2000 }), options: { timeoutMs: 300 }, expect: { code: "TIMEOUT", status: null }, retried: "maybe" },
  { name: "dropped connection", sim: () => ({ drop: true }), expect: { code: "NETWORK", status: null }, retried: true },
  {
    name: "429 Retry-After: 120",
    sim: () => ({ status: 429, headers: { "retry-after": "120", "content-type": "text/plain" }, body: "Too Many Requests" }),
    expect: { code: "RATE_LIMITED", status: 429, retryAfterSeconds: 120 },
    endsRenewal: true,
  },
  {
    name: "429 without Retry-After",
    sim: () => ({ status: 429, headers: { "content-type": "text/plain" }, body: "Too Many Requests" }),
    // Zūm Rails documents a 5-minute block; emnify and VoIPBIN wait 1 s and retry.
    expect: (row) => ({ code: "RATE_LIMITED", status: 429, retryAfterSeconds: row.vendor === "zumrails" ? 300 : null }),
    retried: (row) => row.vendor === "emnify" || row.vendor === "voipbin",
    endsRenewal: true,
  },
  {
    name: "200 token with CR/LF",
    sim: (row, cell) => {
      const token = `${VENDORS[row.vendor].goodToken()}\r\nX-Injected: 1`;
      cell.refuse(token, "X-Injected: 1");
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(VENDORS[row.vendor].answer(token)) };
    },
    expect: { code: "BAD_RESPONSE", status: [200, null] },
    afterParse: true,
  },
  {
    name: "body stalls after the headers",
    js: "stall",
    options: { timeoutMs: 300 },
    expect: { code: "TIMEOUT", status: [200, null] },
    retried: "maybe",
  },
  { name: "valid answer padded past 1 MiB", js: "padded", expect: { code: "BAD_RESPONSE", status: [200, null] }, prompt: true },
  { name: "endless body", js: "endless", expect: { code: "BAD_RESPONSE", status: [200, null] }, prompt: true },
];
const expectationOf = (fault, row) => (typeof fault.expect === "function" ? fault.expect(row) : fault.expect);
const retriedFor = (fault, row) => (typeof fault.retried === "function" ? fault.retried(row) : fault.retried);

/**
 * The `fetch` option for the JS-made columns: everything goes to the
 * simulator except, while `state.mode` is set, the login path, which gets a
 * Response made here (honouring init.signal as fetch does).
 */
function router(row, state) {
  const v = VENDORS[row.vendor];
  return (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!state.mode || !new URL(url).pathname.endsWith(v.path)) return fetch(input, init);
    state.calls += 1;
    const signal = init.signal;
    const encoder = new TextEncoder();
    const headers = { "content-type": "application/json", date: new Date().toUTCString() };
    if (state.mode === "padded") {
      const token = v.goodToken();
      state.cell.refuse(token);
      const body = JSON.stringify({ ...v.answer(token), padding: "x".repeat(2 * MiB) });
      return Promise.resolve(new Response(body, { status: 200, headers: { ...headers, "content-length": String(body.length) } }));
    }
    let cancelled = false;
    const stream = new ReadableStream({
      start(controller) {
        signal?.addEventListener("abort", () => {
          cancelled = true;
          try {
            controller.error(signal.reason ?? new DOMException("aborted", "AbortError"));
          } catch {}
        });
        if (state.mode === "stall") controller.enqueue(encoder.encode(JSON.stringify(v.answer("abc")).slice(0, 12)));
      },
      pull(controller) {
        if (state.mode !== "endless" || cancelled) return new Promise(() => {}); // stall: nothing more, ever
        if (state.delivered >= 16 * MiB) return controller.close(); // a safety stop for a library that reads everything
        state.delivered += 64 * 1024;
        controller.enqueue(encoder.encode("x".repeat(64 * 1024)));
      },
      cancel() {
        cancelled = true;
      },
    });
    return Promise.resolve(new Response(stream, { status: 200, headers }));
  };
}

// --- running one cell -----------------------------------------------------------
const measured = new Map(); // row name -> Map(fault name -> text)
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

async function runCell(row, fault, sim) {
  await sim.reset();
  const v = VENDORS[row.vendor];
  const cell = ledger(`${row.name} × ${fault.name}`).secret(...ALL_SECRETS);
  const credentials = await credentialsOf(row, sim);
  cell.secret(...v.secrets(credentials));
  const store = cell.store(kvStore());
  const base = { vendor: row.vendor, baseUrl: `${sim.url}/${row.vendor}`, credentials, store };
  const route = { mode: null, calls: 0, delivered: 0, cell };

  let old = null;
  let entryKey = null;
  let snapshot = null;
  if (row.phase === "renewal") {
    const setup = cell.watch(new AuthClient(base));
    await setup.clear();
    old = cell.result(await setup.getToken());
    const entries = store.entries();
    assert.equal(entries.length, 1, "the setup login cached one entry");
    entryKey = entries[0][0];
    snapshot = store.map.get(entryKey);
  }
  const client = cell.watch(new AuthClient({ ...base, ...fault.options, ...(fault.js ? { fetch: router(row, route) } : {}) }));
  if (row.phase === "login") await client.clear();

  const loginRoute = `POST ${v.path}`;
  const before = await sim.count(row.vendor, loginRoute);
  if (fault.sim) await inject(sim, { vendor: row.vendor, method: "POST", path: v.path, count: 10, ...fault.sim(row, cell) });
  if (fault.js) route.mode = fault.js;

  measured.get(row.name).set(fault.name, "no answer (hung)");
  const started = performance.now();
  const outcome = await cell.failure(client.getToken(row.phase === "renewal" ? { cache: "reload" } : undefined));
  const ms = Math.round(performance.now() - started);
  route.mode = null;
  await clearFaults(sim);
  const attempts = (await sim.count(row.vendor, loginRoute)) - before + route.calls;

  const got = outcome instanceof Error ? outcome.code ?? outcome.name : "resolved";
  const status = outcome instanceof Error ? outcome.status : undefined;
  const text = `${got}${status != null ? ` ${status}` : ""} (${attempts} req, ${ms} ms)`;
  measured.get(row.name).set(fault.name, text);
  return { cell, outcome, ms, attempts, client, store, old, entryKey, snapshot, route, text };
}

function checkCell(row, fault, run) {
  const { cell, outcome, ms, attempts, text } = run;
  const expected = expectationOf(fault, row);
  const where = `${row.name} × ${fault.name}: ${text}`;

  // The error.
  if (!(outcome instanceof Error)) {
    const shown = typeof outcome?.resolved === "string" ? `${outcome.resolved.slice(0, 16)}…` : JSON.stringify(outcome?.resolved);
    assert.fail(`${where}: expected ${expected.code}, but getToken resolved to ${shown}`);
  }
  assert.ok(outcome instanceof AuthError, `${where}: not an AuthError: ${outcome.stack}`);
  assert.equal(outcome.code, expected.code, `${where}: ${outcome.message}`);
  assert.equal(outcome.vendor, row.vendor, `${where}: .vendor`);
  if (expected.status !== ANY) {
    const allowed = Array.isArray(expected.status) ? expected.status : [expected.status];
    assert.ok(allowed.includes(outcome.status), `${where}: .status ${outcome.status}, expected ${allowed.join(" or ")}`);
  }
  assert.equal(outcome.retryAfterSeconds, expected.retryAfterSeconds ?? null, `${where}: .retryAfterSeconds`);
  assert.ok(outcome.message.length > 0 && outcome.message.length < 1000, `${where}: message length ${outcome.message.length}`);

  // How many requests went out.
  const retried = retriedFor(fault, row);
  const [min] = attemptsFor(row, retried === "maybe" ? false : Boolean(retried), fault.afterParse, fault.endsRenewal);
  const [, max] = attemptsFor(row, Boolean(retried), fault.afterParse, fault.endsRenewal);
  assert.ok(attempts >= min && attempts <= max, `${where}: ${attempts} requests sent, expected ${min === max ? min : `${min} to ${max}`}`);

  // An endless body is read no further than the cap (1 MiB) and a chunk or two.
  if (fault.js === "endless") {
    const bound = run.route.calls * (MiB + 256 * 1024);
    assert.ok(run.route.delivered <= bound, `${where}: read ${run.route.delivered} bytes of ${run.route.calls} endless bodies`);
  }

  // Bounded: no waiting for a long Retry-After, no buffering of a huge body.
  const bound = fault.prompt ? 3000 : 8000;
  assert.ok(ms < bound, `${where}: took ${ms} ms (bound ${bound} ms)`);
}

async function checkCache(row, run) {
  const { client, store, old, entryKey, snapshot, text } = run;
  const where = `${row.name}: ${text}`;
  if (row.phase === "renewal") {
    assert.equal(await client.getToken({ cache: "only-if-cached" }), old, `${where}: the valid cached token survives the failed renewal`);
    assert.equal(store.map.get(entryKey), snapshot, `${where}: the store entry is unchanged`);
    assert.equal(store.entries().length, 1, `${where}: no other entry appeared`);
  } else {
    await assert.rejects(client.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" }, `${where}: nothing cached`);
    assert.deepEqual(store.entries(), [], `${where}: nothing stored`);
  }
}

// --- the matrix -----------------------------------------------------------------
describe("fault matrix", { concurrency: true }, () => {
  for (const row of ROWS) {
    measured.set(row.name, new Map());
    test(row.name, { timeout: 120_000 }, async (t) => {
      const sim = await simulator();
      try {
        for (const fault of FAULTS) {
          await t.test(fault.name, { timeout: fault.js ? 5_000 : 12_000 }, async (c) => {
            const run = await runCell(row, fault, sim);
            c.diagnostic(`${row.name} × ${fault.name} → ${run.text}`);
            const failures = [];
            for (const check of [
              () => checkCell(row, fault, run),
              () => checkCache(row, run),
              async () => {
                await settle();
                assert.deepEqual(run.cell.unhandled().map(String), [], "unhandled promise rejections");
              },
              () => assert.deepEqual(run.cell.leaks(), [], "secret hygiene"),
            ]) {
              try {
                await check();
              } catch (error) {
                failures.push(error.message);
              }
            }
            assert.deepEqual(failures, [], `${row.name} × ${fault.name}`);
          });
        }
      } finally {
        await sim.close();
      }
    });
  }
});

// --- header injection --------------------------------------------------------------
// A vendor answering a login with a token that holds CR/LF or another
// control (or non-ASCII) character: refused with BAD_RESPONSE, never sent on
// an API call, never cached, never shown.
const API_PATHS = { runbuggy: "/api/orders", personr: "/api/1.1/obj/workspace", emnify: "/api/v1/endpoint", zumrails: "/api/user", voipbin: "/v1.0/accesskeys" };
const INJECTIONS = [
  ["CR LF", "\r\nX-Injected: 1"],
  ["LF", "\nX-Injected: 1"],
  ["CR", "\rX-Injected: 1"],
  ["NUL", "\u0000X-Injected"],
  ["BEL", "\u0007X-Injected"],
  ["ESC", "\u001b[2JX-Injected"],
  ["DEL", "\u007fX-Injected"],
  ["TAB", "\tX-Injected"],
  ["NEL (U+0085)", "\u0085X-Injected"],
  ["LINE SEPARATOR (U+2028)", "\u2028X-Injected"],
];
const INJECTION_CLIENTS = [
  ...Object.keys(VENDORS).map((vendor) => ({ name: vendor, vendor, extra: {} })),
  { name: "voipbin tokenIn: 'query'", vendor: "voipbin", extra: { tokenIn: "query" } },
];

describe("header injection: a token with control characters is refused", () => {
  let sim;
  test("start the simulator", async () => {
    sim = await simulator();
  });
  for (const target of INJECTION_CLIENTS) {
    test(target.name, async (t) => {
      const v = VENDORS[target.vendor];
      for (const [label, injected] of INJECTIONS) {
        await t.test(label, async () => {
          await sim.reset();
          const cell = ledger(`${target.name} × ${label}`).secret(...ALL_SECRETS);
          const credentials = await v.credentials(sim);
          cell.secret(...v.secrets(credentials));
          const token = `${v.goodToken()}${injected}`;
          const [head] = token.split(injected);
          cell.refuse(token, injected);
          const store = cell.store(kvStore());
          const client = cell.watch(new AuthClient({ vendor: target.vendor, baseUrl: `${sim.url}/${target.vendor}`, credentials, store, ...target.extra }));
          await client.clear();
          await inject(sim, { vendor: target.vendor, method: "POST", path: v.path, count: 10, status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(v.answer(token)) });

          const error = await cell.failure(client.getToken());
          assert.ok(error instanceof AuthError, `getToken: ${error?.stack ?? JSON.stringify(error)}`);
          assert.equal(error.code, "BAD_RESPONSE", error.message);
          assert.equal(error.vendor, target.vendor);
          // client.fetch logs in the same way: refused again, and no API call leaves.
          const viaFetch = await cell.failure(client.fetch(API_PATHS[target.vendor]));
          assert.ok(viaFetch instanceof AuthError, `client.fetch: ${viaFetch?.stack ?? viaFetch?.resolved?.status}`);
          assert.equal(viaFetch.code, "BAD_RESPONSE", viaFetch.message);
          assert.equal(await sim.count(target.vendor, `GET ${API_PATHS[target.vendor]}`), 0, "no API request was sent");
          const sent = JSON.stringify(await sim.control(`requests?vendor=${target.vendor}`));
          assert.ok(!sent.includes("X-Injected") && !sent.includes(encodeURIComponent(injected)), "the token never reached the vendor");
          if (head.length >= 16) assert.ok(!sent.includes(head), "not even the part before the control character");
          // Nothing cached.
          await assert.rejects(client.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" });
          assert.deepEqual(store.entries(), []);
          await settle();
          assert.deepEqual(cell.unhandled().map(String), []);
          assert.deepEqual(cell.leaks(), []);
        });
      }
    });
  }
  test("stop the simulator", async () => {
    await sim.close();
  });
});

test("the fault matrix as measured (vendor × fault → code)", (t) => {
  const lines = [];
  for (const [row, cells] of measured) {
    for (const [fault, text] of cells) {
      const f = FAULTS.find((x) => x.name === fault);
      const expected = expectationOf(f, ROWS.find((r) => r.name === row)).code;
      lines.push(`${row.padEnd(30)} | ${fault.padEnd(32)} | ${text}${text.startsWith(expected) ? "" : `   <-- expected ${expected}`}`);
    }
  }
  for (const line of lines) t.diagnostic(line);
  assert.ok(lines.length > 0);
});

after(async () => {
  await settle();
  assert.deepEqual(watchUnhandledRejections().map(String), [], "no unhandled promise rejection in the whole file");
});
