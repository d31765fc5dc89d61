// "vendor-auth/lazy": the browser entry without top-level await, for Vite 5/6
// builds, iife Web Workers and esbuild --target=es2020. Nothing is loaded at
// import; `await ready()` fetches and compiles the wasm (once, however many
// callers), after which `new AuthClient(...)` works. A client constructed
// before that throws an AuthError (UNSUPPORTED) saying to call ready().
import init, { AuthClient as WasmClient } from "./dist/vendor_auth.js";
import { AuthError } from "./auth-error.js";
import { loadFailure, setup } from "./setup.js";

let loading;
let loaded = false;

/**
 * Loads the wasm: from `source` when given (a URL or path, a Response, the
 * bytes, or a compiled WebAssembly.Module), else from beside this module.
 */
export function ready(source) {
  // Without a source the glue fetches the .wasm beside itself (`new URL(…,
  // import.meta.url)`: the asset bundlers emit, or the file beside the bundle.
  loading ??= init(source === undefined ? undefined : { module_or_path: source }).then(
    () => {
      setup();
      loaded = true;
    },
    (e) => {
      loading = undefined;
      throw loadFailure(e);
    },
  );
  return loading;
}

export class AuthClient extends WasmClient {
  constructor(options) {
    if (!loaded) {
      throw new AuthError(
        'vendor-auth/lazy: call `await ready()` before `new AuthClient(...)` (or import "vendor-auth", which loads the wasm at import)',
        { code: "UNSUPPORTED" },
      );
    }
    super(options);
  }
}

export { AuthError, AuthErrorCode } from "./auth-error.js";
