// "vendor-auth/errors": AuthError and AuthErrorCode without loading the wasm
// (no side effects), e.g. for error handling in code that never constructs a
// client, or to keep the wasm out of a bundle chunk.
export { AuthError, AuthErrorCode } from "./auth-error.js";
