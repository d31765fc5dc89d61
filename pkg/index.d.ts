// The public types of vendor-auth for the entry points "vendor-auth"
// (browser, Node, edge) and "vendor-auth/inline". `./dist/types.d.ts` is
// written by scripts/gen-public-dts.mjs: the declarations of src/web/types.rs
// (AuthClient, its options and results) without wasm-bindgen's loader, so
// that nothing here needs the DOM or WebAssembly libs. `AuthErrorCode` is
// both the frozen object of codes and the union type of the codes; the
// explicit export below takes precedence over the type in types.d.ts.
export * from "./dist/types.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
export type { AuthErrorInit } from "./auth-error.js";
