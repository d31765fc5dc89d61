// The JS host on its own: `client.fetch` (pkg/client-fetch.js) over a fake
// client that records what is asked of the core, and the login transport
// (pkg/host.js) over fake `fetch` functions. What is checked is what
// the host must do and nothing more: perform, map failures to the core's
// answers, and leave every decision to the plan the core handed it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientFetch } from "../../pkg/client-fetch.js";
import { hostSend } from "../../pkg/host.js";

/** A client whose core is a recorder: each call is logged. */
function fakeClient(plan, { token = "tok-1", renewed = "tok-2", rejects = () => true } = {}) {
  const calls = [];
  const client = {
    calls,
    __fetchPlan: () => ({
      root: "https://api.example.test",
      cookies: true,
      origins: ["https://api.example.test"],
      reported: [],
      judged: [401, 403],
      timeoutMs: 500,
      judgedBytes: 64,
      redirects: 5,
      ...plan,
    }),
    getToken: () => (calls.push(["getToken"]), Promise.resolve(token)),
    __apiAnswered: (status, retryAfter) => (calls.push(["apiAnswered", status, retryAfter]), Promise.resolve()),
    __isRejection: (status, body) => (calls.push(["isRejection", status, body]), rejects(status, body)),
    __renewAfterRejection: (old) => (calls.push(["renew", old]), Promise.resolve(renewed)),
    __rejectedTwice: (status, t) => (calls.push(["rejectedTwice", status, t]), Promise.resolve()),
    __fetchFailure: (kind, detail) => {
      calls.push(["failure", kind, typeof detail === "string" ? detail : String(detail?.message ?? detail)]);
      return Object.assign(new Error(`failure ${kind}`), { code: kind });
    },
  };
  return client;
}

/** A fetch that answers from `answers` in turn and records each request. */
function fakeFetch(...answers) {
  const sent = [];
  const fn = async (url, init) => {
    sent.push({ url, init, authorization: init.headers?.get?.("authorization") ?? null });
    const next = answers.shift();
    return typeof next === "function" ? next(url, init) : next;
  };
  fn.sent = sent;
  return fn;
}

const core = (client) => client.calls.filter(([name]) => name !== "getToken");

test("an answer the plan does not list goes back untouched, without a call into the core", async () => {
  for (const status of [200, 404, 500]) {
    const fetch = fakeFetch(new Response("body", { status }));
    const client = fakeClient({ fetch });
    const response = await clientFetch.call(client, "/v1/things");
    assert.equal(response.status, status);
    assert.equal(await response.text(), "body");
    assert.deepEqual(core(client), [], `status ${status}`);
    assert.equal(fetch.sent[0].url, "https://api.example.test/v1/things");
    assert.equal(fetch.sent[0].authorization, "Bearer tok-1");
  }
});

test("a listed status is reported, a judged one read and judged; a rejection renews once and resends", async () => {
  const fetch = fakeFetch(new Response("token expired", { status: 401, headers: { "retry-after": "7" } }), new Response("ok"));
  const client = fakeClient({ fetch, reported: [401] });
  const response = await clientFetch.call(client, "/v1/things", { method: "POST", body: "payload" });
  assert.equal(await response.text(), "ok");
  assert.deepEqual(core(client), [
    ["apiAnswered", 401, "7"],
    ["isRejection", 401, "token expired"],
    ["renew", "tok-1"],
  ]);
  assert.deepEqual(fetch.sent.map((s) => s.authorization), ["Bearer tok-1", "Bearer tok-2"]);
  assert.equal(fetch.sent[1].init.body, "payload", "the body is sent again");
});

test("a judged body is read only up to the plan's bytes, and the caller still gets it whole", async () => {
  const long = "x".repeat(1000);
  const fetch = fakeFetch(new Response(long, { status: 403 }));
  const client = fakeClient({ fetch }, { rejects: () => false });
  const response = await clientFetch.call(client, "/v1/things");
  const judged = client.calls.find(([name]) => name === "isRejection");
  assert.equal(judged[2].length, 64);
  assert.equal((await response.text()).length, 1000);
});

