var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// pkg/node.js
import { readFileSync } from "node:fs";

// pkg/dist/snippets/vendor-auth-cbc785c6bc1a4171/pkg/host.js
async function hostRun(host, id) {
  const held = { locks: /* @__PURE__ */ new Map(), watches: /* @__PURE__ */ new Map(), next: 0, led: void 0 };
  await void 0;
  let outcome;
  try {
    for (; ; ) {
      const next = host.step(id, outcome, Date.now(), Math.random());
      if (next.kind === "done") return next.value;
      if (next.kind === "fail") throw next.value;
      outcome = await perform(host, next, held);
    }
  } finally {
    release(held);
  }
}
var generation = 0;
function generationMoved(moved) {
  generation = moved;
}
var currentGeneration = () => generation;
function release(held) {
  for (const unlock of held.locks.values()) unlock();
  held.locks.clear();
  for (const watch2 of held.watches.values()) watching.delete(watch2);
  held.watches.clear();
  if (held.led !== void 0) finish(held.led, void 0);
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
      const watch2 = held.watches.get(effect.id);
      return { values: watch2 === void 0 ? [] : watch2.seen.splice(0) };
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
      if (held.led !== void 0) finish(held.led, effect.landed);
      held.led = void 0;
      return {};
    case "derive":
      return derive(effect);
    case "settled": {
      const flight = flights.get(effect.key);
      if (flight !== void 0) await wait(effect, flight);
      return {};
    }
    default:
      return {};
  }
}
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function derive(effect) {
  const key = `${effect.rounds}\0${effect.salt.join(",")}\0${effect.password.join(",")}`;
  let derived = deriving.get(key);
  if (derived === void 0) {
    derived = deriveBits(effect).finally(() => deriving.delete(key));
    deriving.set(key, derived);
  }
  return derived;
}
var deriving = /* @__PURE__ */ new Map();
async function deriveBits({ password, salt, rounds }) {
  try {
    const subtle = globalThis.crypto?.subtle;
    if (subtle === void 0) return {};
    const key = await subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: rounds }, key, 128);
    return { bytes: new Uint8Array(bits) };
  } catch {
    return {};
  }
}
async function storeCall(host, effect) {
  const store = host.store;
  const { kind, key } = effect;
  if (store.kind === "web") return webStorage(store, kind, key, effect.value);
  const method = store[kind];
  if (method === void 0) return { missing: true };
  const ttl = effect.ttl === void 0 ? {} : { expirationTtl: effect.ttl };
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
var watching = /* @__PURE__ */ new Set();
var listening = (() => {
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
  const value = typeof event.newValue === "string" ? event.newValue : null;
  for (const watch2 of watching) {
    if (event.key === null || event.key === watch2.key) watch2.seen.push(value);
  }
}
function watch(store, key, held) {
  if (!listening || store?.kind !== "web" || store.session) return {};
  const entry = { key, seen: [] };
  watching.add(entry);
  const id = ++held.next;
  held.watches.set(id, entry);
  return { id };
}
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
    Promise.resolve(requested).catch(() => resolve({}));
  });
}
var ASK_URL = "https://vendor-auth.coordinator/ask";
async function ask(coordinator, effect) {
  if (coordinator === void 0) return { unreachable: "this client has no coordinator" };
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
var flights = /* @__PURE__ */ new Map();
async function join(effect, held) {
  for (; ; ) {
    const flight = flights.get(effect.key);
    if (flight === void 0) {
      let resolve;
      const settled = new Promise((r) => resolve = r);
      const mine = { key: effect.key, settled, resolve, done: false, landed: void 0 };
      flights.set(effect.key, mine);
      held.led = mine;
      return {};
    }
    const landed = await wait(effect, flight);
    if (landed !== void 0) return { landed };
  }
}
async function wait(effect, flight) {
  if (effect.maxWaitMs === void 0) return flight.settled;
  let timer;
  const expired = new Promise((resolve) => timer = setTimeout(resolve, effect.maxWaitMs, expiredMark));
  const landed = await Promise.race([flight.settled, expired]);
  clearTimeout(timer);
  if (landed !== expiredMark) return landed;
  if (flights.get(flight.key) === flight) flights.delete(flight.key);
  return void 0;
}
var expiredMark = /* @__PURE__ */ Symbol("expired");
function finish(flight, landed) {
  if (flight.done) return;
  flight.done = true;
  flight.landed = landed;
  if (flights.get(flight.key) === flight) flights.delete(flight.key);
  flight.resolve(landed);
}
var MAX_BODY_BYTES = 1024 * 1024;
var knowsCredentials;
function omitCookies(init) {
  knowsCredentials ??= typeof Request === "function" && "credentials" in Request.prototype;
  if (knowsCredentials) init.credentials = "omit";
}
function isResponse(value) {
  if (isA(value, globalThis.Response)) return true;
  try {
    return typeof value?.status === "number" && value.status >= 100 && value.status <= 599 && typeof value.headers?.get === "function" && typeof value.clone === "function";
  } catch {
    return false;
  }
}
var isRedirect = (response) => response.status >= 300 && response.status < 400 || response.type === "opaqueredirect";
async function hostSend(request, timeoutMs, custom) {
  const init = { method: request.method, redirect: "manual" };
  omitCookies(init);
  try {
    const headers = new Headers();
    for (const [name, value] of request.headers) headers.append(name, value);
    init.headers = headers;
    if (request.body !== void 0) {
      init.body = request.body;
    } else if (request.form !== void 0) {
      const form = new FormData();
      for (const [name, value] of request.form) form.append(name, value);
      init.body = form;
    }
  } catch (thrown) {
    return { error: "network", thrown };
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  init.signal = controller.signal;
  const failed = (thrown) => timedOut ? { error: "timeout" } : { error: "network", thrown };
  try {
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
    } catch {
    }
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
  } finally {
    clearTimeout(timer);
  }
}
function cancel(stream) {
  try {
    stream?.cancel().catch(() => {
    });
  } catch {
  }
}
async function readLimited(body) {
  const reader = body.getReader();
  const chunks = [];
  let length = 0;
  for (; ; ) {
    const chunk = await reader.read();
    if (chunk.done) break;
    if (!ArrayBuffer.isView(chunk.value)) {
      reader.cancel().catch(() => {
      });
      return "a body chunk was not bytes";
    }
    length += chunk.value.byteLength;
    if (length > MAX_BODY_BYTES) {
      reader.cancel().catch(() => {
      });
      return "too-large";
    }
    chunks.push(new Uint8Array(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength));
  }
  return concat(chunks, length);
}
function concat(chunks, length) {
  const all = new Uint8Array(length);
  let at = 0;
  for (const bytes of chunks) {
    all.set(bytes, at);
    at += bytes.length;
  }
  return all;
}
function isA(value, Class) {
  try {
    return typeof Class === "function" && value instanceof Class;
  } catch {
    return false;
  }
}

// pkg/dist/snippets/vendor-auth-cbc785c6bc1a4171/inline0.js
var inline0_exports = {};
__export(inline0_exports, {
  isWindow: () => isWindow
});
function isWindow() {
  return typeof Window === "function" && globalThis instanceof Window;
}

// pkg/dist/vendor_auth.js
var AuthClient = class {
  __destroy_into_raw() {
    const ptr = this.__wbg_ptr;
    this.__wbg_ptr = 0;
    AuthClientFinalization.unregister(this);
    return ptr;
  }
  free() {
    const ptr = this.__destroy_into_raw();
    wasm.__wbg_authclient_free(ptr, 0);
  }
  /**
   * Tells the core of an answer listed in `plan.reported`.
   * @param {number} status
   * @param {string | null} [retry_after]
   * @returns {Promise<any>}
   */
  __apiAnswered(status, retry_after) {
    const val2 = +status;
    var ptr0 = isLikeNone(retry_after) ? 0 : passStringToWasm0(retry_after, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.authclient___apiAnswered(this.__wbg_ptr, val2, ptr0, len0);
    return ret;
  }
  /**
   * Used by the package's `TokenCoordinator` Durable Object: answers a
   * client's ask from this client's store. Not part of the public API.
   * @param {string} kind
   * @param {string | null} [token]
   * @returns {Promise<any>}
   */
  __coordinate(kind, token) {
    let ptr0, len0, ptr1, len1;
    try {
      ptr0 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
      len0 = WASM_VECTOR_LEN;
      ptr1 = isLikeNone(token) ? 0 : passStringToWasm0(token, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
      len1 = WASM_VECTOR_LEN;
    } catch (e) {
      if (ptr1) {
        wasm.__wbindgen_free(ptr1, len1 * 1, 1);
      }
      if (ptr0) {
        wasm.__wbindgen_free(ptr0, len0 * 1, 1);
      }
      throw e;
    }
    const ret = wasm.authclient___coordinate(this.__wbg_ptr, ptr0, len0, ptr1, len1);
    return ret;
  }
  /**
   * The `AuthError` of a host failure: `kind` is `"invalid"` (`detail`
   * the message), `"unreadable"` (`detail` what reading threw; `what` the
   * field), `"foreign"` (`detail` the origin), `"unsafe"`, `"timeout"` or
   * `"network"` (`detail` what the runtime threw, `what` the token to
   * scrub from it).
   * @param {string} kind
   * @param {any} detail
   * @param {string | null} [what]
   * @returns {any}
   */
  __fetchFailure(kind, detail, what) {
    let ptr0, len0, ptr1, len1;
    try {
      ptr0 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
      len0 = WASM_VECTOR_LEN;
      ptr1 = isLikeNone(what) ? 0 : passStringToWasm0(what, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
      len1 = WASM_VECTOR_LEN;
    } catch (e) {
      if (ptr1) {
        wasm.__wbindgen_free(ptr1, len1 * 1, 1);
      }
      if (ptr0) {
        wasm.__wbindgen_free(ptr0, len0 * 1, 1);
      }
      throw e;
    }
    const ret = wasm.authclient___fetchFailure(this.__wbg_ptr, ptr0, len0, detail, ptr1, len1);
    return ret;
  }
  /**
   * The client's `FetchPlan` (see `core::fetch`), with `options.fetch`.
   * @returns {any}
   */
  __fetchPlan() {
    const ret = wasm.authclient___fetchPlan(this.__wbg_ptr);
    return ret;
  }
  /**
   * `getToken()` for the package's own wrapper (`pkg/setup.js`): the
   * token, the local instant until which the same call would answer the
   * same token (see `TokenInfo::memo_until_ms`), and the realm's memory
   * store generation at the moment of the answer. Not part of the public
   * API.
   * @returns {Promise<any>}
   */
  __getTokenMemo() {
    const ret = wasm.authclient___getTokenMemo(this.__wbg_ptr);
    return ret;
  }
  /**
   * Whether an answer listed in `plan.judged`, with (the start of) its
   * body, rejects the token.
   * @param {number} status
   * @param {string} body
   * @returns {boolean}
   */
  __isRejection(status, body) {
    const val2 = +status;
    const ptr0 = passStringToWasm0(body, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.authclient___isRejection(this.__wbg_ptr, val2, ptr0, len0);
    return ret !== 0;
  }
  /**
   * The renewed token was rejected too.
   * @param {number} status
   * @param {string} renewed
   * @returns {Promise<any>}
   */
  __rejectedTwice(status, renewed) {
    const val2 = +status;
    const ptr0 = passStringToWasm0(renewed, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.authclient___rejectedTwice(this.__wbg_ptr, val2, ptr0, len0);
    return ret;
  }
  /**
   * The token renewed after the vendor rejected `rejected`; `null` when
   * the renewal is damped (the rejected answer is the caller's).
   * @param {string} rejected
   * @returns {Promise<any>}
   */
  __renewAfterRejection(rejected2) {
    const ptr0 = passStringToWasm0(rejected2, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.authclient___renewAfterRejection(this.__wbg_ptr, ptr0, len0);
    return ret;
  }
  /**
   * Forgets the cached token (in this client's store). The next
   * `getToken` obtains a new one.
   * @returns {Promise<void>}
   */
  clear() {
    const ret = wasm.authclient_clear(this.__wbg_ptr);
    return ret;
  }
  /**
   * emnify: finishes a login that rejected with `MFA_REQUIRED`, with the
   * code from the user's authenticator app, and caches the token. Pass
   * `trustedDevice` (`{ fingerprint?, name?, operating_system?, browser? }`)
   * to have emnify trust the device for 90 days; without a `fingerprint`
   * one is generated (128 random bits). Resolves to the `TokenInfo` with
   * the `fingerprint` sent (`null` without `trustedDevice`): keep it like
   * a password and pass it as `options.fingerprint` to skip the MFA step
   * next time. The library never stores it. Three failed logins lock the
   * account for 5 minutes (`RATE_LIMITED`). Other vendors: `UNSUPPORTED`.
   * @param {string} code
   * @param {TrustedDevice | null} [trusted_device]
   * @returns {Promise<MfaTokenInfo>}
   */
  completeMfa(code, trusted_device) {
    const ret = wasm.authclient_completeMfa(this.__wbg_ptr, code, isLikeNone(trusted_device) ? 0 : addToExternrefTable0(trusted_device));
    return ret;
  }
  /**
   * VoIPBIN: creates an access key. `expireSeconds` must be 86400 to 2147483647
   * (checked before any request). Resolves to the key with its `token`,
   * which VoIPBIN shows only this once. Other vendors: `UNSUPPORTED`.
   * @param {NewAccessKeyOptions} options
   * @returns {Promise<AccessKey>}
   */
  createAccessKey(options) {
    const ret = wasm.authclient_createAccessKey(this.__wbg_ptr, options);
    return ret;
  }
  /**
   * emnify: creates an application token (`POST /api/v1/application_token`)
   * and resolves to it. Store it like a password: emnify shows it once.
   * Other vendors: `UNSUPPORTED`.
   * @param {NewApplicationTokenOptions | null} [options]
   * @returns {Promise<string>}
   */
  createApplicationToken(options) {
    const ret = wasm.authclient_createApplicationToken(this.__wbg_ptr, isLikeNone(options) ? 0 : addToExternrefTable0(options));
    return ret;
  }
  /**
   * VoIPBIN: deletes the access key with this id and resolves to it.
   * Other vendors: `UNSUPPORTED`.
   * @param {string} id
   * @returns {Promise<AccessKey>}
   */
  deleteAccessKey(id) {
    const ret = wasm.authclient_deleteAccessKey(this.__wbg_ptr, id);
    return ret;
  }
  /**
   * Like `getToken`, with the expiry (ms since the epoch in the local
   * clock, or `null` for a token that never expires), whether it came from
   * the cache, and vendor facts (`meta`).
   * @param {GetTokenOptions | null} [options]
   * @returns {Promise<TokenInfo>}
   */
  getTokenInfo(options) {
    const ret = wasm.authclient_getTokenInfo(this.__wbg_ptr, isLikeNone(options) ? 0 : addToExternrefTable0(options));
    return ret;
  }
  /**
   * The token: from the cache while it is fresh (until `expiresAt -
   * refreshMarginSeconds`), else obtained from the vendor — once for all
   * concurrent callers of the same principal.
   *
   * `cache: "reload"` renews now; `cache: "only-if-cached"` never goes to
   * the network and rejects with `REAUTH_REQUIRED` when nothing usable is
   * cached.
   * @param {GetTokenOptions | null} [options]
   * @returns {Promise<string>}
   */
  getToken(options) {
    const ret = wasm.authclient_getToken(this.__wbg_ptr, isLikeNone(options) ? 0 : addToExternrefTable0(options));
    return ret;
  }
  /**
   * VoIPBIN: every access key of the account (all pages). Other vendors:
   * `UNSUPPORTED`.
   * @returns {Promise<AccessKey[]>}
   */
  listAccessKeys() {
    const ret = wasm.authclient_listAccessKeys(this.__wbg_ptr);
    return ret;
  }
  /**
   * emnify: the account's application tokens (never their values).
   * Other vendors: `UNSUPPORTED`.
   * @returns {Promise<ApplicationToken[]>}
   */
  listApplicationTokens() {
    const ret = wasm.authclient_listApplicationTokens(this.__wbg_ptr);
    return ret;
  }
  /**
   * Validates the options and prepares the client. No network request is
   * made until a token is needed.
   *
   * @throws {AuthError} `INVALID_OPTIONS`, naming the field, for an unknown
   * vendor or environment, a missing or mistyped credential, a bad
   * `baseUrl`, `store`, `refreshMarginSeconds` or `timeoutMs`.
   * @param {AuthClientOptions} options
   */
  constructor(options) {
    const ret = wasm.authclient_new(options);
    if (ret[2]) {
      throw takeFromExternrefTable0(ret[1]);
    }
    this.__wbg_ptr = ret[0];
    AuthClientFinalization.register(this, this.__wbg_ptr, this);
    return this;
  }
  /**
   * Listens to `"token"` (a new token: `{ vendor, expiresAt, fromCache }`,
   * never the token itself), `"error"` (the `AuthError` a call rejected
   * with) or `"storage-fallback"` (`{ vendor, reason }`: the store failed
   * and tokens are kept in memory). Returns a function that unsubscribes.
   * @param {AuthClientEventName} event
   * @param {AuthClientListener} listener
   * @returns {() => void}
   */
  on(event, listener) {
    const ret = wasm.authclient_on(this.__wbg_ptr, event, listener);
    if (ret[2]) {
      throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
  }
  /**
   * emnify: revokes the application token with this id. Auth tokens it
   * already produced stay valid until they expire. Other vendors:
   * `UNSUPPORTED`.
   * @param {number} id
   * @returns {Promise<void>}
   */
  revokeApplicationToken(id) {
    const ret = wasm.authclient_revokeApplicationToken(this.__wbg_ptr, id);
    return ret;
  }
  /**
   * Revokes the token at the vendor where the vendor supports it (Zūm
   * Rails cancels it), then forgets it. For vendors without a revoke
   * endpoint (RunBuggy, Personr, emnify auth tokens, VoIPBIN login tokens)
   * the token is only forgotten here and stays valid at the vendor until it
   * expires: resolves to `"local"` then, `"vendor"` when the vendor revoked it.
   * @returns {Promise<"vendor" | "local">}
   */
  revoke() {
    const ret = wasm.authclient_revoke(this.__wbg_ptr);
    return ret;
  }
};
if (Symbol.dispose) AuthClient.prototype[Symbol.dispose] = AuthClient.prototype.free;
function __registerAuthError(_class) {
  wasm.__registerAuthError(_class);
}
function __registerIndexedDB(factory) {
  wasm.__registerIndexedDB(factory);
}
function __wbg_get_imports() {
  const import0 = {
    __proto__: null,
    __wbg___wbindgen_boolean_get_4f1baf9a00be3c74: function(arg0) {
      const v = arg0;
      const ret = typeof v === "boolean" ? v : void 0;
      return isLikeNone(ret) ? 16777215 : ret ? 1 : 0;
    },
    __wbg___wbindgen_is_bigint_5fa10641e039d3ef: function(arg0) {
      const ret = typeof arg0 === "bigint";
      return ret;
    },
    __wbg___wbindgen_is_falsy_d864b623500ae65d: function(arg0) {
      const ret = !arg0;
      return ret;
    },
    __wbg___wbindgen_is_function_741ff2bb612836f5: function(arg0) {
      const ret = typeof arg0 === "function";
      return ret;
    },
    __wbg___wbindgen_is_null_c22311b1cc228e3a: function(arg0) {
      const ret = arg0 === null;
      return ret;
    },
    __wbg___wbindgen_is_object_8b968c3ab8e96595: function(arg0) {
      const val = arg0;
      const ret = typeof val === "object" && val !== null;
      return ret;
    },
    __wbg___wbindgen_is_symbol_f846131a047725ea: function(arg0) {
      const ret = typeof arg0 === "symbol";
      return ret;
    },
    __wbg___wbindgen_is_undefined_be5b34249ff1fc15: function(arg0) {
      const ret = arg0 === void 0;
      return ret;
    },
    __wbg___wbindgen_number_get_934b640d0889af78: function(arg0, arg1) {
      const obj = arg1;
      const ret = typeof obj === "number" ? obj : void 0;
      getDataViewMemory0().setFloat64((arg0 >>> 0) + 8 * 1, isLikeNone(ret) ? 0 : ret, true);
      getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, !isLikeNone(ret), true);
    },
    __wbg___wbindgen_string_get_7ce8eee7fd327545: function(arg0, arg1) {
      const obj = arg1;
      const ret = typeof obj === "string" ? obj : void 0;
      var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
      var len1 = WASM_VECTOR_LEN;
      getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
      getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
    },
    __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
      throw new Error(getStringFromWasm0(arg0, arg1));
    },
    __wbg_assign_6b6bb30388088072: function(arg0, arg1) {
      const ret = Object.assign(arg0, arg1);
      return ret;
    },
    __wbg_call_40b008ba32f73991: function() {
      return handleError(function(arg0, arg1) {
        const ret = arg0.call(arg1);
        return ret;
      }, arguments);
    },
    __wbg_call_a410eb4b59ed5965: function() {
      return handleError(function(arg0, arg1, arg2) {
        const ret = arg0.call(arg1, arg2);
        return ret;
      }, arguments);
    },
    __wbg_construct_8670bb4c2b062969: function() {
      return handleError(function(arg0, arg1) {
        const ret = Reflect.construct(arg0, arg1);
        return ret;
      }, arguments);
    },
    __wbg_generationMoved_21dcc9dd9ce57b01: function(arg0) {
      generationMoved(arg0 >>> 0);
    },
    __wbg_getOwnPropertyDescriptor_bde8c48ab22edbff: function() {
      return handleError(function(arg0, arg1) {
        const ret = Reflect.getOwnPropertyDescriptor(arg0, arg1);
        return ret;
      }, arguments);
    },
    __wbg_get_2080c49015e35254: function() {
      return handleError(function(arg0, arg1) {
        const ret = Reflect.get(arg0, arg1);
        return ret;
      }, arguments);
    },
    __wbg_get_d7176cfb76d71114: function(arg0, arg1) {
      const ret = arg0[arg1 >>> 0];
      return ret;
    },
    __wbg_get_unchecked_e6325ad374eff861: function(arg0, arg1) {
      const ret = arg0[arg1 >>> 0];
      return ret;
    },
    __wbg_has_2c4d5cf25ec8c1cf: function() {
      return handleError(function(arg0, arg1) {
        const ret = Reflect.has(arg0, arg1);
        return ret;
      }, arguments);
    },
    __wbg_hostRun_da1c5965ff5d1898: function(arg0, arg1) {
      const ret = hostRun(arg0, arg1 >>> 0);
      return ret;
    },
    __wbg_instanceof_Error_74e3cca0c4a69161: function(arg0) {
      let result;
      try {
        result = arg0 instanceof Error;
      } catch (_) {
        result = false;
      }
      const ret = result;
      return ret;
    },
    __wbg_instanceof_Uint8Array_d7aeb0dcb3108fea: function(arg0) {
      let result;
      try {
        result = arg0 instanceof Uint8Array;
      } catch (_) {
        result = false;
      }
      const ret = result;
      return ret;
    },
    __wbg_isArray_8294c75ff9b6b6d3: function() {
      return handleError(function(arg0) {
        const ret = Array.isArray(arg0);
        return ret;
      }, arguments);
    },
    __wbg_isArray_bcf1376d0d732d08: function(arg0) {
      const ret = Array.isArray(arg0);
      return ret;
    },
    __wbg_length_186163212ffe79c3: function(arg0) {
      const ret = arg0.length;
      return ret;
    },
    __wbg_length_b03a0fabb109b1e9: function(arg0) {
      const ret = arg0.length;
      return ret;
    },
    __wbg_message_43d8c8f1d543a349: function(arg0) {
      const ret = arg0.message;
      return ret;
    },
    __wbg_name_d1fa514fdca6a975: function(arg0) {
      const ret = arg0.name;
      return ret;
    },
    __wbg_new_37eb45aaf5eeb820: function() {
      const ret = new Array();
      return ret;
    },
    __wbg_new_787b9fb330d55d78: function(arg0, arg1) {
      const ret = new Error(getStringFromWasm0(arg0, arg1));
      return ret;
    },
    __wbg_new_cd4348290afae586: function() {
      const ret = new Object();
      return ret;
    },
    __wbg_new_from_slice_b8daf545a41c6aa0: function(arg0, arg1) {
      const ret = new Uint8Array(getArrayU8FromWasm0(arg0, arg1));
      return ret;
    },
    __wbg_new_with_length_01b143a7e5dd5a3e: function(arg0) {
      const ret = new Uint8Array(arg0 >>> 0);
      return ret;
    },
    __wbg_now_463ac581d2fc7ea3: function() {
      const ret = Date.now();
      return ret;
    },
    __wbg_of_027eb15371aac932: function(arg0) {
      const ret = Array.of(arg0);
      return ret;
    },
    __wbg_of_4cc373bef1f715a4: function(arg0, arg1, arg2) {
      const ret = Array.of(arg0, arg1, arg2);
      return ret;
    },
    __wbg_of_e7ea0fcd535c1444: function(arg0, arg1) {
      const ret = Array.of(arg0, arg1);
      return ret;
    },
    __wbg_ownKeys_c9890d5405932253: function() {
      return handleError(function(arg0) {
        const ret = Reflect.ownKeys(arg0);
        return ret;
      }, arguments);
    },
    __wbg_parse_c3f72b5a24f83c01: function() {
      return handleError(function(arg0, arg1) {
        const ret = JSON.parse(getStringFromWasm0(arg0, arg1));
        return ret;
      }, arguments);
    },
    __wbg_prototypesetcall_13162965d1fe7aa3: function(arg0, arg1, arg2) {
      Uint8Array.prototype.set.call(getArrayU8FromWasm0(arg0, arg1), arg2);
    },
    __wbg_push_c9f4893fc209f768: function(arg0, arg1) {
      const ret = arg0.push(arg1);
      return ret;
    },
    __wbg_random_df36b90cd78a7d54: function() {
      const ret = Math.random();
      return ret;
    },
    __wbg_reject_334b730b3c00849b: function(arg0) {
      const ret = Promise.reject(arg0);
      return ret;
    },
    __wbg_set_2793479888329cb6: function() {
      return handleError(function(arg0, arg1, arg2) {
        const ret = Reflect.set(arg0, arg1, arg2);
        return ret;
      }, arguments);
    },
    __wbg_set_name_822e3903f3184979: function(arg0, arg1, arg2) {
      arg0.name = getStringFromWasm0(arg1, arg2);
    },
    __wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: function() {
      const ret = typeof globalThis === "undefined" ? void 0 : globalThis;
      return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
    },
    __wbg_static_accessor_GLOBAL_e4293fb22cbe77da: function() {
      const ret = typeof global === "undefined" ? void 0 : global;
      return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
    },
    __wbg_static_accessor_SELF_53bb20457401453d: function() {
      const ret = typeof self === "undefined" ? void 0 : self;
      return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
    },
    __wbg_static_accessor_WINDOW_b5e0810bfecb7feb: function() {
      const ret = typeof window === "undefined" ? void 0 : window;
      return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
    },
    __wbg_toString_6b1cac73c93ef5d1: function() {
      return handleError(function(arg0, arg1) {
        const ret = arg0.toString(arg1);
        return ret;
      }, arguments);
    },
    __wbindgen_generic_0000000000000001: function(arg0, arg1) {
      const ret = makeClosure(arg0, arg1, wasm_bindgen__convert__closures_____invoke__hffcb5b3ae4ff1193);
      return ret;
    },
    __wbindgen_generic_0000000000000002: function(arg0, arg1) {
      const ret = makeClosure(arg0, arg1, wasm_bindgen__convert__closures_____invoke__ha7da086113290681);
      return ret;
    },
    __wbindgen_generic_0000000000000003: function(arg0, arg1) {
      const ret = makeMutClosure(arg0, arg1, wasm_bindgen__convert__closures_____invoke__h43209202a869e881);
      return ret;
    },
    __wbindgen_generic_0000000000000004: function(arg0) {
      const ret = arg0;
      return ret;
    },
    __wbindgen_generic_0000000000000005: function(arg0, arg1) {
      const ret = getStringFromWasm0(arg0, arg1);
      return ret;
    },
    __wbindgen_init_externref_table: function() {
      const table = wasm.__wbindgen_externrefs;
      table.set(0, void 0);
      table.set(1024, void 0);
      table.set(1025, null);
      table.set(1026, true);
      table.set(1027, false);
    }
  };
  return {
    __proto__: null,
    "./vendor_auth_bg.js": import0,
    "./snippets/vendor-auth-cbc785c6bc1a4171/inline0.js": inline0_exports
  };
}
function wasm_bindgen__convert__closures_____invoke__h43209202a869e881(arg0, arg1) {
  wasm.wasm_bindgen__convert__closures_____invoke__h43209202a869e881(arg0, arg1);
}
function wasm_bindgen__convert__closures_____invoke__hffcb5b3ae4ff1193(arg0, arg1, arg2) {
  wasm.wasm_bindgen__convert__closures_____invoke__hffcb5b3ae4ff1193(arg0, arg1, arg2);
}
function wasm_bindgen__convert__closures_____invoke__ha7da086113290681(arg0, arg1, arg2, arg3, arg4, arg5) {
  const ret = wasm.wasm_bindgen__convert__closures_____invoke__ha7da086113290681(arg0, arg1, arg2, arg3, arg4, arg5);
  return ret;
}
var AuthClientFinalization = typeof FinalizationRegistry === "undefined" ? { register: () => {
}, unregister: () => {
} } : new FinalizationRegistry((ptr) => wasm.__wbg_authclient_free(ptr, 1));
function addToExternrefTable0(obj) {
  const idx = wasm.__externref_table_alloc();
  wasm.__wbindgen_externrefs.set(idx, obj);
  return idx;
}
var CLOSURE_DTORS = typeof FinalizationRegistry === "undefined" ? { register: () => {
}, unregister: () => {
} } : new FinalizationRegistry((state) => wasm.__wbindgen_destroy_closure(state.a, state.b));
function getArrayU8FromWasm0(ptr, len) {
  ptr = ptr >>> 0;
  return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}
var cachedDataViewMemory0 = null;
function getDataViewMemory0() {
  if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || cachedDataViewMemory0.buffer.detached === void 0 && cachedDataViewMemory0.buffer !== wasm.memory.buffer) {
    cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
  }
  return cachedDataViewMemory0;
}
function getStringFromWasm0(ptr, len) {
  ptr = ptr >>> 0;
  return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}
var cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
  if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
    cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
  }
  return cachedUint8ArrayMemory0;
}
function handleError(f, args) {
  try {
    return f.apply(this, args);
  } catch (e) {
    const idx = addToExternrefTable0(e);
    wasm.__wbindgen_exn_store(idx);
  }
}
function isLikeNone(x) {
  return x === void 0 || x === null;
}
function makeClosure(arg0, arg1, f) {
  const state = { a: arg0, b: arg1, cnt: 1 };
  const real = (...args) => {
    state.cnt++;
    try {
      return f(state.a, state.b, ...args);
    } finally {
      real._wbg_cb_unref();
    }
  };
  real._wbg_cb_unref = () => {
    if (--state.cnt === 0) {
      wasm.__wbindgen_destroy_closure(state.a, state.b);
      state.a = 0;
      CLOSURE_DTORS.unregister(state);
    }
  };
  CLOSURE_DTORS.register(real, state, state);
  return real;
}
function makeMutClosure(arg0, arg1, f) {
  const state = { a: arg0, b: arg1, cnt: 1 };
  const real = (...args) => {
    state.cnt++;
    const a = state.a;
    state.a = 0;
    try {
      return f(a, state.b, ...args);
    } finally {
      state.a = a;
      real._wbg_cb_unref();
    }
  };
  real._wbg_cb_unref = () => {
    if (--state.cnt === 0) {
      wasm.__wbindgen_destroy_closure(state.a, state.b);
      state.a = 0;
      CLOSURE_DTORS.unregister(state);
    }
  };
  CLOSURE_DTORS.register(real, state, state);
  return real;
}
function passStringToWasm0(arg, malloc, realloc) {
  if (realloc === void 0) {
    const buf = cachedTextEncoder.encode(arg);
    const ptr2 = malloc(buf.length, 1) >>> 0;
    getUint8ArrayMemory0().subarray(ptr2, ptr2 + buf.length).set(buf);
    WASM_VECTOR_LEN = buf.length;
    return ptr2;
  }
  let len = arg.length;
  let ptr = malloc(len, 1) >>> 0;
  const mem = getUint8ArrayMemory0();
  let offset = 0;
  for (; offset < len; offset++) {
    const code = arg.charCodeAt(offset);
    if (code > 127) break;
    mem[ptr + offset] = code;
  }
  if (offset !== len) {
    if (offset !== 0) {
      arg = arg.slice(offset);
    }
    ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
    const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
    const ret = cachedTextEncoder.encodeInto(arg, view);
    offset += ret.written;
    ptr = realloc(ptr, len, offset, 1) >>> 0;
  }
  WASM_VECTOR_LEN = offset;
  return ptr;
}
function takeFromExternrefTable0(idx) {
  const value = wasm.__wbindgen_externrefs.get(idx);
  wasm.__externref_table_dealloc(idx);
  return value;
}
var cachedTextDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
cachedTextDecoder.decode();
var MAX_SAFARI_DECODE_BYTES = 2146435072;
var numBytesDecoded = 0;
function decodeText(bytes) {
  numBytesDecoded += bytes.length;
  if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
    cachedTextDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
    cachedTextDecoder.decode();
    numBytesDecoded = bytes.length;
  }
  return cachedTextDecoder.decode(bytes);
}
var cachedTextEncoder = new TextEncoder();
if (!("encodeInto" in cachedTextEncoder)) {
  cachedTextEncoder.encodeInto = function(arg, view) {
    const buf = cachedTextEncoder.encode(arg);
    view.set(buf);
    return {
      read: arg.length,
      written: buf.length
    };
  };
}
var WASM_VECTOR_LEN = 0;
var wasmModule;
var wasmInstance;
var wasm;
function __wbg_finalize_init(instance, module) {
  wasmInstance = instance;
  wasm = instance.exports;
  wasmModule = module;
  cachedDataViewMemory0 = null;
  cachedUint8ArrayMemory0 = null;
  wasm.__wbindgen_start();
  return wasm;
}
function initSync(module) {
  if (wasm !== void 0) return wasm;
  if (module !== void 0) {
    if (Object.getPrototypeOf(module) === Object.prototype) {
      ({ module } = module);
    } else {
      console.warn("using deprecated parameters for `initSync()`; pass a single object instead");
    }
  }
  const imports = __wbg_get_imports();
  if (!(module instanceof WebAssembly.Module)) {
    module = new WebAssembly.Module(module);
  }
  const instance = new WebAssembly.Instance(module, imports);
  return __wbg_finalize_init(instance, module);
}

// pkg/setup.js
import { AuthError } from "./auth-error.js";

// pkg/client-fetch.js
var REQUEST_FIELDS = ["method", "mode", "credentials", "cache", "redirect", "referrer", "referrerPolicy", "integrity", "keepalive"];
var plans = /* @__PURE__ */ new WeakMap();
function planOf(client) {
  let plan = plans.get(client);
  if (plan === void 0) {
    plan = client.__fetchPlan();
    plan.reported = new Set(plan.reported);
    plan.judged = new Set(plan.judged);
    try {
      plan.rootTrusted = plan.origins.includes(new URL(plan.root).origin.toLowerCase());
    } catch {
      plan.rootTrusted = false;
    }
    plans.set(client, plan);
  }
  return plan;
}
function copy(client, value, what) {
  try {
    return Object.assign({}, value);
  } catch (thrown) {
    throw client.__fetchFailure("unreadable", thrown, what);
  }
}
var invalid = (client, message) => client.__fetchFailure("invalid", message);
function prepare(client, plan, input, init) {
  let callerInit;
  if (init === void 0 || init === null) callerInit = {};
  else if (typeof init === "object") callerInit = copy(client, init, "client.fetch: init");
  else throw invalid(client, "client.fetch: init must be an object, as for fetch");
  const merged = {};
  let url;
  let absolute = true;
  if (typeof input === "string") {
    if (input.startsWith("/") && !input.startsWith("//")) {
      url = plan.root + input;
      absolute = !plan.rootTrusted;
    } else if (input.includes("://")) url = input;
    else throw invalid(client, "client.fetch: give a path starting with / (resolved against the vendor root) or an absolute URL");
  } else if (isA(input, globalThis.Request)) {
    for (const field of REQUEST_FIELDS) merged[field] = input[field];
    merged.headers = input.headers;
    merged.signal = input.signal;
    if (input.body) {
      return input.clone().arrayBuffer().then((body) => finish2(client, plan, input.url, true, { ...merged, body }, callerInit));
    }
    url = input.url;
  } else {
    let href;
    try {
      href = Reflect.get(input, "href");
    } catch {
    }
    if (typeof href !== "string") throw invalid(client, "client.fetch: input must be a path, a URL string, a URL or a Request");
    url = href;
  }
  return finish2(client, plan, url, absolute, merged, callerInit);
}
function finish2(client, plan, url, absolute, merged, callerInit) {
  const sent = Object.assign(copy(client, merged, "client.fetch: init"), callerInit);
  if (!plan.cookies && callerInit.credentials === void 0) omitCookies(sent);
  const follow = plan.query !== void 0 && callerInit.redirect === void 0;
  if (follow) sent.redirect = "manual";
  let headers;
  try {
    headers = new Headers(sent.headers ?? void 0);
  } catch {
    throw invalid(client, "client.fetch: init.headers is not valid HeadersInit");
  }
  const signal = isA(sent.signal, globalThis.AbortSignal) ? sent.signal : void 0;
  const replayable = !isA(sent.body, globalThis.ReadableStream);
  return { url, absolute, init: sent, headers, signal, replayable, follow };
}
function abortable(signal, work) {
  if (signal === void 0) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort;
  const aborted = new Promise((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort);
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
var headerSafe = (token) => token.length > 0 && /^[\x20-\x7e]*$/.test(token);
async function sendTo(client, plan, prepared, url, init, token) {
  if (!headerSafe(token)) throw client.__fetchFailure("unsafe");
  const headers = new Headers(prepared.headers);
  if (plan.query === void 0) {
    headers.set("Authorization", `Bearer ${token}`);
  } else {
    const parsed = new URL(url);
    parsed.searchParams.set(plan.query, token);
    url = parsed.href;
  }
  const caller = prepared.signal;
  if (caller?.aborted) throw caller.reason;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, plan.timeoutMs);
  let signal = controller.signal;
  let forward;
  if (caller !== void 0) {
    if (typeof AbortSignal.any === "function") {
      signal = AbortSignal.any([caller, controller.signal]);
    } else {
      forward = () => controller.abort(caller.reason);
      caller.addEventListener("abort", forward);
    }
  }
  let response;
  try {
    const call = plan.fetch ?? fetch;
    response = await call(url, { ...init, headers, signal });
  } catch (thrown) {
    if (timedOut) throw client.__fetchFailure("timeout");
    if (caller?.aborted) throw caller.reason;
    throw client.__fetchFailure("network", thrown, token);
  } finally {
    clearTimeout(timer);
    if (forward !== void 0) caller.removeEventListener("abort", forward);
  }
  if (!isResponse(response)) throw client.__fetchFailure("network", "fetch resolved to something that is not a Response");
  return response;
}
async function send(client, plan, prepared, token) {
  let url = prepared.url;
  const init = { ...prepared.init };
  for (let i = 0; i < plan.redirects; i++) {
    const response = await sendTo(client, plan, prepared, url, init, token);
    if (!prepared.follow || !isRedirect(response)) return response;
    let next;
    try {
      const location = response.headers.get("location");
      if (location !== null) next = new URL(location, url);
    } catch {
    }
    if (next === void 0 || !plan.origins.includes(next.origin.toLowerCase())) return response;
    const method = typeof init.method === "string" ? init.method.toUpperCase() : "";
    if (response.status === 303 || (response.status === 301 || response.status === 302) && method === "POST") {
      init.method = "GET";
      delete init.body;
    }
    url = next.href;
  }
  return sendTo(client, plan, prepared, url, init, token);
}
async function judgedBody(plan, response) {
  let stream;
  try {
    stream = response.clone().body;
  } catch {
    return "";
  }
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks = [];
  let length = 0;
  let timer;
  const giveUp = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), plan.timeoutMs);
  });
  try {
    while (length < plan.judgedBytes) {
      const chunk = await Promise.race([reader.read(), giveUp]);
      if (chunk === null || chunk.done) break;
      if (!ArrayBuffer.isView(chunk.value)) return "";
      const bytes = new Uint8Array(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
      chunks.push(bytes.subarray(0, plan.judgedBytes - length));
      length += chunks[chunks.length - 1].length;
    }
  } catch {
    return "";
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {
    });
  }
  return new TextDecoder().decode(concat(chunks, length));
}
async function rejected(client, plan, response) {
  const status = response.status;
  if (plan.reported.has(status)) {
    await client.__apiAnswered(status, response.headers.get("retry-after") ?? void 0);
  }
  if (!plan.judged.has(status)) return false;
  return client.__isRejection(status, await judgedBody(plan, response));
}
async function clientFetch(input, init) {
  const plan = planOf(this);
  let prepared = prepare(this, plan, input, init);
  if (prepared instanceof Promise) prepared = await prepared;
  if (prepared.absolute) {
    let origin;
    try {
      origin = new URL(prepared.url).origin.toLowerCase();
    } catch {
      throw invalid(this, "client.fetch: the URL is not valid");
    }
    if (!plan.origins.includes(origin)) throw this.__fetchFailure("foreign", origin);
  }
  const token = await abortable(prepared.signal, this.getToken());
  const response = prepared.follow ? await send(this, plan, prepared, token) : await sendTo(this, plan, prepared, prepared.url, prepared.init, token);
  if (!prepared.replayable || !await rejected(this, plan, response)) return response;
  const renewed = await abortable(prepared.signal, this.__renewAfterRejection(token));
  if (renewed === null) return response;
  const second = await send(this, plan, prepared, renewed);
  if (await rejected(this, plan, second)) await this.__rejectedTwice(second.status, renewed);
  return second;
}

