// The atomic store protocol through the package (AtomicTokenStore): a store
// object with `add` (and `deleteIf`) is detected by shape and used as a
// lock around every renewal; calls that never settle are bounded by
// timeoutMs. Redis itself is tested in redis*.test.mjs.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AuthClient } from "vendor-auth";
import { simulator, CREDENTIALS } from "./helpers.mjs";

let sim;
before(async () => { sim = await simulator(); });
after(() => sim.close());
beforeEach(() => sim.reset());

/** A Map with put-if-absent and compare-and-delete, logging every call. */
function atomicStore({ withDeleteIf = true } = {}) {
  const map = new Map();
  const log = [];
  const kind = (key) => (key.endsWith(":lease") ? "lease" : key.endsWith(":hold") ? "hold" : "entry");
  const store = {
    map,
    log,
    get: async (key) => { log.push(`get ${kind(key)}`); return map.get(key) ?? null; },
    put: async (key, value) => { log.push(`put ${kind(key)}`); map.set(key, value); },
    delete: async (key) => { log.push(`delete ${kind(key)}`); map.delete(key); },
    add: async (key, value, options) => {
      const added = !map.has(key);
      log.push(`add ${kind(key)} ${added} ttl=${options?.expirationTtl}`);
      if (added) map.set(key, value);
      return added;
    },
  };
  if (withDeleteIf) {
    store.deleteIf = async (key, value) => {
      const held = map.get(key) === value;
      log.push(`deleteIf ${kind(key)} ${held}`);
      if (held) map.delete(key);
      return held;
    };
  }
  return store;
}

const emnify = (store, extra = {}) =>
  new AuthClient({
    vendor: "emnify",
    baseUrl: `${sim.url}/emnify`,
    credentials: { applicationToken: CREDENTIALS.emnify.applicationToken },
    store,
    ...extra,
  });

test("a store with add and deleteIf: lock, read again, log in, write, release", async () => {
  const store = atomicStore();
  const client = emnify(store, { timeoutMs: 4000 });
  await client.clear();
  store.log.length = 0;
  const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 1);
  // Every call reads the entry once before joining the one renewal.
  const locked = store.log.findIndex((l) => l.startsWith("add"));
  assert.deepEqual(new Set(store.log.slice(0, locked)), new Set(["get entry"]));
  // (Rate-limit holds are read before the login too; not the point here.)
  assert.deepEqual(store.log.slice(locked).filter((l) => !l.includes("hold")), [
    "add lease true ttl=8", // twice timeoutMs, in seconds
    "get entry",
    "put entry",
    "deleteIf lease true",
  ]);
  assert.equal([...store.map.keys()].filter((k) => k.endsWith(":lease")).length, 0);
});

test("without deleteIf the lease is released after reading it back", async () => {
  const store = atomicStore({ withDeleteIf: false });
  const client = emnify(store);
  await client.clear();
  store.log.length = 0;
  await client.getToken();
  assert.deepEqual(store.log.slice(-2), ["get lease", "delete lease"]);
});

test("a lease held by another process is waited for, and its holder's token used", async () => {
  // The entry another process will write: obtained here first, then
  // forgotten (clear() also empties this realm's memory tier).
  const elsewhere = atomicStore();
  const other = emnify(elsewhere);
  await other.clear();
  const theirs = await other.getToken();
  const [key, text] = [...elsewhere.map].find(([k]) => !k.endsWith(":lease"));
  await other.clear();
  await sim.reset();

  const store = atomicStore();
  store.map.set(`${key}:lease`, JSON.stringify({ owner: "other", until: Date.now() + 10_000 }));
  setTimeout(() => {
    store.map.set(key, text);
    store.map.delete(`${key}:lease`);
  }, 300);
  const client = emnify(store);
  const started = Date.now();
  const token = await client.getToken();
  assert.ok(Date.now() - started >= 250, "it waited for the holder");
  assert.equal(token, theirs);
  assert.equal(await sim.count("emnify", "POST /api/v1/authenticate"), 0, "no login of its own");
  assert.ok(!store.log.some((l) => l.startsWith("add lease true")), store.log.join(", "));
});

test("add must resolve to a boolean: anything else is a store failure, and the client falls back", async () => {
  const store = atomicStore();
  store.add = async () => "OK"; // a raw Redis reply, not what the protocol says
  const client = emnify(store);
  await client.clear();
  const reasons = [];
  client.on("storage-fallback", (e) => reasons.push(e.reason));
  const token = await client.getToken();
  assert.ok(token);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /options\.store\.add must resolve to true/);
});

test("a store call that never settles fails after timeoutMs: getToken still answers, from memory", async () => {
  const never = new Promise(() => {});
  const store = { get: () => never, put: () => never, delete: () => never, add: () => never, deleteIf: () => never };
  const client = emnify(store, { timeoutMs: 600 });
  const reasons = [];
  client.on("storage-fallback", (e) => reasons.push(e.reason));
  const started = Date.now();
  const token = await client.getToken({ cache: "reload" });
  const took = Date.now() - started;
  assert.ok(token);
  assert.ok(took >= 550 && took < 600 + 1000, `took ${took} ms`);
  assert.deepEqual(reasons, ["options.store.get did not settle within timeoutMs (600 ms)"]);
});

test("add or deleteIf that is not a function is refused with INVALID_OPTIONS", () => {
  for (const bad of [{ add: 1 }, { add: async () => true, deleteIf: "yes" }]) {
    assert.throws(
      () => emnify({ get() {}, put() {}, delete() {}, ...bad }),
      (e) => e.code === "INVALID_OPTIONS" && /options\.store\.(add|deleteIf) is not a function/.test(e.message),
    );
  }
});
