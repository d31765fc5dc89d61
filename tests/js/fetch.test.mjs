// client.fetch against the simulator: where credentials land, the origin
// guard, one renewal on rejection, bodies, limits, time-outs and aborts.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, fault, requests, CREDENTIALS, watchUnhandledRejections, serve } from "./helpers.mjs";

let sim;
let other; // a second loopback server: a third party that must never see a token
let otherHits = [];
before(async () => {
  sim = await simulator();
  other = createServer((req, res) => {
    otherHits.push({ url: req.url, authorization: req.headers.authorization ?? null });
    res.end("third party");
  });
  await new Promise((resolve) => other.listen(0, "127.0.0.1", resolve));
});
after(async () => {
  await sim.close();
  await new Promise((resolve) => other.close(resolve));
});
beforeEach(async () => {
  await sim.reset();
  otherHits = [];
});
const otherOrigin = () => `http://127.0.0.1:${other.address().port}`;

async function fresh(options) {
  const client = new AuthClient(options);
  await client.clear();
  return client;
}
const emnify = (extra = {}) =>
  fresh({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials: { applicationToken: CREDENTIALS.emnify.applicationToken }, ...extra });
const voipbin = (credentials, extra = {}) => fresh({ vendor: "voipbin", baseUrl: `${sim.url}/voipbin`, credentials, ...extra });

test("a path is resolved against the vendor root and the token goes in the Bearer header only", async () => {
  const client = await emnify();
  const response = await client.fetch("/api/v1/endpoint", { headers: { "x-caller": "kept" } });
  assert.equal(response.status, 200);
  assert.ok(Array.isArray(await response.json()));
  const token = await client.getToken();
  const [, call] = await requests(sim, "emnify");
  assert.equal(call.path, "/api/v1/endpoint");
  assert.equal(call.headers.authorization, `Bearer ${token}`);
  assert.equal(call.headers["x-caller"], "kept");
  assert.ok(!JSON.stringify(call.query).includes(token));
});

test("absolute URLs, URL objects and Request objects work too", async () => {
  const client = await emnify();
  assert.equal((await client.fetch(`${sim.url}/emnify/api/v1/endpoint`)).status, 200);
  assert.equal((await client.fetch(new URL(`${sim.url}/emnify/api/v1/endpoint`))).status, 200);
  const request = new Request(`${sim.url}/emnify/api/v1/endpoint`, { headers: { "x-from-request": "yes" } });
  assert.equal((await client.fetch(request)).status, 200);
  const log = await requests(sim, "emnify");
  assert.equal(log.at(-1).headers["x-from-request"], "yes");
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 3);
});

test("VoIPBIN access keys go only in ?accesskey=, never in a header", async () => {
  const client = await voipbin({ accessKey: CREDENTIALS.voipbin.accessKey });
  const response = await client.fetch("/v1.0/accesskeys");
  assert.equal(response.status, 200);
  const [call] = await requests(sim, "voipbin");
  assert.equal(call.query.accesskey, CREDENTIALS.voipbin.accessKey);
  assert.equal(call.headers.authorization, undefined);
  assert.equal(await sim.count("voipbin", "POST /auth/login"), 0);
});

test("VoIPBIN login tokens go in the Bearer header, or in ?token= with tokenIn: 'query'", async () => {
  const credentials = { username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password };
  const header = await voipbin(credentials);
  assert.equal((await header.fetch("/v1.0/accesskeys")).status, 200);
  const query = new AuthClient({ vendor: "voipbin", baseUrl: `${sim.url}/voipbin`, credentials, tokenIn: "query" });
  assert.equal((await query.fetch("/v1.0/accesskeys")).status, 200);
  const token = await header.getToken();
  const calls = (await requests(sim, "voipbin")).filter((c) => c.path === "/v1.0/accesskeys");
  assert.equal(calls[0].headers.authorization, `Bearer ${token}`);
  assert.equal(calls[0].query.token, undefined);
  assert.equal(calls[1].query.token, token);
  assert.equal(calls[1].headers.authorization, undefined);
});

test("a foreign origin is refused with FOREIGN_ORIGIN before any request leaves", async () => {
  const client = await emnify();
  for (const target of [`${otherOrigin()}/steal`, new URL(`${otherOrigin()}/steal`), new Request(`${otherOrigin()}/steal`), `${sim.url.replace("127.0.0.1", "localhost")}/emnify/api/v1/endpoint`]) {
    await assert.rejects(client.fetch(target), (e) => {
      assert.equal(e.code, "FOREIGN_ORIGIN");
      assert.equal(e.vendor, "emnify");
      return true;
    });
  }
  assert.deepEqual(otherHits, []);
  // Refused before even logging in.
  assert.deepEqual(await sim.control("counts?vendor=emnify"), {});
});

