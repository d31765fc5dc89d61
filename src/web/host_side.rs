//! What the core's `Parts` name but the JS host performs: in the wasm build
//! every effect goes to `pkg/host.js` (see `engine`), so these are never
//! called. They tell the core that there are locks or a coordinator.

use crate::core::coordinator::{Answer, Ask, Coordinator};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::{HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
use crate::core::lock::{LockGuard, LockManager};

pub struct ByTheHost;

impl Transport for ByTheHost {
    fn send(&self, _request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(std::future::ready(Err(TransportError::Network(
            "requests are sent by the JS host".into(),
        ))))
    }
}

impl LockManager for ByTheHost {
    fn lock<'a>(&'a self, _name: &'a str) -> LocalFuture<'a, Option<LockGuard>> {
        Box::pin(std::future::ready(None))
    }
}

impl Coordinator for ByTheHost {
    fn ask<'a>(&'a self, _key: &'a str, _ask: Ask) -> LocalFuture<'a, Result<Answer, AuthError>> {
        Box::pin(std::future::ready(Err(AuthError::new(
            ErrorCode::Unsupported,
            "the coordinator is asked by the JS host",
        ))))
    }
}
