// What every TypeScript consumer writes, compiled in each project of the
// matrix (Node-only, DOM, Workers; strict, skipLibCheck: false) against the
// installed tarball. Each `@ts-expect-error` must still be an error.
import { AuthClient, AuthError, AuthErrorCode, type AuthClientOptions, type TokenInfo } from "vendor-auth";
import { AuthError as PlainAuthError, AuthErrorCode as PlainCodes } from "vendor-auth/errors";

const emnify = new AuthClient({ vendor: "emnify", credentials: { applicationToken: "t" } });

// Point 1: `init` is optional, as in the README.
export const r1: Promise<Response> = emnify.fetch("/api/v1/endpoint");
export const r2: Promise<Response> = emnify.fetch(new URL("https://cdn.emnify.net/api/v1/endpoint"), { method: "GET" });

// Point 2: listeners get their event's own type.
emnify.on("token", (e) => {
  const at: number | null = e.expiresAt;
  const cached: boolean = e.fromCache;
  void at, cached;
});
emnify.on("error", (e) => {
  const code: AuthErrorCode = e.code;
  void code;
});
emnify.on("storage-fallback", (e) => {
  const reason: string = e.reason;
  void reason;
});
emnify.on("regenerated", (e) => {
  const reason: "idle" = e.reason;
  void reason;
});
// @ts-expect-error a token event has no `code`
emnify.on("token", (e) => e.code);
// @ts-expect-error unknown event name
emnify.on("tokens", () => {});
const off: () => void = emnify.on("token", () => {});
off();

// Point 13: vendor-only methods exist only on their vendor's clients.
export const mfa: Promise<TokenInfo> = emnify.completeMfa("123456");
export const keys = emnify.listApplicationTokens();
const zum = new AuthClient({ vendor: "zumrails", credentials: { username: "u", password: "p" } });
// @ts-expect-error completeMfa is emnify-only
zum.completeMfa("123456");
// @ts-expect-error createAccessKey is VoIPBIN-only
zum.createAccessKey({ expireSeconds: 86400 });
const voipbin: AuthClient<"voipbin"> = new AuthClient({ vendor: "voipbin", credentials: { accessKey: "k" } });
export const created = voipbin.createAccessKey({ expireSeconds: 86400 });
// @ts-expect-error listApplicationTokens is emnify-only
voipbin.listApplicationTokens();
// A client of any vendor (options known only at run time) has every method.
declare const options: AuthClientOptions;
const anyVendor = new AuthClient(options);
export const anyMfa = anyVendor.completeMfa("123456");
// Options are still checked per vendor.
// @ts-expect-error emnify has no apiToken credential
new AuthClient({ vendor: "emnify", credentials: { apiToken: "t" } });
// @ts-expect-error unknown option
new AuthClient({ vendor: "zumrails", credentials: { username: "u", password: "p" }, bogus: true });

// free() is declared; calls after it reject with an AuthError.
emnify.free();

// instanceof narrows to a client.
declare const value: unknown;
if (value instanceof AuthClient) void value.getToken();

// The errors subpath types match the main entry's.
const e: AuthError = new PlainAuthError("x", { code: PlainCodes.NETWORK });
export const isRateLimited = e.code === AuthErrorCode.RATE_LIMITED;
