//! `client.fetch`'s rules, for the host that performs it: where the token
//! goes, who may receive it, which answers the core must see, and the
//! errors the host reports. The host sends the request itself (a cached
//! token costs no call into the core) and brings back only the answers
//! listed in the [`FetchPlan`].

use crate::core::client::Client;
use crate::core::error::{AuthError, ErrorCode};
use crate::core::options::canonical_origin;
use crate::core::vendors::Attachment;

/// How the host sends a `client.fetch` for one client.
pub struct FetchPlan {
    /// The vendor root a path (`"/api/…"`) is resolved against.
    pub root: String,
    /// `Some(name)`: the token goes in the query as `?name=`; `None`: as
    /// `Authorization: Bearer`.
    pub query: Option<&'static str>,
    /// Whether the host follows redirects itself (`redirect: "manual"`,
    /// unless the caller chose), attaching the token at [`Self::origins`]
    /// only: always for a query credential, which the runtime would carry
    /// in the URL to any origin; for a Bearer token wherever the runtime
    /// shows redirects to the page (not a browser), since some runtimes
    /// forward `Authorization` to another origin (workerd before
    /// compatibility date 2025-09-01, an `options.fetch` of the caller's).
    pub follow: bool,
    /// Where [`Self::follow`] meets a redirect to another origin: `true`,
    /// it is followed without the token (a Bearer token, as `fetch` does);
    /// `false`, it is returned to the caller (a query credential: the
    /// vendor's `Location` may repeat the query, credential and all).
    pub follow_elsewhere: bool,
    /// Whether the browser sends the vendor's cookies unless the caller
    /// says otherwise.
    pub sends_cookies: bool,
    /// The origins that may receive the token (lowercase, as a URL
    /// parser writes them).
    pub origins: Vec<String>,
    /// Statuses whose answer the core must be told of
    /// ([`Client::api_answered`]: Zūm Rails' 429 blocks the IP).
    pub reported: Vec<u16>,
    /// Statuses that may be a rejection of the token: the host reads at
    /// most [`REJECTION_BODY_BYTES`] of the body and asks
    /// [`Client::is_rejection`].
    pub judged: Vec<u16>,
    /// `timeoutMs`: for the wait for the response headers, and for reading
    /// a judged body.
    pub timeout_ms: u32,
}

/// How much of a judged body is read: vendors say it in a few hundred bytes.
pub const REJECTION_BODY_BYTES: u32 = 64 * 1024;

/// How many redirects the host follows itself ([`FetchPlan::follow`]).
pub const MAX_REDIRECTS: u32 = 5;

/// What went wrong in the host's `client.fetch`.
pub enum FetchFailure<'a> {
    /// The caller's input or init, with the message.
    Invalid(&'a str),
    /// The URL's origin may not receive the token.
    ForeignOrigin(&'a str),
    /// The cached token cannot go in a header.
    UnsafeToken,
    Timeout,
    /// The runtime's error, already described and scrubbed.
    Network(&'a str),
}

impl Client {
    /// What the host needs to send `client.fetch` requests.
    /// `redirects_visible`: whether the runtime hands `redirect: "manual"`
    /// answers over whole (Node, Workers, Deno: yes; a browser gives an
    /// opaque answer, and drops `Authorization` across origins itself).
    pub fn fetch_plan(&self, redirects_visible: bool) -> FetchPlan {
        let mut origins: Vec<String> = canonical_origin(&self.site().root).into_iter().collect();
        origins.extend(self.options().allowed_origins.iter().cloned());
        let statuses = || 100..600u16;
        let query = match self.attachment() {
            Attachment::Query(name) => Some(name),
            Attachment::Bearer => None,
        };
        FetchPlan {
            root: self.site().root.clone(),
            query,
            follow: query.is_some() || redirects_visible,
            follow_elsewhere: query.is_none(),
            sends_cookies: self.sends_cookies(),
            origins,
            reported: statuses().filter(|&s| self.api_answer_matters(s)).collect(),
            judged: statuses().filter(|&s| self.may_be_rejection(s)).collect(),
            timeout_ms: self.options().timeout_ms,
        }
    }

    /// The `AuthError` for a host failure; all but `Invalid` are reported
    /// (scrubbed, the `"error"` event).
    pub fn fetch_failure(&self, failure: FetchFailure) -> AuthError {
        let name = self.vendor().display_name();
        let error = match failure {
            FetchFailure::Invalid(message) => return AuthError::invalid_options(message),
            FetchFailure::ForeignOrigin(origin) => {
                return match self.check_origin(origin) {
                    Err(error) => error,
                    // Allowed after all: the host's list and the core agree,
                    // so this is not reached; an error all the same.
                    Ok(()) => AuthError::new(ErrorCode::ForeignOrigin, "refused"),
                }
            }
            FetchFailure::UnsafeToken => AuthError::new(
                ErrorCode::BadResponse,
                "the cached token contains characters not allowed in an HTTP header; it was not sent",
            ),
            FetchFailure::Timeout => AuthError::new(
                ErrorCode::Timeout,
                format!(
                    "{name} did not answer within {} ms (timeoutMs)",
                    self.options().timeout_ms
                ),
            ),
            FetchFailure::Network(why) => AuthError::new(
                ErrorCode::Network,
                format!("could not reach {name}: {why}"),
            ),
        };
        self.report(error)
    }
}
