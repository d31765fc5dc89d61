//! Locks shared by every context that shares a persistent store (tabs and
//! workers of one browser, through the Web Locks API). Within one realm the
//! single flight already serialises renewals; the lock extends that across
//! realms: check the store, take the lock, check again, only then log in.

use crate::core::http::LocalFuture;
use std::any::Any;

/// Held while a renewal runs; dropping it releases the lock.
pub type LockGuard = Box<dyn Any>;

pub trait LockManager {
    /// Waits for the lock called `name`. `None` when no lock could be had
    /// (the API is missing or failed): the caller goes on without one.
    fn lock<'a>(&'a self, name: &'a str) -> LocalFuture<'a, Option<LockGuard>>;
}
