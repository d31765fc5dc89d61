//! Personr's (Bubble's) response parsers (`vendors::personr`): the token
//! generation answer, its four error shapes, and the "token invalid" body.
//! Input: see `fuzz/src/lib.rs` (status line, headers, empty line, body).
#![no_main]

use fuzz_support::{answer, body_json, check_error};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::vendors::personr::{error_from, is_unauthorized_body, parse_generate};
use vendor_auth::core::vendors::Vendor;

fuzz_target!(|data: &[u8]| {
    let a = answer(data);
    let response = &a.response;
    let status = response.status;

    match parse_generate(response, a.now_ms) {
        Ok(tokens) => {
            assert!(response.is_success(), "a token from HTTP {status}");
            assert!(!tokens.access.expose().trim().is_empty(), "an empty token");
            // expiry = time of issue + `expires` seconds, with `expires` > 0.
            let expires = tokens
                .expires_at_ms
                .expect("a Personr token without expiry");
            assert!(
                expires >= a.now_ms,
                "expiry {expires} before the time of issue {}",
                a.now_ms
            );
        }
        Err(e) => check_error(&e, Vendor::Personr, status),
    }
    check_error(
        &error_from(response, &body_json(response)),
        Vendor::Personr,
        status,
    );
    let _ = is_unauthorized_body(&response.body);
});
