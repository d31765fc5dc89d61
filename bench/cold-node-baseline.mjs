// The pure-JS baseline of the Node cold start (scripts/bench.mjs), run in a
// fresh `node` process: what a hand-written integration on a JS OAuth
// library does before its first call — import the library (oauth4webapi),
// read the token from the same KV-shaped store, prefilled with the same
// entry, and check its expiry.
// Input: BENCH_ENTRY = {"key","value"} (JSON). Output: one JSON line (ms).
const { key, value } = JSON.parse(process.env.BENCH_ENTRY);
const t0 = performance.now();
const oauth = await import("oauth4webapi");
const t1 = performance.now();
const map = new Map([[key, value]]);
const store = { get: async (k) => (map.has(k) ? map.get(k) : null) };
const entry = JSON.parse(await store.get(key));
const fresh = typeof entry.token === "string" && (entry.expires_at ?? entry.expiresAt ?? Infinity) > 0;
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({ importMs: t1 - t0, firstTokenMs: t2 - t1, totalMs: t2 - t0, ok: fresh && typeof oauth.discoveryRequest === "function" })}\n`,
);
