//! The TypeScript types of the options and results. `core::options` and the
//! vendor files validate the same shapes at run time; the consumer type test
//! (`tests/consumers/types`) keeps the two in step.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The vendors this package knows. */
export type Vendor = "runbuggy" | "personr" | "emnify" | "zumrails" | "voipbin";

/** The stable codes of `AuthError.code`. */
export type AuthErrorCode =
  | "INVALID_OPTIONS" | "INVALID_CREDENTIALS" | "MFA_REQUIRED" | "REAUTH_REQUIRED"
  | "TOKEN_REJECTED" | "RATE_LIMITED" | "NETWORK" | "TIMEOUT" | "BAD_RESPONSE"
  | "VENDOR_ERROR" | "FOREIGN_ORIGIN" | "UNSUPPORTED" | "STORAGE";

/**
 * A store for cache entries: any object with these three methods, sync or
 * async. A Cloudflare KV namespace binding fits as is. `expirationTtl` is in
 * seconds and never below 60 (KV's minimum) for entries; leases of an
 * `AtomicTokenStore` may ask for less. A call that has not settled within
 * `timeoutMs` counts as failed (the client falls back to memory).
 */
export interface KvStore {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  put(key: string, value: string, options?: { expirationTtl?: number }): unknown;
  delete(key: string): unknown;
  /** Only this realm uses the store (a Durable Object's storage): no cross-realm lease. */
  exclusive?: boolean;
}

/**
 * A `KvStore` with put-if-absent, shared by many processes or machines (Redis
 * through `vendor-auth/redis`, Memcached `add`, a DynamoDB conditional write,
 * Postgres `INSERT … ON CONFLICT DO NOTHING`, Deno KV `atomic().check()`).
 * With it, every renewal of a principal takes a real lock in the store, the
 * way tabs take a Web Lock: `add` a lease `{"owner","until"}` under
 * `<entry key>:lease` (a unique owner, `expirationTtl` twice `timeoutMs`), read
 * the entry again, log in only if nobody else has, write the entry, release
 * the lease with `deleteIf` so that a holder that outlived its lease never
 * frees someone else's. Waiters poll the entry with backoff (10 ms, doubling
 * up to 250 ms) and take over a lease once it has expired. Without `add`
 * the lease is best effort (write, wait, read back).
 */
export interface AtomicTokenStore extends KvStore {
  /**
   * Stores `value` under `key` only if `key` holds nothing (or its entry has
   * expired), and resolves to whether it did. The entry must expire after
   * `expirationTtl` seconds when one is given.
   */
  add(key: string, value: string, options?: { expirationTtl?: number }): boolean | Promise<boolean>;
  /**
   * Deletes `key` only if it still holds exactly `value`, atomically, and
   * resolves to whether it did. Optional: without it a lease is released by
   * reading it back first, and an expired one is left to its TTL.
   */
  deleteIf?(key: string, value: string): boolean | Promise<boolean>;
}

/**
 * A Durable Object namespace bound to the package's `TokenCoordinator`
 * (Cloudflare Workers). Only the two methods used are described.
 */
