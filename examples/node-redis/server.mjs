// A Node proxy that many processes (or pods, or machines) can run at once:
// GET/POST/… /api/* goes to one vendor with its token attached, and the
// token lives in Redis through vendor-auth/redis, so however many processes
// serve the traffic, one login per principal happens at a time.
//
//   /api/v1/endpoint   →   {vendor root}/api/v1/endpoint, credentials attached
//   /_token            →   { vendor, expiresAt, fromCache, pid } (never the token)
//
// Configuration (environment):
//   VENDOR               emnify, personr, zumrails, voipbin, runbuggy
//   VENDOR_CREDENTIALS   JSON, e.g. {"applicationToken":"…"} for emnify
//   VENDOR_ENVIRONMENT   optional (sandbox, staging, …)
//   VENDOR_BASE_URL      optional (a self-hosted install, the simulator)
//   REDIS_URL            default redis://127.0.0.1:6379
//   REDIS_CLIENT         ioredis (default) or redis (node-redis)
//   PORT                 default 8080
//   WORKERS              processes to fork with node:cluster (default 1)
import cluster from "node:cluster";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { AuthClient, AuthError } from "vendor-auth";
import { redisStore } from "vendor-auth/redis";

const env = process.env;
const workers = Number(env.WORKERS ?? 1);

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => console.error(`worker ${worker.process.pid} exited (${code ?? signal})`));
} else {
  await serve();
}

async function connectRedis(url) {
  if (env.REDIS_CLIENT === "redis") {
    const { createClient } = await import("redis");
    // node-redis needs an "error" listener (it reconnects by itself) and an
    // explicit connect(); not awaited, so a Redis that is down at start
    // does not keep the server from answering (from memory meanwhile).
    const client = createClient({ url }).on("error", (e) => console.error(`redis: ${e.message}`));
    client.connect().catch(() => {});
    return client;
  }
  const { Redis } = await import("ioredis");
  return new Redis(url).on("error", (e) => console.error(`redis: ${e.message}`));
}

async function serve() {
  const redis = await connectRedis(env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const options = {
    vendor: env.VENDOR,
    credentials: JSON.parse(env.VENDOR_CREDENTIALS ?? "{}"),
    store: redisStore(redis, { prefix: "proxy:" }),
  };
  if (env.VENDOR_ENVIRONMENT) options.environment = env.VENDOR_ENVIRONMENT;
  if (env.VENDOR_BASE_URL) options.baseUrl = env.VENDOR_BASE_URL;
  // One client per process: its memory tier answers warm calls without Redis.
  const client = new AuthClient(options);
  client.on("storage-fallback", ({ reason }) => console.error(`token store unavailable, using memory: ${reason}`));

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url, "http://localhost");
      if (url.pathname === "/_token") {
        const { vendor, expiresAt, fromCache } = await client.getTokenInfo();
        return json(response, 200, { vendor, expiresAt, fromCache, pid: process.pid });
      }
      if (!url.pathname.startsWith("/api/")) return json(response, 404, { message: "not found" });
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        // The caller's own credentials never reach the vendor.
        if (!["authorization", "cookie", "host", "connection", "content-length"].includes(name)) headers.set(name, String(value));
      }
      const init = { method: request.method, headers };
      if (!["GET", "HEAD"].includes(request.method)) {
        const chunks = [];
        for await (const chunk of request) chunks.push(chunk);
        init.body = Buffer.concat(chunks);
      }
      const upstream = await client.fetch(url.pathname + url.search, init);
      response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
      if (upstream.body) Readable.fromWeb(upstream.body).pipe(response);
      else response.end();
    } catch (error) {
      if (!(error instanceof AuthError)) {
        console.error(error);
        return json(response, 500, { message: "internal error" });
      }
      const status = { INVALID_OPTIONS: 500, RATE_LIMITED: 429, TIMEOUT: 504, FOREIGN_ORIGIN: 400 }[error.code] ?? 502;
      json(response, status, { code: error.code, message: error.message });
    }
  });
  server.listen(Number(env.PORT ?? 8080), () => {
    if (cluster.isWorker || workers <= 1) console.log(`process ${process.pid} listening on :${server.address().port}`);
  });
}

function json(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
