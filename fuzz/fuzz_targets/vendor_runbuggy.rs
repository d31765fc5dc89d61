//! RunBuggy's response parsers (`vendors::runbuggy`): the session-JWT
//! exchange answer and the session JWT's `exp`. Input: see
//! `fuzz/src/lib.rs` (status line, headers, empty line, body); a
//! `X-Requested-Expiry` header, when present, is the `expireAt` that was
//! asked for (used when the answer does not say).
#![no_main]

use fuzz_support::{answer, check_error};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::vendors::runbuggy::{parse_exchange, session_expiry_ms};
use vendor_auth::core::vendors::Vendor;

fuzz_target!(|data: &[u8]| {
    let a = answer(data);
    let response = &a.response;
    let status = response.status;
    let requested = response.header("x-requested-expiry");

    match parse_exchange(response, requested) {
        Ok(tokens) => {
            assert!(response.is_success(), "a token from HTTP {status}");
            assert!(!tokens.access.expose().trim().is_empty(), "an empty token");
        }
        Err(e) => {
            check_error(&e, Vendor::RunBuggy, status);
            if status == 401 {
                assert_eq!(e.code, ErrorCode::ReauthRequired);
            }
        }
    }
    // The body as a session JWT: its `exp`, read without a network call.
    if let Some(exp) = session_expiry_ms(response.body.trim()) {
        assert!(exp > 0, "a session expiry at {exp}");
    }
});
