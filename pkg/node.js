// Entry for Node.js (>= 20.19, ESM or require()) and Bun. Reads the wasm from
// disk and instantiates it synchronously, so importing the package needs no
// top-level await and `require("vendor-auth")` works.
import { pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";
import { __registerPbkdf2, initSync } from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

try {
  initSync({ module: readFileSync(new URL("./dist/vendor_auth_bg.wasm", import.meta.url)) });
} catch (e) {
  throw loadFailure(e);
}
setup();
// The secret's verifier (PBKDF2-HMAC-SHA256) natively: 5 ms instead of about
// 25 in wasm, on each principal's first getToken in a process.
__registerPbkdf2((password, salt, rounds) => pbkdf2Sync(password, salt, rounds, 16, "sha256"));

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
