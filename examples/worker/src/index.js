// Proxies GET/POST/… /api/* to one vendor with its credentials attached:
// the token is cached in Workers KV (with a memory tier per isolate), and
// every login and renewal goes through the principal's TokenCoordinator
// Durable Object, so many isolates never log in at once.
//
//   /api/v1/endpoint   →   {vendor root}/api/v1/endpoint, credentials attached
//   /_token            →   { vendor, expiresAt, fromCache } (never the token)
import { AuthClient, AuthError, TokenCoordinator } from "vendor-auth";

// The Durable Object class must be exported by the Worker that binds it.
export { TokenCoordinator };

let cached = null;

/** One client per isolate (its memory tier then serves warm requests). */
function client(env) {
  const key = `${env.VENDOR}|${env.VENDOR_BASE_URL ?? ""}|${env.VENDOR_CREDENTIALS}|${env.USE_COORDINATOR}`;
  if (cached?.key !== key) {
    const options = {
      vendor: env.VENDOR,
      credentials: JSON.parse(env.VENDOR_CREDENTIALS),
      store: env.TOKENS,
    };
    if (env.VENDOR_ENVIRONMENT) options.environment = env.VENDOR_ENVIRONMENT;
    if (env.VENDOR_BASE_URL) options.baseUrl = env.VENDOR_BASE_URL;
    if (env.TOKEN_COORDINATOR && env.USE_COORDINATOR !== "false") options.coordinator = env.TOKEN_COORDINATOR;
    cached = { key, client: new AuthClient(options) };
  }
  return cached.client;
}

function failure(error) {
  if (!(error instanceof AuthError)) throw error;
  const status = { INVALID_OPTIONS: 500, RATE_LIMITED: 429, TIMEOUT: 504, FOREIGN_ORIGIN: 400 }[error.code] ?? 502;
  const headers = error.retryAfterSeconds ? { "retry-after": String(error.retryAfterSeconds) } : {};
  return Response.json({ code: error.code, message: error.message }, { status, headers });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/_token") {
        const { vendor, expiresAt, fromCache } = await client(env).getTokenInfo();
        return Response.json({ vendor, expiresAt, fromCache });
      }
      if (!url.pathname.startsWith("/api/")) return new Response("Not found", { status: 404 });
      const headers = new Headers(request.headers);
      headers.delete("authorization"); // the caller's own credentials never reach the vendor
      headers.delete("cookie");
      headers.delete("host");
      const init = { method: request.method, headers };
      if (request.body) init.body = await request.arrayBuffer();
      return await client(env).fetch(url.pathname + url.search, init);
    } catch (error) {
      return failure(error);
    }
  },
};
