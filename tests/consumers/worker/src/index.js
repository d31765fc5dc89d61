// A Cloudflare Worker that uses vendor-auth the way an application would:
// imported by name; wrangler picks the package's "workerd" entry, which
// imports the .wasm as a compiled module.
import * as pkg from "vendor-auth";
import { checksHandler } from "../../fixtures/worker-handler.js";

export default checksHandler(pkg);
