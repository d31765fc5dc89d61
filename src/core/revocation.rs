//! Revocations in progress, so that a revoke wins over a renewal racing it:
//! a token obtained by a renewal that started before a `revoke()` of the
//! same principal settled is returned to its caller but never cached.

use std::cell::RefCell;

thread_local! {
    /// `(cache key, epoch, revocations in progress)`, realm-wide: every
    /// client of a principal in this realm shares its renewals.
    static REVOCATIONS: RefCell<Vec<(String, u64, u32)>> = const { RefCell::new(Vec::new()) };
}

fn with<T>(key: &str, f: impl FnOnce(&mut (String, u64, u32)) -> T) -> Option<T> {
    REVOCATIONS.with(|all| {
        let mut all = all.borrow_mut();
        let at = match all.iter().position(|(k, _, _)| k == key) {
            Some(at) => at,
            None => {
                all.push((key.to_string(), 0, 0));
                all.len() - 1
            }
        };
        // One small record per principal ever revoked in this realm.
        all.get_mut(at).map(f)
    })
}

/// The epoch a renewal starts in (see [`may_cache`]).
pub fn epoch(key: &str) -> u64 {
    REVOCATIONS.with(|all| {
        all.borrow()
            .iter()
            .find(|(k, _, _)| k == key)
            .map_or(0, |(_, epoch, _)| *epoch)
    })
}

/// A revocation of `key` starts.
pub fn begin(key: &str) {
    with(key, |(_, epoch, active)| {
        *epoch = epoch.wrapping_add(1);
        *active += 1;
    });
}

/// A revocation of `key` settled (resolved or failed).
pub fn end(key: &str) {
    with(key, |(_, epoch, active)| {
        *epoch = epoch.wrapping_add(1);
        *active = active.saturating_sub(1);
    });
}

/// Whether a renewal that started in `started` may cache its token: no
/// revocation began since, and none is in progress.
pub fn may_cache(key: &str, started: u64) -> bool {
    REVOCATIONS.with(|all| {
        all.borrow()
            .iter()
            .find(|(k, _, _)| k == key)
            .is_none_or(|(_, epoch, active)| *epoch == started && *active == 0)
    })
}
