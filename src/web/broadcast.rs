//! Announcements between the tabs and workers of an origin
//! ([`crate::core::origin`]): one `BroadcastChannel("vendor-auth")` per
//! realm, opened when the realm makes its first origin-wide store, so that
//! it hears the others' announcements from then on. A message is a cache
//! key, never a token: the receiver reads the store, the source of truth.

use crate::core::origin;
use js_sys::{Array, Function, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const CHANNEL: &str = "vendor-auth";

thread_local! {
    /// The realm's channel; `None` before the first origin-wide store, or
    /// where the runtime has no `BroadcastChannel` (then only this realm's
    /// own changes are seen, as before).
    static OPEN: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Opens the realm's channel, once.
pub fn open() {
    if OPEN.with_borrow(Option::is_some) {
        return;
    }
    let Some(channel) = new_channel() else {
        return;
    };
    let on_message = Closure::<dyn Fn(JsValue)>::new(|event: JsValue| {
        if let Some(key) = Reflect::get(&event, &"data".into())
            .ok()
            .and_then(|d| d.as_string())
        {
            origin::changed_elsewhere(&key);
        }
    });
    let _ = Reflect::set(&channel, &"onmessage".into(), on_message.as_ref());
    // The channel lives as long as the realm.
    on_message.forget();
    OPEN.with_borrow_mut(|open| *open = Some(channel));
}

fn new_channel() -> Option<JsValue> {
    let class = Reflect::get(&js_sys::global(), &"BroadcastChannel".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Reflect::construct(&class, &Array::of1(&CHANNEL.into())).ok()
}

/// Tells the origin's other contexts that the entry `key` changed. A
/// channel's own messages are not delivered to it, so this realm does not
/// drop the copy it has just written.
pub fn announce(key: &str) {
    OPEN.with_borrow(|open| {
        let Some(channel) = open else { return };
        let post = Reflect::get(channel, &"postMessage".into())
            .ok()
            .and_then(|p| p.dyn_into::<Function>().ok());
        if let Some(post) = post {
            // A closed channel (the realm is going away) throws: nothing to tell.
            let _ = post.call1(channel, &JsValue::from_str(key));
        }
    });
}
