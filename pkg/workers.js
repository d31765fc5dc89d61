// Entry for Cloudflare Workers (the `workerd` export condition, or
// "vendor-auth/workers"). Wrangler's default module rules turn a `.wasm`
// import into a compiled WebAssembly.Module, which is instantiated
// synchronously here. Nothing in this path touches window, document or
// localStorage.
import wasm from "./dist/vendor_auth_bg.wasm";
import { AuthClient, initSync } from "./dist/vendor_auth.js";
import { defineCoordinator } from "./coordinator.js";
import { loadFailure, setup } from "./setup.js";

try {
  initSync({ module: wasm });
} catch (e) {
  throw loadFailure(e);
}
setup();

/** The Durable Object class to bind as the token coordinator (see README). */
export const TokenCoordinator = defineCoordinator(AuthClient);

export { AuthClient };
export { AuthError, AuthErrorCode } from "./auth-error.js";
