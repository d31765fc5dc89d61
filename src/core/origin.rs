//! The browser stores every tab and worker of an origin shares
//! (`localStorage`, IndexedDB; see [`TokenStore::origin_wide`]).
//!
//! Each realm answers warm calls from a memory copy in front of such a store,
//! so a change made by another context must reach it: the context that
//! writes or deletes an entry announces the key (a `BroadcastChannel` in the
//! host), and every other realm drops its copy ([`changed_elsewhere`]) and
//! reads the store again on its next call. A `clear()` or `revoke()` in one
//! tab so takes effect in all, and a renewal one context made is found by the
//! others instead of being repeated.
//!
//! One principal keeps to one such store per realm ([`claim`]): two stores
//! would each need their own login, and some vendors void the previous
//! token at every login (Personr regenerates the key), so the two would keep
//! logging each other out.

use crate::core::error::AuthError;
use crate::core::store::{MemoryStore, TokenStore};
use std::cell::RefCell;

thread_local! {
    /// Per cache key: the origin-wide store its clients in this realm use,
    /// and how many clients that is.
    static CLAIMS: RefCell<Vec<(String, &'static str, usize)>> = const { RefCell::new(Vec::new()) };
}

/// The origin-wide stores, as [`TokenStore::origin_wide`] names them.
const AREAS: [&str; 2] = ["localStorage", "indexedDB"];

/// Where a realm keeps its memory copy of the entry `key` of the store
/// `area`: apart from the memory store's entries and from the other
/// store's, so that a client never serves, as what its store holds, a copy
/// obtained through another store (which the origin's other contexts would
/// not find).
pub fn tier_key(key: &str, area: &str) -> String {
    format!("{key}@{area}")
}

/// Another context of the origin changed the entry `key` in the shared
/// store: this realm's memory copy goes, so the next call reads the store.
pub fn changed_elsewhere(key: &str) {
    let tier = MemoryStore::shared();
    for area in AREAS {
        tier.delete_now(&tier_key(key, area));
    }
}

/// Records that a client of `key` uses `store` in this realm; refuses a
/// client of the same principal on another origin-wide store. Stores that
/// are not origin-wide are not recorded.
pub fn claim(key: &str, store: &dyn TokenStore) -> Result<(), AuthError> {
    let Some(area) = store.origin_wide() else {
        return Ok(());
    };
    CLAIMS.with_borrow_mut(|claims| {
        match claims.iter_mut().find(|(k, _, _)| k == key) {
            Some((_, held, count)) if *held == area => *count += 1,
            Some((_, held, _)) => {
                return Err(AuthError::invalid_options(format!(
                    "options.store: another client of this principal in this page or worker uses \"{held}\"; clients of one principal must share one store (\"{area}\" and \"{held}\" would each log in, and a vendor that voids the previous token at each login would keep logging the other out). Use one store for the principal, or free() the other client first"
                )))
            }
            None => claims.push((key.to_string(), area, 1)),
        }
        Ok(())
    })
}

/// A client recorded by [`claim`] is gone (freed, or collected).
pub fn release(key: &str, store: &dyn TokenStore) {
    if store.origin_wide().is_none() {
        return;
    }
    CLAIMS.with_borrow_mut(|claims| {
        if let Some(at) = claims.iter().position(|(k, _, _)| k == key) {
            let left = claims[at].2.saturating_sub(1);
            if left == 0 {
                claims.remove(at);
            } else {
                claims[at].2 = left;
            }
        }
    });
}