export interface CoordinatorNamespace {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * Where tokens are cached. `"memory"` (the default) is shared by every client
 * of this JS realm; `"localStorage"` and `"sessionStorage"` exist only in
 * browser windows; `"indexedDB"` in windows and every kind of worker
 * (dedicated, shared, service workers, an extension's service worker), with
 * one login for every tab and worker of the origin; a `KvStore` works
 * everywhere, and an `AtomicTokenStore` (Redis) keeps many processes and
 * machines to one login per principal. A principal keeps to one of
 * `"localStorage"` and `"indexedDB"` per page or worker.
 */
export type TokenStoreOption = "memory" | "localStorage" | "sessionStorage" | "indexedDB" | KvStore | AtomicTokenStore;

/** Options every vendor takes. */
export interface CommonOptions {
  /** The vendor root, replacing the environment's hosts (a simulator, a self-hosted install). */
  baseUrl?: string;
  /** Where tokens are cached. Default `"memory"`. Passwords are never stored. */
  store?: TokenStoreOption;
  /** Renew this many seconds before the token expires. Default 60. */
  refreshMarginSeconds?: number;
  /** Upper bound of every request the library makes, in ms. Default 15000. */
  timeoutMs?: number;
  /**
   * `"memory"` keeps refresh tokens (emnify user logins) out of persistent
   * stores: they stay in this realm's memory only, and a renewal in another
   * tab logs in again instead. Default `"store"`.
   */
  refreshTokens?: "store" | "memory";
  /** Other origins `client.fetch` may send credentials to (your own proxy). */
  allowedOrigins?: string[];
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /**
   * Cloudflare Workers: the `TokenCoordinator` Durable Object namespace
   * (`env.TOKEN_COORDINATOR`). Every login and renewal of a principal then
   * happens in its one object, so across all isolates at most one login is
   * in flight per principal.
   */
  coordinator?: CoordinatorNamespace;
}

/**
 * RunBuggy: an API token used as is, or a web-session JWT (copied from the
 * `Authorization` header after the password-less web login) exchanged once
 * for a long-lasting API token. The library cannot renew a session JWT: when
 * it has expired and no token is cached, calls fail with `REAUTH_REQUIRED`.
 * `revoke()` only forgets the token (RunBuggy has no revoke endpoint).
 */
export interface RunBuggyOptions extends CommonOptions {
  vendor: "runbuggy";
  environment?: "production" | "staging";
  credentials:
    | { apiToken: string; sessionJwt?: never }
    | {
        apiToken?: never;
        sessionJwt: string;
        /** The name of the API token to create. */
        tokenName: string;
        description?: string;
        /** ISO-8601 expiry of the API token; `null` or absent: it never expires. */
        expireAt?: string | null;
      };
}

/**
 * Personr: email + password generate a one-year token. Generating a token
 * invalidates the previous one for every holder, so the library generates
 * only when no usable token is cached. Bubble drops a token after 30 days
 * without use: a rejection of a token unused that long is regenerated by
 * itself, with a `"regenerated"` event (`reason: "idle"`). `revoke()` only
 * forgets the token.
 */
export interface PersonrOptions extends CommonOptions {
  vendor: "personr";
  environment?: "production";
  credentials: { email: string; password: string };
  /** `"form"` (default): multipart to `api-token-generate`; `"basic"`: `Authorization: Basic` to `api-basic-auth`. */
  loginMethod?: "form" | "basic";
  /**
   * When the vendor rejects the cached token, generate a new one instead of
   * failing with `REAUTH_REQUIRED`. Trade-off: the new token invalidates the
   * one every other holder of this account uses (another server, another
   * dashboard), which then fails in turn. Default `false`.
   */
  regenerateOnRejection?: boolean;
}

/**
 * emnify: an application token (recommended), or a username and password
 * (sent as its SHA-1 hex; pass `passwordIsSha1: true` if it already is).
 * Auth tokens last until their JWT's `exp` (7 days in emnify's recordings);
 * user logins renew with the refresh token. Three failed logins lock the
 * account for 5 minutes: `RATE_LIMITED` (300 s), and no client of the
 * account logs in until the lock ends.
 */
export interface EmnifyOptions extends CommonOptions {
  vendor: "emnify";
  environment?: "production";
  credentials:
    | { applicationToken: string; username?: never; password?: never }
    | { applicationToken?: never; username: string; password: string; passwordIsSha1?: boolean };
  /**
   * Username/password logins: the `fingerprint` of a device trusted at an
   * earlier MFA step (what `completeMfa` resolved with). Sent with each login,
   * it makes emnify skip the MFA step for 90 days. A secret: with the
   * password it is a whole login. Never stored by the library.
   */
  fingerprint?: string;
}

/**
 * Zūm Rails: the API username and password of the Portal's "Webhook & API
 * settings". Tokens last about an hour. Too many requests block the caller's
 * IP for 5 minutes — a 429 seen by `client.fetch` too: logins then fail fast
 * with `RATE_LIMITED` until the block ends. `revoke()` cancels the token at
 * Zūm Rails.
 */
export interface ZumRailsOptions extends CommonOptions {
  vendor: "zumrails";
  environment?: "production" | "sandbox";
  credentials: { username: string; password: string };
}

/**
 * VoIPBIN: username + password log in for a 7-day token, or an access key
 * used as is (sent only as `?accesskey=`, never in a header).
 */
export interface VoipbinOptions extends CommonOptions {
  vendor: "voipbin";
  environment?: "production";
  /** Where login tokens go on API calls: `Authorization: Bearer` (default) or `?token=`. Access keys always go in `?accesskey=`. */
  tokenIn?: "header" | "query";
  credentials:
    | { username: string; password: string; accessKey?: never }
    | { accessKey: string; username?: never; password?: never };
}

/** The options of `new AuthClient(options)`, by vendor. */
export type AuthClientOptions =
  | RunBuggyOptions
  | PersonrOptions
  | EmnifyOptions
  | ZumRailsOptions
  | VoipbinOptions;

/** The options of `getToken` and `getTokenInfo`. */
export interface GetTokenOptions {
  /**
   * `"default"`: use a fresh cached token, else renew. `"reload"`: renew now.
   * `"only-if-cached"`: never go to the network.
   */
  cache?: "default" | "reload" | "only-if-cached";
}

/** A token with what is known about it. */
export interface TokenInfo {
  token: string;
  /** ms since the epoch (local clock), or `null` for a token that never expires. */
  expiresAt: number | null;
  /** Whether it was served from the cache rather than obtained just now. */
  fromCache: boolean;
  vendor: Vendor;
  environment: string;
  /** Vendor facts: Zūm Rails' customerId, companyName…; Personr's userId. Never a secret. */
  meta: Record<string, unknown>;
}

/** The payload of a `"token"` event (never the token itself). */
export interface TokenEvent {
  vendor: Vendor;
  expiresAt: number | null;
  fromCache: boolean;
}

/** The payload of a `"storage-fallback"` event. */
export interface StorageFallbackEvent {
  vendor: Vendor;
  /** What the store said, without secrets. */
  reason: string;
}

/**
 * The payload of a `"clock-skew"` event: the vendor's `Date` header was
 * further from the local clock than is believable (a day, or more than the
 * token's lifetime), so it was ignored and the token's expiry read as is.
 */
export interface ClockSkewEvent {
  vendor: Vendor;
  /** Vendor clock minus local clock, in ms, as the `Date` header said. */
  skewMs: number;
  ignored: true;
}

/** The payload of an `"error"` event: the `AuthError` the call rejected with. */
export interface AuthErrorEvent extends Error {
  code: AuthErrorCode;
  vendor: Vendor | null;
  status: number | null;
  retryAfterSeconds: number | null;
}

/** `createApplicationToken` options (emnify). */
export interface NewApplicationTokenOptions {
  description?: string;
  /** ISO date after which the token stops working, e.g. `"2027-01-31"`. */
  expiryDate?: string;
  /** CIDR the token may be used from, e.g. `"203.0.113.0/24"`. */
  ip?: string;
}

/** An emnify application token as listed (its value is never returned). */
export interface ApplicationToken {
  id: number;
  description: string | null;
  created: string | null;
  /** `"activated"`, `"revoked"`, or emnify's own description. */
  status: string | null;
  expiryDate: string | null;
  ip: string | null;
}

/** emnify's trusted-device record for `completeMfa`. */
export interface TrustedDevice {
  /** The device's id; generated (128 random bits) when absent. */
  fingerprint?: string;
  /** A name for the device, shown in emnify's list of trusted devices. */
  name?: string;
  operating_system?: string;
  browser?: string;
}

/** What `completeMfa` resolves to: the token, and the trusted device's fingerprint. */
export interface MfaTokenInfo extends TokenInfo {
  /**
   * The fingerprint sent as `trusted_device.fingerprint` (`null` without a
   * `trustedDevice`): pass it as the `fingerprint` option of later clients
   * to skip the MFA step for 90 days. Keep it like a password.
   */
  fingerprint: string | null;
}

/** `createAccessKey` options (VoIPBIN). */
export interface NewAccessKeyOptions {
  name?: string;
  detail?: string;
  /** Lifetime in seconds: 86400 (one day) to 2147483647 (VoIPBIN stores a 32-bit integer). */
  expireSeconds: number;
}

/** A VoIPBIN access key. `token` is present only in `createAccessKey`'s result. */
export interface AccessKey {
  id: string;
  customerId: string | null;
  name: string | null;
  detail: string | null;
  token?: string;
  tokenPrefix: string | null;
  /** VoIPBIN's timestamps, as it sends them. */
  expiresAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  deletedAt: string | null;
}

/**
 * The payload of a `"regenerated"` event: the client generated a new token
 * after a rejection by itself, because no other holder could be harmed.
 * `reason` `"idle"`: Personr (Bubble) drops a token after 30 days without
 * use, so every holder's copy was dead already.
 */
export interface RegeneratedEvent {
  vendor: Vendor;
  reason: "idle";
  /** The same, for people. */
  message: string;
}

/** What each event of `client.on(name, listener)` passes to its listener. */
export interface AuthEvents {
  /** A new token was obtained or read from the store (never the token itself). */
  token: TokenEvent;
  /** The `AuthError` a call rejected with. */
  error: AuthErrorEvent;
  /** The store failed; tokens are kept in memory meanwhile. */
  "storage-fallback": StorageFallbackEvent;
  /** The client generated a new token after a rejection (Personr's idle expiry). */
  regenerated: RegeneratedEvent;
  /** The vendor's `Date` header was too far off to believe and was ignored. */
  "clock-skew": ClockSkewEvent;
}

export type AuthClientEventName = keyof AuthEvents;
/** A listener for any event (prefer the typed `on<K>` signature). */
export type AuthClientListener = (payload: AuthEvents[AuthClientEventName]) => void;

/** The options of the vendor `V` (e.g. `AuthClientOptionsFor<"emnify">` is `EmnifyOptions`). */
export type AuthClientOptionsFor<V extends Vendor> = Extract<AuthClientOptions, { vendor: V }>;

/** The methods of every client, whatever its vendor. */
export interface AuthClientBase {
  /**
   * The token: from the cache while it is fresh (until `expiresAt -
   * refreshMarginSeconds`), else obtained from the vendor — once for all
   * concurrent callers of the same principal. `cache: "reload"` renews now;
   * `cache: "only-if-cached"` never goes to the network and rejects with
   * `REAUTH_REQUIRED` when nothing usable is cached.
   */
  getToken(options?: GetTokenOptions): Promise<string>;
  /** Like `getToken`, with the expiry, whether it came from the cache, and vendor facts (`meta`). */
  getTokenInfo(options?: GetTokenOptions): Promise<TokenInfo>;
  /**
   * `fetch` with the vendor's credentials attached: same arguments, same
   * `Response`. `input` is a path (`"/api/v1/endpoint"`, resolved against the
   * vendor root), an absolute URL, a `URL` or a `Request`; the caller's
   * headers are kept. Credentials go only to the vendor's origin (or
   * `allowedOrigins`): any other origin rejects with `FOREIGN_ORIGIN` before a
   * request leaves. A rejected token is renewed once and the request sent
   * again (a body read once, a stream or an async iterable, is not replayed:
   * the first answer is returned). Answers of the API itself (429,
   * 5xx…) are returned untouched. `init.signal` aborts the token wait and the
   * request.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * Revokes the token at the vendor where the vendor supports it (Zūm Rails),
   * then forgets it: `"vendor"`; elsewhere it is only forgotten here and stays
   * valid at the vendor until it expires: `"local"`.
   */
  revoke(): Promise<"vendor" | "local">;
  /** Forgets the cached token (in this client's store). */
  clear(): Promise<void>;
  /**
   * Listens to `"token"`, `"error"`, `"storage-fallback"`, `"regenerated"`
   * or `"clock-skew"` (see
   * {@link AuthEvents}). Returns a function that unsubscribes.
   */
  on<K extends keyof AuthEvents>(name: K, listener: (event: AuthEvents[K]) => void): () => void;
  /**
   * Releases the client's WebAssembly memory now instead of when it is
   * garbage-collected (where the runtime supports it, `using client = …`
   * does the same through `Symbol.dispose`). Later calls reject with an
   * `AuthError`; tokens already cached stay in their store.
   */
  free(): void;
}

/** The methods only emnify clients have (other vendors' clients reject them with `UNSUPPORTED`). */
export interface EmnifyMethods {
  /**
   * Finishes a login that rejected with `MFA_REQUIRED`, with the code from the
   * user's authenticator app, and caches the token. Three wrong codes lock the
   * account for 5 minutes.
   */
  completeMfa(code: string, trustedDevice?: TrustedDevice): Promise<TokenInfo>;
  /** Creates an application token and resolves to it; emnify shows it only this once. */
  createApplicationToken(options?: NewApplicationTokenOptions): Promise<string>;
  /** The account's application tokens (never their values). */
  listApplicationTokens(): Promise<ApplicationToken[]>;
  /** Revokes the application token with this id. */
  revokeApplicationToken(id: number): Promise<void>;
}

/** The methods only VoIPBIN clients have (other vendors' clients reject them with `UNSUPPORTED`). */
export interface VoipbinMethods {
  /** Creates an access key (`expireSeconds` ≥ 86400); its `token` is shown only this once. */
  createAccessKey(options: NewAccessKeyOptions): Promise<AccessKey>;
  /** Every access key of the account. */
  listAccessKeys(): Promise<AccessKey[]>;
  /** Deletes the access key with this id and resolves to it. */
  deleteAccessKey(id: string): Promise<AccessKey>;
}

/**
 * A client of vendor `V`: the vendor-only methods exist on the type only
 * when `V` can be that vendor (`AuthClient`, of any vendor, has them all).
 */
export type AuthClient<V extends Vendor = Vendor> = AuthClientBase &
  ("emnify" extends V ? EmnifyMethods : unknown) &
  ("voipbin" extends V ? VoipbinMethods : unknown);

/** The `AuthClient` class: `new AuthClient(options)` gives an `AuthClient<options.vendor>`. */
export interface AuthClientConstructor {
  /**
   * Validates the options and prepares the client. No network request is made
   * until a token is needed. Every `AuthClient` of a realm with the same
   * vendor, root and principal shares one cache entry and one login in flight.
   *
   * @throws {AuthError} `INVALID_OPTIONS`, naming the field, for an unknown
   * vendor or environment, a missing or mistyped credential, a bad `baseUrl`,
   * `store`, `refreshMarginSeconds` or `timeoutMs`.
   *
   * @example
   * const client = new AuthClient({ vendor: "emnify", credentials: { applicationToken } });
   * const token = await client.getToken();
   */
  new <V extends Vendor>(options: AuthClientOptionsFor<V>): AuthClient<V>;
  readonly prototype: AuthClient;
}

/** Obtains, caches, renews and attaches one vendor's API token for one set of credentials. */
export declare const AuthClient: AuthClientConstructor;
"#;
