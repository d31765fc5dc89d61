// The one place for the vendor simulator's test credentials.
//
// Every vendor module, the simulator's own tests and the crate's / npm
// package's integration tests import these values from here; change them only
// here. They are fake: they unlock nothing but tests/simulator/server.mjs.

export const CREDENTIALS = Object.freeze({
  // Pre-provisioned long-lasting API token (the kind a RunBuggy representative
  // hands out); never expires. `user` is the account the session JWTs minted
  // by GET /__sim/runbuggy/session-jwt belong to by default.
  runbuggy: Object.freeze({
    apiToken: "e8ujql7desph6bm4ajf6pop96mhevi39",
    user: "dispatcher@example.com",
  }),

  // The example account from Personr's own documentation (seed 001).
  personr: Object.freeze({
    email: "example@personr.co",
    password: "example123",
  }),

  // applicationToken is pre-provisioned with id 1, as long as the tokens
  // emnify issues (and the ones this simulator mints). `password` is the plain
  // password: clients must send its SHA-1 hex digest. The MFA user answers a
  // password login with an mfa_token; mfaCode completes it.
  emnify: Object.freeze({
    applicationToken: "emnify-sim-app-token-0001-k3Xq9vT2mB7wLp4sR8nZ1cY6hF0jD5gA",
    username: "user@domain.com",
    password: "emnify-demo-password",
    mfaUsername: "mfa@domain.com",
    mfaPassword: "emnify-demo-password",
    mfaCode: "123456",
  }),

  zumrails: Object.freeze({
    username: "zum-sim-user",
    password: "zum-sim-password",
  }),

  // accessKey is pre-provisioned: "vb_" followed by exactly 32 characters.
  voipbin: Object.freeze({
    username: "voipbin-demo",
    password: "voipbin-demo-password",
    accessKey: "vb_simaccesskey00000000000000000000",
  }),
});
