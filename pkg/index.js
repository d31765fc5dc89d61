// Entry for browsers and bundlers (Vite, webpack, Rollup, a plain
// <script type="module"> with an import map). The glue locates the wasm
// beside itself through `new URL(…, import.meta.url)`, so bundlers that know
// the pattern emit it as an asset, a page that serves the package directory
// loads it from beside the glue, and for a bundler that leaves the pattern
// alone (esbuild) the copy step is "put the .wasm beside the bundle". Uses top-level
// await: where that is not available (Vite 5/6 builds, iife workers, esbuild
// --target=es2020) use "vendor-auth/lazy" or "vendor-auth/inline".
import init from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

try {
  await init();
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
