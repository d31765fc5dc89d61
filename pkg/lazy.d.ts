// The types of "vendor-auth/lazy": the entry without top-level await.
export * from "./index.js";

/**
 * Where `ready()` takes the wasm from: a URL or path, a `Response` (or a
 * promise of one), the bytes, or a compiled `WebAssembly.Module`.
 */
export type WasmSource = string | URL | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | object;

/**
 * Loads and compiles the wasm (once; later calls return the same promise).
 * `new AuthClient(...)` before it has resolved throws an `AuthError`
 * (`UNSUPPORTED`). Without `source`, the `.wasm` is fetched from beside this
 * module, which bundlers emit as an asset.
 *
 * @throws {AuthError} `UNSUPPORTED` when the wasm cannot be fetched or
 * compiled (a Content-Security-Policy without `'wasm-unsafe-eval'`, a
 * missing asset).
 */
export declare function ready(source?: WasmSource): Promise<void>;
