// Entry for Cloudflare Workers (the `workerd` export condition). Wrangler's
// default module rules turn a `.wasm` import into a compiled
// WebAssembly.Module, which is instantiated synchronously here. Nothing in
// this path touches window, document or localStorage.
import wasm from "./dist/vendor_auth_bg.wasm";
import { AuthClient, initSync, __registerAuthError } from "./dist/vendor_auth.js";
import { AuthError } from "./auth-error.js";
import { defineCoordinator } from "./coordinator.js";

initSync({ module: wasm });
__registerAuthError(AuthError);

/** The Durable Object class to bind as the token coordinator (see README). */
export const TokenCoordinator = defineCoordinator(AuthClient);

export { AuthClient };
export { AuthError, AuthErrorCode } from "./auth-error.js";
