// What the demo knows about each vendor: its credential kinds (with the
// simulator's test credentials as defaults), environments, the protected API
// it calls, its login endpoints (for the simulator's counts and faults) and
// a few sentences for a person trying it.
//
// `value(c)` receives the simulator's test credentials (from /config.json;
// `{}` when absent) and returns the field's default.

const pick = (vendor, key) => (c) => c?.[vendor]?.[key] ?? "";

export const VENDORS = {
  runbuggy: {
    label: "RunBuggy",
    blurb: "Vehicle transport. A web session JWT is exchanged once for a long-lasting API token.",
    environments: {
      production: "apps.runbuggy.com/v2",
      staging: "ng-staging.runbuggy.com/staging",
    },
    apiPath: "/api/orders",
    logins: [{ method: "POST", path: "/accounts/api-token/tokens" }],
    kinds: [
      {
        id: "apiToken",
        label: "API token",
        asIs: true,
        hint: "A long-lasting token a RunBuggy representative hands out. Used as is: no login.",
        fields: [{ name: "apiToken", label: "API token", secret: true, value: pick("runbuggy", "apiToken") }],
      },
      {
        id: "session",
        label: "Session JWT exchange",
        hint: "Exchanged once for an API token (POST /accounts/api-token/tokens). Mint one in the RunBuggy panel.",
        fields: [
          { name: "sessionJwt", label: "Session JWT", secret: true, value: () => "", placeholder: "mint one below, or paste it" },
          { name: "tokenName", label: "Name of the API token to create", value: () => "vendor-auth demo" },
          { name: "description", label: "Description", optional: true, value: () => "Created from the vendor-auth demo page" },
          { name: "expireAt", label: "Expires at (ISO-8601; empty: never)", optional: true, value: () => "", placeholder: "2027-01-31T00:00:00Z" },
        ],
      },
    ],
    revoke: "RunBuggy has no revoke endpoint: Revoke forgets the token here, it stays valid at RunBuggy.",
  },

  personr: {
    label: "Personr",
    blurb: "Identity verification. Email and password generate a one-year token.",
    environments: { production: "enterprise.personr.co" },
    apiPath: "/api/1.1/obj/workspace",
    logins: [
      { method: "POST", path: "/api/1.1/wf/api-token-generate" },
      { method: "POST", path: "/api/1.1/wf/api-basic-auth" },
    ],
    kinds: [
      {
        id: "password",
        label: "Email & password",
        fields: [
          { name: "email", label: "Email", type: "email", value: pick("personr", "email") },
          { name: "password", label: "Password", secret: true, value: pick("personr", "password") },
        ],
      },
    ],
    options: ["loginMethod", "regenerateOnRejection"],
    revoke: "Personr has no revoke endpoint: Revoke forgets the token here, it stays valid at Personr.",
  },

  emnify: {
    label: "emnify",
    blurb: "IoT connectivity. Application tokens or user logins for JWTs (7 days in emnify\u2019s recordings), with MFA.",
    environments: { production: "cdn.emnify.net" },
    apiPath: "/api/v1/endpoint",
    logins: [{ method: "POST", path: "/api/v1/authenticate" }],
    kinds: [
      {
        id: "applicationToken",
        label: "Application token",
        hint: "emnify's recommended credential for machines.",
        fields: [{ name: "applicationToken", label: "Application token", secret: true, value: pick("emnify", "applicationToken") }],
      },
      {
        id: "password",
        label: "Username & password",
        hint: "The password is sent as its SHA-1 hex digest; renewals use the refresh token.",
        fields: [
          { name: "username", label: "Username", value: pick("emnify", "username") },
          { name: "password", label: "Password", secret: true, value: pick("emnify", "password") },
        ],
      },
      {
        id: "mfa",
        label: "MFA user",
        hint: "This user must also enter a one-time code: the page asks for it.",
        fields: [
          { name: "username", label: "Username", value: pick("emnify", "mfaUsername") },
          { name: "password", label: "Password", secret: true, value: pick("emnify", "mfaPassword") },
        ],
      },
    ],
    revoke: "emnify cannot revoke an auth token: Revoke forgets it here, it stays valid until it expires.",
  },

  zumrails: {
    label: "Zūm Rails",
    blurb: "Payments. Username and password log in for a JWT of about an hour.",
    environments: { production: "api-app.zumrails.com", sandbox: "api-sandbox.zumrails.com" },
    apiPath: "/api/user",
    logins: [{ method: "POST", path: "/api/authorize" }],
    kinds: [
      {
        id: "password",
        label: "Username & password",
        hint: "The API user of the Portal's “Webhook & API settings”.",
        fields: [
          { name: "username", label: "Username", value: pick("zumrails", "username") },
          { name: "password", label: "Password", secret: true, value: pick("zumrails", "password") },
        ],
      },
    ],
    revoke: "Zūm Rails cancels the token (PATCH /api/authorize/canceltoken).",
  },

  voipbin: {
    label: "VoIPBIN",
    blurb: "Voice and messaging. A 7-day login token, or an access key used as is.",
    environments: { production: "api.voipbin.net" },
    apiPath: "/v1.0/accesskeys",
    logins: [{ method: "POST", path: "/auth/login" }],
    kinds: [
      {
        id: "password",
        label: "Username & password",
        fields: [
          { name: "username", label: "Username", value: pick("voipbin", "username") },
          { name: "password", label: "Password", secret: true, value: pick("voipbin", "password") },
        ],
      },
      {
        id: "accessKey",
        label: "Access key",
        asIs: true,
        hint: "Sent only as ?accesskey=, never in a header. Create one in the VoIPBIN panel.",
        fields: [{ name: "accessKey", label: "Access key", secret: true, value: pick("voipbin", "accessKey") }],
      },
    ],
    options: ["tokenIn"],
    revoke: "VoIPBIN has no revoke endpoint for login tokens: Revoke forgets the token here.",
  },
};

export const VENDOR_IDS = Object.keys(VENDORS);

/** Is this request one of the vendor's logins? ("POST /auth/login") */
export function isLogin(vendor, endpoint) {
  return VENDORS[vendor].logins.some((l) => `${l.method} ${l.path}` === endpoint);
}

export const STORES = {
  memory: "Shared by every client of this page; gone on reload.",
  localStorage: "Shared by every tab of this origin: one login serves them all.",
  sessionStorage: "This tab only; survives a reload.",
  indexedDB: "Shared by every tab and worker of this origin (dedicated, shared and service workers too): one login serves them all; survives a reload.",
};

/**
 * The store the demo's worker uses for each store of the page, and why. A
 * worker has no localStorage or sessionStorage (the library refuses them
 * there with INVALID_OPTIONS), so it keeps its tokens in memory then.
 */
export const WORKER_STORES = {
  memory: {
    store: "memory",
    hint: "The worker's memory is its own, not this page's: it logs in itself. Pick IndexedDB to share one login.",
  },
  localStorage: {
    store: "memory",
    hint: "A worker has no localStorage: it keeps its tokens in its own memory, so it logs in itself. Pick IndexedDB to share one login with the page.",
  },
  sessionStorage: {
    store: "memory",
    hint: "A worker has no sessionStorage: it keeps its tokens in its own memory, so it logs in itself. Pick IndexedDB to share one login with the page.",
  },
  indexedDB: {
    store: "indexedDB",
    hint: "The worker uses this page's IndexedDB: a token the page obtained is served to it from the store, with no second login.",
  },
};
