// The package, imported by name as a consumer would, against the vendor
// simulator over real HTTP: the first flows end to end (foundation issue §4).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, claims, CREDENTIALS } from "./helpers.mjs";

let sim;
before(async () => { sim = await simulator(); });
after(() => sim.close());
beforeEach(() => sim.reset());

const emnify = (credentials = { applicationToken: CREDENTIALS.emnify.applicationToken }) =>
  new AuthClient({ vendor: "emnify", baseUrl: `${sim.url}/emnify`, credentials });
const voipbin = (credentials = { username: CREDENTIALS.voipbin.username, password: CREDENTIALS.voipbin.password }) =>
  new AuthClient({ vendor: "voipbin", baseUrl: `${sim.url}/voipbin`, credentials });

test("emnify application token → auth token, expiry from the JWT exp, second call from the cache", async () => {
  const client = emnify();
  await client.clear();
  const token = await client.getToken();
  const info = await client.getTokenInfo();
  assert.equal(info.token, token);
  assert.equal(info.fromCache, true);
  assert.equal(info.vendor, "emnify");
  assert.equal(info.environment, "production");
  // The simulator's clock is the local one: expiresAt is exp in ms.
  assert.ok(Math.abs(info.expiresAt - claims(token).exp * 1000) <= 2000, `${info.expiresAt} vs ${claims(token).exp}`);
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 1);

  // The token is real: the protected endpoint accepts it.
  const api = await fetch(`${sim.url}/emnify/api/v1/endpoint`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(api.status, 200);
});

test("VoIPBIN username + password → token, expiry from the custom expire claim, second call from the cache", async () => {
  const client = voipbin();
  await client.clear();
  const first = await client.getTokenInfo();
  const second = await client.getTokenInfo();
  assert.equal(first.fromCache, false);
  assert.equal(second.fromCache, true);
  assert.equal(second.token, first.token);
  const { expire, exp } = claims(first.token);
  assert.equal(exp, undefined, "VoIPBIN tokens carry no exp");
  assert.ok(Math.abs(first.expiresAt - Date.parse(expire)) <= 2000);
  assert.ok(first.expiresAt > Date.now() + 6.9 * 24 * 3600 * 1000);
  assert.equal(first.meta.username, CREDENTIALS.voipbin.username);
  assert.equal(await sim.count("voipbin", "POST /auth/login"), 1);

  const api = await fetch(`${sim.url}/voipbin/v1.0/accesskeys`, { headers: { authorization: `Bearer ${first.token}` } });
  assert.equal(api.status, 200);
});

test("wrong credentials reject with INVALID_CREDENTIALS, an AuthError carrying vendor and status", async () => {
  const wrongApp = emnify({ applicationToken: "not-a-real-token" });
  await assert.rejects(wrongApp.getToken(), (e) => {
    assert.ok(e instanceof AuthError);
    assert.ok(e instanceof Error);
    assert.equal(e.code, "INVALID_CREDENTIALS");
    assert.equal(e.vendor, "emnify");
    assert.equal(e.status, 401);
    assert.ok(!e.message.includes("not-a-real-token"), e.message);
    return true;
  });
  // The cache is keyed by username (not password): clear what earlier tests cached.
  const wrongLogin = voipbin({ username: CREDENTIALS.voipbin.username, password: "wrong-password" });
  await wrongLogin.clear();
  await assert.rejects(wrongLogin.getToken(), (e) => {
    assert.equal(e.code, "INVALID_CREDENTIALS");
    assert.equal(e.vendor, "voipbin");
    assert.equal(e.status, 400);
    assert.ok(!e.message.includes("wrong-password"), e.message);
    return true;
  });
});

test("1,000 concurrent getToken calls on 10 clients make one login", async () => {
  const clients = Array.from({ length: 10 }, () => voipbin());
  await clients[0].clear();
  const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => clients[i % 10].getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(await sim.count("voipbin", "POST /auth/login"), 1);
});

test("an unreachable vendor is NETWORK, and getToken({ cache: 'only-if-cached' }) never calls it", async () => {
  const client = new AuthClient({
    vendor: "emnify",
    baseUrl: "http://127.0.0.1:9/emnify",
    credentials: { applicationToken: "x" },
  });
  await assert.rejects(client.getToken({ cache: "only-if-cached" }), { code: "REAUTH_REQUIRED" });
  await assert.rejects(client.getToken(), { code: "NETWORK", vendor: "emnify" });
});

test("bad options throw INVALID_OPTIONS naming the field", () => {
  assert.throws(() => new AuthClient({ vendor: "acme", credentials: {} }), (e) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, "INVALID_OPTIONS");
    assert.match(e.message, /options\.vendor/);
    return true;
  });
  assert.throws(() => new AuthClient({ vendor: "emnify", credentials: { username: "u" } }), /credentials\.password/);
  assert.throws(() => new AuthClient({ vendor: "emnify", credentials: { applicationToken: "a" }, store: "localStorage" }), /localStorage does not exist in Node\.js/);
  assert.throws(
    () => new AuthClient({ vendor: "emnify", credentials: { applicationToken: "a" }, store: "indexedDB" }),
    (e) => e instanceof AuthError && e.code === "INVALID_OPTIONS" && /indexedDB does not exist in Node\.js/.test(e.message),
  );
});
