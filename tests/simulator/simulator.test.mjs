// Tests of the vendor simulator over real HTTP (global fetch).
//   node --test tests/simulator/
// One simulator for the file, reset before every test.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { CREDENTIALS } from "./credentials.mjs";
import { startSimulator } from "./server.mjs";

let sim;
before(async () => {
  sim = await startSimulator({ port: 0 });
});
after(async () => {
  await sim.close();
});
beforeEach(async () => {
  await call("/__sim/reset", { method: "POST" });
});

// --- helpers -------------------------------------------------------------------------

/** fetch wrapper: `json` sends a JSON body, `body` sends anything verbatim. */
async function call(path, { method = "GET", json, body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const res = await fetch(sim.url + path, init);
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const sha1 = (text) => createHash("sha1").update(text).digest("hex");
const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
const advance = (seconds) => call("/__sim/clock", { method: "POST", json: { advanceSeconds: seconds } });
const configure = (vendor, patch) => call("/__sim/config", { method: "POST", json: { vendor, ...patch } });
const fault = (spec) => call("/__sim/fault", { method: "POST", json: spec });
const counts = async (vendor) => (await call(`/__sim/counts?vendor=${vendor}`)).body;
const requests = async (vendor) => (await call(`/__sim/requests?vendor=${vendor}`)).body;

function assertEmptyBody(res, status) {
  assert.equal(res.status, status);
  assert.equal(res.text, "");
}

// vendor logins
async function emnifyAppLogin(token = CREDENTIALS.emnify.applicationToken) {
  const res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: token } });
  assert.equal(res.status, 200, res.text);
  return res.body.auth_token;
}
async function emnifyPasswordLogin() {
  const { username, password } = CREDENTIALS.emnify;
  return call("/emnify/api/v1/authenticate", { method: "POST", json: { username, password: sha1(password) } });
}
async function personrGenerate() {
  const form = new FormData();
  form.append("email", CREDENTIALS.personr.email);
  form.append("password", CREDENTIALS.personr.password);
  return call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: form });
}
async function zumLogin() {
  const res = await call("/zumrails/api/authorize", {
    method: "POST",
    json: { Username: CREDENTIALS.zumrails.username, Password: CREDENTIALS.zumrails.password },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.result.Token;
}
async function voipbinLogin() {
  const { username, password } = CREDENTIALS.voipbin;
  return call("/voipbin/auth/login", { method: "POST", json: { username, password } });
}
async function runbuggySessionJwt(ttlSeconds = 3600) {
  return (await call(`/__sim/runbuggy/session-jwt?ttlSeconds=${ttlSeconds}`)).body.sessionJwt;
}
async function runbuggyExchange(sessionJwt, json) {
  return call("/runbuggy/accounts/api-token/tokens", { method: "POST", headers: bearer(sessionJwt), json });
}
const emnifyError = (code, token) => ({ error_code: code, error_token: token });

// =======================================================================================
describe("control API and shared behaviour", () => {
  test("GET /__sim/health answers ok", async () => {
    const res = await call("/__sim/health");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true });
  });

  test("every response carries an RFC 7231 Date header from the simulated clock", async () => {
    const before = await call("/runbuggy/api/orders");
    assert.match(before.headers.get("date"), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.ok(Math.abs(Date.parse(before.headers.get("date")) - Date.now()) < 5000);
    await advance(86400);
    for (const path of ["/runbuggy/api/orders", "/voipbin/nope", "/__sim/health", "/emnify/api/v1/endpoint"]) {
      const res = await call(path);
      const skew = Date.parse(res.headers.get("date")) - Date.now();
      assert.ok(Math.abs(skew - 86400000) < 5000, `${path}: skew ${skew}`);
    }
  });

  test("the clock can be read, advanced and set to an offset", async () => {
    let res = await call("/__sim/clock");
    assert.equal(res.body.offsetSeconds, 0);
    assert.ok(Math.abs(res.body.nowMs - Date.now()) < 2000);
    res = await advance(100);
    res = await advance(20);
    assert.equal(res.body.offsetSeconds, 120);
    res = await call("/__sim/clock", { method: "POST", json: { offsetSeconds: -30 } });
    assert.equal(res.body.offsetSeconds, -30);
    assert.ok(Math.abs(res.body.nowMs - (Date.now() - 30000)) < 2000);
    res = await call("/__sim/clock", { method: "POST", json: { advanceSeconds: "soon" } });
    assert.equal(res.status, 400);
    res = await call("/__sim/clock", { method: "POST", json: { advanceSeconds: 1, offsetSeconds: 1 } });
    assert.equal(res.status, 400);
  });

  test("counts are per endpoint without prefix or query, preflights under OPTIONS *, filterable by vendor", async () => {
    await emnifyAppLogin();
    await emnifyAppLogin();
    await call("/emnify/api/v1/endpoint?page=2");
    await call("/emnify/api/v1/endpoint", { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" } });
    await call("/voipbin/v1.0/accesskeys");
    assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 2, "GET /api/v1/endpoint": 1, "OPTIONS *": 1 });
    const all = (await call("/__sim/counts")).body;
    assert.deepEqual(Object.keys(all).sort(), ["emnify", "personr", "runbuggy", "voipbin", "zumrails"]);
    assert.deepEqual(all.voipbin, { "GET /v1.0/accesskeys": 1 });
    assert.deepEqual(all.runbuggy, {});
    assert.equal((await call("/__sim/counts?vendor=nope")).status, 400);
  });

  test("counts include faulted and rate-limited requests", async () => {
    await configure("emnify", { authenticateLimit: 1 });
    await fault({ vendor: "emnify", method: "POST", path: "/api/v1/authenticate", status: 503 });
    assert.equal((await call("/emnify/api/v1/authenticate", { method: "POST", json: {} })).status, 503);
    await emnifyAppLogin();
    assert.equal((await call("/emnify/api/v1/authenticate", { method: "POST", json: {} })).status, 429);
    assert.deepEqual(await counts("emnify"), { "POST /api/v1/authenticate": 3 });
  });

  test("the request log records method, path, query, lower-case headers, cookies and the body truncated to 4 KB", async () => {
    await call("/voipbin/v1.0/accesskeys?accesskey=abc&x=1&x=2", {
      method: "POST",
      headers: { "X-Custom-Header": "Value", Cookie: "token=tok; other=1" },
      body: "a".repeat(5000),
    });
    const [entry] = await requests("voipbin");
    assert.equal(entry.method, "POST");
    assert.equal(entry.path, "/v1.0/accesskeys");
    assert.deepEqual(entry.query, { accesskey: "abc", x: ["1", "2"] });
    assert.equal(entry.headers["x-custom-header"], "Value");
    assert.ok(Object.keys(entry.headers).every((h) => h === h.toLowerCase()));
    assert.deepEqual(entry.cookies, { token: "tok", other: "1" });
    assert.equal(entry.body, "a".repeat(4096));
    assert.equal(entry.bodyBytes, 5000);
    assert.equal(entry.bodyTruncated, true);
  });

  test("the request log keeps the last 500 requests per vendor", async () => {
    for (let i = 0; i < 505; i++) await call(`/zumrails/api/user?i=${i}`);
    const log = await requests("zumrails");
    assert.equal(log.length, 500);
    assert.equal(log[0].query.i, "5");
    assert.equal(log[499].query.i, "504");
    assert.deepEqual(await requests("emnify"), []);
  });

  test("reset restores tokens, counts, log, clock, faults, config and limiter state", async () => {
    const authToken = await emnifyAppLogin();
    assert.equal((await call("/emnify/api/v1/endpoint", { headers: bearer(authToken) })).status, 200);
    await advance(1000);
    await configure("emnify", { overallLimit: 1 });
    await fault({ vendor: "runbuggy", status: 500, count: 5 });
    await call("/__sim/reset", { method: "POST" });

    assert.equal((await call("/__sim/clock")).body.offsetSeconds, 0);
    assert.deepEqual(await counts("emnify"), {});
    assert.deepEqual(await requests("emnify"), []);
    assert.deepEqual((await call("/__sim/fault")).body, []);
    assert.equal((await call("/__sim/config?vendor=emnify")).body.overallLimit, 2000);
    const res = await call("/emnify/api/v1/endpoint", { headers: bearer(authToken) });
    assert.equal(res.status, 401, "tokens issued before a reset are gone");
    assert.equal((await call("/runbuggy/api/orders", { headers: bearer(CREDENTIALS.runbuggy.apiToken) })).status, 200);
  });

  test("a fault replaces the next `count` answers with status, body and headers, then normal service resumes", async () => {
    let res = await fault({ vendor: "zumrails", method: "POST", path: "/zumrails/api/authorize?x=1", count: 2, status: 502, body: "<html>bad gateway</html>", headers: { "content-type": "text/html", "x-fault": "1" } });
    assert.equal(res.status, 200);
    for (let i = 0; i < 2; i++) {
      res = await call("/zumrails/api/authorize", { method: "POST", json: { Username: "a", Password: "b" } });
      assert.equal(res.status, 502);
      assert.equal(res.text, "<html>bad gateway</html>");
      assert.equal(res.headers.get("content-type"), "text/html");
      assert.equal(res.headers.get("x-fault"), "1");
    }
    await zumLogin();
  });

  test("a fault only matches its vendor, method and path", async () => {
    await fault({ vendor: "emnify", method: "GET", path: "/api/v1/endpoint", status: 500 });
    assert.equal((await call("/emnify/api/v1/endpoint", { method: "POST" })).status, 405);
    assert.equal((await call("/zumrails/api/v1/endpoint")).status, 404);
    assert.equal((await call("/emnify/api/v1/endpoint")).status, 500);
    assert.equal((await call("/emnify/api/v1/endpoint")).status, 401);
  });

  test("delayMs alone delays, then answers normally", async () => {
    await fault({ vendor: "voipbin", path: "/auth/login", delayMs: 300 });
    const started = Date.now();
    const res = await voipbinLogin();
    assert.ok(Date.now() - started >= 290);
    assert.equal(res.status, 200);
    assert.ok(res.body.token);
  });

  test("drop: true destroys the socket without an answer", async () => {
    await fault({ vendor: "personr", path: "/api/1.1/wf/api-token-generate", drop: true });
    await assert.rejects(personrGenerate(), TypeError);
    assert.equal((await personrGenerate()).status, 200);
  });

  test("bodyBytes streams a large body (chunked by default, Content-Length on request)", async () => {
    await fault({ vendor: "emnify", path: "/api/v1/authenticate", status: 200, bodyBytes: 2 * 1024 * 1024 });
    let res = await fetch(`${sim.url}/emnify/api/v1/authenticate`, { method: "POST", body: "{}" });
    assert.equal(res.headers.get("content-length"), null);
    assert.equal(res.headers.get("transfer-encoding"), "chunked");
    let buf = Buffer.from(await res.arrayBuffer());
    assert.equal(buf.length, 2 * 1024 * 1024);
    assert.ok(buf.every((b) => b === 0x78));

    await fault({ vendor: "emnify", path: "/api/v1/authenticate", status: 500, bodyBytes: 100000, contentLength: true });
    res = await fetch(`${sim.url}/emnify/api/v1/authenticate`, { method: "POST", body: "{}" });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("content-length"), "100000");
    buf = Buffer.from(await res.arrayBuffer());
    assert.equal(buf.length, 100000);
  });

  test("DELETE /__sim/fault clears faults; bad fault specs are refused", async () => {
    await fault({ vendor: "runbuggy", status: 500, count: 10 });
    assert.equal((await call("/__sim/fault")).body.length, 1);
    await call("/__sim/fault", { method: "DELETE" });
    assert.equal((await call("/runbuggy/api/orders", { headers: bearer(CREDENTIALS.runbuggy.apiToken) })).status, 200);
    for (const spec of [{ vendor: "nope" }, { vendor: "emnify", status: 9000 }, { vendor: "emnify", typo: 1 }, { vendor: "emnify", count: 0 }]) {
      assert.equal((await fault(spec)).status, 400, JSON.stringify(spec));
    }
  });

  test("config: defaults are listed; unknown keys, bad values and unknown vendors are refused", async () => {
    const all = (await call("/__sim/config")).body;
    assert.deepEqual(all.emnify, { authTokenLifetimeSeconds: 604800, authenticateLimit: 100, overallLimit: 2000, windowSeconds: 300 });
    assert.deepEqual(all.zumrails, { mode: "sandbox", limit: null, apiLimit: 100, windowSeconds: 300, blockSeconds: 300 });
    assert.deepEqual(all.voipbin, { ratePerSecond: 10, burst: 20, expireFormat: "zoned" });
    assert.deepEqual(all.personr, { rejectionStatus: 401 });
    assert.equal((await configure("emnify", { authenticateLimt: 3 })).status, 400);
    assert.equal((await configure("emnify", { authenticateLimit: -1 })).status, 400);
    assert.equal((await configure("zumrails", { mode: "staging" })).status, 400);
    assert.equal((await configure("nope", {})).status, 400);
    const res = await configure("zumrails", { mode: "production", limit: 5 });
    assert.deepEqual(res.body, { vendor: "zumrails", config: { mode: "production", limit: 5, apiLimit: 100, windowSeconds: 300, blockSeconds: 300 } });
  });

  test("request bodies over 1 MiB get 413 in each vendor's shape; 1 MiB exactly is read", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    assertEmptyBody(await call("/runbuggy/api/orders", { method: "POST", body: big }), 413);
    assertEmptyBody(await call("/voipbin/auth/login", { method: "POST", body: big }), 413);
    let res = await call("/emnify/api/v1/authenticate", { method: "POST", body: big });
    assert.equal(res.status, 413);
    assert.equal(res.body.error_code, 1000);
    res = await call("/zumrails/api/authorize", { method: "POST", body: big });
    assert.equal(res.status, 413);
    assert.equal(res.body.isError, true);
    res = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: big });
    assert.equal(res.status, 413);
    assert.equal(res.body.statusCode, 413);
    res = await call("/emnify/api/v1/authenticate", { method: "POST", body: "x".repeat(1024 * 1024) });
    assert.equal(res.status, 400, "exactly 1 MiB is parsed (and is bad JSON)");
  });

  test("garbage input gets vendor-shaped answers and never takes the server down", async () => {
    const garbage = ["{", "null", "[]", "42", '"str"', "\u0000\uffff", '{"username": {"$gt": ""}, "password": [1]}'];
    for (const body of garbage) {
      const headers = { "content-type": "application/json" };
      assert.equal((await call("/emnify/api/v1/authenticate", { method: "POST", body, headers })).body.error_code, 1000, body);
      assert.equal((await call("/zumrails/api/authorize", { method: "POST", body, headers })).status, 400, body);
      assertEmptyBody(await call("/voipbin/auth/login", { method: "POST", body, headers }), 400);
      assertEmptyBody(await call("/runbuggy/accounts/api-token/tokens", { method: "POST", body, headers: { ...headers, ...bearer(await runbuggySessionJwt()) } }), 400);
      assert.equal((await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body, headers })).body.body.status, "MISSING_DATA", body);
    }
    const weird = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: "--x\r\ngarbage", headers: { "content-type": "multipart/form-data; boundary=x" } });
    assert.equal(weird.status, 400);
    assert.equal((await call("/emnify/%E0%A4%A/..//api")).status, 404);
    assert.equal((await call("/__sim/health")).status, 200);
  });

  test("unknown routes: vendor-shaped 404s; unknown prefix gets the index", async () => {
    assertEmptyBody(await call("/runbuggy/api/nope"), 404);
    assertEmptyBody(await call("/voipbin/v1.0/nope"), 404);
    assert.equal((await call("/emnify/api/v1/nope")).body.error_code, 1000);
    assert.equal((await call("/zumrails/api/nope")).body.statusCode, 404);
    assert.equal((await call("/personr/api/1.1/obj/nope")).body.body.status, "NOT_FOUND");
    const res = await call("/stripe/v1");
    assert.equal(res.status, 404);
    assert.deepEqual(res.body.vendors, ["/runbuggy", "/personr", "/emnify", "/zumrails", "/voipbin"]);
  });
});

