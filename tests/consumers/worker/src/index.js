// A Cloudflare Worker that uses vendor-auth the way an application would:
// imported by name; wrangler picks the package's "workerd" entry, which
// imports the .wasm as a compiled module.
import * as pkg from "vendor-auth";
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
