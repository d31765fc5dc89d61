//! Where tokens are kept between calls: the [`TokenStore`] trait and the
//! in-memory store that is the default.

use crate::core::http::LocalFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A store operation failed (quota, `SecurityError`, a KV outage …). The text
/// describes the failure for the `"storage-fallback"` event; never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

/// A key–value store of cache entries (JSON texts). `localStorage`,
/// `sessionStorage`, a Cloudflare KV binding and any object with
/// `get`/`put`/`delete` are adapted to it.
pub trait TokenStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>>;
    /// `ttl_seconds`: a hint for stores that expire entries themselves (KV).
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl_seconds: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>>;
    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>>;
    /// Whether entries outlive this JS realm (a tab reload, an isolate).
    fn is_persistent(&self) -> bool;

    /// Whether other realms use the store at the same time, so renewals
    /// must be coordinated across them (a lock or a lease). A store only one
    /// realm uses (a Durable Object's storage) says no.
    fn is_shared(&self) -> bool {
        self.is_persistent()
    }

    /// The store's atomic operations, where it has them (a JS store with
    /// `add`, and maybe `deleteIf`): with them the lease around a renewal
    /// is a real lock across processes ([`crate::core::lock::acquire_in_store`]).
    fn atomic(&self) -> Option<&dyn AtomicStore> {
        None
    }

    /// Starts collecting the values other contexts write to `key`, each
    /// as it is seen (`localStorage`: a `storage` event per write), so that
    /// a write a later one hid is still known. `None` where the store
    /// cannot tell.
    fn watch(&self, _key: &str) -> Option<Box<dyn Watch>> {
        None
    }

    /// `Some(name)` for a browser store that every tab and worker of the
    /// origin shares (`"localStorage"`, `"indexedDB"`): the realm keeps a
    /// memory copy in front of it, so each change to an entry is announced
    /// to the other contexts ([`TokenStore::announce`]), and a principal
    /// keeps to one such store per realm
    /// ([`crate::core::client::Client::new`]).
    fn origin_wide(&self) -> Option<&'static str> {
        None
    }

    /// Tells the origin's other contexts that the entry `key` changed, so
    /// that they drop their memory copy and read the store again
    /// ([`crate::core::client::changed_elsewhere`]). Carries the key only:
    /// the store is the source of truth, and no token leaves it this way.
    fn announce(&self, _key: &str) {}

    /// The core's own memory store, used in place rather than through
    /// effects.
    fn memory(&self) -> Option<&MemoryStore> {
        None
    }
}

/// What a shared store may add to get, put and delete so that renewals
/// across processes and machines are serialised for real: put-if-absent
/// (Redis `SET NX`, Memcached `add`, a conditional write) and
/// compare-and-delete.
pub trait AtomicStore {
    /// Stores `value` under `key` only if `key` holds nothing, and says
    /// whether it did. `ttl_seconds`: the entry disappears after that long.
    fn add<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl_seconds: Option<u64>,
    ) -> LocalFuture<'a, Result<bool, StoreError>>;

    /// Deletes `key` only while it still holds `value`, and says whether it
    /// did. `None`: the store has no such operation (`deleteIf` is optional).
    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> Option<LocalFuture<'a, Result<bool, StoreError>>>;
}

/// Values written to one key by other contexts, from [`TokenStore::watch`].
/// Dropping it stops the collecting.
pub trait Watch {
    /// The values seen since the last call (`None`: the key was removed).
    fn take(&self) -> Vec<Option<String>>;
}

/// The default store: a map in this JS realm. Every client of the realm that
/// uses the memory store shares one map (see [`MemoryStore::shared`]).
///
/// A long-running process may serve many principals: entries past their
/// TTL are swept, and past [`MEMORY_STORE_CAP`] entries the least recently
/// used go, so the map stays bounded.
#[derive(Clone, Default)]
pub struct MemoryStore {
    /// Sorted by key. A realm-wide store may hold many principals, so a
    /// warm read is a binary search; a sorted list costs far less wasm than
    /// a hash map (hashbrown, SipHash) and writes are rare.
    entries: Rc<RefCell<Vec<Slot>>>,
    /// The latest local time a client told the store (it has no clock of
    /// its own), to turn TTLs into expiry instants.
    now_ms: Rc<Cell<i64>>,
    /// A counter, not a time: which entry was read least recently.
    tick: Rc<Cell<u64>>,
    /// Bumped by every write and delete: a host that memoised an answer
    /// read from the store knows it still holds while this has not moved.
    generation: Rc<Cell<u32>>,
    /// Told the new generation at every move: the realm-wide store's
    /// listener ([`MemoryStore::on_move`]).
    shared: bool,
}

