//! emnify's response parsers (`vendors::emnify`): `/api/v1/authenticate`, the
//! application-token routes, and the error mapping. Input: see
//! `fuzz/src/lib.rs` (status line, headers, empty line, body).
#![no_main]

use fuzz_support::{answer, body_json, check_error};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::vendors::emnify::{
    error_from, parse_application_tokens, parse_authenticate, parse_created_application_token,
    parse_revoked, Authenticated,
};
use vendor_auth::core::vendors::Vendor;

fuzz_target!(|data: &[u8]| {
    let a = answer(data);
    let response = &a.response;
    let status = response.status;

    match parse_authenticate(response, a.now_ms) {
        Ok(Authenticated::Tokens(tokens)) => {
            assert!(response.is_success(), "a token from HTTP {status}");
            assert!(
                !tokens.access.expose().trim().is_empty(),
                "an empty auth_token"
            );
            assert!(
                tokens.expires_at_ms.is_some(),
                "an auth token without expiry"
            );
        }
        Ok(Authenticated::MfaRequired(mfa)) => {
            assert!(response.is_success(), "an MFA challenge from HTTP {status}");
            assert!(!mfa.expose().trim().is_empty(), "an empty mfa_token");
        }
        Err(e) => check_error(&e, Vendor::Emnify, status),
    }
    match parse_created_application_token(response) {
        Ok(token) => assert!(!token.expose().trim().is_empty()),
        Err(e) => check_error(&e, Vendor::Emnify, status),
    }
    match parse_application_tokens(response) {
        Ok(items) => {
            for item in items {
                assert!(item.is_object());
                let status = item.get("status");
                assert!(status.is_none_or(|s| s.is_null() || s.is_string()));
            }
        }
        Err(e) => check_error(&e, Vendor::Emnify, status),
    }
    match parse_revoked(response) {
        Ok(()) => assert!(response.is_success()),
        Err(e) => check_error(&e, Vendor::Emnify, status),
    }
    check_error(
        &error_from(response, &body_json(response)),
        Vendor::Emnify,
        status,
    );
});