test("allowedOrigins lets credentials go to a listed origin", async () => {
  const client = await emnify({ allowedOrigins: [otherOrigin()] });
  const response = await client.fetch(`${otherOrigin()}/proxy`);
  assert.equal(await response.text(), "third party");
  assert.equal(otherHits.length, 1);
  assert.equal(otherHits[0].authorization, `Bearer ${await client.getToken()}`);
});

test("401 → one renewal → one retry → success", async () => {
  const client = await emnify();
  await client.getToken();
  // The simulator forgets its signing key: the cached token is now invalid.
  await sim.control("clock", { advanceSeconds: 0 });
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 1, status: 401, body: JSON.stringify({ error_code: 1102, error_token: "InvalidToken", message: "Invalid token" }) });
  const response = await client.fetch("/api/v1/endpoint");
  assert.equal(response.status, 200);
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 2);
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 2);
  const [first, second] = (await requests(sim, "emnify")).filter((c) => c.path === "/api/v1/endpoint");
  assert.notEqual(first.headers.authorization, second.headers.authorization);
});

test("a persistent 401 makes exactly two requests and returns the 401, with an error event", async () => {
  const client = await emnify();
  const errors = [];
  client.on("error", (e) => errors.push(e));
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 10, status: 401, body: "{\"error_code\":1102}" });
  const response = await client.fetch("/api/v1/endpoint");
  assert.equal(response.status, 401);
  assert.equal(await response.text(), "{\"error_code\":1102}");
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 2);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, "TOKEN_REJECTED");
});

test("a replayable body is sent again on the retry; a streamed body is not replayed", async () => {
  const client = await emnify();
  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/application_token", count: 1, status: 401, body: "{\"error_code\":1102}" });
  const replayed = await client.fetch("/api/v1/application_token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ description: "replayed" }) });
  assert.equal(replayed.status, 200);
  const posts = (await requests(sim, "emnify")).filter((c) => c.path === "/api/v1/application_token");
  assert.equal(posts.length, 2);
  assert.equal(posts[1].body, JSON.stringify({ description: "replayed" }));

  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/application_token", count: 1, status: 401, body: "{\"error_code\":1102}" });
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("{\"description\":\"streamed\"}")); c.close(); } });
  const streamed = await client.fetch("/api/v1/application_token", { method: "POST", body: stream, duplex: "half", headers: { "content-type": "application/json" } });
  assert.equal(streamed.status, 401);
  assert.equal(await sim.count("emnify", "POST /api/v1/application_token"), 3);
});

test("API answers (429, 5xx) are returned as they are, never retried", async () => {
  const client = await emnify();
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 1, status: 503, body: "busy" });
  const response = await client.fetch("/api/v1/endpoint");
  assert.equal(response.status, 503);
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 1, status: 429, headers: { "Retry-After": "1" }, body: "slow" });
  assert.equal((await client.fetch("/api/v1/endpoint")).status, 429);
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 2);
});

test("a login answered 5xx is retried with backoff", async () => {
  const client = await emnify();
  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/authenticate", count: 2, status: 503, body: "<html>down</html>" });
  assert.ok(await client.getToken());
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 3);
});

test("a login answered 429 with a short Retry-After waits it out; a long one fails with RATE_LIMITED", async () => {
  const credentials = { username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password };
  const client = await voipbin(credentials);
  await fault(sim, { vendor: "voipbin", method: "POST", path: "/auth/login", count: 1, status: 429, headers: { "Retry-After": "1" }, body: "{}" });
  const started = Date.now();
  assert.ok(await client.getToken());
  assert.ok(Date.now() - started >= 950, "waited for Retry-After");
  assert.equal(await sim.count("voipbin", "POST /auth/login"), 2);

  await client.clear();
  await fault(sim, { vendor: "voipbin", method: "POST", path: "/auth/login", count: 1, status: 429, headers: { "Retry-After": "120" }, body: "{}" });
  await assert.rejects(client.getToken(), (e) => {
    assert.equal(e.code, "RATE_LIMITED");
    assert.equal(e.retryAfterSeconds, 120);
    return true;
  });
  assert.equal(await sim.count("voipbin", "POST /auth/login"), 3);
});

