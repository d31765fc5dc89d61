//! What the fuzz targets share: turning fuzz input into the `HttpResponse` a
//! vendor might send, the properties every `AuthError` built from a response
//! must have, and the differential check of the library's JSON reader
//! (`core::json`) against serde_json ([`check_json_against_serde`]).
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

use vendor_auth::core::error::{AuthError, ErrorCode};
use vendor_auth::core::http::HttpResponse;
use vendor_auth::core::json::{Value, MAX_DEPTH};
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

/// Checks the library's reading of `data` (`ours`: `json::parse_bytes(data)`)
/// against serde_json's: both accept or both refuse, and when both accept,
/// serde_json reads our encoding as the same value it read from `data`.
///
/// Two documented differences are allowed, where we accept and serde_json
/// refuses:
///
/// * a number beyond the f64 range (`1e400`): we keep its text (`JSON.parse`
///   gives Infinity), serde_json says "number out of range";
/// * nesting exactly [`MAX_DEPTH`] (128) deep: our limit is 128 levels,
///   serde_json's 127 ("recursion limit exceeded").
///
/// (serde_json stops at the first such place, so a disagreement after it in
/// the same text goes unseen; the fuzzer finds the same one without it.)
pub fn check_json_against_serde(data: &[u8], ours: Option<&Value>) {
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match (ours, theirs) {
        (Some(ours), Ok(theirs)) => {
            let encoded = ours.encode();
            let back: serde_json::Value = serde_json::from_str(&encoded).unwrap_or_else(|e| {
                panic!("serde_json refuses our encoding {encoded:?} of {ours:?}: {e}")
            });
            assert_eq!(
                back, theirs,
                "serde_json reads our encoding {encoded:?} differently"
            );
            check_numbers(ours, &theirs);
        }
        (None, Err(_)) => {}
        (Some(ours), Err(e)) => {
            let message = e.to_string();
            // Judged on the text, not on our value: a later member of the
            // same name may have replaced the place serde_json stopped at.
            let (text_depth, beyond_f64) = text_shape(data);
            let documented = (message.starts_with("number out of range") && beyond_f64)
                || (message.starts_with("recursion limit exceeded") && text_depth == MAX_DEPTH);
            assert!(
                documented,
                "we read {ours:?} where serde_json refuses ({message})"
            );
        }
        (None, Ok(theirs)) => panic!("we refuse what serde_json reads as {theirs}"),
    }
}

/// The numbers of two values serde_json sees as equal read alike: the same
/// `as_u64`, the same `as_i64` (but for `-0`, an integer to us and a float to
/// serde_json), and `as_f64` within a relative 1e-14 (serde_json is built
/// without `float_roundtrip`, so its last digit may differ).
fn check_numbers(ours: &Value, theirs: &serde_json::Value) {
    match (ours, theirs) {
        (Value::Number(n), serde_json::Value::Number(m)) => {
            assert_eq!(n.as_u64(), m.as_u64(), "as_u64 of {}", n.as_text());
            if n.as_text() != "-0" {
                assert_eq!(n.as_i64(), m.as_i64(), "as_i64 of {}", n.as_text());
            }
            let (x, y) = (n.as_f64().expect("a number"), m.as_f64().expect("a number"));
            assert!(
                x == y
                    || (x - y).abs() <= 1e-14 * x.abs().max(y.abs())
                    || x.abs().max(y.abs()) < 1e-290,
                "as_f64 of {}: {x} (serde_json: {y})",
                n.as_text()
            );
        }
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.iter().zip(b).for_each(|(a, b)| check_numbers(a, b))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => {
            for (name, value) in a.iter() {
                check_numbers(value, &b[name.as_str()]);
            }
        }
        _ => {}
    }
}

/// Of a valid JSON text: how deep its arrays and objects nest, and whether
/// any number in it (kept in our value or not) is beyond the f64 range.
pub fn text_shape(data: &[u8]) -> (usize, bool) {
    let (mut depth, mut deepest, mut beyond) = (0usize, 0usize, false);
    let mut at = 0;
    while at < data.len() {
        match data[at] {
            b'"' => {
                at += 1;
                while at < data.len() && data[at] != b'"' {
                    at += if data[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let start = at;
                while at + 1 < data.len()
                    && matches!(data[at + 1], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    at += 1;
                }
                let token = std::str::from_utf8(&data[start..=at]).unwrap_or("0");
                beyond |= token
                    .parse::<f64>()
                    .is_ok_and(|x| x.abs() >= f64::MAX * (1.0 - 1e-14));
            }
            _ => {}
        }
        at += 1;
    }
    (deepest, beyond)
}

/// How deep arrays and objects nest in `value`: 0 for a scalar, 1 for `[]`.
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
