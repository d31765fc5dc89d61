//! Time from the JS global scope, and the Node entry's native PBKDF2.

use crate::core::clock::Clock;
use crate::core::http::LocalFuture;

/// `Date.now()` and `Math.random()`. The host performs the waits (`sleep`
/// is an effect), so this clock never sleeps.
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn sleep(&self, _ms: u64) -> LocalFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
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
