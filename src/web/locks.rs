//! Cross-tab locks over the Web Locks API (`navigator.locks`), so that tabs
//! and workers sharing `localStorage` renew one at a time. The JS host takes
//! and releases them (`pkg/host.js`); the core only needs to know whether
//! there are any. Where the API is missing (Node, Workers, old browsers)
//! there is no lock and renewals across contexts are best effort: each
//! context still renews once at a time, and re-reads the store right before
//! logging in.

use js_sys::Reflect;

/// Whether this runtime has `navigator.locks.request`.
pub fn detect() -> bool {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or_default();
    if !navigator.is_object() {
        return false;
    }
    let manager = Reflect::get(&navigator, &"locks".into()).unwrap_or_default();
    manager.is_object() && Reflect::get(&manager, &"request".into()).is_ok_and(|r| r.is_function())
}
