// Many processes, one login: 8 Node child processes, each with its own
// AuthClient and its own Redis client (ioredis, then node-redis), share a
// real redis-server through vendor-auth/redis. Logins are counted at the
// vendor simulator. The same Redis used as a plain KV store (no add: the
// best-effort lease), and processes with no shared store, are measured
// beside it and reported, not asserted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { simulator, fault } from "./helpers.mjs";
import { startRedis, startFleet, LOGIN } from "./redis-helpers.mjs";

const PROCESSES = 8;
const CALLS = 100;
const API_CALLS = 25;
const LIBS = ["ioredis", "node-redis"];
const VENDORS = ["emnify", "personr", "zumrails"];

let sim;
let redis;
const fleets = {};
before(async () => {
  sim = await simulator();
  redis = await startRedis();
  for (const lib of LIBS) fleets[lib] = await startFleet({ count: PROCESSES, lib, redisUrl: redis.url });
  fleets.plain = await startFleet({ count: PROCESSES, lib: "ioredis", redisUrl: redis.url, store: "plain" });
  fleets.memory = await startFleet({ count: PROCESSES, store: "memory" });
});
after(async () => {
  await Promise.all(Object.values(fleets).map((f) => f.close()));
  await redis?.stop();
  await sim?.close();
});

/** A cold cache everywhere, then `calls` concurrent getToken in every process; logins counted. */
async function coldBurst(fleet, vendor, options = {}) {
  await sim.reset();
  await redis.flush();
  await fleet.all("client", { vendor, simUrl: sim.url, options });
  await redis.flush(); // clear() may have raced; start from an empty Redis
  const results = await fleet.all("burst", { calls: CALLS });
  return { results, logins: await sim.count(vendor, LOGIN[vendor]) };
}

for (const vendor of VENDORS) {
  test(`${vendor}: ${PROCESSES} processes × ${CALLS} concurrent getToken on a cold cache → 1 login (ioredis and node-redis)`, async (t) => {
    for (const lib of LIBS) {
      const { results, logins } = await coldBurst(fleets[lib], vendor);
      for (const r of results) assert.deepEqual(r.errors, [], `${lib}: ${r.errors[0]}`);
      const tokens = new Set(results.flatMap((r) => r.tokens));
      assert.equal(tokens.size, 1, `${lib}: every process got the same token`);
      assert.equal(logins, 1, `${lib}: one login for ${PROCESSES * CALLS} calls in ${PROCESSES} processes`);
      t.diagnostic(`${vendor} ${lib}: ${logins} login, ${tokens.size} distinct token, slowest call ${Math.round(Math.max(...results.map((r) => r.maxMs)))} ms`);
    }
    // Reported beside it: the same Redis without add (a plain KV store,
    // the best-effort lease), and no shared store at all.
    for (const [kind, label] of [["plain", "plain KV store (no add: best-effort lease)"], ["memory", "no shared store (memory)"]]) {
      const { results, logins } = await coldBurst(fleets[kind], vendor);
      const tokens = new Set(results.flatMap((r) => r.tokens));
      t.diagnostic(`${vendor} ${label}: ${logins} login(s), ${tokens.size} distinct token(s)`);
      assert.ok(logins >= 1);
    }
  });
}

test(`Personr across ${PROCESSES} processes, regenerateOnRejection, one rejection injected → exactly one regeneration, no ping-pong`, async (t) => {
  for (const lib of LIBS) {
    const fleet = fleets[lib];
    const { logins } = await coldBurst(fleet, "personr", { regenerateOnRejection: true });
    assert.equal(logins, 1, `${lib}: the warm-up generates once`);
    // One API call is rejected as Bubble rejects a token. The one process
    // that sees it regenerates, which invalidates the token every other
    // process holds: their next calls are rejected for real, and each of
    // them must take the new token from Redis instead of generating again.
    await fault(sim, {
      vendor: "personr",
      path: "/api/1.1/obj/workspace",
      count: 1,
      status: 401,
      body: JSON.stringify({ error_class: "Unauthorized", args: { code: "1" }, message: null, translation: "Invalid or expired token: bus|…" }),
    });
    // 25 API calls per process at once (800 sockets at once would test the
    // simulator's accept queue, not the library).
    const results = await fleet.all("fetchBurst", { calls: API_CALLS, path: "/api/1.1/obj/workspace" });
    for (const r of results) assert.deepEqual(r.errors, [], `${lib}: ${r.errors[0]}`);
    const generations = (await sim.count("personr", LOGIN.personr)) - 1;
    const fallbacks = results.flatMap((r) => r.fallbacks);
    assert.equal(generations, 1, `${lib}: exactly one regeneration (store fallbacks: ${fallbacks.join("; ") || "none"})`);
    const statuses = {};
    for (const r of results) for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
    assert.deepEqual(statuses, { 200: PROCESSES * API_CALLS }, `${lib}: every call ends in 200 (renewed and retried once)`);
    t.diagnostic(`personr ${lib}: ${generations} regeneration after the injected rejection, ${PROCESSES * API_CALLS} calls answered 200`);
  }
});
