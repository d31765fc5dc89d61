// The Worker of the workerd cold-start benchmark (scripts/bench.mjs).
//
// The package is imported on the first request, not at startup, so that the
// first request pays for what a cold isolate pays for: evaluating the
// package's modules, instantiating the wasm (workerd compiles the .wasm
// module when it loads the Worker), then one getToken served from KV, which
// scripts/bench.mjs seeds with a valid entry through Miniflare's KV API.
//   GET /token  -> getToken (cold on the first request, then from memory)
//   GET /noop   -> nothing (the floor: a round trip through Miniflare)
let clientPromise;

async function client(env) {
  const { AuthClient } = await import("vendor-auth");
  return new AuthClient({
    vendor: "emnify",
    baseUrl: env.BASE_URL,
    credentials: { applicationToken: env.APPLICATION_TOKEN },
    store: env.TOKENS,
  });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/noop") return new Response("noop");
    clientPromise ??= client(env);
    const token = await (await clientPromise).getToken();
    return new Response(token === env.EXPECTED_TOKEN ? "same" : "other");
  },
};
