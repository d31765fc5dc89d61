//! Time, injected: the library never reads the system clock directly, so tests
//! run on a fixed clock and a skewed client can be simulated.

use crate::core::http::LocalFuture;

pub trait Clock {
    /// Milliseconds since the Unix epoch, as the local machine believes.
    fn now_ms(&self) -> i64;
    /// Resolves after `ms` milliseconds (a fixed clock advances instead).
    fn sleep(&self, ms: u64) -> LocalFuture<'static, ()>;
    /// A number in `[0, 1)` for backoff jitter.
    fn random(&self) -> f64;
}
