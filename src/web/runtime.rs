//! Time and timers from the JS global scope (windows, workers, Node and
//! Cloudflare Workers all have `Date.now` and `setTimeout`).

use crate::core::clock::Clock;
use crate::core::http::LocalFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// `Date.now()`.
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'static, ()> {
        let promise = Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms as f64);
        });
        Box::pin(async move {
            let _ = JsFuture::from(promise).await;
        })
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// A `setTimeout` that is cleared when dropped (time-outs of requests that
/// finished in time must not keep a Worker or Node process alive).
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn new(ms: u32, callback: impl FnMut() + 'static) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let id = set_timeout(callback.as_ref().unchecked_ref(), f64::from(ms));
        Timer {
            id,
            _callback: callback,
        }
    }
}

/// A promise that resolves to [`Delay::marker`] after `ms`, to race against
/// another. Dropping it clears the timer (the promise then never resolves).
pub struct Delay {
    pub promise: Promise,
    /// An object nothing else resolves to: the race was lost to the clock.
    pub marker: JsValue,
    _timer: Option<Timer>,
}

pub fn delay(ms: u32) -> Delay {
    let marker: JsValue = js_sys::Object::new().into();
    let mut timer = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let marker = marker.clone();
        timer = Some(Timer::new(ms, move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &marker);
        }));
    });
    Delay {
        promise,
        marker,
        _timer: timer,
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Called by the Node entry with `crypto.pbkdf2Sync` (as `(password, salt,
/// rounds) => 16 bytes`): the secret's verifier is then computed natively,
/// five times faster than in wasm. Not part of the public API.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = __registerPbkdf2, skip_typescript)]
pub fn register_pbkdf2(pbkdf2: js_sys::Function) {
    use wasm_bindgen::JsCast;
    crate::core::verifier::use_native(Some(Box::new(move |password, salt, rounds| {
        let out = pbkdf2
            .call3(
                &wasm_bindgen::JsValue::UNDEFINED,
                &js_sys::Uint8Array::from(password),
                &js_sys::Uint8Array::from(salt),
                &rounds.into(),
            )
            .ok()?
            .dyn_into::<js_sys::Uint8Array>()
            .ok()?;
        // Anything but 16 bytes: the wasm computes instead.
        let mut bytes = [0u8; 16];
        (out.length() == 16).then(|| out.copy_to(&mut bytes))?;
        Some(bytes)
    })));
}
