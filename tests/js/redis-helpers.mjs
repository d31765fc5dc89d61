// Shared by the Redis tests and `make bench`: a real redis-server of our own
// on a free loopback port (no persistence, stopped by its pid), and a fleet
// of Node child processes (tests/js/redis-worker.mjs), each with its own
// AuthClient over Redis, driven over IPC.
import { spawn, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./redis-worker.mjs", import.meta.url));
const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync);

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command over a fresh socket; resolves to the raw reply. */
export function redisCommand(port, line, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`redis ${line}: no reply`)); }, timeoutMs);
    socket.once("error", (e) => { clearTimeout(timer); reject(e); });
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.endsWith("\r\n")) { clearTimeout(timer); socket.end(); resolve(reply); }
    });
    socket.write(`${line}\r\n`);
  });
}

/**
 * Starts redis-server on `port` (a free one when omitted), without
 * persistence. `stop()` ends it by its pid; `start()` starts it again on the
 * same port (empty).
 */
export async function startRedis({ port } = {}) {
  if (!REDIS_SERVER) throw new Error("redis-server is missing: run scripts/install.sh (it installs the Debian package)");
  port ??= await freePort();
  let child = null;
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() { return child !== null; },
    async start() {
      if (child) return;
      child = spawn(REDIS_SERVER, [
        "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
      ], { stdio: ["ignore", "ignore", "inherit"] });
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          if ((await redisCommand(port, "PING", 500)).startsWith("+PONG")) return;
        } catch {}
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if (Date.now() > deadline) throw new Error("redis-server did not answer PING within 10 s");
        await sleep(50);
      }
    },
    async stop() {
      if (!child) return;
      const exiting = child;
      child = null;
      const exited = new Promise((resolve) => exiting.once("exit", resolve));
      exiting.kill("SIGKILL"); // as a crash would: nothing saved, connections cut
      await exited;
    },
    async restart() { await redis.stop(); await redis.start(); },
    /** Every key and its value (string keys only, which is all we write). */
    async dump() {
      const keys = parseArray(await redisCommand(port, "KEYS *"));
      const out = {};
      for (const key of keys) out[key] = parseBulk(await redisCommand(port, `GET ${key}`));
      return out;
    },
    async flush() { await redisCommand(port, "FLUSHALL"); },
  };
  await redis.start();
  return redis;
}

function parseArray(reply) {
  const lines = reply.split("\r\n");
  const out = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].startsWith("$") && lines[i] !== "$-1") out.push(lines[++i]);
  return out;
}

function parseBulk(reply) {
  if (reply.startsWith("$-1")) return null;
  return reply.split("\r\n")[1];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `count` worker processes. `lib`: "ioredis" or "node-redis";
 * `store`: "redis" (the adapter), "plain" (the adapter without add and
 * deleteIf: a KV store with the best-effort lease) or "memory" (no shared
 * store). Each worker answers `call(i, command, args)`.
 */
export async function startFleet({ count = 8, lib = "ioredis", redisUrl, store = "redis", redisTimeoutMs } = {}) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const child = fork(WORKER, [JSON.stringify({ lib, redisUrl, store, redisTimeoutMs, name: `w${i}` })], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const pending = new Map();
    let serial = 0;
    const ready = new Promise((resolve, reject) => {
      child.once("error", reject);
      child.on("message", (message) => {
        if (message.ready) return resolve();
        const waiter = pending.get(message.id);
        if (!waiter) return;
        pending.delete(message.id);
        if (message.error) waiter.reject(Object.assign(new Error(message.error.message), message.error));
        else waiter.resolve(message.result);
      });
      child.once("exit", (code, signal) => {
        for (const waiter of pending.values()) waiter.reject(new Error(`worker ${i} exited (${code ?? signal})`));
        pending.clear();
        reject(new Error(`worker ${i} exited before it was ready (${code ?? signal})`));
      });
    });
    workers.push({
      child,
      ready,
      call(command, args = {}) {
        const id = ++serial;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          child.send({ id, command, args });
        });
      },
    });
  }
  await Promise.all(workers.map((w) => w.ready));
  return {
    workers,
    /** Runs `command` in every worker at once; resolves to their results. */
    all: (command, args) => Promise.all(workers.map((w) => w.call(command, args))),
    /** SIGKILL, as a crash or an OOM kill would. */
    kill(i) {
      const { child } = workers[i];
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      return exited;
    },
    async close() {
      await Promise.all(workers.map(({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return null;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }));
    },
  };
}

/** The login route counted at the simulator, per vendor. */
export const LOGIN = {
  emnify: "POST /api/v1/authenticate",
  personr: "POST /api/1.1/wf/api-token-generate",
  zumrails: "POST /api/authorize",
};
