// The host: runs the core's operations. The core (the wasm) is synchronous
// and decides everything; each step of an operation ends with the one
// effect it needs — a request, a store call, a lock, a timer, the realm's
// single flight — which this module performs, handing the answer to the
// next step. It knows no vendor and makes no decision of its own: waits,
// retries, back-off, what to renew and what to cache are the core's.
//
// Imported by the wasm-bindgen glue (a snippet, so it imports nothing);
// scripts/build.sh re-exports it as dist/host.js for pkg/client-fetch.js.

/**
 * Runs operation `id` of the client whose host description is `host`
 * (`{ step, store, fetch, timeoutMs, coordinator }`, made by the wasm) to
 * its end: resolves to its value, rejects with its AuthError.
 */
export async function hostRun(host, id) {
  const held = { locks: new Map(), watches: new Map(), next: 0, led: undefined };
  // A step may emit events whose listeners start other operations: the
  // first step runs from the microtask queue, never inside another step.
  await undefined;
  let outcome;
  try {
    for (;;) {
      const next = host.step(id, outcome, Date.now(), Math.random());
      // Property reads, not `in`: an optimised `in` here made Node 20's
      // deoptimiser crash (V8 "unreachable code") once effects of several
      // shapes had passed.
      if (next.kind === "done") return next.value;
      if (next.kind === "fail") throw next.value;
      outcome = await perform(host, next, held);
    }
  } finally {
    release(held);
  }
}

// The realm memory store's generation, told by the core at every move: the
// `getToken` memo (pkg/setup.js) compares it without entering the wasm.
let generation = 0;

export function generationMoved(moved) {
  generation = moved;
}

export const currentGeneration = () => generation;

/** Releases what an operation still holds when it ends, however it ends. */
function release(held) {
  for (const unlock of held.locks.values()) unlock();
  held.locks.clear();
  for (const watch of held.watches.values()) watching.delete(watch);
  held.watches.clear();
  // A leader that ended without landing (it cannot, but if it did): its
  // waiters take the lead in turn.
  if (held.led !== undefined) finish(held.led, undefined);
}

async function perform(host, effect, held) {
  switch (effect.kind) {
    case "send":
      return hostSend(effect.request, host.timeoutMs, host.fetch);
    case "get":
    case "put":
    case "delete":
    case "add":
    case "deleteIf":
      return storeCall(host, effect);
    case "watch":
      return watch(host.store, effect.key, held);
    case "take": {
      const watch = held.watches.get(effect.id);
      return { values: watch === undefined ? [] : watch.seen.splice(0) };
    }
    case "lock":
      return lock(effect.name, held);
    case "unlock":
      held.locks.get(effect.id)?.();
      held.locks.delete(effect.id);
      return {};
    case "sleep":
      await sleep(effect.ms);
      return {};
    case "ask":
      return ask(host.coordinator, effect);
    case "flight":
      return join(effect, held);
    case "land":
      if (held.led !== undefined) finish(held.led, effect.landed);
      held.led = undefined;
      return {};
    case "derive":
      return derive(effect);
    case "settled": {
      const flight = flights.get(effect.key);
      if (flight !== undefined) await wait(effect, flight);
      return {};
    }
    default:
      return {};
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PBKDF2-HMAC-SHA256 (16 bytes) with WebCrypto, for the verifier of the
 * client's secret: `{ bytes }`, or `{}` where there is no WebCrypto (an
 * http:// page) or it fails, and the core computes it in the wasm.
 */
function derive(effect) {
  // Operations started together derive it once.
  const key = `${effect.rounds}\0${effect.salt.join(",")}\0${effect.password.join(",")}`;
  let derived = deriving.get(key);
  if (derived === undefined) {
    derived = deriveBits(effect).finally(() => deriving.delete(key));
    deriving.set(key, derived);
  }
  return derived;
}

const deriving = new Map();

export async function deriveBits({ password, salt, rounds }) {
  try {
    const subtle = globalThis.crypto?.subtle;
    if (subtle === undefined) return {};
    const key = await subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: rounds }, key, 128);
    return { bytes: new Uint8Array(bits) };
  } catch {
    return {};
  }
}

