//! Writes of other tabs to `localStorage` keys, from `storage` events: the
//! lease (`crate::core::lease`) learns of a claim even when a later write
//! hid it from `getItem`. One listener per realm feeds every watch. It is
//! added when the module loads, not when a lease is wanted: Firefox starts
//! delivering storage events to a tab a moment after its first listener,
//! and the claims of other tabs made meanwhile would be missed.

use crate::core::store::Watch;
use js_sys::Reflect;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Seen = RefCell<Vec<Option<String>>>;

thread_local! {
    static WATCHES: RefCell<Vec<(String, Weak<Seen>)>> = const { RefCell::new(Vec::new()) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

struct StorageWatch(Rc<Seen>);

impl Watch for StorageWatch {
    fn take(&self) -> Vec<Option<String>> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// Adds the realm's `storage` listener, where there is a window (not in
/// Node, Workers or a worker thread). Whether it listens.
pub fn listen() -> bool {
    if LISTENING.get() {
        return true;
    }
    let Some(window) = web_sys::window() else {
        return false;
    };
    let on_storage = Closure::<dyn Fn(JsValue)>::new(on_storage);
    if window
        .add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref())
        .is_err()
    {
        return false;
    }
    // The listener lives as long as the realm.
    on_storage.forget();
    LISTENING.set(true);
    true
}

/// Starts watching `key` of `localStorage`; `None` without a window.
pub fn local_storage(key: &str) -> Option<Box<dyn Watch>> {
    if !listen() {
        return None;
    }
    let seen = Rc::new(Seen::default());
    WATCHES.with_borrow_mut(|watches| {
        watches.retain(|(_, w)| w.strong_count() > 0);
        watches.push((key.to_string(), Rc::downgrade(&seen)));
    });
    Some(Box::new(StorageWatch(seen)))
}

fn on_storage(event: JsValue) {
    let field = |name: &str| Reflect::get(&event, &JsValue::from_str(name)).ok();
    let area = field("storageArea");
    let local = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if !matches!((area, local), (Some(a), Some(l)) if js_sys::Object::is(&a, &l)) {
        return;
    }
    // A null key is localStorage.clear(): every watched key is gone.
    let key = field("key").and_then(|k| k.as_string());
    let value = field("newValue").and_then(|v| v.as_string());
    WATCHES.with_borrow(|watches| {
        for (watched, seen) in watches {
            if key.as_ref().is_none_or(|k| k == watched) {
                if let Some(seen) = seen.upgrade() {
                    seen.borrow_mut().push(value.clone());
                }
            }
        }
    });
}
