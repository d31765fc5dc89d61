// The types of the Workers entry (the `workerd` condition of "vendor-auth",
// and "vendor-auth/workers"): everything of the other entries, and the
// Durable Object class.
export * from "./index.js";

/**
 * Cloudflare Workers only: the Durable Object class that performs every
 * login and renewal for one principal across all isolates. Export it from
 * your Worker and bind it in `wrangler.toml`:
 *
 *     [[durable_objects.bindings]]
 *     name = "TOKEN_COORDINATOR"
 *     class_name = "TokenCoordinator"
 *
 * then pass `coordinator: env.TOKEN_COORDINATOR` to `AuthClient`.
 */
export declare class TokenCoordinator {
  constructor(
    ctx: {
      storage: {
        get(key: string): Promise<unknown>;
        put(key: string, value: string): Promise<void>;
        delete(key: string): Promise<boolean>;
      };
    },
    env?: unknown,
  );
  fetch(request: Request): Promise<Response>;
}
