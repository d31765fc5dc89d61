// "vendor-auth/inline": the wasm inlined as base64 in dist/wasm-inline.js and
// compiled synchronously at import. One JS file, no asset to copy, no
// top-level await, no file or network access (Deno without --allow-read, a
// single-file esbuild/Rollup/Bun.build bundle). Costs about a third more
// bytes than the .wasm (base64) and a synchronous compile at start.
import { initSync } from "./dist/vendor_auth.js";
import { wasmBase64 } from "./dist/wasm-inline.js";
import { loadFailure, setup } from "./setup.js";

try {
  initSync({ module: Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)) });
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