// =======================================================================================
describe("CORS", () => {
  const origin = "http://127.0.0.1:5173";
  const preflight = (path, method = "POST") =>
    call(path, { method: "OPTIONS", headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization,content-type" } });

  test("preflights get 204 with the vendor's origin policy, methods and the requested headers", async () => {
    for (const vendor of ["runbuggy", "personr", "emnify", "zumrails", "voipbin"]) {
      const res = await preflight(`/${vendor}/any/path`);
      assert.equal(res.status, 204, vendor);
      assert.equal(res.headers.get("access-control-allow-origin"), vendor === "voipbin" || vendor === "emnify" ? "*" : origin, vendor);
      assert.equal(res.headers.get("access-control-allow-methods"), "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      assert.equal(res.headers.get("access-control-allow-headers"), "authorization,content-type");
      assert.equal(res.headers.get("access-control-allow-credentials"), null);
    }
    assert.equal((await preflight("/__sim/reset")).status, 204);
  });

  test("runbuggy, personr and zumrails reflect the origin and expose nothing beyond the safelist", async () => {
    for (const path of ["/runbuggy/api/orders", "/personr/api/1.1/obj/workspace", "/zumrails/api/user"]) {
      const res = await call(path, { headers: { origin } });
      assert.equal(res.headers.get("access-control-allow-origin"), origin, path);
      assert.equal(res.headers.get("access-control-expose-headers"), null, path);
    }
  });

  test("emnify allows any origin [rec] and exposes nothing beyond the safelist (no Date, no Retry-After)", async () => {
    const res = await call("/emnify/api/v1/endpoint", { headers: { origin } });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-expose-headers"), null);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });

  test("voipbin allows any origin without credentials and exposes only Content-Length", async () => {
    const res = await call("/voipbin/v1.0/accesskeys", { headers: { origin } });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-expose-headers"), "Content-Length");
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });

  test("the control API allows any origin and exposes every header", async () => {
    const res = await call("/__sim/counts", { headers: { origin } });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-expose-headers"), "*");
  });
});

// =======================================================================================
describe("RunBuggy", () => {
  test("a session JWT is exchanged for a 32-char lowercase alphanumeric API token that works on the API", async () => {
    const sessionJwt = await runbuggySessionJwt();
    const claims = jwtClaims(sessionJwt);
    assert.equal(claims.sub, CREDENTIALS.runbuggy.user);
    assert.equal(typeof claims.userId, "number");
    assert.equal(claims.rbuser, "dispatcher");
    assert.equal(claims.iat, undefined, "RunBuggy's JWTs carry no iat [doc]");
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 3600)) < 5);
    const res = await runbuggyExchange(sessionJwt, { name: "My token", description: "Token description", disabled: false, expireAt: null });
    assert.equal(res.status, 200);
    assert.match(res.body.token, /^[a-z0-9]{32}$/);
    assert.deepEqual({ ...res.body, id: undefined, token: undefined }, { id: undefined, token: undefined, name: "My token", description: "Token description", disabled: false, expireAt: null });
    assert.ok(res.body.id);
    for (const method of ["GET", "POST"]) {
      const orders = await call("/runbuggy/api/orders", { method, headers: bearer(res.body.token), json: method === "POST" ? {} : undefined });
      assert.equal(orders.status, 200);
      assert.ok(Array.isArray(orders.body.orders));
    }
  });

  test("missing, invalid and expired session JWTs get 401 with no body", async () => {
    const body = { name: "x", expireAt: null };
    assertEmptyBody(await call("/runbuggy/accounts/api-token/tokens", { method: "POST", json: body }), 401);
    assertEmptyBody(await runbuggyExchange("not.a.jwt", body), 401);
    assertEmptyBody(await runbuggyExchange(CREDENTIALS.runbuggy.apiToken, body), 401);
    assertEmptyBody(await runbuggyExchange(await runbuggySessionJwt(-10), body), 401);
    const shortLived = await runbuggySessionJwt(60);
    await advance(61);
    assertEmptyBody(await runbuggyExchange(shortLived, body), 401);
  });

  test("a bad exchange (missing name, bad expireAt, malformed JSON) gets 400 with an empty text/plain body [rec]", async () => {
    const jwt = await runbuggySessionJwt();
    for (const res of [
      await runbuggyExchange(jwt, { description: "d", disabled: false, expireAt: null }),
      await runbuggyExchange(jwt, { name: "n", expireAt: "next tuesday" }),
      await call("/runbuggy/accounts/api-token/tokens", { method: "POST", headers: bearer(jwt), body: "{nope" }),
    ]) {
      assertEmptyBody(res, 400);
      assert.match(res.headers.get("content-type"), /^text\/plain/);
    }
    // The Orders API keeps its {code, message, field} shape.
    const orders = await call("/runbuggy/api/orders", { method: "POST", headers: bearer(CREDENTIALS.runbuggy.apiToken), body: "{nope" });
    assert.deepEqual([orders.status, orders.body.code], [400, "VALIDATION"]);
  });

  test("expireAt as ISO timestamp expires the token then; null never expires", async () => {
    const jwt = await runbuggySessionJwt();
    const expireAt = new Date(Date.now() + 3600 * 1000).toISOString();
    const expiring = (await runbuggyExchange(jwt, { name: "a", expireAt })).body;
    assert.equal(expiring.expireAt, expireAt);
    const forever = (await runbuggyExchange(jwt, { name: "b", expireAt: null })).body.token;
    assert.equal((await call("/runbuggy/api/orders", { headers: bearer(expiring.token) })).status, 200);
    await advance(3601);
    assertEmptyBody(await call("/runbuggy/api/orders", { headers: bearer(expiring.token) }), 401);
    await advance(10 * 365 * 86400);
    assert.equal((await call("/runbuggy/api/orders", { headers: bearer(forever) })).status, 200);
  });

  test("the pre-provisioned API token works; unknown tokens, session JWTs and disabled tokens get 401 with no body", async () => {
    assert.equal((await call("/runbuggy/api/orders", { headers: bearer(CREDENTIALS.runbuggy.apiToken) })).status, 200);
    assertEmptyBody(await call("/runbuggy/api/orders"), 401);
    assertEmptyBody(await call("/runbuggy/api/orders", { headers: bearer("tfep1l767r0tolbln9f2apbalfamd2ok") }), 401);
    const jwt = await runbuggySessionJwt();
    assertEmptyBody(await call("/runbuggy/api/orders", { headers: bearer(jwt) }), 401);
    const disabled = (await runbuggyExchange(jwt, { name: "off", disabled: true, expireAt: null })).body;
    assert.equal(disabled.disabled, true);
    assertEmptyBody(await call("/runbuggy/api/orders", { headers: bearer(disabled.token) }), 401);
  });
});

// =======================================================================================
describe("Personr", () => {
  const TOKEN = /^bus\|\d{13}x\d{18}\|\d{13}x\d{18}$/;

  test("multipart api-token-generate returns a bus| token, the user id and expires 31536000", async () => {
    const res = await personrGenerate();
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "success");
    assert.match(res.body.response.token, TOKEN);
    assert.match(res.body.response.user_id, /^\d{13}x\d{18}$/);
    assert.equal(res.body.response.token.split("|")[1], res.body.response.user_id);
    assert.equal(res.body.response.expires, 31536000);
    const ws = await call("/personr/api/1.1/obj/workspace", { headers: bearer(res.body.response.token) });
    assert.equal(ws.status, 200);
  });

  test("x-www-form-urlencoded is accepted; JSON is answered MISSING_DATA", async () => {
    const { email, password } = CREDENTIALS.personr;
    let res = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: new URLSearchParams({ email, password }) });
    assert.equal(res.status, 200);
    assert.match(res.body.response.token, TOKEN);
    res = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", json: { email, password } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { statusCode: 400, body: { status: "MISSING_DATA", message: "Missing parameter for workflow api-token-generate: parameter email" } });
  });

  test("a missing password and wrong credentials get their documented errors", async () => {
    let res = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: new URLSearchParams({ email: CREDENTIALS.personr.email }) });
    assert.deepEqual(res.body, { statusCode: 400, body: { status: "MISSING_DATA", message: "Missing parameter for workflow api-token-generate: parameter password" } });
    res = await call("/personr/api/1.1/wf/api-token-generate", { method: "POST", body: new URLSearchParams({ email: CREDENTIALS.personr.email, password: "wrong" }) });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { statusCode: 400, reason: "INVALID_LOGIN_CREDENTIALS", message: "We didn’t find an account with those login credentials" });
  });

  test("api-basic-auth: Basic credentials give the same response; wrong ones the same error", async () => {
    const basic = (user, pass) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });
    let res = await call("/personr/api/1.1/wf/api-basic-auth", { method: "POST", headers: basic(CREDENTIALS.personr.email, CREDENTIALS.personr.password) });
    assert.equal(res.status, 200);
    assert.match(res.body.response.token, TOKEN);
    assert.equal(res.body.response.expires, 31536000);
    res = await call("/personr/api/1.1/wf/api-basic-auth", { method: "POST", headers: basic(CREDENTIALS.personr.email, "nope") });
    assert.equal(res.body.reason, "INVALID_LOGIN_CREDENTIALS");
    res = await call("/personr/api/1.1/wf/api-basic-auth", { method: "POST" });
    assert.equal(res.body.body.status, "MISSING_DATA");
  });

  test("generating a token invalidates the previous one; the 401 never echoes the whole token", async () => {
    const first = (await personrGenerate()).body.response.token;
    assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(first) })).status, 200);
    const second = (await personrGenerate()).body.response.token;
    assert.notEqual(first, second);
    const res = await call("/personr/api/1.1/obj/workspace", { headers: bearer(first) });
    assert.equal(res.status, 401);
    assert.equal(res.body.error_class, "Unauthorized");
    assert.equal(res.body.message, null);
    assert.ok(res.body.args.code);
    assert.equal(res.body.translation, `Invalid or expired token: ${first.slice(0, 8)}…`);
    assert.ok(!res.text.includes(first.slice(8)));
    assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(second) })).status, 200);
  });

  test("tokens expire after 31536000 seconds (used every 20 days); no token gets the 401 shape", async () => {
    const token = (await personrGenerate()).body.response.token;
    for (let used = 0; used + 20 * 86400 < 31536000; used += 20 * 86400) {
      await advance(20 * 86400);
      assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(token) })).status, 200);
    }
    await advance(31536000 - 18 * 20 * 86400 - 5);
    assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(token) })).status, 200);
    await advance(10);
    assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(token) })).status, 401);
    const res = await call("/personr/api/1.1/obj/workspace");
    assert.equal(res.status, 401);
    assert.equal(res.body.translation, "Invalid or expired token");
  });

  test("Bubble drops a token after 30 days without use, whatever `expires` says; using it keeps it alive", async () => {
    const token = (await personrGenerate()).body.response.token;
    const use = () => call("/personr/api/1.1/obj/workspace", { headers: bearer(token) });
    await advance(30 * 86400 - 5);
    assert.equal((await use()).status, 200, "used within 30 days");
    await advance(30 * 86400 - 5);
    assert.equal((await use()).status, 200, "the last use counts, not the issue");
    await advance(30 * 86400);
    const res = await use();
    assert.equal(res.status, 401);
    assert.equal(res.body.error_class, "Unauthorized");
    assert.match(res.body.translation, /^Invalid or expired token: /);
    assert.equal((await use()).status, 401, "a dropped token stays dead");
    const fresh = (await personrGenerate()).body.response.token;
    assert.equal((await call("/personr/api/1.1/obj/workspace", { headers: bearer(fresh) })).status, 200);
  });

  test("the rejection's HTTP status is configurable (Bubble does not publish it); the body is the same", async () => {
    await configure("personr", { rejectionStatus: 400 });
    const res = await call("/personr/api/1.1/obj/workspace", { headers: bearer("bus|1|2") });
    assert.equal(res.status, 400);
    assert.deepEqual([res.body.error_class, res.body.message], ["Unauthorized", null]);
    assert.match(res.body.translation, /^Invalid or expired token/);
  });

  test("workspaces: list shape; unknown workspace is HTTP 200 status error; known one succeeds", async () => {
    const headers = bearer((await personrGenerate()).body.response.token);
    const list = await call("/personr/api/1.1/obj/workspace", { headers });
    assert.equal(list.body.response.count, 1);
    assert.equal(list.body.response.remaining, 0);
    const id = list.body.response.results[0]._id;
    let res = await call("/personr/api/1.1/wf/api-change-workspace", { method: "POST", headers, json: { workspace: "1234x5678" } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "error", response: "Workspace not found" });
    res = await call("/personr/api/1.1/wf/api-change-workspace", { method: "POST", headers, json: { workspace: id } });
    assert.deepEqual([res.status, res.body], [200, { status: "success", response: {} }]);
    res = await call("/personr/api/1.1/wf/api-change-workspace", { method: "POST", headers, json: {} });
    assert.equal(res.body.body.message, "Missing parameter for workflow api-change-workspace: parameter workspace");
    res = await call("/personr/api/1.1/wf/api-change-workspace", { method: "POST", json: { workspace: id } });
    assert.equal(res.status, 401);
  });
});

