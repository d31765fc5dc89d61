// vendor-auth/redis against a real redis-server, with both client libraries
// (ioredis, node-redis): the commands it sends, its TTLs and prefix, the
// compare-and-delete, detection by shape, and what it does while Redis is
// down (fails within its timeout, queues nothing that would run later).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { AuthClient } from "vendor-auth";
import { redisStore } from "vendor-auth/redis";
import { simulator, CREDENTIALS } from "./helpers.mjs";
import { startRedis, redisCommand, sleep } from "./redis-helpers.mjs";

let redis;
let sim;
before(async () => {
  redis = await startRedis();
  sim = await simulator();
});
after(async () => {
  await redis?.stop();
  await sim?.close();
});

const LIBS = {
  async ioredis(url) {
    const client = new Redis(url);
    client.on("error", () => {});
    return { client, close: () => client.disconnect() };
  },
  async "node-redis"(url, { connect = true } = {}) {
    const client = createClient({ url });
    client.on("error", () => {});
    if (connect) await client.connect();
    return { client, close: () => (client.isOpen ? client.destroy() : undefined) };
  },
};

const pttl = async (key) => Number((await redisCommand(redis.port, `PTTL ${key}`)).slice(1));

for (const [lib, open] of Object.entries(LIBS)) {
  test(`${lib}: get, put with PX, add with NX PX, deleteIf compare-and-delete, delete, under the prefix`, async () => {
    await redis.flush();
    const { client, close } = await open(redis.url);
    try {
      const store = redisStore(client, { prefix: "app:" });
      assert.equal(await store.get("k"), null);
      await store.put("k", "v1", { expirationTtl: 90 });
      assert.equal(await store.get("k"), "v1");
      assert.deepEqual(await redis.dump(), { "app:k": "v1" });
      const ttl = await pttl("app:k");
      assert.ok(ttl > 89_000 && ttl <= 90_000, `PX from expirationTtl (${ttl})`);
      await store.put("k", "v2");
      assert.equal(await pttl("app:k"), -1, "no TTL without expirationTtl");

      assert.equal(await store.add("lease", "mine", { expirationTtl: 3 }), true);
      assert.equal(await store.add("lease", "theirs", { expirationTtl: 3 }), false);
      assert.equal(await store.get("lease"), "mine");
      const leaseTtl = await pttl("app:lease");
      assert.ok(leaseTtl > 2000 && leaseTtl <= 3000, `${leaseTtl}`);

      assert.equal(await store.deleteIf("lease", "theirs"), false);
      assert.equal(await store.get("lease"), "mine", "a late holder frees nothing");
      assert.equal(await store.deleteIf("lease", "mine"), true);
      assert.equal(await store.get("lease"), null);
      assert.equal(await store.deleteIf("lease", "mine"), false);

      await store.delete("k");
      assert.deepEqual(await redis.dump(), {});
    } finally {
      await close();
    }
  });

  test(`${lib}: an AuthClient over it keeps its entry and lease in Redis (the Node entry with ${lib})`, async () => {
    await redis.flush();
    await sim.reset();
    const { client, close } = await open(redis.url);
    try {
      const auth = new AuthClient({
        vendor: "emnify",
        baseUrl: `${sim.url}/emnify`,
        credentials: { applicationToken: CREDENTIALS.emnify.applicationToken },
        store: redisStore(client, { prefix: "t:" }),
      });
      await auth.clear();
      const token = await auth.getToken();
      const keys = Object.keys(await redis.dump());
      assert.equal(keys.length, 1, keys.join(", "));
      assert.match(keys[0], /^t:vendor-auth:v1:emnify:/);
      assert.equal(JSON.parse((await redis.dump())[keys[0]]).token, token);
      assert.ok((await pttl(keys[0])) > 60_000, "the entry expires with the token");
      assert.equal(await auth.getToken(), token);
    } finally {
      await close();
    }
  });

  test(`${lib}: while Redis is down every command fails within timeoutMs, and none runs later`, async () => {
    const down = await startRedis();
    const { client, close } = await open(down.url);
    try {
      const store = redisStore(client, { timeoutMs: 300 });
      await store.put("before", "1");
      await down.stop();
      const started = Date.now();
      await assert.rejects(store.put("stale", "written while down"), /no connection within 300 ms|no reply within 300 ms/);
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 1000, `${took} ms`);
      await assert.rejects(store.add("lease", "x", { expirationTtl: 5 }));
      await down.start();
      // Once reconnected, the store works, and nothing from the outage was sent.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          if ((await store.get("before")) === null) break; // empty: restarted without persistence
        } catch {}
        if (Date.now() > deadline) assert.fail("never reconnected");
        await sleep(50);
      }
      await sleep(200);
      assert.deepEqual(await down.dump(), {}, "no command queued during the outage ran on reconnect");
    } finally {
      await close();
      await down.stop();
    }
  });

  test(`${lib}: a write's deadline counts from the call, not from when the connection came back`, async () => {
    const down = await startRedis();
    const { client, close } = await open(down.url);
    try {
      const sent = [];
      const store = redisStore(recording(client, sent), { timeoutMs: 3000 });
      await store.put("before", "1");
      await down.stop();
      const issued = Date.now();
      const writing = store.put("k", "v");
      await sleep(800);
      await down.start();
      await writing;
      // The script's first argument is the deadline in Redis's clock, which
      // on this machine is ours.
      const deadline = Number(sent.findLast((args) => args[0] === "EVAL")[4]);
      assert.ok(deadline <= issued + 3000 + 50, `deadline ${deadline - issued} ms after the call`);
      assert.deepEqual(await down.dump(), { k: "v" });
    } finally {
      await close();
      await down.stop();
    }
  });

  test(`${lib}: many stores over one client, and many commands waiting for it, add one "ready" listener`, async () => {
    const down = await startRedis();
    const { client, close } = await open(down.url);
    const warnings = [];
    const onWarning = (warning) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const baseline = client.listenerCount("ready");
      const stores = Array.from({ length: 20 }, () => redisStore(client, { timeoutMs: 300 }));
      await Promise.all(stores.map((store) => store.put("k", "v")));
      assert.ok(client.listenerCount("ready") <= baseline + 1, `${client.listenerCount("ready") - baseline} more`);
      await down.stop();
      const waiting = stores.flatMap((store) => [store.get("k"), store.put("k", "w")]);
      await sleep(50);
      assert.ok(client.listenerCount("ready") <= baseline + 1, `${client.listenerCount("ready") - baseline} more while waiting`);
      for (const result of await Promise.allSettled(waiting)) assert.equal(result.status, "rejected");
      await sleep(10);
      assert.deepEqual(warnings.filter((name) => name === "MaxListenersExceededWarning"), []);
    } finally {
      process.off("warning", onWarning);
      await close();
      await down.stop();
    }
  });
}

