//! What every vendor file uses: sending a request with the vendor named in
//! its errors, and reading vendor answers leniently.

use crate::core::clock::Clock;
use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::{self, Effect, Outcome, Step};
use crate::core::http::{HttpRequest, HttpResponse, TransportError};
use crate::core::json::Value;
use crate::core::options::origin_of;
use crate::core::time::parse_http_date_ms;
use crate::core::vendors::Vendor;
use std::cell::Cell;

/// Which failures of a login or refresh are retried (API calls of the
/// caller are never retried: the library does not retry the caller's
/// business).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthRetry {
    /// 5xx and network errors with backoff; 429 after a short `Retry-After`.
    Full,
    /// 5xx and network errors only: a 429 means the IP is blocked (Zūm Rails).
    NotRateLimits,
    /// Never: each attempt creates a token (Personr invalidates the previous
    /// one, RunBuggy adds one to the account), so one call sends one request.
    Never,
}

/// Attempts of one login or refresh, the first included.
pub const AUTH_ATTEMPTS: u32 = 3;
/// The first backoff cap; each retry doubles it (full jitter: a wait is
/// uniform in `[0, cap)`).
pub const BACKOFF_BASE_MS: f64 = 300.0;
/// A 429 whose `Retry-After` is at most this is waited out; a longer one
/// fails with `RATE_LIMITED` at once.
pub const MAX_RETRY_AFTER_WAIT_S: u64 = 5;
/// The wait after a 429 with no readable `Retry-After` (browsers hide it on
/// cross-origin answers).
pub const DEFAULT_429_WAIT_MS: u64 = 1000;

/// Sends a vendor's requests and turns transport failures into `AuthError`s
/// that name the vendor. Remembers the vendor's `Date` header, from which the
/// client learns its clock skew.
pub struct Http<'a> {
    clock: &'a dyn Clock,
    vendor: Vendor,
    timeout_ms: u32,
    retry: AuthRetry,
    server_date_ms: Cell<Option<i64>>,
}

impl<'a> Http<'a> {
    pub fn new(clock: &'a dyn Clock, vendor: Vendor, timeout_ms: u32, retry: AuthRetry) -> Self {
        Http {
            clock,
            vendor,
            timeout_ms,
            retry,
            server_date_ms: Cell::new(None),
        }
    }

    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// The `Date` of the last response that had a readable one.
    pub fn server_date_ms(&self) -> Option<i64> {
        self.server_date_ms.get()
    }

    /// Now in the vendor's clock: its last `Date` header when one was
    /// readable, else the local clock.
    pub fn vendor_now_ms(&self) -> i64 {
        self.server_date_ms().unwrap_or_else(|| fx::now(self.clock))
    }

    /// Sends a login or refresh request, retrying what the vendor's
    /// [`AuthRetry`] allows: 5xx and network errors with exponential backoff
    /// and full jitter, a 429 after its short `Retry-After`. At most
    /// [`AUTH_ATTEMPTS`] requests; the last answer or error is returned.
    pub fn send_auth(&self, request: HttpRequest) -> Step<HttpResponse> {
        let mut attempt = 1;
        loop {
            let result = fx::attempt(self.send(request.clone()))?;
            let wait_ms = match (&result, self.retry) {
                (_, AuthRetry::Never) => None,
                (Err(e), _) if e.code == ErrorCode::Network => Some(self.backoff_ms(attempt)),
                (Ok(r), _) if r.status >= 500 => Some(self.backoff_ms(attempt)),
                (Ok(r), AuthRetry::Full) if r.status == 429 => match r.retry_after_seconds() {
                    Some(s) if s <= MAX_RETRY_AFTER_WAIT_S => Some(s * 1000),
                    Some(_) => None,
                    None => Some(DEFAULT_429_WAIT_MS),
                },
                _ => None,
            };
            match wait_ms {
                Some(ms) if attempt < AUTH_ATTEMPTS => {
                    fx::sleep(ms)?;
                    attempt += 1;
                }
                _ => return Ok(result?),
            }
        }
    }

    /// Sends a login (with [`Http::send_auth`]'s retries) and reads the
    /// answer with `parse`, given the vendor's time of the answer.
    pub fn login<T>(
        &self,
        request: HttpRequest,
        parse: impl FnOnce(&HttpResponse, i64) -> Result<T, AuthError>,
    ) -> Step<T> {
        let response = self.send_auth(request)?;
        Ok(parse(&response, self.vendor_now_ms())?)
    }

    fn backoff_ms(&self, attempt: u32) -> u64 {
        let cap = BACKOFF_BASE_MS * f64::from(1u32 << attempt.min(10)) / 2.0;
        (fx::random(self.clock).clamp(0.0, 1.0) * cap) as u64
    }