test("a second rejection is told to the core and returned; a damped renewal returns the first answer", async () => {
  let fetch = fakeFetch(new Response("no", { status: 401 }), new Response("still no", { status: 401 }));
  let client = fakeClient({ fetch });
  let response = await clientFetch.call(client, "/v1/things");
  assert.equal(await response.text(), "still no");
  assert.deepEqual(core(client).at(-1), ["rejectedTwice", 401, "tok-2"]);

  fetch = fakeFetch(new Response("no", { status: 401 }));
  client = fakeClient({ fetch }, { renewed: null });
  response = await clientFetch.call(client, "/v1/things");
  assert.equal(await response.text(), "no");
  assert.equal(fetch.sent.length, 1);
});

test("a foreign origin fails before anything is sent, with the core's error", async () => {
  const fetch = fakeFetch();
  const client = fakeClient({ fetch });
  await assert.rejects(clientFetch.call(client, "https://evil.example/steal"), { code: "foreign" });
  assert.equal(fetch.sent.length, 0);
  assert.deepEqual(core(client), [["failure", "foreign", "https://evil.example"]]);
  assert.equal(client.calls.length, 1, "no token was even asked for");
});

test("a query attachment puts the token in the URL and follows redirects to the plan's origins only", async () => {
  const redirect = (location) => new Response(null, { status: 302, headers: { location } });
  const fetch = fakeFetch(redirect("/moved"), redirect("https://elsewhere.example/x"));
  const client = fakeClient({ fetch, query: "accesskey", follow: true, followElsewhere: false });
  const response = await clientFetch.call(client, "/v1/things");
  assert.equal(response.status, 302, "the foreign redirect is the caller's");
  assert.equal(fetch.sent.length, 2);
  assert.equal(new URL(fetch.sent[0].url).searchParams.get("accesskey"), "tok-1");
  assert.equal(fetch.sent[0].init.redirect, "manual");
  assert.equal(new URL(fetch.sent[1].url).pathname, "/moved");
  assert.equal(fetch.sent[1].authorization, null, "no Authorization header with a query attachment");
});

test("a Bearer plan that says follow: the token goes to the plan's origins only, another origin is followed without it", async () => {
  const redirect = (status, location) => new Response(null, { status, headers: { location } });
  const fetch = fakeFetch(redirect(307, "/moved"), redirect(303, "https://elsewhere.example/x"), new Response("there"));
  const client = fakeClient({ fetch, follow: true, followElsewhere: true });
  const response = await clientFetch.call(client, "/v1/things", { method: "POST", body: "{}" });
  assert.equal(await response.text(), "there");
  assert.equal(fetch.sent.length, 3);
  assert.deepEqual(
    fetch.sent.map((s) => [s.url, s.authorization, s.init.redirect, s.init.method]),
    [
      ["https://api.example.test/v1/things", "Bearer tok-1", "manual", "POST"],
      ["https://api.example.test/moved", "Bearer tok-1", "manual", "POST"],
      ["https://elsewhere.example/x", null, "follow", "GET"],
    ],
  );
  // Without `follow` (a browser), the runtime follows: nothing is changed.
  const plain = fakeFetch(new Response("ok"));
  await clientFetch.call(fakeClient({ fetch: plain }), "/v1/things");
  assert.equal(plain.sent[0].init.redirect, undefined);
});

