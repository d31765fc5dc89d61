// One process of a fleet (see redis-helpers.mjs startFleet): its own Redis
// client (ioredis or node-redis), its own AuthClient over vendor-auth/redis,
// driven by the parent over IPC. Not a test file by itself.
import { AuthClient } from "vendor-auth";
import { redisStore } from "vendor-auth/redis";
import { CREDENTIALS } from "../simulator/credentials.mjs";

const config = JSON.parse(process.argv[2]);

async function redisClient() {
  if (config.lib === "ioredis") {
    const { Redis } = await import("ioredis");
    const client = new Redis(config.redisUrl);
    client.on("error", () => {}); // reconnects by itself; errors are expected in the fault tests
    return { client, ready: () => client.status === "ready", close: () => client.disconnect() };
  }
  const { createClient } = await import("redis");
  const client = createClient({ url: config.redisUrl });
  // node-redis throws an unhandled "error" event otherwise (a crash).
  client.on("error", () => {});
  // Not awaited: with Redis down at start it settles only once Redis is up.
  client.connect().catch(() => {});
  return { client, ready: () => client.isReady, close: () => client.destroy?.() ?? client.disconnect() };
}

const redis = config.store === "memory" ? null : await redisClient();
let store;
if (redis) {
  const atomic = redisStore(redis.client, { prefix: "fleet:", ...(config.redisTimeoutMs ? { timeoutMs: config.redisTimeoutMs } : {}) });
  if (config.store === "plain") {
    // The same Redis as a plain KV store: no add, so the best-effort lease.
    const { add, deleteIf, ...plain } = atomic;
    store = plain;
  } else {
    store = atomic;
  }
}

const CREDENTIALS_OF = {
  emnify: { applicationToken: CREDENTIALS.emnify.applicationToken },
  personr: { email: CREDENTIALS.personr.email, password: CREDENTIALS.personr.password },
  zumrails: { username: CREDENTIALS.zumrails.username, password: CREDENTIALS.zumrails.password },
};

let client = null;
let fallbacks = [];

const commands = {
  /** A new AuthClient (for `vendor`, against the simulator at `simUrl`). */
  async client({ vendor, simUrl, options = {}, clear = true }) {
    client = new AuthClient({
      vendor,
      baseUrl: `${simUrl}/${vendor}`,
      credentials: CREDENTIALS_OF[vendor],
      ...(store ? { store } : {}),
      ...options,
    });
    fallbacks = [];
    client.on("storage-fallback", (e) => fallbacks.push(e.reason));
    // Forgets this realm's memory tier (and the Redis entry, if reachable).
    if (clear) await client.clear();
    return null;
  },
  /** `calls` concurrent getToken(); which tokens came back and how long each took. */
  async burst({ calls = 100, getTokenOptions } = {}) {
    const outcomes = await Promise.all(Array.from({ length: calls }, async () => {
      const started = performance.now();
      try {
        const token = await client.getToken(getTokenOptions);
        return { token, ms: performance.now() - started };
      } catch (error) {
        return { error: `${error.code}: ${error.message}`, ms: performance.now() - started };
      }
    }));
    return summary(outcomes);
  },
  /** `calls` concurrent client.fetch(path): the statuses seen. */
  async fetchBurst({ calls = 100, path }) {
    const outcomes = await Promise.all(Array.from({ length: calls }, async () => {
      const started = performance.now();
      try {
        const response = await client.fetch(path);
        await response.arrayBuffer();
        return { status: response.status, ms: performance.now() - started };
      } catch (error) {
        return { error: `${error.code}: ${error.message}`, ms: performance.now() - started };
      }
    }));
    const result = summary(outcomes);
    result.statuses = {};
    for (const { status } of outcomes) if (status) result.statuses[status] = (result.statuses[status] ?? 0) + 1;
    return result;
  },
  /** Warm getToken calls per second (the memory tier in front of Redis). */
  async speed({ ms = 300 }) {
    await client.getToken();
    let calls = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      for (let i = 0; i < 100; i++) await client.getToken();
      calls += 100;
    }
    return { perSecond: calls / ((performance.now() - started) / 1000) };
  },
  status: async () => ({ redisReady: redis ? redis.ready() : null }),
};

function summary(outcomes) {
  return {
    tokens: [...new Set(outcomes.filter((o) => o.token).map((o) => o.token))],
    errors: outcomes.filter((o) => o.error).map((o) => o.error),
    maxMs: Math.max(...outcomes.map((o) => o.ms)),
    fallbacks: [...fallbacks],
  };
}

process.on("message", async ({ id, command, args }) => {
  try {
    process.send({ id, result: await commands[command](args) });
  } catch (error) {
    process.send({ id, error: { message: String(error?.message ?? error), code: error?.code } });
  }
});
process.on("SIGTERM", () => {
  redis?.close();
  process.exit(0);
});
process.send({ ready: true });
