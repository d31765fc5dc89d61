// worker/src/index.js on "vendor-auth/emnify": wrangler picks that entry's
// "workerd" condition, which imports its own .wasm as a compiled module.
import * as pkg from "vendor-auth/emnify";
import { runChecks } from "../../fixtures/check.js";

export default {
  async fetch(request) {
    const sim = new URL(request.url).searchParams.get("sim");
    try {
      return Response.json(await runChecks(pkg, sim));
    } catch (e) {
      return new Response(String(e?.stack ?? e), { status: 500 });
    }
  },
};
