// The one-vendor entries' types: "vendor-auth/emnify" gives an AuthClient of
// emnify only (its own methods typed, another vendor's options an error),
// and shares the package's AuthError.
import { AuthClient, AuthError } from "vendor-auth/emnify";
import { AuthError as MainAuthError } from "vendor-auth";
import type { AuthClient as EmnifyClient } from "vendor-auth/emnify";
import { AuthClient as VoipbinAuthClient } from "vendor-auth/voipbin";

const emnify: EmnifyClient = new AuthClient({ vendor: "emnify", credentials: { applicationToken: "t".repeat(40) } });
const created: Promise<string> = emnify.createApplicationToken({ description: "ci" });
const token: Promise<string> = emnify.getToken();
const voipbin = new VoipbinAuthClient({ vendor: "voipbin", credentials: { accessKey: "vb_key" } });
const keys: Promise<unknown[]> = voipbin.listAccessKeys();
const same: typeof MainAuthError = AuthError;

// @ts-expect-error the emnify entry has emnify only
new AuthClient({ vendor: "personr", credentials: { email: "a@b.c", password: "p" } });
// @ts-expect-error a VoIPBIN client has no emnify methods
voipbin.createApplicationToken();

void [created, token, keys, same];