// =======================================================================================
describe("emnify", () => {
  test("an application token gives only an auth_token: an HS384 JWT with the recorded claims, valid 7 days, that opens the API", async () => {
    const res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: CREDENTIALS.emnify.applicationToken } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["auth_token"]);
    const claims = jwtClaims(res.body.auth_token);
    assert.deepEqual(JSON.parse(Buffer.from(res.body.auth_token.split(".")[0], "base64url")), { alg: "HS384", typ: "JWT" });
    for (const claim of ["aud", "esc.app", "api_key", "esc.org", "esc.orgName", "iss", "exp", "iat"]) assert.ok(claim in claims, claim);
    assert.equal(claims.exp - claims.iat, 604800);
    assert.equal(claims["esc.app"], 1);
    assert.equal(claims.api_key, true);
    const endpoints = await call("/emnify/api/v1/endpoint", { headers: bearer(res.body.auth_token) });
    assert.equal(endpoints.status, 200);
    assert.ok(Array.isArray(endpoints.body) && endpoints.body.length > 0);
  });

  test("the auth token lifetime is configurable (the 14,400 s of one 2022 recording)", async () => {
    await configure("emnify", { authTokenLifetimeSeconds: 14400 });
    const claims = jwtClaims(await emnifyAppLogin());
    assert.equal(claims.exp - claims.iat, 14400);
  });

  test("username + SHA-1 password gives auth_token and refresh_token; the plain password is wrong credentials", async () => {
    let res = await emnifyPasswordLogin();
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ["auth_token", "refresh_token"]);
    // A failed login is 401 with an empty body [spec].
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { username: CREDENTIALS.emnify.username, password: CREDENTIALS.emnify.password } });
    assertEmptyBody(res, 401);
    assertEmptyBody(await call("/emnify/api/v1/authenticate", { method: "POST", json: { username: "nobody@domain.com", password: sha1("x") } }), 401);
    assertEmptyBody(await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: "no-such-token" } }), 401);
  });

  test("three failed logins lock the account for 5 minutes: 401 1105 without Retry-After, even for the right password", async () => {
    const { username, password } = CREDENTIALS.emnify;
    const wrong = () => call("/emnify/api/v1/authenticate", { method: "POST", json: { username, password: sha1("wrong") } });
    for (let i = 0; i < 3; i++) assertEmptyBody(await wrong(), 401);
    let res = await emnifyPasswordLogin();
    assert.equal(res.status, 401);
    assert.deepEqual([res.body.error_code, res.body.error_token], [1105, "TooManyRequests"]);
    assert.equal(res.headers.get("retry-after"), null);
    // Only that account: an application token of another user still logs in.
    await emnifyAppLogin();
    await advance(299);
    assert.equal((await emnifyPasswordLogin()).body.error_code, 1105);
    await advance(1);
    assert.equal((await emnifyPasswordLogin()).status, 200);
    // A success resets the count: two more failures do not lock.
    for (let i = 0; i < 2; i++) await wrong();
    assert.equal((await emnifyPasswordLogin()).status, 200);
  });

  test("a refresh token is single use: the second use gets 401 1102", async () => {
    const { refresh_token } = (await emnifyPasswordLogin()).body;
    let res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { refresh_token } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["auth_token"]);
    assert.equal((await call("/emnify/api/v1/endpoint", { headers: bearer(res.body.auth_token) })).status, 200);
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { refresh_token } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error_code, 1102);
    assert.equal(res.body.error_token, "InvalidToken");
  });

  test("a refresh token expires after 24 hours (401 1103)", async () => {
    const { refresh_token } = (await emnifyPasswordLogin()).body;
    const claims = jwtClaims(refresh_token);
    assert.equal(claims.exp - claims.iat, 24 * 3600);
    await advance(24 * 3600);
    const res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { refresh_token } });
    assert.deepEqual([res.status, res.body.error_code, res.body.error_token], [401, 1103, "TokenExpired"]);
  });

  test("protected API: a missing, malformed, forged or expired token gets the API gateway's 401 (no error_code)", async () => {
    const gateway = (res, message) => {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { message });
      assert.equal(res.headers.get("x-amzn-errortype"), "AccessDeniedException");
    };
    gateway(await call("/emnify/api/v1/endpoint"), "Unauthorized");
    gateway(await call("/emnify/api/v1/endpoint", { headers: bearer("not-a-jwt") }), "token contains an invalid number of segments");
    gateway(await call("/emnify/api/v1/endpoint", { headers: bearer("eyJhbGciOiJIUzM4NCJ9.e30.bad") }), "signature is invalid");
    const { auth_token, refresh_token } = (await emnifyPasswordLogin()).body;
    gateway(await call("/emnify/api/v1/endpoint", { headers: bearer(refresh_token) }), "signature is invalid");
    await advance(604800 - 5);
    assert.equal((await call("/emnify/api/v1/endpoint", { headers: bearer(auth_token) })).status, 200);
    await advance(5);
    gateway(await call("/emnify/api/v1/endpoint", { headers: bearer(auth_token) }), "Token is expired");
  });

  test("MFA: the password login returns an mfa_token; the right code gives auth and refresh tokens", async () => {
    const { mfaUsername, mfaPassword, mfaCode } = CREDENTIALS.emnify;
    let res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { username: mfaUsername, password: sha1(mfaPassword) } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["mfa_token"]);
    res = await call("/emnify/api/v1/authenticate", {
      method: "POST",
      json: { mfa_token: res.body.mfa_token, code: mfaCode, trusted_device: { fingerprint: "f", operating_system: "linux", browser: "node" } },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ["auth_token", "refresh_token"]);
  });

  test("MFA: a trusted device (with a name) is remembered: its fingerprint skips the MFA step for 90 days", async () => {
    const { mfaUsername, mfaPassword, mfaCode } = CREDENTIALS.emnify;
    const login = (extra = {}) => call("/emnify/api/v1/authenticate", { method: "POST", json: { username: mfaUsername, password: sha1(mfaPassword), ...extra } });
    assert.deepEqual(Object.keys((await login({ fingerprint: "never-trusted" })).body), ["mfa_token"]);
    const { mfa_token } = (await login()).body;
    const trusted_device = { fingerprint: "fp-sim-1", name: "ops laptop", operating_system: "Linux", browser: "Firefox" };
    assert.equal((await call("/emnify/api/v1/authenticate", { method: "POST", json: { mfa_token, code: mfaCode, trusted_device } })).status, 200);
    let res = await login({ fingerprint: "fp-sim-1" });
    assert.deepEqual(Object.keys(res.body).sort(), ["auth_token", "refresh_token"]);
    assert.equal(jwtClaims(res.body.auth_token).sub, mfaUsername);
    assert.deepEqual(Object.keys((await login()).body), ["mfa_token"], "without the fingerprint MFA applies");
    await advance(90 * 86400);
    assert.deepEqual(Object.keys((await login({ fingerprint: "fp-sim-1" })).body), ["mfa_token"], "trust lasts 90 days");
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { mfa_token, code: mfaCode, trusted_device: { name: 7 } } });
    assert.deepEqual([res.status, res.body.error_code], [400, 1000]);
  });

  test("MFA: three wrong codes lock the account for 5 minutes (401 1105)", async () => {
    const { mfaUsername, mfaPassword, mfaCode } = CREDENTIALS.emnify;
    const passwordLogin = () => call("/emnify/api/v1/authenticate", { method: "POST", json: { username: mfaUsername, password: sha1(mfaPassword) } });
    const mfa_token = (await passwordLogin()).body.mfa_token;
    const submit = (code) => call("/emnify/api/v1/authenticate", { method: "POST", json: { mfa_token, code } });
    for (let i = 0; i < 3; i++) {
      const res = await submit("000000");
      assert.deepEqual([res.status, res.body.error_code], [401, 1101]);
    }
    let res = await submit(mfaCode);
    assert.deepEqual([res.status, res.body.error_code, res.body.error_token], [401, 1105, "TooManyRequests"]);
    res = await passwordLogin();
    assert.deepEqual([res.status, res.body.error_code], [401, 1105]);
    await advance(299);
    assert.equal((await passwordLogin()).body.error_code, 1105);
    await advance(1);
    // the lock is over (the first mfa_token has expired with it: mfa tokens live 5 minutes)
    assert.equal((await submit(mfaCode)).body.error_code, 1102);
    const fresh = (await passwordLogin()).body.mfa_token;
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { mfa_token: fresh, code: mfaCode } });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.auth_token);
  });

  test("application tokens: create, list (never the token value), authenticate with the new one", async () => {
    const headers = bearer(await emnifyAppLogin());
    let res = await call("/emnify/api/v1/application_token", { method: "POST", headers, json: { description: "ci token" } });
    assert.equal(res.status, 200);
    const created = res.body.application_token;
    assert.equal(typeof created, "string");
    await emnifyAppLogin(created);
    res = await call("/emnify/api/v1/application_token", { headers });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 2);
    assert.deepEqual(res.body.map((t) => t.id), [1, 2]);
    const [first, second] = res.body;
    assert.equal(first.description, "Pre-provisioned token");
    assert.deepEqual(Object.keys(second).sort(), ["created", "creator", "description", "expiry_date", "id", "ip", "status"]);
    assert.deepEqual(second.status, { id: 0, description: "Activated" });
    assert.deepEqual(second.creator, { id: 1, username: CREDENTIALS.emnify.username });
    assert.ok(!res.text.includes(created) && !res.text.includes(CREDENTIALS.emnify.applicationToken));
    assert.equal((await call("/emnify/api/v1/application_token", { method: "POST", json: {} })).status, 401);
  });

  test("revoking an application token stops new logins but already issued auth tokens stay valid", async () => {
    const issued = await emnifyAppLogin();
    const headers = bearer(issued);
    let res = await call("/emnify/api/v1/application_token/1", { method: "PATCH", headers, json: { status: { id: 1 } } });
    assertEmptyBody(res, 204); // [rec]
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: CREDENTIALS.emnify.applicationToken } });
    assertEmptyBody(res, 401);
    assert.equal((await call("/emnify/api/v1/endpoint", { headers })).status, 200);
    res = await call("/emnify/api/v1/application_token", { headers });
    assert.deepEqual(res.body[0].status, { id: 1, description: "Revoked" });
    assert.equal((await call("/emnify/api/v1/application_token/99", { method: "PATCH", headers, json: { status: { id: 1 } } })).status, 404);
    assert.equal((await call("/emnify/api/v1/application_token/1", { method: "PATCH", headers, json: { status: { id: 7 } } })).status, 400);
  });

  test("application tokens honour expiry_date and ip; bad values are 400 with errors", async () => {
    const headers = bearer(await emnifyAppLogin());
    const create = (json) => call("/emnify/api/v1/application_token", { method: "POST", headers, json });
    const tomorrow = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
    const expiring = (await create({ expiry_date: tomorrow })).body.application_token;
    await emnifyAppLogin(expiring);
    const outside = (await create({ ip: "192.0.2.0/24" })).body.application_token;
    let res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: outside } });
    assert.deepEqual([res.status, res.body.error_code], [403, 1104]);
    const inside = (await create({ ip: "127.0.0.0/8" })).body.application_token;
    await emnifyAppLogin(inside);
    res = await create({ ip: "not-a-cidr" });
    assert.deepEqual([res.status, res.body.error_code, res.body.errors[0].field], [400, 1000, "ip"]);
    res = await create({ expiry_date: "someday" });
    assert.deepEqual([res.status, res.body.errors[0].field], [400, "expiry_date"]);
    await advance(3 * 86400);
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: expiring } });
    assertEmptyBody(res, 401);
    await emnifyAppLogin(inside);
  });

  test("malformed JSON and unknown body shapes get 400 error_code 1000", async () => {
    let res = await call("/emnify/api/v1/authenticate", { method: "POST", body: "{oops", headers: { "content-type": "application/json" } });
    assert.deepEqual([res.status, res.body.error_code, res.body.error_token], [400, 1000, "BadRequest"]);
    res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { hello: "world" } });
    assert.deepEqual([res.status, res.body.error_code], [400, 1000]);
  });

  test("authenticate is limited per IP (429 1105 with Retry-After) until the window ends", async () => {
    await configure("emnify", { authenticateLimit: 3 });
    const headers = bearer(await emnifyAppLogin());
    await emnifyAppLogin();
    await emnifyAppLogin();
    const res = await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: CREDENTIALS.emnify.applicationToken } });
    assert.equal(res.status, 429);
    assert.deepEqual([res.body.error_code, res.body.error_token], [1105, "TooManyRequests"]);
    assert.ok(Number(res.headers.get("retry-after")) > 0 && Number(res.headers.get("retry-after")) <= 300);
    assert.equal((await call("/emnify/api/v1/endpoint", { headers })).status, 200, "other endpoints are not affected");
    await advance(300);
    await emnifyAppLogin();
  });

  test("the default authenticate limit is 100 per 5 minutes", async () => {
    const statuses = [];
    for (let i = 0; i < 101; i++) statuses.push((await call("/emnify/api/v1/authenticate", { method: "POST", json: { application_token: "wrong" } })).status);
    assert.equal(statuses.filter((s) => s === 401).length, 100);
    assert.equal(statuses[100], 429);
  });

  test("the overall limit covers every endpoint", async () => {
    await configure("emnify", { overallLimit: 3 });
    const headers = bearer(await emnifyAppLogin());
    assert.equal((await call("/emnify/api/v1/endpoint", { headers })).status, 200);
    assert.equal((await call("/emnify/api/v1/nope")).status, 404);
    const res = await call("/emnify/api/v1/endpoint", { headers });
    assert.deepEqual([res.status, res.body.error_code], [429, 1105]);
    await advance(300);
    assert.equal((await call("/emnify/api/v1/endpoint", { headers })).status, 200);
  });
});

