// One Node cold start for scripts/bench.mjs, run in a fresh `node` process:
// import the package (read, compile and instantiate the wasm), then one
// getToken served from a KV-shaped store prefilled with a valid entry.
// Input: BENCH_ENTRY = {"key","value","baseUrl","applicationToken"} (JSON).
// Output: one JSON line of timings (ms).
const started = performance.now(); // since the process started (timeOrigin)
const { key, value, baseUrl, applicationToken } = JSON.parse(process.env.BENCH_ENTRY);
const t0 = performance.now();
const { AuthClient } = await import("vendor-auth");
const t1 = performance.now();
const map = new Map([[key, value]]);
const store = {
  get: async (k) => (map.has(k) ? map.get(k) : null),
  put: async (k, v) => void map.set(k, v),
  delete: async (k) => void map.delete(k),
};
const client = new AuthClient({ vendor: "emnify", baseUrl, credentials: { applicationToken }, store });
const token = await client.getToken();
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    importMs: t1 - t0,
    firstTokenMs: t2 - t1,
    totalMs: t2 - t0,
    bootMs: started,
    fromStore: token === JSON.parse(value).token,
  })}\n`,
);
