// `store: "indexedDB"`: the package's IndexedDB store, for windows and every
// kind of worker (dedicated, shared, service workers, an extension's service
// worker, which has no localStorage). The wasm adapts it like any store with
// get / put / delete / add / deleteIf (src/web/storage.rs): each call is
// bounded by `timeoutMs` there, and a failure (IndexedDB missing or refused,
// a quota error, a blocked upgrade) makes the client fall back to memory
// with a "storage-fallback" event. `add` and `deleteIf` run in one readwrite
// transaction each, which IndexedDB serialises across every context of the
// origin: they are the put-if-absent lock where Web Locks are missing.
//
// One database, "vendor-auth", with one object store, "entries": records
// { value, expiresAt? } under the cache key. `expiresAt` (local ms) is
// indexed, so the entries past it are swept when a realm opens the database;
// a record without it (no TTL) is not in the index and stays.

const DATABASE = "vendor-auth";
const ENTRIES = "entries";
const EXPIRY = "expiresAt";

/** The realm's connection, opened on first use; reset when it is lost. */
let opening = null;

// An open that fires no event at all (WebKit has shipped that bug) is
// abandoned after this long, so a later call opens again instead of waiting
// on it for the page's life. The default timeoutMs: calls are bounded by
// theirs anyway, and a cold database opens in well under it.
const OPEN_GIVE_UP_MS = 2000;

function database() {
  opening ??= connect().catch((error) => {
    opening = null;
    throw error;
  });
  return opening;
}

/**
 * Opens the database at its current version, or at `version` to add the
 * object store when the database exists without it.
 */
function connect(version) {
  return new Promise((resolve, reject) => {
    const idb = globalThis.indexedDB;
    if (!idb) {
      throw new Error("IndexedDB is not available in this context (a private window or a sandboxed frame may deny it)");
    }
    const request = version === undefined ? idb.open(DATABASE) : idb.open(DATABASE, version);
    let settled = false;
    /** True for the first event only: the open is answered once. */
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(silence);
      return true;
    };
    const fail = (error) => {
      if (settle()) reject(error);
    };
    const silence = setTimeout(
      () => fail(new Error(`IndexedDB: opening the database "${DATABASE}" gave no answer within ${OPEN_GIVE_UP_MS} ms`)),
      OPEN_GIVE_UP_MS,
    );
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(ENTRIES)) db.createObjectStore(ENTRIES).createIndex(EXPIRY, EXPIRY);
    };
    // Another tab or worker keeps an older version open and does not close
    // it: waiting could take forever, so this call fails now (the client
    // serves from memory) and a later one tries again.
    request.onblocked = () =>
      fail(
        new Error(
          `IndexedDB: upgrading the database "${DATABASE}" is blocked by another tab or worker that keeps it open at an older version; close or reload that tab`,
        ),
      );
    request.onerror = () => fail(request.error ?? new Error(`IndexedDB: the database "${DATABASE}" could not be opened`));
    request.onsuccess = () => {
      const db = request.result;
      if (!settle()) {
        // The open or upgrade went through after this call gave up on it.
        db.close();
        return;
      }
      if (!db.objectStoreNames.contains(ENTRIES)) {
        // Created by something else, without the object store.
        const next = db.version + 1;
        db.close();
        connect(next).then(resolve, reject);
        return;
      }
      // Never hold up another context's upgrade (a newer version of the
      // package in another tab): let go, and open again on the next call.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      db.onclose = () => {
        opening = null;
      };
      sweep(db);
      resolve(db);
    };
  });
}

/** Deletes the entries past their expiry; best effort. */
function sweep(db) {
  try {
    const index = db.transaction(ENTRIES, "readwrite").objectStore(ENTRIES).index(EXPIRY);
    const cursor = index.openCursor(IDBKeyRange.upperBound(Date.now()));
    cursor.onsuccess = () => {
      if (!cursor.result) return;
      cursor.result.delete();
      cursor.result.continue();
    };
  } catch {
    // A sweep that fails leaves expired entries, which reads skip anyway.
  }
}

/**
 * Runs `work(objectStore, done, step)` in one transaction, and resolves with
 * what `done` was given once the transaction has committed, so another
 * context that reads after hearing of the change sees it. `step(fn)` wraps a
 * request's callback: an exception there (a quota error thrown by a write)
 * aborts the transaction and is what the call rejects with.
 */
async function run(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    let transaction;
    try {
      transaction = db.transaction(ENTRIES, mode);
    } catch (error) {
      // The connection is closing (versionchange, the browser let go).
      opening = null;
      throw error;
    }
    let result;
    let failure;
    const abort = (error) => {
      failure ??= error;
      try {
        transaction.abort();
      } catch {
        // Already finished.
      }
    };
    const step =
      (fn) =>
      (...args) => {
        try {
          fn(...args);
        } catch (error) {
          abort(error);
        }
      };
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () =>
      reject(failure ?? transaction.error ?? new Error("IndexedDB: the transaction was aborted"));
    step(work)(transaction.objectStore(ENTRIES), (value) => {
      result = value;
    }, step);
  });
}

const live = (record) => record != null && !(record[EXPIRY] <= Date.now());

function record(value, options) {
  const ttl = options?.expirationTtl;
  return ttl > 0 ? { value, [EXPIRY]: Date.now() + ttl * 1000 } : { value };
}

/** Reads `key`, then `then(record)` in the same transaction. */
function read(entries, key, step, then) {
  const request = entries.get(key);
  request.onsuccess = step(() => then(request.result));
}

/** The store object the wasm adapts (see the top of this file). */
export function indexedDBStore() {
  return {
    get: (key) =>
      run("readonly", (entries, done, step) =>
        read(entries, key, step, (found) => done(live(found) ? found.value : null)),
      ),
    put: (key, value, options) => run("readwrite", (entries) => entries.put(record(value, options), key)),
    delete: (key) => run("readwrite", (entries) => entries.delete(key)),
    add: (key, value, options) =>
      run("readwrite", (entries, done, step) =>
        read(entries, key, step, (found) => {
          if (live(found)) return done(false);
          entries.put(record(value, options), key);
          done(true);
        }),
      ),
    deleteIf: (key, value) =>
      run("readwrite", (entries, done, step) =>
        read(entries, key, step, (found) => {
          if (!live(found) || found.value !== value) return done(false);
          entries.delete(key);
          done(true);
        }),
      ),
  };
}