    pub fn send(&self, request: HttpRequest) -> Step<HttpResponse> {
        let origin = origin_of(&request.url).unwrap_or("the vendor").to_string();
        let name = self.vendor.display_name();
        let Outcome::Sent(sent) = fx::perform(Effect::Send(request))? else {
            return fx::unexpected();
        };
        let response = sent.map_err(|e| {
            let (code, message) = match e {
                TransportError::Network(why) => (
                    ErrorCode::Network,
                    format!("could not reach {name} at {origin}: {why}"),
                ),
                TransportError::Timeout => (
                    ErrorCode::Timeout,
                    format!(
                        "{name} did not answer within {} ms (timeoutMs)",
                        self.timeout_ms
                    ),
                ),
                TransportError::Aborted => (
                    ErrorCode::Network,
                    format!("the request to {name} was aborted by the caller's signal"),
                ),
                TransportError::TooLarge => (
                    ErrorCode::BadResponse,
                    format!("{name} answered with a body too large to accept"),
                ),
                TransportError::Redirected(status) => (
                    ErrorCode::VendorError,
                    format!(
                        "{name} answered with a redirect (HTTP {status}) at {origin}; requests that carry credentials never follow redirects, so check baseUrl"
                    ),
                ),
            };
            AuthError::new(code, message).with_vendor(self.vendor)
        })?;
        if let Some(date) = response.header("date").and_then(parse_http_date_ms) {
            self.server_date_ms.set(Some(date));
        }
        Ok(response)
    }
}

/// A vendor's body as JSON, forgiving trailing commas before `}` or `]`
/// (Personr's own documented error sample has one): `None` when it is not
/// JSON even so.
pub fn lenient_json(text: &str) -> Option<Value> {
    crate::core::json::parse(text).or_else(|| {
        let mut out = String::with_capacity(text.len());
        let (mut in_string, mut escaped) = (false, false);
        for (at, c) in text.char_indices() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if c == ',' {
                let next = text
                    .get(at + 1..)
                    .and_then(|rest| rest.trim_start().chars().next());
                if matches!(next, Some('}' | ']')) {
                    continue;
                }
            }
            out.push(c);
        }
        crate::core::json::parse(&out)
    })
}

/// The first of `names` that holds a non-empty string.
pub fn string_field<'v>(value: &'v Value, names: &[&str]) -> Option<&'v str> {
    names
        .iter()
        .filter_map(|name| value.get(name)?.as_str())
        .find(|s| !s.trim().is_empty())
}

/// A vendor's own error text, made safe to show: control characters removed,
/// at most 200 characters.
pub fn clean_message(text: &str) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    cleaned.trim().to_string()
}

/// What the body was, in a few words, when it was not what was expected.
pub fn describe_body(response: &HttpResponse) -> &'static str {
    let body = response.body.trim_start();
    if body.is_empty() {
        "an empty body"
    } else if body.starts_with('<') {
        "an HTML page"
    } else if response.json().is_none() {
        "a body that is not valid JSON"
    } else {
        "JSON of an unexpected shape"
    }
}

/// The error for an answer the vendor file has no specific reading of:
/// `RATE_LIMITED` for 429, `BAD_RESPONSE` for a 2xx that lacks what was
/// expected, `VENDOR_ERROR` otherwise. `vendor_message` is the vendor's own
/// text when one was found.
pub fn unexpected(
    vendor: Vendor,
    response: &HttpResponse,
    expected: &str,
    vendor_message: Option<&str>,
) -> AuthError {
    let name = vendor.display_name();
    let status = response.status;
    let said = match vendor_message.map(clean_message) {
        Some(text) if !text.is_empty() => format!(": \"{text}\""),
        _ => format!(" with {}", describe_body(response)),
    };
    let (code, message) = if status == 429 {
        let wait = match response.retry_after_seconds() {
            Some(seconds) => format!("; retry after {seconds} s"),
            None => String::new(),
        };
        (
            ErrorCode::RateLimited,
            format!("{name} is rate limiting requests (HTTP 429){said}{wait}"),
        )
    } else if response.is_success() {
        (
            ErrorCode::BadResponse,
            format!("{name} answered HTTP {status}{said}, without {expected}"),
        )
    } else {
        (
            ErrorCode::VendorError,
            format!("{name} answered HTTP {status}{said}"),
        )
    };
    AuthError::new(code, message)
        .with_vendor(vendor)
        .with_status(status)
        .with_retry_after(if status == 429 {
            response.retry_after_seconds()
        } else {
            None
        })
}

/// An error with the vendor and status set.
pub fn vendor_error(vendor: Vendor, code: ErrorCode, status: u16, message: String) -> AuthError {
    AuthError::new(code, message)
        .with_vendor(vendor)
        .with_status(status)
}
