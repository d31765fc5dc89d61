// Entry for Node.js (>= 20.19, ESM or require()) and Bun. Reads the wasm from
// disk and instantiates it synchronously, so importing the package needs no
// top-level await and `require("vendor-auth")` works.
import { readFileSync } from "node:fs";
import { initSync } from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

try {
  initSync({ module: readFileSync(new URL("./dist/vendor_auth_bg.wasm", import.meta.url)) });
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
