// One login at a time across vendor-auth processes, taken by the command
// line itself around the library's getToken: a lock in the file store
// (`add` with a TTL, released with `deleteIf`), per principal.
//
// Until the library drives the store protocol's `add` / `deleteIf` itself,
// its own guard for a shared store is a best-effort lease (write, wait, read
// back), which lets two processes that start within a few milliseconds of
// each other both log in. The lock here closes that gap; once the library
// takes `add` locks itself this module is redundant.
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { AuthError } from "../auth-error.js";

/** Longer than a login with its retries can take (3 attempts, 15 s time-outs). */
const HOLD_SECONDS = 60;

/** The lock's key: the vendor, its root and a digest of the credentials. */
function lockKey(options) {
  const { vendor, environment = "", baseUrl = "", credentials } = options;
  const digest = createHash("sha256").update(JSON.stringify([vendor, environment, baseUrl, credentials])).digest("hex");
  return `vendor-auth-cli:login:${vendor}:${digest.slice(0, 24)}`;
}

/**
 * Resolves `getToken(mode)` on `client`: from the cache without any lock
 * when a token is there, else holding the login lock of the principal (the
 * library reads the cache again under it, and finds the token when another
 * process logged in meanwhile).
 */
export async function tokenUnderLock(client, store, options, mode) {
  if (mode === "default") {
    try {
      return await client.getTokenInfo({ cache: "only-if-cached" });
    } catch (error) {
      if (!(error instanceof AuthError) || error.code !== "REAUTH_REQUIRED") throw error;
    }
  }
  if (mode === "only-if-cached") return client.getTokenInfo({ cache: mode });
  const key = lockKey(options);
  const owner = `${process.pid}-${randomBytes(8).toString("hex")}`;
  const deadline = Date.now() + HOLD_SECONDS * 1000;
  let held = false;
  for (let pause = 10; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
    try {
      held = await store.add(key, owner, { expirationTtl: HOLD_SECONDS });
    } catch {
      break; // a broken store: the library falls back to memory, so go on alone
    }
    if (held) break;
    await sleep(pause);
  }
  try {
    // Past the deadline without the lock its holder is presumed gone.
    return await client.getTokenInfo({ cache: mode });
  } finally {
    if (held) await store.deleteIf(key, owner).catch(() => {});
  }
}
