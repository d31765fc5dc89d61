//! What the vendor fuzz targets share: turning fuzz input into the
//! `HttpResponse` a vendor might send, and the properties every `AuthError`
//! built from a response must have.
//!
//! # Input format of the `vendor_*` targets
//!
//! Text shaped like an HTTP answer, so the seed corpus is readable and
//! libFuzzer's mutations stay meaningful:
//!
//! ```text
//! 429                      <- status: leading decimal digits, mod 65536 (none: 200)
//! Retry-After: 30          <- header lines `Name: value`, up to an empty line
//! Date: Sun, 06 Nov 1994 08:49:37 GMT
//!
//! {"error_code":1105}      <- the body: everything after the first empty line
//! ```
//!
//! Without an empty line every line after the status is a header and the
//! body is empty. Bytes that are not UTF-8 are replaced (U+FFFD), as a
//! `fetch` `.text()` does.
//!
//! The vendor's clock is read from the `Date` header exactly as
//! `vendors::common::Http::send` does (`parse_http_date_ms`), falling back to
//! [`NOW_MS`]: that value is what the parsers receive as `now_ms`.

use serde_json::Value;
use vendor_auth::core::error::{AuthError, ErrorCode};
use vendor_auth::core::http::HttpResponse;
use vendor_auth::core::time::parse_http_date_ms;
use vendor_auth::core::vendors::Vendor;

/// The local clock when no readable `Date` came (2026-11-23T00:00:00Z).
pub const NOW_MS: i64 = 1_795_392_000_000;

/// An error message may be this long at most, in characters: the library's
/// own words plus the vendor's text, which it cuts at 200 characters.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// One fuzzed vendor answer.
pub struct Answer {
    pub response: HttpResponse,
    /// The vendor's time of the answer, as `Http::login` passes it.
    pub now_ms: i64,
}

/// Reads the input format described in the module documentation.
pub fn answer(data: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(data);
    let (head, body) = match text.find("\n\n") {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => (&text[..], ""),
    };
    let mut lines = head.split('\n');
    let status_line = lines.next().unwrap_or_default();
    let digits: String = status_line
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(6)
        .collect();
    let status = if digits.is_empty() {
        200
    } else {
        (digits.parse::<u32>().unwrap_or(0) % 65_536) as u16
    };
    let mut response = HttpResponse::new(status, body);
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((name, value)) = line.split_once(':') {
            response = response.with_header(name.trim(), value.trim_start());
        }
    }
    let now_ms = response
        .header("date")
        .and_then(parse_http_date_ms)
        .unwrap_or(NOW_MS);
    Answer { response, now_ms }
}

/// The body as the parsers read it.
pub fn body_json(response: &HttpResponse) -> Value {
    response.json().unwrap_or(Value::Null)
}

/// Checks what must hold for every error a vendor parser builds from
/// `response`: it names the vendor, carries `expected_status` (where it
/// carries a status at all), a short message without control characters, and
/// a `retryAfterSeconds` only when rate limited.
pub fn check_error(error: &AuthError, vendor: Vendor, expected_status: u16) {
    assert_eq!(
        error.vendor,
        Some(vendor),
        "error without its vendor: {error:?}"
    );
    if let Some(status) = error.status {
        assert_eq!(
            status, expected_status,
            "error status {status} is not the answer's {expected_status}: {error:?}"
        );
    }
    check_message(&error.message);
    if error.retry_after_seconds.is_some() {
        assert_eq!(
            error.code,
            ErrorCode::RateLimited,
            "retryAfterSeconds on an error that is not RATE_LIMITED: {error:?}"
        );
    }
}

/// An error message is for a person: bounded, printable, never empty.
pub fn check_message(message: &str) {
    assert!(!message.trim().is_empty(), "empty error message");
    let chars = message.chars().count();
    assert!(
        chars <= MAX_MESSAGE_CHARS,
        "error message of {chars} characters (at most {MAX_MESSAGE_CHARS}): {:?}…",
        message.chars().take(120).collect::<String>()
    );
    if let Some(c) = message.chars().find(|c| c.is_control()) {
        panic!("error message contains the control character {c:?}: {message:?}");
    }
}
