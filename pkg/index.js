// Entry for browsers and bundlers (Vite, webpack, Rollup, a plain
// <script type="module"> with an import map). The wasm file is located
// relative to this module, so bundlers emit it as an asset and a page that
// serves the package directory loads it from beside the glue.
import init, { __registerAuthError } from "./dist/vendor_auth.js";
import { AuthError } from "./auth-error.js";

await init({ module_or_path: new URL("./dist/vendor_auth_bg.wasm", import.meta.url) });
__registerAuthError(AuthError);

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
