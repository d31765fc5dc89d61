//! Time from the JS global scope.

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
