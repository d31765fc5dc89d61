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
