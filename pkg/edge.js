// Entry for the `edge-light` condition (Next.js / Vercel edge runtime), which
// forbids compiling wasm from bytes at run time: the bundler compiles the
// `.wasm?module` import into a WebAssembly.Module, instantiated here
// synchronously, like the Workers entry.
import wasm from "./dist/vendor_auth_bg.wasm?module";
import { initSync } from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

try {
  initSync({ module: wasm });
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
