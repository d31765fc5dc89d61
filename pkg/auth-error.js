// The one error type of vendor-auth. The wasm module constructs it through
// the class registered by each entry point (`__registerAuthError`), so every
// failure a caller sees is `instanceof AuthError` and a real `Error`.

/** The stable error codes; branch on `error.code`, never on the message. */
export const AuthErrorCode = Object.freeze({
  INVALID_OPTIONS: "INVALID_OPTIONS",
  INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
  MFA_REQUIRED: "MFA_REQUIRED",
  REAUTH_REQUIRED: "REAUTH_REQUIRED",
  TOKEN_REJECTED: "TOKEN_REJECTED",
  RATE_LIMITED: "RATE_LIMITED",
  NETWORK: "NETWORK",
  TIMEOUT: "TIMEOUT",
  BAD_RESPONSE: "BAD_RESPONSE",
  VENDOR_ERROR: "VENDOR_ERROR",
  FOREIGN_ORIGIN: "FOREIGN_ORIGIN",
  UNSUPPORTED: "UNSUPPORTED",
  STORAGE: "STORAGE",
});

export class AuthError extends Error {
  constructor(
    message,
    { code, vendor = null, status = null, retryAfterSeconds = null, cause } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "AuthError";
    this.code = code;
    this.vendor = vendor;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
