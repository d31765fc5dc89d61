// Entry for Node.js (>= 20, ESM). Reads the wasm from disk and instantiates
// it synchronously, so importing the package needs no top-level await.
import { readFileSync } from "node:fs";
import { initSync, __registerAuthError } from "./dist/vendor_auth.js";
import { AuthError } from "./auth-error.js";

initSync({ module: readFileSync(new URL("./dist/vendor_auth_bg.wasm", import.meta.url)) });
__registerAuthError(AuthError);

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