/** The client, with each command it is sent recorded in `sent` (as strings). */
function recording(client, sent) {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "call" || property === "sendCommand") {
        return (...args) => {
          sent.push(args.flat().map(String));
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

test("node-redis: a client that was never connected is refused at once, with what to do", async () => {
  const { client } = await LIBS["node-redis"](redis.url, { connect: false });
  const store = redisStore(client, { timeoutMs: 5000 });
  const started = Date.now();
  await assert.rejects(store.get("k"), /not open: call `await client\.connect\(\)` first/);
  assert.ok(Date.now() - started < 1000);
});

test("ioredis with lazyConnect connects on first use", async () => {
  await redis.flush();
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    assert.equal(client.status, "wait");
    const store = redisStore(client);
    await store.put("k", "v");
    assert.equal(await store.get("k"), "v");
  } finally {
    client.disconnect();
  }
});

test("redisStore refuses what is not a Redis client, and bad options", () => {
  for (const bad of [undefined, null, {}, { get() {}, set() {} }, "redis://x"]) {
    assert.throws(() => redisStore(bad), TypeError);
  }
  const shaped = { status: "ready", call: async () => null, once() {}, off() {} };
  assert.throws(() => redisStore(shaped, { prefix: 1 }), /prefix must be a string/);
  assert.throws(() => redisStore(shaped, { timeoutMs: 0 }), /timeoutMs must be a positive/);
  assert.equal(typeof redisStore(shaped).add, "function");
});

test("the .d.ts of vendor-auth/redis type-checks with both clients (tsc, strict)", async () => {
  const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
  const project = fileURLToPath(new URL("./redis-types/tsconfig.json", import.meta.url));
  await promisify(execFile)(process.execPath, [tsc, "--noEmit", "-p", project]).catch((e) => {
    assert.fail(`${e.stdout}${e.stderr}`);
  });
});
