//! The fallback where Web Locks are missing: a lease written into the shared
//! store itself. Stores have no compare-and-swap, and tabs see each other's
//! writes late: a busy tab reads a view of `localStorage` that is tens of
//! milliseconds old, and a key keeps only its last write, so two tabs that
//! claim at about the same time can each read back their own claim. The
//! protocol tolerates that:
//!
//! - every claim carries its owner and the time it was made, and the
//!   **earliest claim wins** (ties by owner), whatever the key shows last;
//! - a claimant looks twice, a settle time apart, before it holds: at the
//!   key, and at every claim the store saw written meanwhile
//!   ([`TokenStore::watch`]: `storage` events, which report a claim even
//!   when a later write hid it); one that sees an earlier claim yields;
//! - the settle time follows the **measured visibility**: twice the longest
//!   a claim of another context took to be seen here lately, never less
//!   than [`SETTLE_MS`]; the longest is kept in the store beside the lease
//!   (`{key}:lag`), so that a tab opened later starts from it;
//! - a waiter checks for the renewed entry at every look, so the tabs that
//!   lost do not take the lease in turn just to read it.
//!
//! A lease ends when released or after its time, so a context that dies
//! while holding one delays the others, never blocks them.

use crate::core::clock::Clock;
use crate::core::fx::{self, Kv, Step};
use crate::core::json::{object, Value};
use std::cell::Cell;

/// How often a waiting context looks at the lease again.
pub const POLL_MS: u64 = 50;
/// The shortest settle time: how long a claimant waits before each look.
pub const SETTLE_MS: u64 = 40;
/// The longest settle time, however slow the measured visibility.
pub const MAX_SETTLE_MS: u64 = 1000;
/// How long a measured visibility counts.
const LAG_MEMORY_MS: i64 = 600_000;

thread_local! {
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    /// The longest visibility delay measured in this realm, and when.
    static LAG: Cell<(i64, i64)> = const { Cell::new((0, 0)) };
}

