//! A coordinator: the one place per principal where logins happen, across
//! every isolate and location (a Cloudflare Durable Object). With one, a
//! client never logs in itself; it asks the principal's coordinator, whose
//! own storage is the source of truth, and keeps the answer in its store.

use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::LocalFuture;
use crate::core::secret::Secret;
use crate::core::vendors::Vendor;

/// Why the client asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Ask {
    /// It has no usable token: the coordinator's, renewed if need be.
    Token,
    /// `getToken({ cache: "reload" })`: a token other than this one.
    Reload(Secret),
    /// The vendor rejected this token: compare-and-renew at the coordinator.
    Rejected(Secret),
}

impl Ask {
    /// The wire name and the token it concerns.
    pub fn parts(&self) -> (&'static str, Option<&Secret>) {
        match self {
            Ask::Token => ("token", None),
            Ask::Reload(token) => ("reload", Some(token)),
            Ask::Rejected(token) => ("rejected", Some(token)),
        }
    }

    pub fn from_parts(kind: &str, token: Option<String>) -> Option<Ask> {
        match (kind, token) {
            ("token", _) => Some(Ask::Token),
            ("reload", Some(token)) => Some(Ask::Reload(Secret::new(token))),
            ("rejected", Some(token)) => Some(Ask::Rejected(Secret::new(token))),
            _ => None,
        }
    }
}

/// The coordinator's answer: its cache entry (the versioned JSON of
/// [`crate::core::cache::Entry`]) and whether it was already cached there.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub entry: String,
    pub from_cache: bool,
}

pub trait Coordinator {
    /// Asks the coordinator of the principal behind `key`.
    fn ask<'a>(&'a self, key: &'a str, ask: Ask) -> LocalFuture<'a, Result<Answer, AuthError>>;
}

/// An error that crossed from the coordinator, rebuilt with its code.
pub fn remote_error(
    code: &str,
    message: &str,
    vendor: Option<&str>,
    status: Option<u16>,
    retry_after_seconds: Option<u64>,
) -> AuthError {
    let code = ErrorCode::ALL
        .into_iter()
        .find(|c| c.as_str() == code)
        .unwrap_or(ErrorCode::VendorError);
    let mut error = AuthError::new(code, message).with_retry_after(retry_after_seconds);
    error.vendor = vendor.and_then(Vendor::parse);
    error.status = status;
    error
}
