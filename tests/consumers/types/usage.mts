// Compiled by types.test.mjs with `tsc --noEmit` (strict): correct uses of
// the package must type-check, and each `@ts-expect-error` line must stay
// an error (tsc reports an unused @ts-expect-error as an error itself).
import { AuthClient, AuthError, AuthErrorCode } from "vendor-auth";
import type { AuthClientOptions, TokenInfo } from "vendor-auth";

const options: AuthClientOptions = {
  vendor: "emnify",
  baseUrl: "http://127.0.0.1:8790/emnify",
  credentials: { applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA" },
  store: "memory",
  refreshMarginSeconds: 60,
  timeoutMs: 15000,
  fetch: globalThis.fetch,
};
const client = new AuthClient(options);
const token: string = await client.getToken();
const reloaded: string = await client.getToken({ cache: "reload" });
const info: TokenInfo = await client.getTokenInfo();
const infoToken: string = info.token;
const expiresAt: number | null = info.expiresAt;
const fromCache: boolean = info.fromCache;
const response: Response = await client.fetch("/api/v1/endpoint", { method: "GET" });
await client.revoke();
await client.clear();

// Every vendor's documented credential shapes.
new AuthClient({ vendor: "runbuggy", environment: "staging", credentials: { apiToken: "t" } });
new AuthClient({ vendor: "runbuggy", credentials: { sessionJwt: "j", tokenName: "n" } });
new AuthClient({ vendor: "personr", credentials: { email: "a@b.c", password: "p" } });
new AuthClient({ vendor: "emnify", credentials: { username: "u", password: "p" } });
new AuthClient({ vendor: "emnify", credentials: { username: "u", password: "p", passwordIsSha1: true } });
new AuthClient({ vendor: "zumrails", environment: "sandbox", credentials: { username: "u", password: "p" } });
new AuthClient({ vendor: "voipbin", credentials: { username: "u", password: "p" } });
new AuthClient({ vendor: "voipbin", credentials: { accessKey: "k" } });

try {
  await client.getToken({ cache: "only-if-cached" });
} catch (e) {
  if (e instanceof AuthError) {
    const code: AuthErrorCode = e.code;
    const vendor: string | null = e.vendor;
    const status: number | null = e.status;
    if (e.code === AuthErrorCode.RATE_LIMITED) {
      const wait: number | null = e.retryAfterSeconds;
      void wait;
    }
    void [code, vendor, status];
  }
}
new AuthError("by hand", { code: "NETWORK" });

// --- must stay type errors ----------------------------------------------------

// @ts-expect-error emnify takes { applicationToken } or { username, password }, not email
new AuthClient({ vendor: "emnify", credentials: { email: "a@b.c", password: "p" } });
// @ts-expect-error personr takes { email, password }
new AuthClient({ vendor: "personr", credentials: { applicationToken: "t" } });
// @ts-expect-error voipbin takes { username, password } or { accessKey }
new AuthClient({ vendor: "voipbin", credentials: { apiToken: "t" } });
// @ts-expect-error zumrails takes { username, password }: password missing
new AuthClient({ vendor: "zumrails", credentials: { username: "u" } });
// @ts-expect-error runbuggy takes { apiToken } or { sessionJwt, tokenName }
new AuthClient({ vendor: "runbuggy", credentials: { accessKey: "k" } });
// @ts-expect-error an unknown vendor
new AuthClient({ vendor: "nope", credentials: { applicationToken: "t" } });
// @ts-expect-error credentials are required
new AuthClient({ vendor: "emnify" });
// @ts-expect-error getToken resolves to a string
const notANumber: number = await client.getToken();
// @ts-expect-error not an error code
const badCode: AuthErrorCode = "NOPE";
// @ts-expect-error AuthError needs a code
new AuthError("no code", {});

void [token, reloaded, infoToken, expiresAt, fromCache, response, notANumber, badCode];
