//! VoIPBIN's response parsers (`vendors::voipbin`): `/auth/login`, the
//! access-key routes, and the login token's expiry (custom `expire` claim).
//! Input: see `fuzz/src/lib.rs` (status line, headers, empty line, body).
#![no_main]

use fuzz_support::{answer, check_error};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::json::Value;
use vendor_auth::core::vendors::voipbin::{
    parse_access_key, parse_access_key_page, parse_login, token_expiry_ms,
};
use vendor_auth::core::vendors::Vendor;

fuzz_target!(|data: &[u8]| {
    let a = answer(data);
    let response = &a.response;
    let status = response.status;

    match parse_login(response, a.now_ms) {
        Ok(tokens) => {
            assert!(response.is_success(), "a token from HTTP {status}");
            assert!(!tokens.access.expose().trim().is_empty(), "an empty token");
            assert!(
                tokens.expires_at_ms.is_some(),
                "a login token without expiry"
            );
        }
        Err(e) => check_error(&e, Vendor::Voipbin, status),
    }
    match parse_access_key(response) {
        Ok(key) => {
            assert!(response.is_success());
            assert!(
                key.get("id").is_some_and(Value::is_string),
                "an access key without id: {}",
                key.encode()
            );
        }
        Err(e) => check_error(&e, Vendor::Voipbin, status),
    }
    match parse_access_key_page(response) {
        Ok((keys, next)) => {
            assert!(response.is_success());
            assert!(keys.iter().all(|k| k.is_object()));
            assert!(next.is_none_or(|t| !t.trim().is_empty()));
        }
        Err(e) => check_error(&e, Vendor::Voipbin, status),
    }
    // The body as a token, too: a JWT whose claims come from the fuzzer.
    let _ = token_expiry_ms(response.body.trim(), a.now_ms);
});
