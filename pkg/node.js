// Entry for Node.js (>= 20.19, ESM or require()) and Bun. Reads the wasm from
// disk and instantiates it synchronously, so importing the package needs no
// top-level await and `require("vendor-auth")` works.
import { AuthError } from "./auth-error.js";
import { initSync } from "./dist/vendor_auth.js";
import { loadFailure, setup } from "./setup.js";

// `fs` from `process.getBuiltinModule` (Node >= 20.16; Bun), not `import …
// from "node:fs"`: the ESM form reads every export of `fs`, and its lazy
// getters load Node's streams, 19 internal modules and about 1.2 ms of a
// cold start (measured in Node 20). Bun without it has `import.meta.require`.
const fs = globalThis.process?.getBuiltinModule?.("node:fs") ?? import.meta.require?.("node:fs");
if (fs === undefined) {
  throw new AuthError(
    'vendor-auth\'s Node entry needs process.getBuiltinModule (Node >= 20.16) or Bun; elsewhere (Deno, a bundle for the web) import the main entry "vendor-auth", which resolves to a build for that runtime',
    { code: "UNSUPPORTED" },
  );
}

try {
  initSync({ module: fs.readFileSync(new URL("./dist/vendor_auth_bg.wasm", import.meta.url)) });
} catch (e) {
  throw loadFailure(e);
}
setup();

export { AuthClient } from "./dist/vendor_auth.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