// pkg/idb-store.js
var DATABASE = "vendor-auth";
var ENTRIES = "entries";
var EXPIRY = "expiresAt";
var opening = null;
function database() {
  opening ??= connect().catch((error) => {
    opening = null;
    throw error;
  });
  return opening;
}
function connect(version) {
  return new Promise((resolve, reject) => {
    const idb = globalThis.indexedDB;
    if (!idb) {
      throw new Error("IndexedDB is not available in this context (a private window or a sandboxed frame may deny it)");
    }
    const request = version === void 0 ? idb.open(DATABASE) : idb.open(DATABASE, version);
    let settled = false;
    const fail = (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(ENTRIES)) db.createObjectStore(ENTRIES).createIndex(EXPIRY, EXPIRY);
    };
    request.onblocked = () => fail(
      new Error(
        `IndexedDB: upgrading the database "${DATABASE}" is blocked by another tab or worker that keeps it open at an older version; close or reload that tab`
      )
    );
    request.onerror = () => fail(request.error ?? new Error(`IndexedDB: the database "${DATABASE}" could not be opened`));
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      if (!db.objectStoreNames.contains(ENTRIES)) {
        settled = true;
        const next = db.version + 1;
        db.close();
        connect(next).then(resolve, reject);
        return;
      }
      settled = true;
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      db.onclose = () => {
        opening = null;
      };
      sweep(db);
      resolve(db);
    };
  });
}
function sweep(db) {
  try {
    const index = db.transaction(ENTRIES, "readwrite").objectStore(ENTRIES).index(EXPIRY);
    const cursor = index.openCursor(IDBKeyRange.upperBound(Date.now()));
    cursor.onsuccess = () => {
      if (!cursor.result) return;
      cursor.result.delete();
      cursor.result.continue();
    };
  } catch {
  }
}
async function run(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    let transaction;
    try {
      transaction = db.transaction(ENTRIES, mode);
    } catch (error) {
      opening = null;
      throw error;
    }
    let result;
    let failure;
    const abort = (error) => {
      failure ??= error;
      try {
        transaction.abort();
      } catch {
      }
    };
    const step = (fn) => (...args) => {
      try {
        fn(...args);
      } catch (error) {
        abort(error);
      }
    };
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () => reject(failure ?? transaction.error ?? new Error("IndexedDB: the transaction was aborted"));
    step(work)(transaction.objectStore(ENTRIES), (value) => {
      result = value;
    }, step);
  });
}
var live = (record2) => record2 != null && !(record2[EXPIRY] <= Date.now());
function record(value, options) {
  const ttl = options?.expirationTtl;
  return ttl > 0 ? { value, [EXPIRY]: Date.now() + ttl * 1e3 } : { value };
}
function read(entries, key, step, then) {
  const request = entries.get(key);
  request.onsuccess = step(() => then(request.result));
}
function indexedDBStore() {
  return {
    get: (key) => run(
      "readonly",
      (entries, done2, step) => read(entries, key, step, (found) => done2(live(found) ? found.value : null))
    ),
    put: (key, value, options) => run("readwrite", (entries) => entries.put(record(value, options), key)),
    delete: (key) => run("readwrite", (entries) => entries.delete(key)),
    add: (key, value, options) => run(
      "readwrite",
      (entries, done2, step) => read(entries, key, step, (found) => {
        if (live(found)) return done2(false);
        entries.put(record(value, options), key);
        done2(true);
      })
    ),
    deleteIf: (key, value) => run(
      "readwrite",
      (entries, done2, step) => read(entries, key, step, (found) => {
        if (!live(found) || found.value !== value) return done2(false);
        entries.delete(key);
        done2(true);
      })
    )
  };
}