test("timeoutMs bounds API calls and logins", async () => {
  const client = await emnify({ timeoutMs: 300 });
  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/authenticate", count: 5, delayMs: 2000 });
  await assert.rejects(client.getToken(), { code: "TIMEOUT" });
  await fetch(`${sim.url}/__sim/fault`, { method: "DELETE" });
  await client.getToken();
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 1, delayMs: 2000 });
  await assert.rejects(client.fetch("/api/v1/endpoint"), { code: "TIMEOUT" });
});

test("init.signal aborts the request, and the token wait", async () => {
  const client = await emnify();
  await client.getToken();
  await fault(sim, { vendor: "emnify", method: "GET", path: "/api/v1/endpoint", count: 1, delayMs: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(client.fetch("/api/v1/endpoint", { signal: controller.signal }), { name: "AbortError" });

  await client.clear();
  await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/authenticate", count: 1, delayMs: 2000 });
  const waiting = new AbortController();
  setTimeout(() => waiting.abort(), 100);
  await assert.rejects(client.fetch("/api/v1/endpoint", { signal: waiting.signal }), { name: "AbortError" });
  assert.equal(await sim.count("emnify", "GET /api/v1/endpoint"), 1);
});

test("an async-iterable or a Node Readable body is not replayed either: the 401 is returned, no renewal spent", async () => {
  const client = await emnify();
  await client.getToken();
  const logins = await sim.count("emnify", "POST /api/v1/authenticate");
  const bodies = [
    async function* generated() {
      yield new TextEncoder().encode('{"description":"generated"}');
    },
    () => Readable.from([Buffer.from('{"description":"readable"}')]),
  ];
  for (const body of bodies) {
    await fault(sim, { vendor: "emnify", method: "POST", path: "/api/v1/application_token", count: 1, status: 401, body: "{\"error_code\":1102}" });
    const response = await client.fetch("/api/v1/application_token", { method: "POST", body: body(), duplex: "half", headers: { "content-type": "application/json" } });
    assert.equal(response.status, 401, "the caller's answer, not an empty resend's");
  }
  assert.equal(await sim.count("emnify", "POST /api/v1/application_token"), 2, "each body sent once");
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), logins, "no renewal for an answer that cannot be retried");
});

test("timeoutMs bounds logins and API calls through an options.fetch that ignores the signal", async (t) => {
  const hang = await serve(() => {}); // never answers
  t.after(() => hang.close());
  // Drops init.signal, as a hand-written wrapper might.
  const deaf = (url, init) => fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: init.redirect });
  const stuck = new AuthClient({ vendor: "emnify", baseUrl: hang.url, credentials: { applicationToken: CREDENTIALS.emnify.applicationToken }, timeoutMs: 200, fetch: deaf });
  const started = Date.now();
  await assert.rejects(stuck.getToken(), { code: "TIMEOUT" });
  assert.ok(Date.now() - started < 10_000, `settled after ${Date.now() - started} ms`);
  const client = await emnify({ timeoutMs: 200, fetch: deaf, allowedOrigins: [hang.url] });
  await client.getToken();
  await assert.rejects(client.fetch(`${hang.url}/api/v1/endpoint`), { code: "TIMEOUT" });
  const caller = new AbortController();
  setTimeout(() => caller.abort(), 50);
  await assert.rejects(client.fetch(`${hang.url}/api/v1/endpoint`, { signal: caller.signal }), { name: "AbortError" });
});

test("a client freed while its client.fetch is in flight rejects with an AuthError, not a Promise, and leaves no unhandled rejection", async () => {
  let arrived;
  const arrival = new Promise((resolve) => (arrived = resolve));
  const server = await serve(() => arrived());
  const unhandled = watchUnhandledRejections();
  const before = unhandled.length;

  const origin = server.url;
  const client = await emnify({ allowedOrigins: [origin] });
  await client.getToken();
  const call = client.fetch(`${origin}/x`);
  await arrival;
  client.free();
  await server.close(); // the request in flight fails
  await assert.rejects(call, (e) => {
    assert.ok(e instanceof AuthError, `not an AuthError: ${e}`);
    assert.equal(e.code, "UNSUPPORTED");
    return true;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(unhandled.slice(before), []);
});

test("a Request whose body was already read is INVALID_OPTIONS, not a TypeError", async () => {
  const client = await emnify();
  const request = new Request(`${sim.url}/emnify/api/v1/application_token`, { method: "POST", body: "{}" });
  await request.text();
  await assert.rejects(client.fetch(request), (e) => {
    assert.ok(e instanceof AuthError, `not an AuthError: ${e}`);
    assert.equal(e.code, "INVALID_OPTIONS");
    assert.match(e.message, /Request's body/);
    return true;
  });
});
