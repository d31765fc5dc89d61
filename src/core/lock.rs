//! Locks shared by every context that shares a persistent store. Within one
//! realm the single flight already serialises renewals; a lock extends that
//! across realms: check the store, take the lock, check again, only then log
//! in. Tabs and workers of one browser use the Web Locks API
//! ([`LockManager`]); processes and machines sharing a store with
//! put-if-absent use a lease in that store ([`acquire_in_store`]).

use crate::core::clock::Clock;
use crate::core::fx::{self, Kv, Step};
use crate::core::http::LocalFuture;
use crate::core::lease::{encode_lease, lease_key, owner_id, read_lease, Lease};
use crate::core::store::StoreError;
use std::any::Any;

/// Held while a renewal runs; dropping it releases the lock.
pub type LockGuard = Box<dyn Any>;

/// The host's cross-context locks ([`crate::core::fx::Effect::Lock`]).
pub trait LockManager {
    /// Waits for the lock called `name`. `None` when no lock could be had
    /// (the API is missing or failed): the caller goes on without one.
    fn lock<'a>(&'a self, name: &'a str) -> LocalFuture<'a, Option<LockGuard>>;
}

/// The store's answer, or the store's failure returned from the caller.
macro_rules! answered {
    ($step:expr) => {
        match $step? {
            Ok(value) => value,
            Err(error) => return Ok(Err(error)),
        }
    };
}

// --- The lock in a store with put-if-absent (Node, Bun, Deno with Redis …) ---
//
// Processes and machines share no Web Locks; what they share is the store.
// Where it has put-if-absent, the lease written into it is a real lock: the
// one `add` that finds the key empty wins, every other context waits. The
// lease names a unique owner and ends after `hold_ms` (the store's TTL, and
// its own `until` for stores that expire lazily), so a holder that dies
// delays the others by at most that. It is released with compare-and-delete,
// so a holder that outlived its lease never frees its successor's.

/// A waiter's first pause; each next one doubles, up to [`POLL_MAX_MS`].
pub const POLL_FIRST_MS: u64 = 10;
pub const POLL_MAX_MS: u64 = 250;
/// How long past its `until` a lease still in the store is taken over: the
/// store's TTL normally frees it first, and clocks of different machines
/// disagree a little.
pub const CLOCK_TOLERANCE_MS: i64 = 1000;

/// How a wait for the lease in the store ended.
pub enum StoreLock<T> {
    /// This context holds the lease: read the entry again, log in, write it,
    /// release.
    Held(Lease),
    /// Another context renewed while this one waited: what `renewed` found.
    Renewed(T),
    /// Leases kept being held for longer than they may be (twice `hold_ms`):
    /// the caller goes on without one.
    TimedOut,
}

/// Takes the lease on the entry `key` of a store that has `add`. While
/// another context holds it, polls with backoff: `renewed()` (the entry
/// read again: did the holder renew?), then the lease, taken over once it
/// has expired. A store failure is returned for the caller to fall back.
pub fn acquire_in_store<T>(
    store: &Kv,
    clock: &dyn Clock,
    key: &str,
    hold_ms: i64,
    renewed: &dyn Fn() -> Step<Option<T>>,
) -> Step<Result<StoreLock<T>, StoreError>> {
    if !store.is_atomic() {
        return Ok(Ok(StoreLock::TimedOut));
    }
    let key = lease_key(key);
    let owner = owner_id(clock)?;
    let ttl_seconds = Some(((hold_ms.max(1) + 999) / 1000) as u64);
    let deadline = fx::now(clock) + 2 * hold_ms;
    let mut pause = POLL_FIRST_MS;
    loop {
        let text = encode_lease(&owner, fx::now(clock) + hold_ms);
        match store.add(&key, text.clone(), ttl_seconds)? {
            Some(Ok(true)) => return Ok(Ok(StoreLock::Held(Lease { key, text }))),
            Some(Err(error)) => return Ok(Err(error)),
            _ => {}
        }
        let now = fx::now(clock);
        if let Some(held) = answered!(store.get(&key)) {
            let expired = read_lease(Some(held.clone()))
                .is_none_or(|(_, until)| now > until + CLOCK_TOLERANCE_MS);
            if expired {
                match store.delete_if(&key, &held)? {
                    Some(Ok(true)) => continue,
                    Some(Err(error)) => return Ok(Err(error)),
                    _ => {}
                }
            }
        }
        if now > deadline {
            return Ok(Ok(StoreLock::TimedOut));
        }
        // Equal jitter: waiters of many processes do not poll in step.
        let wait = pause / 2 + (fx::random(clock).clamp(0.0, 1.0) * (pause / 2) as f64) as u64;
        fx::sleep(wait)?;
        pause = (pause * 2).min(POLL_MAX_MS);
        // The entry first: once the holder has written it, a waiter has
        // what it waited for and needs no lease.
        if let Some(result) = renewed()? {
            return Ok(Ok(StoreLock::Renewed(result)));
        }
    }
}
