// Redis faults, each its own test, with both client libraries: Redis down at
// start, Redis down mid-run, a process killed while it holds the lease, and
// Redis restarted empty. Real redis-server processes on free ports, real
// child processes, logins counted at the vendor simulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { simulator, fault, clearFaults } from "./helpers.mjs";
import { startRedis, startFleet, freePort, sleep, LOGIN } from "./redis-helpers.mjs";

const LIBS = ["ioredis", "node-redis"];
// The AuthClient's bound; the adapter's own (2 s by default) is below it.
const TIMEOUT_MS = 5000;

let sim;
before(async () => { sim = await simulator(); });
after(() => sim?.close());

const logins = () => sim.count("emnify", LOGIN.emnify);

/**
 * The simulator reset, its emnify tokens made to last 8 s: the margin is
 * at most half a token's life, so one is fresh for 3–4 s after its login,
 * and a test can make every process renew again soon (STALE_MS later).
 */
async function resetShortTokens() {
  await sim.reset();
  await sim.control("config", { vendor: "emnify", authTokenLifetimeSeconds: 8 });
}
const STALE_MS = 4100;

/** Waits until every worker's Redis client is connected again. */
async function connected(fleet, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const states = await fleet.all("status");
    if (states.every((s) => s.redisReady)) return;
    await sleep(50);
  }
  throw new Error("the Redis clients did not reconnect");
}

function noErrors(results, what) {
  for (const r of results) assert.deepEqual(r.errors, [], `${what}: ${r.errors[0]}`);
}

const entriesIn = async (redis) => Object.entries(await redis.dump()).filter(([k]) => !/:(lease|hold)$/.test(k));

