// vendor-auth under Deno: the same GET-only proxy with Deno.serve. The
// package's `deno` condition carries the wasm inlined, so no --allow-read.
//
//   deno run --allow-net --allow-env main.ts
import { AuthClient, AuthError } from "vendor-auth";

const voipbin = new AuthClient({
  vendor: "voipbin",
  baseUrl: Deno.env.get("VOIPBIN_BASE_URL") || undefined,
  credentials: { username: Deno.env.get("VOIPBIN_USER") ?? "", password: Deno.env.get("VOIPBIN_PASSWORD") ?? "" },
});

Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 3002),
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, async (request) => {
  const { pathname, search } = new URL(request.url);
  if (request.method !== "GET") return new Response("only GET", { status: 405 });
  try {
    return await voipbin.fetch(pathname + search);
  } catch (e) {
    if (e instanceof AuthError) return Response.json({ code: e.code, message: e.message }, { status: 502 });
    throw e;
  }
});
