// Entry for browsers and bundlers (Vite, webpack, Rollup, a plain
// <script type="module"> with an import map). The wasm file is located
// relative to this module, so bundlers emit it as an asset and a page that
// serves the package directory loads it from beside the glue. Uses top-level
// await: where that is not available (Vite 5/6 builds, iife workers, esbuild
// --target=es2020) use "vendor-auth/lazy" or "vendor-auth/inline".
import init from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

try {
  await init({ module_or_path: new URL("./dist/vendor_auth_bg.wasm", import.meta.url) });
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
