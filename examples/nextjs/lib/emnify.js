// One emnify client per server process (and per Edge isolate), created on
// first use: the credentials come from the server's environment and never
// reach the browser. vendor-auth logs in once and renews before expiry.
import { AuthClient } from "vendor-auth";

let client;

export function emnify() {
  client ??= new AuthClient({
    vendor: "emnify",
    baseUrl: process.env.EMNIFY_BASE_URL || undefined, // e.g. the vendor simulator
    credentials: { applicationToken: process.env.EMNIFY_APPLICATION_TOKEN ?? "" },
  });
  return client;
}

/** What the browser may know about the token: never the token itself. */
export async function tokenState() {
  try {
    const { expiresAt, fromCache } = await emnify().getTokenInfo();
    return { ok: true, expiresAt, fromCache, runtime: process.env.NEXT_RUNTIME };
  } catch (e) {
    return { ok: false, code: e.code, message: e.message, runtime: process.env.NEXT_RUNTIME };
  }
}
