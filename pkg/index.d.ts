// The public types of vendor-auth, the same for every entry point (browser,
// Node, Workers). `./dist/public.d.ts` is written by scripts/build.sh: it
// re-exports every name of the generated `./dist/vendor_auth.d.ts` (the
// AuthClient class and its option/result types, documented there) except
// wasm-bindgen's loader (`init`, `initSync`, `InitInput`, ...) and the
// internal `__registerAuthError`, which the entry points call themselves.
// `AuthErrorCode` is both the frozen object of codes and the union type of
// the codes; the explicit export below takes precedence over the type of
// the same name in the generated file.
export * from "./dist/public.js";
export { AuthError, AuthErrorCode } from "./auth-error.js";
export type { AuthErrorInit } from "./auth-error.js";

/**
 * Cloudflare Workers only (the `workerd` entry): the Durable Object class
 * that performs every login and renewal for one principal across all
 * isolates. Export it from your Worker and bind it in `wrangler.toml`:
 *
 *     [[durable_objects.bindings]]
 *     name = "TOKEN_COORDINATOR"
 *     class_name = "TokenCoordinator"
 *
 * then pass `coordinator: env.TOKEN_COORDINATOR` to `AuthClient`.
 */
export declare class TokenCoordinator {
  constructor(ctx: { storage: { get(key: string): Promise<unknown>; put(key: string, value: string): Promise<void>; delete(key: string): Promise<boolean> } }, env?: unknown);
  fetch(request: Request): Promise<Response>;
}
