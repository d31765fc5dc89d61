// A Worker: the `workerd` condition's types include the Durable Object.
import { AuthClient, TokenCoordinator } from "vendor-auth";
import { TokenCoordinator as FromSubpath } from "vendor-auth/workers";

interface Env {
  TOKENS: KVNamespace;
  TOKEN_COORDINATOR: DurableObjectNamespace;
}
export { TokenCoordinator };
export const same: typeof TokenCoordinator = FromSubpath;
export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const client = new AuthClient({
      vendor: "zumrails",
      credentials: { username: "u", password: "p" },
      store: env.TOKENS,
      coordinator: env.TOKEN_COORDINATOR,
    });
    return client.fetch("/api/user");
  },
} satisfies ExportedHandler<Env>;