test("timeoutMs bounds the wait for the headers; the caller's signal aborts with its reason", async () => {
  const hang = (_url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted"))));
  let client = fakeClient({ fetch: fakeFetch(hang), timeoutMs: 30 });
  await assert.rejects(clientFetch.call(client, "/slow"), { code: "timeout" });

  client = fakeClient({ fetch: fakeFetch(hang), timeoutMs: 5000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stop")), 20);
  await assert.rejects(clientFetch.call(client, "/slow", { signal: controller.signal }), { message: "stop" });
});

test("a fetch that throws or resolves to a non-Response is the core's network failure", async () => {
  let client = fakeClient({ fetch: fakeFetch(() => Promise.reject(new TypeError("socket hang up"))) });
  await assert.rejects(clientFetch.call(client, "/x"), { code: "network" });
  assert.deepEqual(core(client).at(-1), ["failure", "network", "socket hang up"]);
  client = fakeClient({ fetch: fakeFetch({ not: "a response" }) });
  await assert.rejects(clientFetch.call(client, "/x"), { code: "network" });
});

test("the transport sends the core's request and answers status, headers and body", async () => {
  const fetch = fakeFetch(new Response('{"ok":true}', { status: 201, headers: { "x-one": "1" } }));
  const answer = await hostSend(
    { method: "POST", url: "https://api.example.test/login", headers: [["content-type", "application/json"]], body: '{"a":1}' },
    1000,
    fetch,
  );
  assert.equal(answer.status, 201);
  assert.equal(answer.body, '{"ok":true}');
  assert.ok(answer.headers.some(([n, v]) => n === "x-one" && v === "1"));
  const { init } = fetch.sent[0];
  assert.equal(init.redirect, "manual", "a login never follows a redirect");
  assert.equal(init.credentials, "omit");
  assert.equal(init.body, '{"a":1}');
  assert.equal(init.headers.get("content-type"), "application/json");
});

test("the transport sends multipart fields as FormData", async () => {
  const fetch = fakeFetch(new Response(""));
  await hostSend({ method: "POST", url: "https://x.test/", headers: [], form: [["email", "a@b.c"]] }, 1000, fetch);
  assert.ok(fetch.sent[0].init.body instanceof FormData);
  assert.equal(fetch.sent[0].init.body.get("email"), "a@b.c");
});

test("the transport's failures are answers: thrown, timeout, redirect, too large, not bytes", async () => {
  const request = { method: "GET", url: "https://x.test/", headers: [] };
  const thrown = new TypeError("fetch failed");
  assert.deepEqual(await hostSend(request, 1000, fakeFetch(() => Promise.reject(thrown))), { error: "network", thrown });
  const hang = (_url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted"))));
  assert.deepEqual(await hostSend(request, 20, fakeFetch(hang)), { error: "timeout" });
  assert.deepEqual(await hostSend(request, 1000, fakeFetch(new Response(null, { status: 307, headers: { location: "/" } }))), {
    error: "redirected",
    status: 307,
  });
  const big = new Response("x".repeat(1024 * 1024 + 1));
  assert.equal((await hostSend(request, 1000, fakeFetch(big))).error, "too-large");
  const declared = new Response("small", { headers: { "content-length": String(5 * 1024 * 1024) } });
  assert.equal((await hostSend(request, 1000, fakeFetch(declared))).error, "too-large");
  const strings = new Response(new ReadableStream({ start: (c) => (c.enqueue("not bytes"), c.close()) }));
  assert.deepEqual(await hostSend(request, 1000, fakeFetch(strings)), { error: "network", text: "a body chunk was not bytes" });
  assert.deepEqual(await hostSend(request, 1000, fakeFetch({ status: "200" })), {
    error: "network",
    text: "fetch resolved to something that is not a Response",
  });
});

test("the host derives the verifier's PBKDF2 with WebCrypto, byte for byte as Node's pbkdf2Sync", async () => {
  const { deriveBits } = await import("../../pkg/host.js");
  const { pbkdf2Sync } = await import("node:crypto");
  const password = new TextEncoder().encode("a secret\nwith two lines");
  const salt = new TextEncoder().encode("vendor-auth:verifier:v1:emnify:0123abcd");
  const { bytes } = await deriveBits({ password, salt, rounds: 20_000 });
  assert.equal(bytes.length, 16);
  assert.deepEqual(Buffer.from(bytes), pbkdf2Sync(password, salt, 20_000, 16, "sha256"));
});

// --- the host loop (hostRun) over a scripted core -----------------------------

/** A host whose core is a script: each step returns the next effect and records the outcome it was given. */
function scriptedHost(effects, extra = {}) {
  const outcomes = [];
  let first = true;
  const host = {
    timeoutMs: 60,
    ...extra,
    step(_id, outcome) {
      if (!first) outcomes.push(outcome);
      first = false;
      return effects.shift() ?? { kind: "done", value: "finished" };
    },
  };
  return { host, outcomes };
}

test("the loop performs each store effect and hands the core what happened, failures included", async () => {
  const { hostRun } = await import("../../pkg/host.js");
  const calls = [];
  const target = {
    get: (key) => (calls.push(["get", key]), key === "hangs" ? new Promise(() => {}) : Promise.resolve(`value of ${key}`)),
    put: (key, value, options) => void calls.push(["put", key, value, options]),
    delete: () => {
      throw new Error("read-only");
    },
  };
  const store = { kind: "kv", target, get: target.get, put: target.put, delete: target.delete };
  const { host, outcomes } = scriptedHost(
    [
      { kind: "get", key: "a" },
      { kind: "put", key: "a", value: "v", ttl: 90 },
      { kind: "put", key: "b", value: "w" },
      { kind: "delete", key: "a" },
      { kind: "get", key: "hangs" },
      { kind: "add", key: "lease", value: "x", ttl: 5 },
      { kind: "sleep", ms: 20 },
    ],
    { store },
  );
  const started = Date.now();
  assert.equal(await hostRun(host, 1), "finished");
  assert.deepEqual(outcomes[0], { value: "value of a" });
  assert.deepEqual(calls[1], ["put", "a", "v", { expirationTtl: 90 }]);
  assert.deepEqual(calls[2], ["put", "b", "w", {}], "no TTL: an empty options object");
  assert.equal(outcomes[3].error.message, "read-only");
  assert.equal(outcomes[4].error, "options.store.get did not settle within timeoutMs (60 ms)");
  assert.deepEqual(outcomes[5], { missing: true }, "a store without add");
  assert.ok(Date.now() - started >= 80, "waited for the hung get and the sleep");
});

test("the loop ends with the core's value or its error, and releases what the operation held", async () => {
  const { hostRun } = await import("../../pkg/host.js");
  const failed = scriptedHost([{ kind: "fail", value: Object.assign(new Error("refused"), { code: "INVALID_CREDENTIALS" }) }]);
  await assert.rejects(hostRun(failed.host, 2), { code: "INVALID_CREDENTIALS" });
  // No Web Locks here (Node 20): the core is told there is none and goes on.
  const locked = scriptedHost([{ kind: "lock", name: "vendor-auth:k" }]);
  assert.equal(await hostRun(locked.host, 3), "finished");
  assert.deepEqual(locked.outcomes[0], {});
});

test("single flight: the first operation leads, the second waits and resumes with what the leader landed", async () => {
  const { hostRun } = await import("../../pkg/host.js");
  let land;
  const landed = new Promise((resolve) => (land = resolve));
  const leader = scriptedHost([
    { kind: "flight", key: "k#v" },
    { kind: "sleep", ms: 30 },
    { kind: "land", key: "k#v", landed: { entry: "{…}", fromCache: false } },
  ]);
  const waiter = scriptedHost([{ kind: "flight", key: "k#v" }]);
  const leading = hostRun(leader.host, 4).then(land);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const waiting = hostRun(waiter.host, 5);
  await Promise.all([leading, waiting, landed]);
  assert.deepEqual(leader.outcomes[0], {}, "the first leads");
  assert.deepEqual(waiter.outcomes[0], { landed: { entry: "{…}", fromCache: false } });
  // The flight is over: the next operation leads again.
  const next = scriptedHost([{ kind: "flight", key: "k#v" }, { kind: "land", key: "k#v", landed: { entry: "x" } }]);
  await hostRun(next.host, 6);
  assert.deepEqual(next.outcomes[0], {});
});

test("a bounded waiter (Workers) is woken by the leader at once, and takes the lead when the leader never lands", async () => {
  const { hostRun } = await import("../../pkg/host.js");
  const leader = scriptedHost([
    { kind: "flight", key: "bounded" },
    { kind: "sleep", ms: 20 },
    { kind: "land", key: "bounded", landed: { entry: "e", fromCache: false } },
  ]);
  const leading = hostRun(leader.host, 9);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const woken = scriptedHost([{ kind: "flight", key: "bounded", maxWaitMs: 5_000 }]);
  const wokenAt = Date.now();
  await hostRun(woken.host, 10);
  assert.deepEqual(woken.outcomes[0], { landed: { entry: "e", fromCache: false } });
  assert.ok(Date.now() - wokenAt < 1_000, "woken by the landing, not by its own timer");
  await leading;

  const stuck = scriptedHost([{ kind: "flight", key: "stuck" }, { kind: "sleep", ms: 200 }]);
  const stalled = hostRun(stuck.host, 7);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const waiter = scriptedHost([{ kind: "flight", key: "stuck", maxWaitMs: 50 }]);
  const started = Date.now();
  await hostRun(waiter.host, 8);
  assert.deepEqual(waiter.outcomes[0], {}, "after maxWaitMs it leads");
  assert.ok(Date.now() - started >= 45 && Date.now() - started < 190);
  await stalled;
});