// =======================================================================================
describe("Zūm Rails", () => {
  test("authorize returns the documented envelope with an HS256 JWT (exp = iat + 3600, nbf) that opens the API", async () => {
    const res = await call("/zumrails/api/authorize", { method: "POST", json: { Username: CREDENTIALS.zumrails.username, Password: CREDENTIALS.zumrails.password } });
    assert.equal(res.status, 200);
    assert.deepEqual({ ...res.body, result: undefined }, { statusCode: 200, message: "POST Request successful.", isError: false, result: undefined });
    const r = res.body.result;
    assert.equal(r.Role, "API");
    assert.equal(r.CompanyName, "Simulated Company Inc.");
    assert.equal(r.CustomerType, "Customer");
    assert.match(r.Username, /^[0-9a-f-]{36}$/);
    assert.ok(r.CustomerId);
    const claims = jwtClaims(r.Token);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims.nbf, claims.iat);
    // The recorded result's other fields [rec].
    for (const name of ["Id", "CustomerCreatedAt", "RefreshToken", "CreatedAt", "OtpReady"]) assert.ok(name in r, name);
    assert.equal(typeof r.RefreshToken, "string");
    assert.equal(r.OtpReady, false);
    const user = await call("/zumrails/api/user", { headers: bearer(r.Token) });
    assert.equal(user.status, 200);
    assert.equal(user.body.isError, false);
    assert.ok(user.body.result);
  });

  test("bad credentials get 401 in the error envelope; malformed or incomplete bodies 400", async () => {
    let res = await call("/zumrails/api/authorize", { method: "POST", json: { Username: CREDENTIALS.zumrails.username, Password: "nope" } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { statusCode: 401, isError: true, responseException: { exceptionMessage: "Invalid username or password" } });
    res = await call("/zumrails/api/authorize", { method: "POST", body: "{", headers: { "content-type": "application/json" } });
    assert.deepEqual([res.status, res.body.statusCode, res.body.isError], [400, 400, true]);
    res = await call("/zumrails/api/authorize", { method: "POST", json: { Username: "only" } });
    assert.deepEqual([res.status, res.body.isError], [400, true]);
    // Validation failures carry an exceptionMessage OBJECT: RFC 7807 problem details [spec].
    assert.deepEqual(res.body.responseException.exceptionMessage, {
      type: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      errors: { Password: ["The Password field is required."] },
    });
  });

  test("property names bind case-insensitively", async () => {
    const res = await call("/zumrails/api/authorize", { method: "POST", json: { username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password } });
    assert.equal(res.status, 200);
  });

  test("canceltoken cancels the bearer token", async () => {
    const headers = bearer(await zumLogin());
    const other = bearer(await zumLogin());
    let res = await call("/zumrails/api/authorize/canceltoken", { method: "PATCH", headers });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { statusCode: 200, message: "Token cancelled", isError: false });
    res = await call("/zumrails/api/user", { headers });
    assert.deepEqual([res.status, res.body.isError, res.body.statusCode], [401, true, 401]);
    assert.equal((await call("/zumrails/api/authorize/canceltoken", { method: "PATCH", headers })).status, 401);
    assert.equal((await call("/zumrails/api/user", { headers: other })).status, 200, "other tokens stay valid");
  });

  test("tokens expire after an hour; missing and garbage tokens get 401", async () => {
    const headers = bearer(await zumLogin());
    // 3598: exp is in whole seconds, so a login late in a second is closer to it.
    await advance(3598);
    assert.equal((await call("/zumrails/api/user", { headers })).status, 200);
    await advance(2);
    const res = await call("/zumrails/api/user", { headers });
    assert.deepEqual([res.status, res.body.responseException.exceptionMessage], [401, "Token expired"]);
    assert.equal((await call("/zumrails/api/user")).status, 401);
    assert.equal((await call("/zumrails/api/user", { headers: bearer("garbage") })).status, 401);
  });

  test("sandbox: exceeding the limit blocks the IP on every endpoint for 5 minutes (429 + Retry-After)", async () => {
    await configure("zumrails", { limit: 3 });
    const headers = bearer(await zumLogin());
    await zumLogin();
    await zumLogin();
    let res = await call("/zumrails/api/authorize", { method: "POST", json: { Username: "x", Password: "y" } });
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, { statusCode: 429, isError: true, responseException: { exceptionMessage: res.body.responseException.exceptionMessage } });
    assert.equal(res.headers.get("retry-after"), "300");
    res = await call("/zumrails/api/user", { headers });
    assert.equal(res.status, 429, "the block covers every endpoint");
    await advance(290);
    res = await call("/zumrails/api/user", { headers });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) <= 10);
    await advance(10);
    assert.equal((await call("/zumrails/api/user", { headers })).status, 200);
  });

  test("sandbox default: 300 requests per endpoint per 5 minutes, the 301st blocks", async () => {
    const statuses = [];
    for (let i = 0; i < 301; i++) statuses.push((await call("/zumrails/api/user")).status);
    assert.equal(statuses.filter((s) => s === 401).length, 300);
    assert.equal(statuses[300], 429);
    assert.equal((await call("/zumrails/api/authorize", { method: "POST", json: {} })).status, 429);
  });

  test("production mode limits /api/authorize, the filter endpoints and GET /api/transaction/*, not the rest", async () => {
    await configure("zumrails", { mode: "production", limit: 2 });
    const headers = bearer(await zumLogin());
    for (let i = 0; i < 5; i++) assert.equal((await call("/zumrails/api/user", { headers })).status, 200);
    await zumLogin();
    assert.equal((await call("/zumrails/api/authorize", { method: "POST", json: {} })).status, 429);
    assert.equal((await call("/zumrails/api/user", { headers })).status, 429, "then the IP is blocked");
  });

  test("production: a 429 of an API call (GET /api/transaction/*, over 100 per 5 minutes) blocks the IP, logins included [spec]", async () => {
    await configure("zumrails", { mode: "production", apiLimit: 3 });
    const headers = bearer(await zumLogin());
    for (let i = 0; i < 2; i++) assert.equal((await call(`/zumrails/api/transaction/t${i}`, { headers })).status, 200);
    assert.equal((await call("/zumrails/api/transaction/filter", { method: "POST", headers, json: {} })).status, 200, "counted apart");
    assert.equal((await call("/zumrails/api/transaction/t2", { headers })).status, 200);
    const res = await call("/zumrails/api/transaction/t3", { headers });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "300");
    const login = await call("/zumrails/api/authorize", { method: "POST", json: { Username: CREDENTIALS.zumrails.username, Password: CREDENTIALS.zumrails.password } });
    assert.equal(login.status, 429, "the next login is refused too");
    await advance(300);
    await zumLogin();
    assert.equal((await configure("zumrails", { apiLimit: 100 })).status, 200);
  });
});

