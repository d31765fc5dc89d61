//! Test doubles for native tests: a scripted transport and a fixed clock.
//! Public so that integration tests under `tests/` can use them; nothing in
//! the JS build refers to them, so they cost no bytes there.

use crate::core::clock::Clock;
use crate::core::http::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

type Reply = Result<HttpResponse, TransportError>;

/// Answers requests from a script, in order, and records every request.
/// Each answer arrives after one yield to the executor, as a real network
/// answer would, so concurrent callers really overlap.
#[derive(Clone, Default)]
pub struct ScriptedTransport {
    replies: Rc<RefCell<VecDeque<Reply>>>,
    requests: Rc<RefCell<Vec<HttpRequest>>>,
}

impl ScriptedTransport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues the answer to the next request.
    pub fn reply(&self, reply: Reply) -> &Self {
        self.replies.borrow_mut().push_back(reply);
        self
    }

    pub fn ok(&self, status: u16, body: &str) -> &Self {
        self.reply(Ok(HttpResponse::new(status, body)))
    }

    /// Every request sent so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.borrow().clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.borrow().len()
    }

    pub fn unanswered(&self) -> usize {
        self.replies.borrow().len()
    }
}

impl Transport for ScriptedTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        self.requests.borrow_mut().push(request);
        let replies = self.replies.clone();
        Box::pin(async move {
            YieldOnce(false).await;
            replies.borrow_mut().pop_front().unwrap_or_else(|| {
                Err(TransportError::Network(
                    "the script has no more answers".into(),
                ))
            })
        })
    }
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A clock that moves only when told to; `sleep` advances it at once.
#[derive(Clone)]
pub struct FixedClock {
    now: Rc<Cell<i64>>,
    slept: Rc<RefCell<Vec<u64>>>,
}

impl FixedClock {
    pub fn at(now_ms: i64) -> Self {
        FixedClock {
            now: Rc::new(Cell::new(now_ms)),
            slept: Rc::default(),
        }
    }

    pub fn advance(&self, ms: i64) {
        self.now.set(self.now.get() + ms);
    }

    pub fn set(&self, now_ms: i64) {
        self.now.set(now_ms);
    }

    /// The durations `sleep` was called with, in order.
    pub fn sleeps(&self) -> Vec<u64> {
        self.slept.borrow().clone()
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.now.get()
    }

    /// Advances the clock at once, then yields once to the executor, as a
    /// timer would let other tasks run.
    fn sleep(&self, ms: u64) -> LocalFuture<'static, ()> {
        self.slept.borrow_mut().push(ms);
        self.advance(i64::try_from(ms).unwrap_or(i64::MAX));
        Box::pin(YieldOnce(false))
    }

    /// Always one half: jittered waits are exactly half their cap.
    fn random(&self) -> f64 {
        0.5
    }
}

/// A JWT with the given claims and a dummy signature: enough for the claim
/// reading the library does (it never verifies signatures).
/// `claims` is anything whose `Display` is its JSON text (a test's
/// `serde_json::json!` value).
pub fn unsigned_jwt(claims: &impl std::fmt::Display) -> String {
    let url_safe = |bytes: &[u8]| {
        crate::core::b64::encode(bytes)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    let header = url_safe(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = url_safe(claims.to_string().as_bytes());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// A store that fails every call, like `localStorage` in a private window.
pub struct BrokenStore;

impl crate::core::store::TokenStore for BrokenStore {
    fn get<'a>(
        &'a self,
        _key: &'a str,
    ) -> LocalFuture<'a, Result<Option<String>, crate::core::store::StoreError>> {
        Box::pin(async {
            Err(crate::core::store::StoreError(
                "SecurityError: denied".into(),
            ))
        })
    }

    fn put<'a>(
        &'a self,
        _key: &'a str,
        _value: String,
        _ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), crate::core::store::StoreError>> {
        Box::pin(async {
            Err(crate::core::store::StoreError(
                "QuotaExceededError: full".into(),
            ))
        })
    }

    fn delete<'a>(
        &'a self,
        _key: &'a str,
    ) -> LocalFuture<'a, Result<(), crate::core::store::StoreError>> {
        Box::pin(async {
            Err(crate::core::store::StoreError(
                "SecurityError: denied".into(),
            ))
        })
    }

    fn is_persistent(&self) -> bool {
        true
    }
}

/// A shared store with put-if-absent and compare-and-delete (Redis as the
/// library sees it), for the cross-process lock: entries expire on the
/// fixed clock, every operation is logged (`"add lease true"`, `"get
/// entry"` …), and what other processes do meanwhile is scripted by time
/// with [`AtomicTestStore::at`]. Operations take effect after one yield,
/// each one atomically.
#[derive(Clone)]
pub struct AtomicTestStore {
    clock: FixedClock,
    entries: Rc<RefCell<Vec<Stored>>>,
    log: Rc<RefCell<Vec<String>>>,
    script: Rc<RefCell<Vec<Scripted>>>,
    failing: Rc<Cell<bool>>,
    with_delete_if: bool,
}

type Scripted = (i64, Box<dyn FnOnce(&AtomicTestStore)>);
/// Key, value, expiry (clock ms).
type Stored = (String, String, Option<i64>);