/// Told the realm-wide store's generation each time it moves.
pub type GenerationListener = Box<dyn Fn(u32)>;

struct Slot {
    key: String,
    value: String,
    /// Local ms after which the entry is swept; `None`: kept until evicted.
    expires_at_ms: Option<i64>,
    used: Cell<u64>,
}

/// The most entries the memory store keeps (about 0.5 kB each).
pub const MEMORY_STORE_CAP: usize = 4096;

/// Below this many entries no sweep is done: a sweep is a scan.
const SWEEP_FROM: usize = 64;

thread_local! {
    static SHARED: MemoryStore = MemoryStore {
        shared: true,
        ..MemoryStore::default()
    };
    static ON_MOVE: RefCell<Option<GenerationListener>> = const { RefCell::new(None) };
}

impl MemoryStore {
    /// The realm-wide store (wasm runs one realm per thread).
    pub fn shared() -> MemoryStore {
        SHARED.with(Clone::clone)
    }

    /// Where `key` is, or where it would go.
    fn position(entries: &[Slot], key: &str) -> Result<usize, usize> {
        entries.binary_search_by(|slot| slot.key.as_str().cmp(key))
    }

    /// Tells the store the local time (clients do on every write).
    pub fn observe_now(&self, now_ms: i64) {
        if now_ms > self.now_ms.get() {
            self.now_ms.set(now_ms);
        }
    }

    fn touch(&self) -> u64 {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        tick
    }

    /// A synchronous read, for the memory tier in front of slower stores.
    pub fn get_now(&self, key: &str) -> Option<String> {
        let entries = self.entries.borrow();
        let at = Self::position(&entries, key).ok()?;
        let slot = entries.get(at)?;
        slot.used.set(self.touch());
        Some(slot.value.clone())
    }

    pub fn put_now(&self, key: &str, value: String) {
        self.put_expiring(key, value, None);
    }

    /// Stores `value`, swept after `ttl_seconds` (if given and the store
    /// knows the time).
    pub fn put_expiring(&self, key: &str, value: String, ttl_seconds: Option<u64>) {
        self.bump();
        let now = self.now_ms.get();
        let expires_at_ms = ttl_seconds
            .filter(|_| now > 0)
            .map(|ttl| now.saturating_add((ttl.min(i64::MAX as u64 / 1000) as i64) * 1000));
        let used = Cell::new(self.touch());
        let mut entries = self.entries.borrow_mut();
        match Self::position(&entries, key) {
            Ok(at) => {
                if let Some(slot) = entries.get_mut(at) {
                    slot.value = value;
                    slot.expires_at_ms = expires_at_ms;
                    slot.used = used;
                }
                return;
            }
            Err(at) => entries.insert(
                at,
                Slot {
                    key: key.to_string(),
                    value,
                    expires_at_ms,
                    used,
                },
            ),
        }
        if entries.len() >= SWEEP_FROM {
            entries.retain(|slot| slot.expires_at_ms.is_none_or(|e| e > now));
        }
        while entries.len() > MEMORY_STORE_CAP {
            let oldest = entries
                .iter()
                .enumerate()
                .min_by_key(|(_, slot)| slot.used.get())
                .map(|(at, _)| at);
            match oldest {
                Some(at) => drop(entries.remove(at)),
                None => break,
            }
        }
    }

    pub fn delete_now(&self, key: &str) {
        self.bump();
        let mut entries = self.entries.borrow_mut();
        if let Ok(at) = Self::position(&entries, key) {
            entries.remove(at);
        }
    }

    fn bump(&self) {
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        if self.shared {
            ON_MOVE.with_borrow(|listener| {
                if let Some(listener) = listener {
                    listener(generation);
                }
            });
        }
    }

    /// Tells `listener` the realm-wide store's generation each time it
    /// moves, so that a host memo checks it without calling into the core.
    pub fn on_move(listener: Option<GenerationListener>) {
        ON_MOVE.with_borrow_mut(|l| *l = listener);
    }

    /// Changes with every write and delete (see the field).
    pub fn generation(&self) -> u32 {
        self.generation.get()
    }

    /// How many entries the store holds.
    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TokenStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        let value = self.get_now(key);
        Box::pin(async move { Ok(value) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl_seconds: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        self.put_expiring(key, value, ttl_seconds);
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        self.delete_now(key);
        Box::pin(async { Ok(()) })
    }

    fn is_persistent(&self) -> bool {
        false
    }

    fn memory(&self) -> Option<&MemoryStore> {
        Some(self)
    }
}
