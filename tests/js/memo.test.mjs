// The warm `getToken()` memo in pkg/setup.js (the speed is `make bench`'s
// "cached-token speed"; these tests are about it answering only what the
// core would): a renewal, clear() or revoke() by another client of the
// principal, the token's expiry, a vendor that needs the time of use
// recorded, a freed client, and the token kept out of sight.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { AuthClient, AuthError } from "vendor-auth";
import { simulator, kvStore, CREDENTIALS } from "./helpers.mjs";

let sim;
before(async () => {
  sim = await simulator();
});
after(() => sim?.close());
beforeEach(() => sim.reset());

const emnify = (extra = {}) =>
  new AuthClient({
    vendor: "emnify",
    baseUrl: `${sim.url}/emnify`,
    credentials: { applicationToken: CREDENTIALS.emnify.applicationToken },
    ...extra,
  });
const emnifyLogins = () => sim.count("emnify", "POST /api/v1/authenticate");

/** Runs `fn` with Date.now() moved forward by `ms` (the core reads the same clock). */
async function later(ms, fn) {
  const real = Date.now;
  Date.now = () => real() + ms;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

test("another client's renewal, clear() and revoke() reach a client answering from its memo", async () => {
  const a = emnify();
  const b = emnify();
  await a.clear();
  const first = await a.getToken();
  assert.equal(await a.getToken(), first, "warm");
  assert.equal(await emnifyLogins(), 1);

  const renewed = await b.getToken({ cache: "reload" });
  assert.notEqual(renewed, first);
  assert.equal(await a.getToken(), renewed, "a renewal by another client is seen");
  assert.equal(await emnifyLogins(), 2);

  await b.clear();
  const afterClear = await a.getToken();
  assert.notEqual(afterClear, renewed, "a clear() by another client is seen");
  assert.equal(await emnifyLogins(), 3);

  await b.revoke();
  const afterRevoke = await a.getToken();
  assert.notEqual(afterRevoke, afterClear, "a revoke() by another client is seen");
  assert.equal(await emnifyLogins(), 4);
  a.free();
  b.free();
});

test("past the token's freshness the memo yields: a login", async () => {
  const client = emnify();
  await client.clear();
  const { token, expiresAt } = await client.getTokenInfo();
  assert.equal(await client.getToken(), token);
  assert.equal(await emnifyLogins(), 1);
  const next = await later(expiresAt - Date.now() + 1000, () => client.getToken());
  assert.notEqual(next, token);
  assert.equal(await emnifyLogins(), 2);
  client.free();
});

test("Personr (drops idle tokens): the time of use is still recorded hourly", async () => {
  const store = kvStore();
  const client = new AuthClient({
    vendor: "personr",
    baseUrl: `${sim.url}/personr`,
    credentials: { email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password },
    store,
  });
  const token = await client.getToken();
  const writes = () => store.writes.filter((w) => !/:(lease|hold|lag)/.test(w.key)).length;
  const afterLogin = writes();
  for (let i = 0; i < 5; i++) assert.equal(await client.getToken(), token);
  assert.equal(writes(), afterLogin, "no write within the hour");
  await later(61 * 60_000, async () => {
    assert.equal(await client.getToken(), token);
    assert.equal(writes(), afterLogin + 1, "the time of use written after an hour");
    const [, entry] = store.entries()[0];
    assert.ok(entry.lastUsedAt >= Date.now() - 1000, "the entry records this use");
  });
  client.free();
});

test("a freed client's getToken rejects, memo or not", async () => {
  const client = emnify();
  await client.getToken();
  client.free();
  await assert.rejects(client.getToken(), (e) => e instanceof AuthError && e.code === "UNSUPPORTED");
});

test("the memoised token is not a property of the client", async () => {
  const client = emnify();
  const token = await client.getToken();
  await client.getToken();
  assert.ok(!inspect(client, { showHidden: true, depth: 5 }).includes(token));
  assert.ok(!JSON.stringify(Object.getOwnPropertyDescriptors(client)).includes(token));
  assert.deepEqual(Object.getOwnPropertySymbols(client), []);
  client.free();
});
