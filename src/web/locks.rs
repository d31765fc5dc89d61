//! Cross-tab locks over the Web Locks API (`navigator.locks`), so that tabs
//! and workers sharing `localStorage` renew one at a time. Where the API is
//! missing (Node, Workers, old browsers) there is no lock and renewals across
//! contexts are best effort: each context still renews once at a time, and
//! re-reads the store right before logging in.

use crate::core::http::LocalFuture;
use crate::core::lock::{LockGuard, LockManager};
use js_sys::{Function, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub struct WebLocks {
    manager: JsValue,
    request: Function,
}

impl WebLocks {
    /// `navigator.locks`, when this runtime has it.
    pub fn detect() -> Option<WebLocks> {
        let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
        if !navigator.is_object() {
            return None;
        }
        let manager = Reflect::get(&navigator, &"locks".into()).ok()?;
        if !manager.is_object() {
            return None;
        }
        let request = Reflect::get(&manager, &"request".into())
            .ok()?
            .dyn_into()
            .ok()?;
        Some(WebLocks { manager, request })
    }
}

/// Resolves the promise the lock callback returned, which releases the lock.
struct Release(Function);

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::UNDEFINED);
    }
}

impl LockManager for WebLocks {
    fn lock<'a>(&'a self, name: &'a str) -> LocalFuture<'a, Option<LockGuard>> {
        Box::pin(async move {
            // acquired resolves with a release function once the callback
            // runs; the callback's own promise holds the lock until then.
            let granted: Rc<RefCell<Option<Function>>> = Rc::default();
            let slot = granted.clone();
            let acquired = Promise::new(&mut |resolve, _reject| {
                *slot.borrow_mut() = Some(resolve);
            });
            let on_grant = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
                let hold = Promise::new(&mut |release, _reject| {
                    if let Some(resolve) = granted.borrow_mut().take() {
                        let _ = resolve.call1(&JsValue::UNDEFINED, &release);
                    }
                });
                hold.into()
            });
            let requested = self
                .request
                .call2(&self.manager, &JsValue::from_str(name), &on_grant)
                .ok()?;
            // `requested` settles only after the lock is released, unless the
            // request fails first (a SecurityError in an opaque origin): then
            // there is no lock, and the caller goes on without one.
            let on_reject = Closure::<dyn FnMut(JsValue)>::new(|_| {});
            let failed = Promise::resolve(&requested).catch(&on_reject);
            let first = Promise::race(&js_sys::Array::of2(&acquired, &failed));
            let release = JsFuture::from(first)
                .await
                .ok()?
                .dyn_into::<Function>()
                .ok()?;
            Some(Box::new(Release(release)) as LockGuard)
        })
    }
}
