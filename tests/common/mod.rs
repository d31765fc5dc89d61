//! Shared set-up for the native tests: a client over a scripted transport, a
//! fixed clock and a store of the test's choosing.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::rc::Rc;
use vendor_auth::core::client::{Client, Parts};
use vendor_auth::core::options::ClientOptions;
use vendor_auth::core::store::{MemoryStore, TokenStore};
use vendor_auth::core::testing::{unsigned_jwt, FixedClock, ScriptedTransport};

/// Options written with `json!`, read as the library reads a JS object.
pub fn options_from(options: &Value) -> Result<ClientOptions, vendor_auth::core::error::AuthError> {
    ClientOptions::from_json(&core_json(options))
}

/// A test's `json!` value as the library's own JSON value.
pub fn core_json(value: &Value) -> vendor_auth::core::json::Value {
    vendor_auth::core::json::parse(&value.to_string()).expect("json! gives valid JSON")
}

/// The library's JSON value as a `serde_json` one, to compare with `json!`.
pub fn serde_of(value: &vendor_auth::core::json::Value) -> Value {
    serde_json::from_str(&value.encode()).expect("the library writes valid JSON")
}

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

    /// Queues an emnify / Zūm-style `{"auth_token": …}` login answer.
    pub fn auth_token(&self, token: impl AsRef<str>) {
        self.transport
            .ok(200, &json!({ "auth_token": token.as_ref() }).to_string());
    }

    pub fn client(&self, options: Value) -> Client {
        self.client_with_bounded_waits(options, false)
    }

    /// A client whose renewal waiters wait a bounded time for the leader
    /// (as in Cloudflare Workers).
    pub fn client_with_bounded_waits(&self, options: Value, bounded_waits: bool) -> Client {
        let options = options_from(&options).expect("valid options");
        Client::new(
            options,
            Parts {
                transport: Rc::new(self.transport.clone()),
                clock: Rc::new(self.clock.clone()),
                store: self.store.clone(),
                locks: None,
                coordinator: None,
                bounded_waits,
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

pub fn block_on<F: std::future::IntoFuture>(future: F) -> F::Output {
    futures::executor::block_on(future.into_future())
}

/// A deterministic generator (xorshift64) for generated test corpora: the
/// same seed gives the same corpus, so a failing case can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform enough in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True once in `n` draws on average.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// `text` with one character replaced by, or one inserted from,
    /// `chars`, or one deleted (`text` as it is when empty).
    pub fn mutate(&mut self, text: &str, chars: &[char]) -> String {
        let mut out: Vec<char> = text.chars().collect();
        if out.is_empty() {
            return String::new();
        }
        let at = self.below(out.len() as u64) as usize;
        match self.below(3) {
            0 => out[at] = self.pick(chars),
            1 => {
                out.remove(at);
            }
            _ => out.insert(at, self.pick(chars)),
        }
        out.into_iter().collect()
    }
}

/// `futures::future::join_all` over operations (or futures).
pub fn join_all<I>(
    ops: I,
) -> futures::future::JoinAll<<I::Item as std::future::IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: std::future::IntoFuture,
{
    futures::future::join_all(ops.into_iter().map(std::future::IntoFuture::into_future))
}

/// Runs a core step function to its outcome, the host performing its
/// effects on `store` and `clock` (for tests of the protocols below the
/// client: leases, locks).
pub async fn steps<T>(
    store: &(impl TokenStore + Clone + 'static),
    clock: &FixedClock,
    step: impl FnMut() -> vendor_auth::core::fx::Step<T>,
) -> Result<T, vendor_auth::core::error::AuthError> {
    let parts = Parts {
        transport: Rc::new(ScriptedTransport::new()),
        clock: Rc::new(clock.clone()),
        store: Rc::new(store.clone()),
        locks: None,
        coordinator: None,
        bounded_waits: false,
    };
    vendor_auth::host::drive(vendor_auth::core::client::Op {
        parts: &parts,
        run: Box::new(step),
    })
    .await
}

/// The entry another context (a tab, a process) would have written for
/// `principal`, with the verifier of the secret it logged in with.
pub fn entry_text(token: &str, principal: &str, verifier: &str, expires_at: i64) -> String {
    use vendor_auth::core::cache::{principal_digest, Entry, EntryData};
    use vendor_auth::core::secret::Secret;
    use vendor_auth::core::token::TokenSet;
    Entry::from(EntryData {
        principal: principal_digest(principal),
        verifier: verifier.to_string(),
        tokens: TokenSet::new(Secret::new(token), Some(expires_at)),
        skew_ms: 0,
        obtained_at_ms: NOW,
        rejected: false,
        last_used_ms: None,
        idle_from_ms: None,
        rejection_streak: 0,
        refused_on_retry: false,
    })
    .encode(true)
}