/// A held lease, to hand back to [`release`]: its key and the text that
/// is in the store while it is held (its owner is unique).
#[derive(Clone)]
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
pub fn owner_id(clock: &dyn Clock) -> Step<String> {
    let serial = fx::local(|| {
        COUNTER.with(|c| {
            c.set(c.get() + 1);
            c.get()
        })
    })?;
    Ok(format!(
        "{:x}-{serial}",
        (fx::random(clock) * 1e15) as u64 ^ fx::now(clock) as u64
    ))
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

/// What [`acquire`] ended with.
pub enum Leased<T> {
    /// This context holds the lease.
    Held(Lease),
    /// Another context renewed meanwhile: its result.
    Renewed(T),
    /// No lease could be had (the store failed, or the wait ran out): the
    /// caller goes on without one.
    Without,
}

/// One claim: who, until when, and when it was made (local ms).
#[derive(Clone, PartialEq, Eq)]
struct Claim {
    owner: String,
    until: i64,
    at: i64,
    /// Written again by a claimant that yielded to it, not by its owner.
    restored: bool,
}

impl Claim {
    fn read(text: &str) -> Option<Claim> {
        let value = crate::core::json::parse(text)?;
        let until = value.get("until")?.as_i64()?;
        Some(Claim {
            owner: value.get("owner")?.as_str()?.to_string(),
            until,
            // A claim of an older version has no time: as made at once.
            at: value.get("at").and_then(|a| a.as_i64()).unwrap_or(i64::MIN),
            restored: value.get("restored").is_some(),
        })
    }

    fn encode(&self) -> String {
        let mut claim =
            object! { "owner": self.owner.as_str(), "until": self.until, "at": self.at };
        if let (true, Value::Object(map)) = (self.restored, &mut claim) {
            map.insert("restored", Value::from(true));
        }
        claim.encode()
    }

    /// Whether this claim goes before `other`: earlier, or as early with
    /// the smaller owner.
    fn precedes(&self, other: &Claim) -> bool {
        (self.at, &self.owner) < (other.at, &other.owner)
    }
}

/// Notes that a claim made at `at` was seen here at `now`.
fn measure(at: i64, now: i64) -> Step<()> {
    if at == i64::MIN {
        return Ok(());
    }
    let lag = (now - at).max(0);
    fx::local(|| {
        LAG.with(|cell| {
            let (longest, measured_at) = cell.get();
            if lag >= longest || now - measured_at > LAG_MEMORY_MS {
                cell.set((lag, now));
            }
        })
    })
}

/// The longest delay measured lately (ms) and when, if any.
fn recent_lag(now: i64) -> Step<Option<(i64, i64)>> {
    let longest = fx::local(|| LAG.with(Cell::get).0)?;
    let measured_at = fx::local(|| LAG.with(Cell::get).1)?;
    Ok((now - measured_at <= LAG_MEMORY_MS).then_some((longest, measured_at)))
}

/// Takes in the delay another context measured and kept in the store.
fn recall_lag(store: &Kv, lag_key: &str, now: i64) -> Step<Option<i64>> {
    let Ok(Some(text)) = store.get(lag_key)? else {
        return Ok(None);
    };
    let Some((lag, at)) = crate::core::json::parse(&text)
        .and_then(|value| Some((value.get("lag")?.as_i64()?, value.get("at")?.as_i64()?)))
    else {
        return Ok(None);
    };
    if now - at <= LAG_MEMORY_MS && recent_lag(now)?.is_none_or(|(longest, _)| lag > longest) {
        fx::local(|| LAG.with(|cell| cell.set((lag, at))))?;
    }
    Ok(Some(lag))
}

/// Keeps this realm's longest delay in the store when it is longer than
/// the one kept there.
fn keep_lag(store: &Kv, lag_key: &str, kept: Option<i64>, now: i64) -> Step<()> {
    if let Some((longest, at)) = recent_lag(now)? {
        if longest > kept.unwrap_or(0) {
            let text = object! { "lag": longest, "at": at }.encode();
            let _ = store.put(lag_key, text, Some(600))?;
        }
    }
    Ok(())
}

/// Twice the longest visibility delay measured lately, within bounds.
fn settle_ms(now: i64) -> Step<u64> {
    let recent = recent_lag(now)?.map_or(0, |(longest, _)| longest);
    Ok((2 * recent.max(0) as u64).clamp(SETTLE_MS, MAX_SETTLE_MS))
}

/// Waits for the lease on `key` (at most `hold_ms`) and takes it, unless
/// `renewed` (asked at every look) finds that another context renewed.
pub fn acquire<T>(
    store: &Kv,
    clock: &dyn Clock,
    key: &str,
    hold_ms: i64,
    renewed: &dyn Fn() -> Step<Option<T>>,
) -> Step<Leased<T>> {
    let lease_key = lease_key(key);
    let owner = owner_id(clock)?;
    let watch = store.watch(&lease_key)?;
    let lag_key = format!("{key}:lag");
    let kept_lag = recall_lag(store, &lag_key, fx::now(clock))?;
    let deadline = fx::now(clock) + hold_ms;
    let mut first = true;
    loop {
        if !first {
            if let Some(done) = renewed()? {
                return Ok(Leased::Renewed(done));
            }
        }
        first = false;
        let now = fx::now(clock);
        if now > deadline {
            return Ok(Leased::Without);
        }
        let Ok(text) = store.get(&lease_key)? else {
            return Ok(Leased::Without);
        };
        let current = text.as_deref().and_then(Claim::read);
        if matches!(&current, Some(c) if c.until > now && c.owner != owner) {
            fx::sleep(POLL_MS)?;
            continue;
        }
        let mine = Claim {
            owner: owner.clone(),
            until: now + hold_ms,
            at: now,
            restored: false,
        };
        if store.put(&lease_key, mine.encode(), Some(60))?.is_err() {
            return Ok(Leased::Without);
        }
        let settled = settle(store, clock, &lease_key, &mine, watch)?;
        keep_lag(store, &lag_key, kept_lag, fx::now(clock))?;
        match settled {
            Settled::Held => {
                return Ok(Leased::Held(Lease {
                    key: lease_key,
                    text: mine.encode(),
                }))
            }
            Settled::Lost => fx::sleep(POLL_MS)?,
            Settled::Unusable => return Ok(Leased::Without),
        }
    }
}

enum Settled {
    Held,
    /// An earlier claim exists: the claimant yielded to it.
    Lost,
    /// The store does not give back what was put: no lease is possible.
    Unusable,
}

/// The two looks after writing `mine`.
fn settle(
    store: &Kv,
    clock: &dyn Clock,
    lease_key: &str,
    mine: &Claim,
    watch: Option<u32>,
) -> Step<Settled> {
    let mut earliest: Option<Claim> = None;
    for _look in 0..2 {
        fx::sleep(settle_ms(fx::now(clock))?)?;
        let now = fx::now(clock);
        let Ok(text) = store.get(lease_key)? else {
            return Ok(Settled::Unusable);
        };
        let seen_meanwhile = store.take(watch)?;
        let Some(shown) = text.as_deref().and_then(Claim::read) else {
            return Ok(Settled::Unusable);
        };
        let reported: Vec<Claim> = seen_meanwhile
            .iter()
            .filter_map(|t| t.as_deref().and_then(Claim::read))
            .collect();
        // Only a claim reported as its owner wrote it tells how long a
        // write takes to be seen: one read from the key may be old, and one
        // shown again by a claimant that yielded was written twice.
        for claim in reported.iter().filter(|c| !c.restored) {
            measure(claim.at, now)?;
        }
        for claim in reported
            .into_iter()
            .chain(std::iter::once(shown.clone()))
            .filter(|c| c.owner != mine.owner)
        {
            if claim.until > now
                && claim.precedes(mine)
                && earliest.as_ref().is_none_or(|e| claim.precedes(e))
            {
                earliest = Some(claim);
            }
        }
        if let Some(winner) = earliest {
            // The key may show this claim, which hid the winner's: show the
            // winner's again, so that waiters wait for it and its release
            // clears it.
            if shown.owner == mine.owner {
                let ttl = Some(60);
                let again = Claim {
                    restored: true,
                    ..winner
                };
                if store.put(lease_key, again.encode(), ttl)?.is_err() {
                    return Ok(Settled::Unusable);
                }
            }
            return Ok(Settled::Lost);
        }
    }
    Ok(Settled::Held)
}

/// Ends a lease, unless another context has taken it over meanwhile: with
/// the store's compare-and-delete where it has one, else by reading it back
/// first and comparing owners (a claimant that yielded may have written the
/// holder's claim again).
pub fn release(store: &Kv, lease: Lease) -> Step<()> {
    if store.delete_if(&lease.key, &lease.text)?.is_some() {
        return Ok(());
    }
    if let Ok(Some(text)) = store.get(&lease.key)? {
        let owner = |t: &str| Claim::read(t).map(|c| c.owner);
        if owner(&text).is_some_and(|o| Some(o) == owner(&lease.text)) {
            let _ = store.delete(&lease.key)?;
        }
    }
    Ok(())
}