for (const lib of LIBS) {
  test(`${lib}: Redis down at start → tokens from memory within timeoutMs ("storage-fallback"), then back to Redis when it comes up`, async (t) => {
    await sim.reset();
    const port = await freePort(); // nothing listens there yet
    const fleet = await startFleet({ count: 3, lib, redisUrl: `redis://127.0.0.1:${port}` });
    let redis;
    try {
      // clear: false, so that the burst is the first to meet the missing Redis.
      await fleet.all("client", { vendor: "emnify", simUrl: sim.url, options: { timeoutMs: TIMEOUT_MS }, clear: false });
      const down = await fleet.all("burst", { calls: 20 });
      noErrors(down, "Redis down");
      for (const r of down) {
        assert.ok(r.maxMs < TIMEOUT_MS, `every call answered within timeoutMs (slowest ${Math.round(r.maxMs)} ms)`);
        assert.equal(r.fallbacks.length, 1, "one storage-fallback per process");
        assert.match(r.fallbacks[0], /Redis .*no connection within/);
      }
      // Each process logged in on its own meanwhile: memory is not shared.
      assert.equal(await logins(), 3);

      redis = await startRedis({ port });
      await connected(fleet);
      await sleep(2100); // the client tries the store again 1 s after it failed
      await sim.reset();
      const back = await fleet.all("burst", { calls: 20, getTokenOptions: { cache: "reload" } });
      noErrors(back, "Redis back");
      const entries = await entriesIn(redis);
      assert.equal(entries.length, 1, "the entry is in Redis again");
      assert.ok(back.some((r) => r.tokens.includes(JSON.parse(entries[0][1]).token)));
      t.diagnostic(`${lib}: down at start, slowest call ${Math.round(Math.max(...down.map((r) => r.maxMs)))} ms; back on Redis after it started`);
    } finally {
      await fleet.close();
      await redis?.stop();
    }
  });

  test(`${lib}: Redis down mid-run → still tokens within timeoutMs, and one login per burst again once it returns`, async (t) => {
    await resetShortTokens();
    const redis = await startRedis();
    const fleet = await startFleet({ count: 4, lib, redisUrl: redis.url });
    try {
      const options = { timeoutMs: TIMEOUT_MS };
      await fleet.all("client", { vendor: "emnify", simUrl: sim.url, options });
      noErrors(await fleet.all("burst", { calls: 50 }), "warm-up");
      assert.equal(await logins(), 1);

      await redis.stop();
      await sleep(STALE_MS); // the tokens are stale now: every process renews
      const down = await fleet.all("burst", { calls: 50 });
      noErrors(down, "Redis down");
      for (const r of down) {
        assert.ok(r.maxMs < TIMEOUT_MS, `answered within timeoutMs (slowest ${Math.round(r.maxMs)} ms)`);
        assert.equal(r.fallbacks.length, 1);
      }

      await redis.start();
      await connected(fleet);
      await sleep(STALE_MS); // stale again, and past the time before the store is retried
      await resetShortTokens();
      const back = await fleet.all("burst", { calls: 50 });
      noErrors(back, "Redis back");
      assert.equal(new Set(back.flatMap((r) => r.tokens)).size, 1);
      assert.equal(await logins(), 1, "one login for the fleet again: the lock in Redis is back in use");
      t.diagnostic(`${lib}: Redis down mid-run, slowest call ${Math.round(Math.max(...down.map((r) => r.maxMs)))} ms; 1 login per burst after it returned`);
    } finally {
      await fleet.close();
      await redis.stop();
    }
  });

  test(`${lib}: a process killed while it holds the lease → the others wait at most the lease TTL, then one of them logs in`, async (t) => {
    await sim.reset();
    const redis = await startRedis();
    const fleet = await startFleet({ count: 4, lib, redisUrl: redis.url });
    try {
      const timeoutMs = 1500; // the lease lasts 2 × timeoutMs = 3 s
      await fleet.all("client", { vendor: "emnify", simUrl: sim.url, options: { timeoutMs } });
      // The first login hangs at the vendor: its process holds the lease.
      await fault(sim, { vendor: "emnify", path: "/api/v1/authenticate", count: 1, delayMs: 20_000 });
      const victim = fleet.workers[0].call("burst", { calls: 10 }).catch(() => null);
      let lease;
      for (let i = 0; i < 200 && !lease; i++) {
        lease = Object.entries(await redis.dump()).find(([k]) => k.endsWith(":lease"));
        if (!lease) await sleep(10);
      }
      assert.ok(lease, "the victim took the lease");
      while ((await logins()) < 1) await sleep(10);
      await fleet.kill(0);
      await victim;
      const { until } = JSON.parse(lease[1]);

      const started = Date.now();
      const others = await Promise.all(fleet.workers.slice(1).map((w) => w.call("burst", { calls: 50 })));
      const waited = Date.now() - started;
      noErrors(others, "survivors");
      assert.equal(new Set(others.flatMap((r) => r.tokens)).size, 1);
      assert.equal(await logins(), 2, "the victim's hung login, then exactly one more");
      const doneAt = started + waited;
      assert.ok(doneAt >= until - 100, `nobody logged in while the lease held (done ${until - doneAt} ms before its end)`);
      assert.ok(doneAt <= until + 1500, `they waited at most the TTL (done ${doneAt - until} ms after its end)`);
      t.diagnostic(`${lib}: survivors got their token ${doneAt - until} ms after the dead holder's lease ended (TTL ${2 * timeoutMs} ms)`);
    } finally {
      await clearFaults(sim);
      await fleet.close();
      await redis.stop();
    }
  });

  test(`${lib}: Redis restarted empty → one login for the fleet, not one per process`, async (t) => {
    await resetShortTokens();
    const redis = await startRedis();
    const fleet = await startFleet({ count: 8, lib, redisUrl: redis.url });
    try {
      const options = { timeoutMs: TIMEOUT_MS };
      await fleet.all("client", { vendor: "emnify", simUrl: sim.url, options });
      noErrors(await fleet.all("burst", { calls: 100 }), "warm-up");
      assert.equal(await logins(), 1);
      await sleep(STALE_MS); // the tokens every process holds are stale now

      await redis.restart(); // SIGKILL, then a new empty redis-server on the same port
      await resetShortTokens();
      // At once: the clients are still reconnecting; the adapter waits for them.
      const after = await fleet.all("burst", { calls: 100 });
      noErrors(after, "after the restart");
      assert.equal(new Set(after.flatMap((r) => r.tokens)).size, 1);
      assert.equal(await logins(), 1, "one login, not one per process");
      assert.deepEqual(after.flatMap((r) => r.fallbacks), [], "no process fell back to memory");
      t.diagnostic(`${lib}: Redis restarted empty: 1 login for 8 processes`);
    } finally {
      await fleet.close();
      await redis.stop();
    }
  });
}