// =======================================================================================
describe("VoIPBIN", () => {
  const keyPath = (key) => `/voipbin/v1.0/accesskeys?accesskey=${key}`;

  test("login returns {username, token} and an HttpOnly token cookie; the JWT has no exp but {type: agent, agent, expire} 7 days out", async () => {
    const res = await voipbinLogin();
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ["token", "username"]);
    assert.equal(res.body.username, CREDENTIALS.voipbin.username);
    const [cookie] = res.headers.getSetCookie();
    assert.ok(cookie.startsWith(`token=${res.body.token};`));
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.match(cookie, /; HttpOnly/);
    const claims = jwtClaims(res.body.token);
    assert.equal(claims.exp, undefined);
    assert.match(claims.expire, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.ok(Math.abs(Date.parse(claims.expire) - (Date.now() + 7 * 86400000)) < 5000);
    assert.equal(claims.type, "agent");
    assert.equal(claims.agent.username, CREDENTIALS.voipbin.username);
    assert.equal(claims.customer, undefined);
  });

  test("expireFormat legacy: the pre-2026 expire without a zone (UTC) and a customer JSON string; such tokens work", async () => {
    await configure("voipbin", { expireFormat: "legacy" });
    const { token } = (await voipbinLogin()).body;
    const claims = jwtClaims(token);
    assert.match(claims.expire, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.ok(Math.abs(Date.parse(`${claims.expire.replace(" ", "T")}Z`) - (Date.now() + 7 * 86400000)) < 5000);
    assert.equal(JSON.parse(claims.customer).username, CREDENTIALS.voipbin.username);
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: bearer(token) })).status, 200);
    await advance(7 * 86400 + 1);
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: bearer(token) })).status, 401);
  });

  test("bad JSON, missing fields and wrong credentials all get 400 with an empty body", async () => {
    assertEmptyBody(await call("/voipbin/auth/login", { method: "POST", body: "{" }), 400);
    assertEmptyBody(await call("/voipbin/auth/login", { method: "POST", json: { username: CREDENTIALS.voipbin.username } }), 400);
    assertEmptyBody(await call("/voipbin/auth/login", { method: "POST", json: { username: CREDENTIALS.voipbin.username, password: "nope" } }), 400);
  });

  test("a login token works from the token cookie, ?token= and the Bearer header", async () => {
    const { token } = (await voipbinLogin()).body;
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: { cookie: `token=${token}` } })).status, 200);
    assert.equal((await call(`/voipbin/v1.0/accesskeys?token=${token}`)).status, 200);
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: bearer(token) })).status, 200);
  });

  test("an access key works as ?accesskey= or cookie, never in the Authorization header", async () => {
    const key = CREDENTIALS.voipbin.accessKey;
    assert.equal((await call(keyPath(key))).status, 200);
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: { cookie: `accesskey=${key}` } })).status, 200);
    const res = await call("/voipbin/v1.0/accesskeys", { headers: bearer(key) });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.reason, "INVALID_CREDENTIALS");
  });

  test("no credentials: 401 UNAUTHENTICATED / AUTHENTICATION_REQUIRED with a request id", async () => {
    const res = await call("/voipbin/v1.0/accesskeys");
    assert.equal(res.status, 401);
    assert.equal(res.body.error.status, "UNAUTHENTICATED");
    assert.equal(res.body.error.reason, "AUTHENTICATION_REQUIRED");
    assert.equal(typeof res.body.error.message, "string");
    assert.match(res.body.error.request_id, /^[0-9a-f-]{36}$/);
  });

  test("only the first credential in the server's order is tried", async () => {
    const { token } = (await voipbinLogin()).body;
    const key = CREDENTIALS.voipbin.accessKey;
    // valid cookie wins over a bogus ?token=
    assert.equal((await call("/voipbin/v1.0/accesskeys?token=bogus", { headers: { cookie: `token=${token}` } })).status, 200);
    // a bogus ?token= shadows a valid Bearer and a valid ?accesskey=
    const res = await call(`/voipbin/v1.0/accesskeys?token=bogus&accesskey=${key}`, { headers: bearer(token) });
    assert.deepEqual([res.status, res.body.error.reason], [401, "INVALID_CREDENTIALS"]);
    // a valid Bearer wins over a bogus accesskey
    assert.equal((await call("/voipbin/v1.0/accesskeys?accesskey=bogus", { headers: bearer(token) })).status, 200);
  });

  test("a login token stops working once its expire claim has passed", async () => {
    const { token } = (await voipbinLogin()).body;
    await advance(7 * 86400 - 5);
    assert.equal((await call("/voipbin/v1.0/accesskeys", { headers: bearer(token) })).status, 200);
    await advance(10);
    const res = await call("/voipbin/v1.0/accesskeys", { headers: bearer(token) });
    assert.deepEqual([res.status, res.body.error.reason], [401, "INVALID_CREDENTIALS"]);
  });

  test("access keys: create shows the vb_ token once; expire outside 86400..2147483647 or missing is 400 INVALID_ARGUMENT", async () => {
    const auth = keyPath(CREDENTIALS.voipbin.accessKey);
    let res = await call(auth, { method: "POST", json: { name: "ci", detail: "for tests", expire: 86400 } });
    assert.equal(res.status, 200);
    const key = res.body;
    assert.deepEqual(Object.keys(key).sort(), ["customer_id", "detail", "id", "name", "tm_create", "tm_delete", "tm_expire", "tm_update", "token", "token_prefix"]);
    assert.match(key.token, /^vb_[A-Za-z0-9]{32}$/);
    assert.ok(key.token.startsWith(key.token_prefix));
    assert.equal(key.tm_delete, "9999-01-01T00:00:00.000000Z", "the not-deleted sentinel [code]");
    assert.equal(key.tm_update, "9999-01-01T00:00:00.000000Z");
    assert.ok(Math.abs(Date.parse(key.tm_expire) - Date.parse(key.tm_create) - 86400000) < 1000);
    assert.equal((await call(keyPath(key.token))).status, 200);
    for (const bad of [{ json: { expire: 86399 } }, { json: { name: "x" } }, { json: { expire: 2147483648 } }, { body: "{" }]) {
      res = await call(auth, { method: "POST", ...bad });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.deepEqual([res.body.error.status, res.body.error.reason], ["INVALID_ARGUMENT", "INVALID_ARGUMENT"]);
      assert.equal(typeof res.body.error.message, "string");
    }
    assert.equal((await call(auth, { method: "POST", json: { expire: 2147483647 } })).status, 200);
    await advance(86400);
    assert.equal((await call(keyPath(key.token))).status, 401, "expired access key");
  });

  test("access keys: list pages without token values (page_size <= 100, default 10)", async () => {
    const auth = keyPath(CREDENTIALS.voipbin.accessKey);
    const tokens = [];
    for (let i = 0; i < 11; i++) tokens.push((await call(auth, { method: "POST", json: { name: `k${i}`, expire: 86400 } })).body.token);
    let res = await call(auth);
    assert.equal(res.body.result.length, 10);
    assert.ok(res.body.next_page_token);
    // A token on every non-empty page, the last one included; the page after the last is empty.
    let last = await call(`${auth}&page_size=100`);
    assert.equal(last.body.result.length, 12);
    assert.equal(last.body.next_page_token, last.body.result.at(-1).tm_create);
    last = await call(`${auth}&page_size=100&page_token=${encodeURIComponent(last.body.next_page_token)}`);
    assert.deepEqual(last.body, { result: [], next_page_token: "" });
    assert.ok(tokens.every((t) => !res.text.includes(t)) && !res.text.includes(CREDENTIALS.voipbin.accessKey));
    assert.ok(res.body.result.every((k) => !("token" in k)));
    const seen = [];
    let pageToken = "";
    do {
      res = await call(`${auth}&page_size=5&page_token=${encodeURIComponent(pageToken)}`);
      assert.equal(res.status, 200);
      seen.push(...res.body.result.map((k) => k.name));
      pageToken = res.body.next_page_token;
    } while (pageToken);
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen).size, 12);
    assert.equal(seen[0], "k10", "newest first");
    assert.equal((await call(`${auth}&page_size=101`)).body.error.status, "INVALID_ARGUMENT");
    assert.equal((await call(`${auth}&page_size=100`)).body.result.length, 12);
  });

  test("access keys: get, update and delete; a deleted key stops working", async () => {
    const auth = keyPath(CREDENTIALS.voipbin.accessKey);
    const created = (await call(auth, { method: "POST", json: { name: "a", detail: "b", expire: 90000 } })).body;
    const byId = (id) => `/voipbin/v1.0/accesskeys/${id}?accesskey=${CREDENTIALS.voipbin.accessKey}`;
    let res = await call(byId(created.id));
    assert.equal(res.status, 200);
    assert.equal(res.body.name, "a");
    assert.equal(res.body.token, undefined);
    res = await call(byId(created.id), { method: "PUT", json: { name: "renamed", detail: "new" } });
    assert.deepEqual([res.status, res.body.name, res.body.detail], [200, "renamed", "new"]);
    assert.ok(res.body.tm_update && !res.body.tm_update.startsWith("9999"));
    res = await call(byId(created.id), { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.id);
    assert.ok(res.body.tm_delete && !res.body.tm_delete.startsWith("9999"));
    assert.equal((await call(keyPath(created.token))).status, 401);
    for (const id of [created.id, "no-such-id"]) {
      res = await call(byId(id));
      assert.deepEqual([res.status, res.body.error.status], [404, "NOT_FOUND"]);
    }
    assert.ok(!(await call(auth)).body.result.some((k) => k.id === created.id));
  });

  test("/auth/* is rate limited by a token bucket: the real 429 envelope, Retry-After in whole seconds rounded up", async () => {
    await configure("voipbin", { ratePerSecond: 1, burst: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await voipbinLogin()).status, 200);
    let res = await voipbinLogin();
    assert.equal(res.status, 429);
    assert.deepEqual([res.body.error.status, res.body.error.reason], ["RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED"]);
    assert.deepEqual(res.body.error.details, [{ limited_by: "ip" }]);
    assert.equal(typeof res.body.error.message, "string");
    assert.equal(res.headers.get("retry-after"), "1");
    await configure("voipbin", { ratePerSecond: 0.25 });
    res = await voipbinLogin();
    assert.equal(res.status, 429);
    assert.ok(["3", "4"].includes(res.headers.get("retry-after")), `a quarter token a second: ${res.headers.get("retry-after")}`);
    await configure("voipbin", { ratePerSecond: 1 });
    assert.equal((await call(keyPath(CREDENTIALS.voipbin.accessKey))).status, 200, "/v1.0 is not limited");
    await advance(1);
    assert.equal((await voipbinLogin()).status, 200);
  });

  test("the default bucket lets a burst of 20 through and refuses the rest", async () => {
    const statuses = await Promise.all(Array.from({ length: 30 }, () => call("/voipbin/auth/login", { method: "POST", json: {} }).then((r) => r.status)));
    const passed = statuses.filter((s) => s === 400).length;
    assert.ok(passed >= 20 && passed < 30, `passed ${passed}`);
    assert.equal(statuses.filter((s) => s === 429).length, 30 - passed);
  });
});
