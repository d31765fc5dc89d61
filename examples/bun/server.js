// vendor-auth under Bun: a tiny token-attaching proxy with Bun.serve.
//
//   bun add vendor-auth
//   VOIPBIN_USER=… VOIPBIN_PASSWORD=… bun server.js
//   curl http://127.0.0.1:3001/v1.0/accesskeys
import { AuthClient, AuthError } from "vendor-auth";

const voipbin = new AuthClient({
  vendor: "voipbin",
  baseUrl: process.env.VOIPBIN_BASE_URL || undefined,
  credentials: { username: process.env.VOIPBIN_USER ?? "", password: process.env.VOIPBIN_PASSWORD ?? "" },
});

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3001),
  async fetch(request) {
    const { pathname, search } = new URL(request.url);
    if (request.method !== "GET") return new Response("only GET", { status: 405 });
    try {
      return await voipbin.fetch(pathname + search);
    } catch (e) {
      if (e instanceof AuthError) return Response.json({ code: e.code, message: e.message }, { status: 502 });
      throw e;
    }
  },
});
console.log(`listening on http://127.0.0.1:${server.port}`);
