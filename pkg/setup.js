// Shared by every entry point. `setup()` runs once the wasm is instantiated:
// it registers the AuthError class the wasm constructs its errors with and
// the IndexedDB store (`store: "indexedDB"`), and
// guards the client's methods so that a call after `free()` (or after a
// `using` block) rejects with an AuthError instead of wasm-bindgen's raw
// "null pointer passed to rust". `loadFailure()` turns a failure to fetch or
// compile the wasm into an AuthError that says what to fix.
import { AuthError } from "./auth-error.js";
import { currentGeneration } from "./dist/host.js";
import { AuthClient, __registerAuthError, __registerIndexedDB } from "./dist/vendor_auth.js";
import { clientFetch } from "./client-fetch.js";
import { indexedDBStore } from "./idb-store.js";

let done = false;

export function setup() {
  if (done) return;
  done = true;
  __registerAuthError(AuthError);
  __registerIndexedDB(indexedDBStore);
  const proto = AuthClient.prototype;
  // `client.fetch` is performed here, in JS (see client-fetch.js).
  proto.fetch = clientFetch;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === "constructor" || typeof method !== "function") continue;
    proto[name] =
      name === "free"
        ? function free() {
            // A second free() (or free() then `using`'s dispose) is a no-op.
            if (this?.__wbg_ptr) method.call(this);
          }
        : function (...args) {
            if (this?.__wbg_ptr) return method.apply(this, args);
            const error = new AuthError(
              `AuthClient.${name}() was called on a client that was freed (free() or the end of a \`using\` block) or without its client as \`this\`; create a new AuthClient`,
              { code: "UNSUPPORTED" },
            );
            // `on` and the host's own calls (`__…`, made inside its async
            // functions) throw: a rejected promise thrown on would reach the
            // caller as a Promise, and leave its rejection unhandled.
            if (name === "on" || name.startsWith("__")) throw error;
            return Promise.reject(error);
          };
  }
  if (typeof Symbol.dispose === "symbol") proto[Symbol.dispose] = proto.free;
  memoiseGetToken(proto);
}

/**
 * A warm `getToken()` without entering the wasm. With each answer the core
 * says until when the same call would answer the same token and nothing
 * else (expiry − margin − skew, and for vendors that drop idle tokens the
 * next time of use to record), and the generation of the realm's memory
 * store, which every write and delete there moves (a renewal, clear(),
 * revoke(), a change announced by another tab or worker). The core tells
 * the host every move of the generation (host.js), so the check does not
 * enter the wasm. While both hold, the memo answers. Kept in a WeakMap, so
 * the token is not a property a `console.log(client)` would show.
 */
function memoiseGetToken(proto) {
  const memos = new WeakMap();
  const viaWasm = proto.getToken;
  const answer = proto.__getTokenMemo;
  proto.getToken = function getToken(options) {
    if (options != null || !this?.__wbg_ptr) return viaWasm.call(this, options);
    const memo = memos.get(this);
    if (memo !== undefined && memo.generation === currentGeneration() && Date.now() < memo.until) {
      return Promise.resolve(memo.token);
    }
    return answer.call(this).then(([token, until, generation]) => {
      memos.set(this, { token, until, generation });
      return token;
    });
  };
}

const CSP = /content.security.policy|\bCSP\b|unsafe-eval/i;

/** The AuthError for a wasm that could not be fetched, compiled or instantiated. */
export function loadFailure(cause) {
  const said = `${cause?.name ?? "Error"}: ${cause?.message ?? cause}`;
  const message = CSP.test(said)
    ? `vendor-auth cannot run here: the page's Content-Security-Policy blocks WebAssembly. Add 'wasm-unsafe-eval' to script-src (e.g. script-src 'self' 'wasm-unsafe-eval'; in a browser extension, in the manifest's content_security_policy.extension_pages). The runtime said: ${said}`
    : `vendor-auth could not load its WebAssembly module (${said}). With a bundler, check that the .wasm file is emitted and served beside the code (README, "Bundlers"); under a Content-Security-Policy, script-src needs 'wasm-unsafe-eval'.`;
  return new AuthError(message, { code: "UNSUPPORTED", cause });
}
