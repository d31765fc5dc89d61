// TokenCoordinator: a Cloudflare Durable Object that performs every login
// and renewal for one principal, so that across all isolates and locations
// at most one login is in flight per principal. Its own storage is the
// source of truth for the token. Clients reach it through
// `coordinator: env.TOKEN_COORDINATOR`; each principal has its own object
// (named by the cache key, which reveals no identifier).
//
// Requests come only from vendor-auth clients through the binding (stubs are
// not reachable from the internet); they carry the client's options, with
// its credentials, so the object can log in.
export function defineCoordinator(AuthClient) {
  return class TokenCoordinator {
    #storage;
    #clients = new Map();

    constructor(ctx) {
      this.#storage = ctx.storage;
    }

    async fetch(request) {
      let ask;
      try {
        ask = await request.json();
      } catch {
        return Response.json({ error: { code: "INVALID_OPTIONS", message: "the coordinator expects a JSON ask" } });
      }
      try {
        const { options, kind, token } = ask ?? {};
        const id = JSON.stringify(options);
        let client = this.#clients.get(id);
        if (!client) {
          const storage = this.#storage;
          client = new AuthClient({
            ...options,
            // Only this object uses its storage: no cross-isolate lease needed.
            store: {
              get: (key) => storage.get(key),
              put: (key, value) => storage.put(key, value),
              delete: (key) => storage.delete(key),
              exclusive: true,
            },
          });
          this.#clients.set(id, client);
        }
        return Response.json(await client.__coordinate(String(kind), token ?? undefined));
      } catch (e) {
        return Response.json({
          error: {
            code: e?.code ?? "VENDOR_ERROR",
            message: String(e?.message ?? e),
            vendor: e?.vendor ?? null,
            status: e?.status ?? null,
            retryAfterSeconds: e?.retryAfterSeconds ?? null,
          },
        });
      }
    }
  };
}
