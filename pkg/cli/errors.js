// The command line's exit codes: one per kind of failure a script reacts to
// differently, keyed by `AuthError.code` (README "Command line").
import { AuthError } from "../auth-error.js";

export const EXIT = Object.freeze({
  OK: 0,
  /** Not an AuthError: a bug in vendor-auth; please report it. */
  INTERNAL: 1,
  INVALID_OPTIONS: 2,
  INVALID_CREDENTIALS: 3,
  /** A human has to act: sign in again, or give the MFA code. */
  REAUTH_REQUIRED: 4,
  MFA_REQUIRED: 4,
  TOKEN_REJECTED: 4,
  RATE_LIMITED: 5,
  /** The vendor could not be reached or answered oddly: retrying later may work. */
  NETWORK: 6,
  TIMEOUT: 6,
  BAD_RESPONSE: 6,
  VENDOR_ERROR: 6,
  FOREIGN_ORIGIN: 7,
  UNSUPPORTED: 8,
  STORAGE: 9,
  /** `fetch --fail`: the API answered 400 or above (curl's code for it). */
  HTTP_ERROR: 22,
});

export const exitCode = (error) =>
  error instanceof AuthError && Object.hasOwn(EXIT, error.code) ? EXIT[error.code] : EXIT.INTERNAL;

/** A mistake on the command line, in the profile or the environment: exit 2. */
export const usageError = (message) => new AuthError(message, { code: "INVALID_OPTIONS" });

/** The cache cannot be used safely: exit 9. */
export const storageError = (message) => new AuthError(message, { code: "STORAGE" });