// --- Stores -----------------------------------------------------------------

/**
 * One call of the client's store: `{ value }` or `{ error }` (what was
 * thrown, or why; the core names it without secrets), `{ missing: true }`
 * for an `add` or `deleteIf` the store does not have. A call of an object
 * store that has not settled within `timeoutMs` has failed: a client that
 * queues commands while offline (ioredis) must not hold `getToken` up.
 */
async function storeCall(host, effect) {
  const store = host.store;
  const { kind, key } = effect;
  if (store.kind === "web") return webStorage(store, kind, key, effect.value);
  const method = store[kind];
  if (method === undefined) return { missing: true };
  const ttl = effect.ttl === undefined ? {} : { expirationTtl: effect.ttl };
  const args = kind === "get" || kind === "delete" ? [key] : kind === "deleteIf" ? [key, effect.value] : [key, effect.value, ttl];
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(`options.store.${kind} did not settle within timeoutMs (${host.timeoutMs} ms)`), host.timeoutMs);
  });
  try {
    return { value: await Promise.race([method.apply(store.target, args), expired]) };
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** `localStorage` / `sessionStorage`: present but throwing (a private window's SecurityError) is a failure the core falls back from. */
function webStorage(store, kind, key, value) {
  let storage;
  try {
    storage = store.session ? globalThis.sessionStorage : globalThis.localStorage;
  } catch (error) {
    return { error };
  }
  if (!storage) return { error: "storage is unavailable" };
  try {
    if (kind === "get") return { value: storage.getItem(key) };
    if (kind === "put") storage.setItem(key, value);
    else if (kind === "delete") storage.removeItem(key);
    else return { missing: true };
    return {};
  } catch (error) {
    return { error };
  }
}

// Writes of other tabs to `localStorage` keys, from `storage` events: the
// core's lease learns of a claim even when a later write hid it from
// `getItem`. One listener per realm feeds every watch. It is added when
// the module loads, not when a lease is wanted: Firefox starts delivering
// storage events to a tab a moment after its first listener, and the
// claims of other tabs made meanwhile would be missed.
const watching = new Set();
const listening = (() => {
  try {
    if (typeof Window !== "function" || !(globalThis instanceof Window)) return false;
    globalThis.addEventListener("storage", onStorage);
    return true;
  } catch {
    return false;
  }
})();

function onStorage(event) {
  let local;
  try {
    local = globalThis.localStorage;
  } catch {
    return;
  }
  if (event.storageArea !== local) return;
  // A null key is localStorage.clear(): every watched key is gone.
  const value = typeof event.newValue === "string" ? event.newValue : null;
  for (const watch of watching) {
    if (event.key === null || event.key === watch.key) watch.seen.push(value);
  }
}

function watch(store, key, held) {
  // sessionStorage is one tab's: no other tab writes to it.
  if (!listening || store?.kind !== "web" || store.session) return {};
  const entry = { key, seen: [] };
  watching.add(entry);
  const id = ++held.next;
  held.watches.set(id, entry);
  return { id };
}

// --- Locks ------------------------------------------------------------------

/**
 * Waits for the Web Lock `name`: `{ id }` once held (released by the
 * operation's `unlock`, or when it ends), `{}` when there is none to have
 * (the request fails, as in an opaque origin): the core goes on without.
 */
function lock(name, held) {
  return new Promise((resolve) => {
    let requested;
    try {
      requested = globalThis.navigator.locks.request(name, () => new Promise((unlock) => {
        const id = ++held.next;
        held.locks.set(id, unlock);
        resolve({ id });
      }));
    } catch {
      resolve({});
      return;
    }
    // Settles only once the lock is released, unless the request fails first.
    Promise.resolve(requested).catch(() => resolve({}));
  });
}

// --- The coordinator ----------------------------------------------------------

/** Where the Durable Object answers (a name only: requests to a stub never leave Cloudflare). */
const ASK_URL = "https://vendor-auth.coordinator/ask";

/** Asks the principal's Durable Object: `{ status, text }`, `{ unreachable }` or `{ thrown }`. */
async function ask(coordinator, effect) {
  if (coordinator === undefined) return { unreachable: "this client has no coordinator" };
  try {
    const id = coordinator.idFromName.call(coordinator.namespace, effect.key);
    const stub = coordinator.get.call(coordinator.namespace, id);
    if (typeof stub?.fetch !== "function") return { unreachable: "the stub has no fetch" };
    const body = `{"options":${coordinator.options},${effect.ask.slice(1)}`;
    const response = await stub.fetch(ASK_URL, { method: "POST", body });
    if (!isA(response, globalThis.Response)) return { unreachable: "the stub answered something that is not a Response" };
    return { status: response.status, text: await response.text() };
  } catch (thrown) {
    return { thrown };
  }
}

// --- Single flight ------------------------------------------------------------

// The renewals in flight in this realm, by the core's flight key: while one
// operation renews, every other that needs the same token waits for its
// outcome instead of logging in again. This is what turns 1,000 concurrent
// `getToken` calls into one login.
const flights = new Map();

/**
 * Joins the flight under `effect.key`: `{ landed }` (the leader's outcome)
 * or `{}` (this operation leads). A waiter is woken by the leader. With
 * `effect.maxWaitMs` (Cloudflare Workers) it also holds a timer of its own
 * that long and then takes the lead: the leading request may be gone,
 * canceled with its I/O, and the pending timer is what keeps the waiting
 * request alive.
 */
async function join(effect, held) {
  for (;;) {
    const flight = flights.get(effect.key);
    if (flight === undefined) {
      let resolve;
      const settled = new Promise((r) => (resolve = r));
      const mine = { key: effect.key, settled, resolve, done: false, landed: undefined };
      flights.set(effect.key, mine);
      held.led = mine;
      return {};
    }
    const landed = await wait(effect, flight);
    if (landed !== undefined) return { landed };
  }
}

/** The flight's outcome; `undefined` when its leader gave up or a bounded wait ran out. */
async function wait(effect, flight) {
  if (effect.maxWaitMs === undefined) return flight.settled;
  let timer;
  const expired = new Promise((resolve) => (timer = setTimeout(resolve, effect.maxWaitMs, expiredMark)));
  const landed = await Promise.race([flight.settled, expired]);
  clearTimeout(timer);
  if (landed !== expiredMark) return landed;
  if (flights.get(flight.key) === flight) flights.delete(flight.key);
  return undefined;
}

const expiredMark = Symbol("expired");

function finish(flight, landed) {
  if (flight.done) return;
  flight.done = true;
  flight.landed = landed;
  if (flights.get(flight.key) === flight) flights.delete(flight.key);
  flight.resolve(landed);
}

// --- The transport ------------------------------------------------------------
//
// The core's own requests (logins, refreshes, revocations, account calls):
// the caller's `options.fetch` when given, else the *global* `fetch` (never
// `window.fetch`, so one build works in windows, workers, Node and
// Cloudflare Workers), bounded by `timeoutMs` until the body is read. It
// never throws: every failure is an answer the core turns into its error
// (and scrubs of the request's credentials).

/** The largest answer read: vendors answer a few hundred bytes, and a larger body (a broken proxy, an attack) is refused, not buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

let knowsCredentials;

/**
 * Cloudflare Workers refuse an init with `credentials` (they have no cookie
 * jar, so there is nothing to omit); browsers, Node and Deno know the field.
 */
export function omitCookies(init) {
  knowsCredentials ??= typeof Request === "function" && "credentials" in Request.prototype;
  if (knowsCredentials) init.credentials = "omit";
}

/** A `Response`, or an object shaped like one (a `fetch` of another realm or package). */
export function isResponse(value) {
  if (isA(value, globalThis.Response)) return true;
  try {
    return (
      typeof value?.status === "number" && value.status >= 100 && value.status <= 599 &&
      typeof value.headers?.get === "function" && typeof value.clone === "function"
    );
  } catch {
    // A revoked Proxy, a throwing getter: not a response.
    return false;
  }
}

/** A 3xx, or a browser's opaque redirect. */
export const isRedirect = (response) => (response.status >= 300 && response.status < 400) || response.type === "opaqueredirect";

/**
 * Sends `request` (`{ method, url, headers: [[name, value]], body?, form? }`)
 * and answers `{ status, headers: [[name, value]], body }`, or `{ error }`:
 * `"timeout"`, `"redirected"` (with `status`), `"too-large"`, or
 * `"network"` with `thrown` (what the runtime threw) or `text`.
 */
export async function hostSend(request, timeoutMs, custom) {
  // Logins carry credentials: a redirect to another origin would repost
  // them there, and its answer would be read as the vendor's. Ambient
  // cookies are never the library's credentials, and a cookie a vendor
  // sets (VoIPBIN's `token`) must not override the one sent.
  const init = { method: request.method, redirect: "manual" };
  omitCookies(init);
  try {
    const headers = new Headers();
    for (const [name, value] of request.headers) headers.append(name, value);
    init.headers = headers;
    if (request.body !== undefined) {
      init.body = request.body;
    } else if (request.form !== undefined) {
      const form = new FormData();
      for (const [name, value] of request.form) form.append(name, value);
      init.body = form;
    }
  } catch (thrown) {
    return { error: "network", thrown };
  }
  const controller = new AbortController();
  let timedOut = false;
  let expire;
  // The timer settles the request even where the abort does nothing (an
  // `options.fetch` that ignores the signal, or a body that never ends).
  const expired = new Promise((resolve) => {
    expire = resolve;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    expire({ error: "timeout" });
  }, timeoutMs);
  init.signal = controller.signal;
  const failed = (thrown) => (timedOut ? { error: "timeout" } : { error: "network", thrown });
  try {
    return await Promise.race([answer(custom, request, init, failed), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends and reads one request's answer; `failed` tells a time-out from a network error. */
async function answer(custom, request, init, failed) {
  let response;
  try {
    response = await (custom ?? fetch)(request.url, init);
  } catch (thrown) {
    return failed(thrown);
  }
  if (!isResponse(response)) return { error: "network", text: "fetch resolved to something that is not a Response" };
  if (isRedirect(response)) {
    cancel(response.body);
    return { error: "redirected", status: response.status };
  }
  const headers = [];
  try {
    for (const [name, value] of response.headers) {
      if (typeof name === "string" && typeof value === "string") headers.push([name, value]);
    }
  } catch {}
  const body = response.body;
  if (!body) return { status: response.status, headers, body: "" };
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\+?\d+$/.test(declared.trim()) && Number(declared.trim()) > MAX_BODY_BYTES) {
    cancel(body);
    return { error: "too-large" };
  }
  let bytes;
  try {
    bytes = await readLimited(body);
  } catch (thrown) {
    return failed(thrown);
  }
  if (typeof bytes === "string") return { error: bytes === "too-large" ? "too-large" : "network", text: bytes };
  return { status: response.status, headers, body: new TextDecoder().decode(bytes) };
}

/** Lets go of a body nobody will read (it would hold its connection until collected). */
export function cancel(stream) {
  try {
    stream?.cancel().catch(() => {});
  } catch {}
}

/** The body's bytes, at most MAX_BODY_BYTES; `"too-large"` past that, or a text saying why it could not be read. */
async function readLimited(body) {
  const reader = body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    // `ArrayBuffer.isView`, not `instanceof Uint8Array`: under jsdom or
    // happy-dom the chunks come from another realm. Anything that is not
    // bytes ends the read: a skipped chunk would silently shorten the body.
    if (!ArrayBuffer.isView(chunk.value)) {
      reader.cancel().catch(() => {});
      return "a body chunk was not bytes";
    }
    length += chunk.value.byteLength;
    if (length > MAX_BODY_BYTES) {
      reader.cancel().catch(() => {});
      return "too-large";
    }
    chunks.push(new Uint8Array(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength));
  }
  return concat(chunks, length);
}

/** The chunks of a body read, as one array of `length` bytes. */
export function concat(chunks, length) {
  const all = new Uint8Array(length);
  let at = 0;
  for (const bytes of chunks) {
    all.set(bytes, at);
    at += bytes.length;
  }
  return all;
}

/** `value instanceof Class` where the class exists, false where the check throws (a revoked Proxy). */
export function isA(value, Class) {
  try {
    return typeof Class === "function" && value instanceof Class;
  } catch {
    return false;
  }
}