/// How a key shows in the log: `lease`, `hold` or `entry`.
fn kind(key: &str) -> &'static str {
    if key.ends_with(":lease") {
        "lease"
    } else if key.ends_with(":hold") {
        "hold"
    } else {
        "entry"
    }
}

impl AtomicTestStore {
    pub fn new(clock: &FixedClock) -> Self {
        AtomicTestStore {
            clock: clock.clone(),
            entries: Rc::default(),
            log: Rc::default(),
            script: Rc::default(),
            failing: Rc::default(),
            with_delete_if: true,
        }
    }

    /// The same store without `deleteIf` (the protocol's optional half).
    pub fn without_delete_if(mut self) -> Self {
        self.with_delete_if = false;
        self
    }

    /// Runs `action` (another process's doing) at the first operation at or
    /// after clock time `at_ms`.
    pub fn at(&self, at_ms: i64, action: impl FnOnce(&AtomicTestStore) + 'static) {
        self.script.borrow_mut().push((at_ms, Box::new(action)));
    }

    /// Every call fails from now on (`true`) or works again (`false`).
    pub fn fail(&self, failing: bool) {
        self.failing.set(failing);
    }

    /// The operations so far, oldest first.
    pub fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    /// How many operations of this kind (`"add lease"`, `"put entry"`) ran.
    pub fn count(&self, prefix: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// A live value, read without logging.
    pub fn value(&self, key: &str) -> Option<String> {
        self.expire();
        let entries = self.entries.borrow();
        entries.iter().find(|e| e.0 == key).map(|e| e.1.clone())
    }

    /// Sets a value at once (another process's write), with a TTL in ms.
    pub fn set(&self, key: &str, value: &str, ttl_ms: Option<i64>) {
        self.remove(key);
        let expires = ttl_ms.map(|ttl| self.clock.now_ms() + ttl);
        self.entries
            .borrow_mut()
            .push((key.to_string(), value.to_string(), expires));
    }

    pub fn remove(&self, key: &str) {
        self.entries.borrow_mut().retain(|e| e.0 != key);
    }

    fn expire(&self) {
        let now = self.clock.now_ms();
        self.entries
            .borrow_mut()
            .retain(|e| e.2.is_none_or(|expires| expires > now));
    }

    /// Runs what is due, then `op` unless the store fails. `op` gives its
    /// result and its log line; a failure is logged as `what failed`.
    fn run<T: 'static>(
        &self,
        what: String,
        op: impl FnOnce(&AtomicTestStore) -> (T, String) + 'static,
    ) -> LocalFuture<'static, Result<T, crate::core::store::StoreError>> {
        let store = self.clone();
        Box::pin(async move {
            YieldOnce(false).await;
            let now = store.clock.now_ms();
            let due: Vec<Scripted> = {
                let mut script = store.script.borrow_mut();
                let (due, later) = script.drain(..).partition(|(at, _)| *at <= now);
                *script = later;
                due
            };
            for (_, action) in due {
                action(&store);
            }
            store.expire();
            if store.failing.get() {
                store.log.borrow_mut().push(format!("{what} failed"));
                return Err(crate::core::store::StoreError(
                    "Error: connection refused".into(),
                ));
            }
            let (result, line) = op(&store);
            store.log.borrow_mut().push(line);
            Ok(result)
        })
    }
}

impl crate::core::store::TokenStore for AtomicTestStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> LocalFuture<'a, Result<Option<String>, crate::core::store::StoreError>> {
        let owned = key.to_string();
        let what = format!("get {}", kind(key));
        self.run(what.clone(), move |s| (s.value(&owned), what))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), crate::core::store::StoreError>> {
        let owned = key.to_string();
        let ttl_ms = ttl.map(|s| s as i64 * 1000);
        let what = format!("put {}", kind(key));
        self.run(what.clone(), move |s| (s.set(&owned, &value, ttl_ms), what))
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
    ) -> LocalFuture<'a, Result<(), crate::core::store::StoreError>> {
        let owned = key.to_string();
        let what = format!("delete {}", kind(key));
        self.run(what.clone(), move |s| (s.remove(&owned), what))
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn atomic(&self) -> Option<&dyn crate::core::store::AtomicStore> {
        Some(self)
    }
}

impl crate::core::store::AtomicStore for AtomicTestStore {
    fn add<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<bool, crate::core::store::StoreError>> {
        let owned = key.to_string();
        let ttl_ms = ttl.map(|s| s as i64 * 1000);
        let what = format!("add {}", kind(key));
        self.run(what.clone(), move |s| {
            let absent = s.value(&owned).is_none();
            if absent {
                s.set(&owned, &value, ttl_ms);
            }
            (absent, format!("{what} {absent}"))
        })
    }

    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> Option<LocalFuture<'a, Result<bool, crate::core::store::StoreError>>> {
        if !self.with_delete_if {
            return None;
        }
        let owned = key.to_string();
        let expected = value.to_string();
        let what = format!("delete_if {}", kind(key));
        Some(self.run(what.clone(), move |s| {
            let holds = s.value(&owned).is_some_and(|v| v == expected);
            if holds {
                s.remove(&owned);
            }
            (holds, format!("{what} {holds}"))
        }))
    }
}
