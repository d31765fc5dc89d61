// examples/node-redis: the proxy run as 4 processes (node:cluster) over one
// real redis-server, with each client library, against the simulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { simulator, CREDENTIALS } from "./helpers.mjs";
import { startRedis, freePort, sleep, LOGIN } from "./redis-helpers.mjs";

const SERVER = fileURLToPath(new URL("../../examples/node-redis/server.mjs", import.meta.url));

let sim;
let redis;
before(async () => {
  sim = await simulator();
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
  await sim?.close();
});

async function startProxy(client, port) {
  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      VENDOR: "emnify",
      VENDOR_CREDENTIALS: JSON.stringify({ applicationToken: CREDENTIALS.emnify.applicationToken }),
      VENDOR_BASE_URL: `${sim.url}/emnify`,
      REDIS_URL: redis.url,
      REDIS_CLIENT: client,
      PORT: String(port),
      WORKERS: "4",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let listening = 0;
  child.stdout.on("data", (chunk) => { listening += (String(chunk).match(/listening on/g) ?? []).length; });
  const deadline = Date.now() + 30_000;
  while (listening < 4) {
    if (child.exitCode !== null) throw new Error(`the proxy exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("the proxy's 4 processes did not start listening");
    await sleep(50);
  }
  return {
    stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM"); // the primary takes its workers down with it
      return exited;
    },
  };
}

for (const client of ["ioredis", "redis"]) {
  test(`the proxy as 4 processes with ${client}: 80 concurrent API calls → 80 answers, 1 login`, async () => {
    await sim.reset();
    await redis.flush();
    const port = await freePort();
    const proxy = await startProxy(client, port);
    try {
      const answers = await Promise.all(Array.from({ length: 80 }, () =>
        fetch(`http://127.0.0.1:${port}/api/v1/endpoint`).then(async (r) => ({ status: r.status, body: await r.json() }))));
      assert.deepEqual(answers.filter((a) => a.status !== 200), []);
      assert.ok(answers.every((a) => Array.isArray(a.body)), "emnify's endpoint list came through");
      assert.equal(await sim.count("emnify", LOGIN.emnify), 1);
      // Several processes answered, each with the token from Redis.
      const infos = await Promise.all(Array.from({ length: 16 }, () => fetch(`http://127.0.0.1:${port}/_token`).then((r) => r.json())));
      assert.ok(new Set(infos.map((i) => i.pid)).size >= 2, "the cluster spread the requests");
      assert.ok(infos.every((i) => i.vendor === "emnify" && !("token" in i)));
      assert.equal(await sim.count("emnify", LOGIN.emnify), 1);
    } finally {
      await proxy.stop();
    }
  });
}
