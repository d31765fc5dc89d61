//! The JS half: adapters from the JS world to the core traits, and the
//! exported API. Nothing here decides anything a vendor or the cache cares
//! about; that all lives in `core`.

mod api;
mod authfetch;
mod broadcast;
pub use api::AuthClient;
mod convert;
mod coordinator;
mod error;
mod fetch;
mod locks;
mod runtime;
mod storage;
mod types;
mod watch;

/// Runs when the module loads: in a page, listen for other tabs' storage
/// writes from the start (see `watch`).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
fn start() {
    watch::listen();
}

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
