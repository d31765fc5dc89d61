// "vendor-auth/inline": the wasm inlined as base64 (dist/wasm-inline.js) and
// compiled synchronously at import. One JS file, no asset to copy, no
// top-level await, no file or network access. It is also what "vendor-auth"
// resolves to where a bundler builds for a server and cannot be trusted to
// copy the .wasm or keep `import.meta.url` (the "module" condition under
// "node": Next.js, Vite SSR, esbuild --platform=node), in the Next.js/Vercel
// edge runtime (edge-light) and in Deno (no --allow-read needed). Costs about
// a third more bytes than the .wasm (base64).
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
