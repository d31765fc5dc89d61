//! The fallback where Web Locks are missing: a lease written into the shared
//! store itself. Write your name, wait a moment, read it back: if it is
//! still yours, you hold the lease. Stores have no compare-and-swap, so this
//! is best effort — it narrows the window in which two contexts log in at
//! once to the time between one's read and its write — but it needs nothing
//! from the runtime. A lease ends when released or after its time, so a
//! context that dies while holding one delays the others, never blocks them.

use crate::core::clock::Clock;
use crate::core::json::object;
use crate::core::store::TokenStore;
use std::cell::Cell;

/// How often a waiting context looks at the lease again.
pub const POLL_MS: u64 = 50;
/// How long a writer waits before reading its lease back.
pub const SETTLE_MS: u64 = 20;

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// A held lease, to hand back to [`release`]: its key and the text that
/// is in the store while it is held (its owner is unique).
pub struct Lease {
    pub(crate) key: String,
    pub(crate) text: String,
}

/// Where the lease on the entry `key` is kept.
pub fn lease_key(key: &str) -> String {
    format!("{key}:lease")
}

/// A name no other context (tab, isolate, process) picks: random, with the
/// time and a serial of this realm.
pub fn owner_id(clock: &dyn Clock) -> String {
    let serial = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!(
        "{:x}-{serial}",
        (clock.random() * 1e15) as u64 ^ clock.now_ms() as u64
    )
}

/// A lease's text: who holds it and until when (local ms).
pub fn encode_lease(owner: &str, until_ms: i64) -> String {
    object! { "owner": owner, "until": until_ms }.encode()
}

/// The holder and end of a lease text; `None` when it is none of ours.
pub fn read_lease(text: Option<String>) -> Option<(String, i64)> {
    let value = crate::core::json::parse(&text?)?;
    let owner = value.get("owner")?.as_str()?.to_string();
    Some((owner, value.get("until")?.as_i64()?))
}

/// Waits for the lease on `key` (at most `hold_ms`) and takes it. `None` when
/// the store fails or the wait ran out: the caller goes on without one.
pub async fn acquire(
    store: &dyn TokenStore,
    clock: &dyn Clock,
    key: &str,
    hold_ms: i64,
) -> Option<Lease> {
    let lease_key = lease_key(key);
    let owner = owner_id(clock);
    let deadline = clock.now_ms() + hold_ms;
    loop {
        let now = clock.now_ms();
        if now > deadline {
            return None;
        }
        let current = read_lease(store.get(&lease_key).await.ok()?);
        if matches!(&current, Some((holder, until)) if *until > now && *holder != owner) {
            clock.sleep(POLL_MS).await;
            continue;
        }
        let lease = encode_lease(&owner, now + hold_ms);
        store.put(&lease_key, lease, Some(60)).await.ok()?;
        clock.sleep(SETTLE_MS).await;
        let held = store.get(&lease_key).await.ok()?;
        match (read_lease(held.clone()), held) {
            (Some((holder, _)), Some(text)) if holder == owner => {
                return Some(Lease {
                    key: lease_key,
                    text,
                })
            }
            (Some(_), _) => continue,
            // The store does not give back what was put: no lease is
            // possible with it, so go on without one.
            _ => return None,
        }
    }
}

/// Ends a lease, unless another context has taken it over meanwhile: with
/// the store's compare-and-delete where it has one, else by reading it back
/// first (a small window, only for a holder that outlived its lease).
pub async fn release(store: &dyn TokenStore, lease: Lease) {
    if let Some(delete) = store
        .atomic()
        .and_then(|a| a.delete_if(&lease.key, &lease.text))
    {
        let _ = delete.await;
    } else if let Ok(Some(text)) = store.get(&lease.key).await {
        if text == lease.text {
            let _ = store.delete(&lease.key).await;
        }
    }
}
