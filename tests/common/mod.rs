//! Shared set-up for the native tests: a client over a scripted transport, a
//! fixed clock and a store of the test's choosing.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::rc::Rc;
use vendor_auth::core::client::{Client, Parts};
use vendor_auth::core::options::ClientOptions;
use vendor_auth::core::store::{MemoryStore, TokenStore};
use vendor_auth::core::testing::{unsigned_jwt, FixedClock, ScriptedTransport};

/// 2026-11-23T00:00:00Z.
pub const NOW: i64 = 1_795_392_000_000;

pub struct Rig {
    pub transport: ScriptedTransport,
    pub clock: FixedClock,
    pub store: Rc<dyn TokenStore>,
}

impl Rig {
    /// A rig with its own memory store (tests run in parallel threads; each
    /// thread has its own realm-wide store, but a private one is clearer).
    pub fn new() -> Rig {
        Rig::with_store(Rc::new(MemoryStore::default()))
    }

    pub fn with_store(store: Rc<dyn TokenStore>) -> Rig {
        Rig {
            transport: ScriptedTransport::new(),
            clock: FixedClock::at(NOW),
            store,
        }
    }

    pub fn client(&self, options: Value) -> Client {
        self.client_with_polling(options, false)
    }

    /// A client whose renewal waiters poll (as in Cloudflare Workers).
    pub fn client_with_polling(&self, options: Value, poll_waits: bool) -> Client {
        let options = ClientOptions::from_json(&options).expect("valid options");
        Client::new(
            options,
            Parts {
                transport: Rc::new(self.transport.clone()),
                clock: Rc::new(self.clock.clone()),
                store: self.store.clone(),
                locks: None,
                coordinator: None,
                poll_waits,
            },
        )
        .expect("client")
    }
}

/// An emnify auth token expiring `seconds` after NOW (no `iat`, so tests
/// that move the clock do not read a skew from it).
pub fn emnify_jwt(seconds: i64) -> String {
    unsigned_jwt(&json!({ "sub": "app", "exp": NOW / 1000 + seconds }))
}

pub fn emnify_app_options() -> Value {
    json!({
        "vendor": "emnify",
        "baseUrl": "http://sim.test/emnify",
        "credentials": { "applicationToken": "app-token-1" }
    })
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}
