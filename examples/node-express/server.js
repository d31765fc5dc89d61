// A backend-for-frontend: the browser calls /api/emnify/... on this server;
// the server holds the emnify application token (from the environment),
// and vendor-auth logs in once, caches and renews the auth token, and
// attaches it to the proxied request. The browser never sees a credential.
//
//   EMNIFY_APPLICATION_TOKEN=… node server.js
//   curl http://127.0.0.1:3000/api/emnify/api/v1/endpoint
import express from "express";
import { AuthClient, AuthError } from "vendor-auth";

const emnify = new AuthClient({
  vendor: "emnify",
  baseUrl: process.env.EMNIFY_BASE_URL || undefined, // e.g. the vendor simulator
  credentials: { applicationToken: process.env.EMNIFY_APPLICATION_TOKEN ?? "" },
});
emnify.on("error", (e) => console.warn(`emnify: ${e.code}: ${e.message}`));

/** The HTTP status a failed call answers the browser with. */
const statusFor = (e) =>
  ({ INVALID_CREDENTIALS: 502, REAUTH_REQUIRED: 502, RATE_LIMITED: 503, NETWORK: 504, TIMEOUT: 504, FOREIGN_ORIGIN: 400, INVALID_OPTIONS: 500 })[e.code] ?? 502;

export const app = express();

app.get("/api/token-info", async (_req, res) => {
  // Only what the dashboard may know: never the token itself.
  const { expiresAt, fromCache } = await emnify.getTokenInfo();
  res.json({ expiresAt, fromCache });
});

// GET-only proxy, so that nothing but reads passes through.
app.get("/api/emnify/*path", async (req, res) => {
  const path = `/${[].concat(req.params.path).join("/")}`;
  const query = new URL(req.originalUrl, "http://local").search;
  const upstream = await emnify.fetch(`${path}${query}`, { headers: { accept: "application/json" } });
  res.status(upstream.status).type(upstream.headers.get("content-type") ?? "application/json");
  res.send(Buffer.from(await upstream.arrayBuffer()));
});

app.use((error, _req, res, _next) => {
  if (error instanceof AuthError) res.status(statusFor(error)).json({ code: error.code, message: error.message });
  else res.status(500).json({ code: "INTERNAL", message: "internal error" });
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  const server = app.listen(port, process.env.HOST ?? "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`);
  });
}
