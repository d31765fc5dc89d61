// The demo's dedicated worker (a module worker started by app.js): a second
// JS realm of the origin, like a dashboard's background-sync worker. It
// builds an AuthClient of the options the page sends and answers its token,
// masked, with a fingerprint and whether it came from the cache.
//
// Import maps do not reach workers, so the package is imported by the URL the
// page's import map points "vendor-auth" at (scripts/serve.mjs serves pkg/ at
// /pkg/). The worker has its own memory; with store "indexedDB" it shares the
// page's store, so a token the page obtained is served with no second login.
//
// Protocol: the worker posts { type: "ready" } once the package is loaded;
// the page posts { id, options }; the worker answers { id, ok, … } and
// forwards its client's "token" and "storage-fallback" events (never a token).
import { AuthClient } from "/pkg/index.js";
import { mask, fingerprint } from "./format.js";

let current = null; // { key, client, off: [unsubscribe] }

/** The client for `options`: reused while they are unchanged, as the page does. */
function clientFor(options) {
  const key = JSON.stringify(options);
  if (current?.key === key) return current.client;
  if (current) {
    for (const off of current.off) off();
    current.client.free();
    current = null;
  }
  const client = new AuthClient(options); // throws INVALID_OPTIONS
  const off = [
    client.on("token", (e) => postMessage({ type: "event", event: "token", fromCache: e.fromCache, expiresAt: e.expiresAt })),
    client.on("storage-fallback", (e) => postMessage({ type: "event", event: "storage-fallback", reason: e.reason })),
  ];
  current = { key, client, off };
  return client;
}

self.onmessage = async ({ data }) => {
  const { id, options } = data ?? {};
  try {
    const info = await clientFor(options).getTokenInfo();
    postMessage({
      id,
      ok: true,
      masked: mask(info.token),
      fingerprint: await fingerprint(info.token),
      length: info.token.length,
      fromCache: info.fromCache,
      expiresAt: info.expiresAt ?? null,
      store: options.store,
    });
  } catch (e) {
    // The library's messages carry no secret; an error crosses as plain data.
    const error = { code: typeof e?.code === "string" ? e.code : "", message: String(e?.message ?? e) };
    if (e?.status) error.status = e.status;
    if (e?.retryAfterSeconds) error.retryAfterSeconds = e.retryAfterSeconds;
    postMessage({ id, ok: false, error });
  }
};

postMessage({ type: "ready" });