// pkg/setup.js
var done = false;
function setup() {
  if (done) return;
  done = true;
  __registerAuthError(AuthError);
  __registerIndexedDB(indexedDBStore);
  const proto = AuthClient.prototype;
  proto.fetch = clientFetch;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === "constructor" || typeof method !== "function") continue;
    proto[name] = name === "free" ? function free() {
      if (this?.__wbg_ptr) method.call(this);
    } : function(...args) {
      if (this?.__wbg_ptr) return method.apply(this, args);
      const error = new AuthError(
        `AuthClient.${name}() was called on a client that was freed (free() or the end of a \`using\` block) or without its client as \`this\`; create a new AuthClient`,
        { code: "UNSUPPORTED" }
      );
      if (name === "on") throw error;
      return Promise.reject(error);
    };
  }
  if (typeof Symbol.dispose === "symbol") proto[Symbol.dispose] = proto.free;
  memoiseGetToken(proto);
}
function memoiseGetToken(proto) {
  const memos = /* @__PURE__ */ new WeakMap();
  const viaWasm = proto.getToken;
  const answer = proto.__getTokenMemo;
  proto.getToken = function getToken(options) {
    if (options != null || !this?.__wbg_ptr) return viaWasm.call(this, options);
    const memo = memos.get(this);
    if (memo !== void 0 && memo.generation === currentGeneration() && Date.now() < memo.until) {
      return Promise.resolve(memo.token);
    }
    return answer.call(this).then(([token, until, generation2]) => {
      memos.set(this, { token, until, generation: generation2 });
      return token;
    });
  };
}
var CSP = /content.security.policy|\bCSP\b|unsafe-eval/i;
function loadFailure(cause) {
  const said = `${cause?.name ?? "Error"}: ${cause?.message ?? cause}`;
  const message = CSP.test(said) ? `vendor-auth cannot run here: the page's Content-Security-Policy blocks WebAssembly. Add 'wasm-unsafe-eval' to script-src (e.g. script-src 'self' 'wasm-unsafe-eval'; in a browser extension, in the manifest's content_security_policy.extension_pages). The runtime said: ${said}` : `vendor-auth could not load its WebAssembly module (${said}). With a bundler, check that the .wasm file is emitted and served beside the code (README, "Bundlers"); under a Content-Security-Policy, script-src needs 'wasm-unsafe-eval'.`;
  return new AuthError(message, { code: "UNSUPPORTED", cause });
}

// pkg/node.js
import { AuthError as AuthError2, AuthErrorCode } from "./auth-error.js";
try {
  initSync({ module: readFileSync(new URL("./dist/vendor_auth_bg.wasm", import.meta.url)) });
} catch (e) {
  throw loadFailure(e);
}
setup();
export {
  AuthClient,
  AuthError2 as AuthError,
  AuthErrorCode
};
