//! The JS half: adapters from the JS world to the core traits, and the
//! exported API. Nothing here decides anything a vendor or the cache cares
//! about; that all lives in `core`.

mod api;
mod broadcast;
pub use api::AuthClient;
mod convert;
mod coordinator;
mod engine;
mod error;
mod fetch;
mod host_side;
mod hostfetch;
mod locks;
mod runtime;
mod storage;
mod types;

/// Turns a panic, should one slip through, into a clear JS `Error` thrown to
/// the caller instead of an opaque `RuntimeError: unreachable`. Panic
/// messages come from the library's own code and carry no secrets.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = format!("vendor-auth internal error (a bug, please report it): {info}");
            wasm_bindgen::throw_str(&message);
        }));
    });
}
