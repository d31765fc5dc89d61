//! Zūm Rails' response parsers (`vendors::zumrails`): the `/api/authorize`
//! answer and the error mapping. Input: see `fuzz/src/lib.rs` (status line,
//! headers, empty line, body).
#![no_main]

use fuzz_support::{answer, body_json, check_error};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::json::Value;
use vendor_auth::core::vendors::zumrails::{error_from, parse_authorize};
use vendor_auth::core::vendors::Vendor;

fuzz_target!(|data: &[u8]| {
    let a = answer(data);
    let response = &a.response;
    let body = body_json(response);
    // The body's statusCode is what Zūm Rails means; the HTTP status may be 200.
    let meant = body
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(response.status);

    match parse_authorize(response, a.now_ms) {
        Ok(tokens) => {
            assert!(
                response.is_success(),
                "a token from HTTP {}",
                response.status
            );
            assert_ne!(
                body.get("isError"),
                Some(&Value::Bool(true)),
                "a token with isError"
            );
            assert!(!tokens.access.expose().trim().is_empty(), "an empty Token");
            assert!(tokens.expires_at_ms.is_some(), "a token without expiry");
        }
        // An error read from the body (isError, or a non-2xx) carries the
        // body's statusCode; a 2xx without a Token carries the HTTP status.
        Err(e) if e.status == Some(response.status) => {
            check_error(&e, Vendor::ZumRails, response.status)
        }
        Err(e) => check_error(&e, Vendor::ZumRails, meant),
    }
    let e = error_from(response, &body);
    check_error(&e, Vendor::ZumRails, meant);
    if meant == 429 {
        // The IP is blocked: every client must know how long to hold off.
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.retry_after_seconds.is_some(), "a 429 without a wait");
    }
});
