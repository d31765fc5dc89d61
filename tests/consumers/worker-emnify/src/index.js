// worker/src/index.js on "vendor-auth/emnify": wrangler picks that entry's
// "workerd" condition, which imports its own .wasm as a compiled module.
import * as pkg from "vendor-auth/emnify";
import { checksHandler } from "../../fixtures/worker-handler.js";

export default checksHandler(pkg);
