import type { Vendor } from "./dist/types.js";

/** Every code an {@link AuthError} can carry. */
export type AuthErrorCode =
  | "INVALID_OPTIONS"
  | "INVALID_CREDENTIALS"
  | "MFA_REQUIRED"
  | "REAUTH_REQUIRED"
  | "TOKEN_REJECTED"
  | "RATE_LIMITED"
  | "NETWORK"
  | "TIMEOUT"
  | "BAD_RESPONSE"
  | "VENDOR_ERROR"
  | "FOREIGN_ORIGIN"
  | "UNSUPPORTED"
  | "STORAGE";

/**
 * The error codes as constants, e.g. `err.code === AuthErrorCode.RATE_LIMITED`.
 *
 * - `INVALID_OPTIONS`: the options given to `new AuthClient(...)` or a method are wrong
 *   (unknown vendor, missing credential field, wrong type); the message names the field.
 * - `INVALID_CREDENTIALS`: the vendor refused the credentials.
 * - `MFA_REQUIRED`: the vendor asks for a second factor this library cannot give.
 * - `REAUTH_REQUIRED`: the cached token can no longer be refreshed; sign in again.
 * - `TOKEN_REJECTED`: the vendor's API refused the token.
 * - `RATE_LIMITED`: too many requests; see `retryAfterSeconds`.
 * - `NETWORK`: the request did not reach the vendor or no response came back.
 * - `TIMEOUT`: no response within `timeoutMs`.
 * - `BAD_RESPONSE`: the vendor answered with something this library cannot read.
 * - `VENDOR_ERROR`: the vendor reported an error of its own (usually a 5xx).
 * - `FOREIGN_ORIGIN`: `client.fetch` was asked to send the token to another origin.
 * - `UNSUPPORTED`: the operation does not exist for this vendor.
 * - `STORAGE`: the token store failed.
 */
export declare const AuthErrorCode: {
  readonly [K in AuthErrorCode]: K;
};

/** The fields of an {@link AuthError} besides its message. */
export interface AuthErrorInit {
  /** What went wrong, as a stable code. */
  code: AuthErrorCode;
  /** The vendor the client was talking to, when known. */
  vendor?: Vendor | null;
  /** The HTTP status of the response that caused the error, when one did. */
  status?: number | null;
  /** For `RATE_LIMITED`: how long to wait before trying again, when the vendor said. */
  retryAfterSeconds?: number | null;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/**
 * The only error type vendor-auth throws or rejects with. A real `Error`:
 * `err instanceof AuthError` and `err instanceof Error` are both true.
 * Messages never contain secrets.
 */
export declare class AuthError extends Error {
  constructor(message: string, init: AuthErrorInit);
  readonly name: "AuthError";
  /** What went wrong, as a stable code to branch on. */
  readonly code: AuthErrorCode;
  /** The vendor the client was talking to, or `null`. */
  readonly vendor: Vendor | null;
  /** The HTTP status of the response that caused the error, or `null`. */
  readonly status: number | null;
  /** For `RATE_LIMITED`: seconds to wait before retrying, or `null` when unknown. */
  readonly retryAfterSeconds: number | null;
}
