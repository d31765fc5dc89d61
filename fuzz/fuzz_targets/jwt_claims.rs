//! The JWT claim reader (`token::{jwt_claims, numeric_date_ms}`).
//!
//! The input is used twice: as a token text as is, and as the payload of a
//! well-formed JWT (`e30.<base64url(input)>.sig`), whose claims must be exactly
//! the input's JSON object as `json::parse_bytes` reads it, with or without
//! `=` padding. That reading is itself checked against serde_json
//! (`fuzz_support::check_json_against_serde`: the same acceptance and, via
//! our encoding, the same value, modulo the documented differences).
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fuzz_support::check_json_against_serde;
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::json::{parse_bytes, Map, Value};
use vendor_auth::core::token::{jwt_claims, numeric_date_ms};

fn check_dates(claims: &Map) {
    for name in ["exp", "iat", "nbf", "expire"] {
        if let Some(ms) = numeric_date_ms(claims, name) {
            // Seconds in (0, 1e13), so ms in (0, 1e16).
            assert!(
                (0..10_000_000_000_000_000).contains(&ms),
                "{name} read as {ms} ms"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(claims) = jwt_claims(&text) {
        check_dates(&claims);
    }

    let payload_json = parse_bytes(data);
    check_json_against_serde(data, payload_json.as_ref());
    let expected = match payload_json {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let payload = URL_SAFE_NO_PAD.encode(data);
    let token = format!("e30.{payload}.sig");
    let claims = jwt_claims(&token);
    assert_eq!(claims, expected, "claims of a well-formed JWT");
    let padding = "=".repeat((4 - payload.len() % 4) % 4);
    assert_eq!(
        jwt_claims(&format!("e30.{payload}{padding}.sig")),
        expected,
        "a padded JWT"
    );
    if let Some(claims) = claims {
        check_dates(&claims);
    }
});
