// The command line's token store: one file per key under a private
// directory, shaped like the library's `{ get, put, delete }` store with the
// atomic `add` / `deleteIf` of the store protocol, so that any number of
// `vendor-auth` processes share one cache and make one login.
//
// Every file holds one envelope, `{"v":1,"owner":…,"expiresAt":ms|null,
// "value":"…"}`. An envelope that cannot be read (corrupt, truncated, of
// another version) counts as absent: the library then logs in and the next
// write replaces it. Expired envelopes also count as absent, which is how
// `expirationTtl` works here, as in KV and Redis.
//
// Why each operation is safe across processes:
// - put: written to a fresh temp file (O_EXCL, 0600) and renamed over the
//   target, so a reader sees the old text or the new one, never half of one.
// - add: creates the file with O_EXCL (`wx`), which exactly one process can
//   win; the text is written in that same open, and a reader that sees the
//   file before its text (empty or torn) treats it as held while it is young.
//   An expired or unreadable old file is removed first (below) and the
//   create retried.
// - deleteIf, and the removal of expired files by add: serialised by a
//   per-key removal mutex (`<file>.rm`, itself O_EXCL), so between checking
//   the text and unlinking it nobody else can remove the file and let a new
//   owner create one that would then be unlinked by mistake. Creating never
//   needs the mutex: a file can only appear where none is.
import { randomBytes, createHash } from "node:crypto";
import { constants as fsc } from "node:fs";
import { open, readFile, rename, unlink, stat, mkdir, chmod, lstat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const VERSION = 1;
/** A just-created lock file may not hold its text yet: held this long. */
const YOUNG_MS = 5_000;
/** A removal mutex is held for one read and one unlink; older is a crash. */
const MUTEX_STALE_MS = 5_000;
const MUTEX_WAIT_MS = 10_000;

/** Why a directory or file may not be used, as an error the CLI maps to STORAGE. */
export class StoreSetupError extends Error {}

/** `owner` values name the process, for a human reading a lock file. */
function ownerName() {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** The file of a key: readable in a directory listing, unique by its hash. */
export function fileName(key) {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100);
  const digest = createHash("sha256").update(key).digest("hex").slice(0, 16);
  return `${readable}-${digest}.json`;
}

function decode(text) {
  try {
    const envelope = JSON.parse(text);
    if (envelope?.v !== VERSION || typeof envelope.value !== "string") return null;
    const expiresAt = envelope.expiresAt ?? null;
    if (expiresAt !== null && typeof expiresAt !== "number") return null;
    return { value: envelope.value, expiresAt, owner: envelope.owner ?? null };
  } catch {
    return null;
  }
}

function encode(value, ttlSeconds) {
  const expiresAt = typeof ttlSeconds === "number" && ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : null;
  return JSON.stringify({ v: VERSION, owner: ownerName(), expiresAt, value });
}

const live = (envelope) => envelope !== null && (envelope.expiresAt === null || envelope.expiresAt > Date.now());

async function readText(path) {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (error.code === "ENOENT") return null;
    throw error;
  }
}

async function ignoreMissing(promise) {
  try {
    await promise;
    return true;
  } catch (error) {
    if (error.code === "ENOENT") return false;
    throw error;
  }
}

/** Creates `path` only if it does not exist, with `text`; false when it exists. */
async function createExclusive(path, text) {
  let handle;
  try {
    handle = await open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  } catch (error) {
    if (error.code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Makes sure `dir` exists, is a directory of this user and is private
 * (0700); a directory of another user is refused, a too open one of ours
 * is tightened.
 */
export async function privateDirectory(dir) {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreSetupError(`cannot create the cache directory ${dir} (${error.code ?? error.message})`);
  }
  const info = await lstat(dir);
  if (!info.isDirectory()) throw new StoreSetupError(`the cache directory ${dir} is not a directory`);
  if (process.platform === "win32") return;
  if (typeof process.getuid === "function" && info.uid !== process.getuid()) {
    throw new StoreSetupError(`the cache directory ${dir} belongs to another user; set XDG_CACHE_HOME to a directory of yours`);
  }
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** The store over `dir` (which {@link privateDirectory} has prepared). */
export function fileStore(dir) {
  const pathOf = (key) => join(dir, fileName(key));

  /** Runs `work` holding the removal mutex of `path`. */
  async function withRemovalMutex(path, work) {
    const mutex = `${path}.rm`;
    const deadline = Date.now() + MUTEX_WAIT_MS;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      if (await createExclusive(mutex, ownerName())) break;
      const info = await stat(mutex).catch(() => null);
      if (info !== null && Date.now() - info.mtimeMs > MUTEX_STALE_MS) {
        // Its holder died between two system calls: nothing it guarded is
        // half done (a removal is one unlink), so the mutex just goes.
        await ignoreMissing(unlink(mutex));
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the cache file ${path} stays locked (remove ${mutex} if no vendor-auth runs)`);
      await sleep(pause);
    }
    try {
      return await work();
    } finally {
      await ignoreMissing(unlink(mutex));
    }
  }

  /** Unlinks `path` if it still holds exactly `text`; true when it did. */
  const removeIfText = (path, text) =>
    withRemovalMutex(path, async () => ((await readText(path)) === text ? ignoreMissing(unlink(path)) : false));

  return {
    async get(key) {
      const text = await readText(pathOf(key));
      if (text === null) return null;
      const envelope = decode(text);
      return live(envelope) ? envelope.value : null;
    },

    async put(key, value, options) {
      const path = pathOf(key);
      const temp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
      try {
        if (!(await createExclusive(temp, encode(value, options?.expirationTtl)))) {
          throw new Error(`temporary file ${temp} already exists`);
        }
        await rename(temp, path);
      } catch (error) {
        await ignoreMissing(unlink(temp)).catch(() => {});
        throw error;
      }
    },

    async delete(key) {
      await ignoreMissing(unlink(pathOf(key)));
    },

    /** Stores `value` only if `key` holds nothing live; true when stored. */
    async add(key, value, options) {
      const path = pathOf(key);
      const text = encode(value, options?.expirationTtl);
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await createExclusive(path, text)) return true;
        const held = await readText(path);
        if (held === null) continue; // removed meanwhile: try again
        const envelope = decode(held);
        if (live(envelope)) return false;
        if (envelope === null) {
          // Empty or torn: its creator may still be writing it.
          const info = await stat(path).catch(() => null);
          if (info !== null && Date.now() - info.mtimeMs < YOUNG_MS) return false;
        }
        await removeIfText(path, held);
      }
      return false;
    },

    /** Deletes `key` only if it still holds `value`; true when deleted. */
    async deleteIf(key, value) {
      const path = pathOf(key);
      return withRemovalMutex(path, async () => {
        const envelope = decode((await readText(path)) ?? "");
        return envelope !== null && envelope.value === value ? ignoreMissing(unlink(path)) : false;
      });
    },
  };
}
