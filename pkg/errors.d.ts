// The types of "vendor-auth/errors" (no wasm loaded).
export { AuthError, AuthErrorCode } from "./auth-error.js";
export type { AuthErrorInit } from "./auth-error.js";
