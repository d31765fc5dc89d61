//! Options validation: every mistake is INVALID_OPTIONS naming the field.

mod common;

use serde_json::{json, Value};
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::options::{normalize_base_url, origin_of};
use vendor_auth::core::vendors::{flow, resolve_site};

fn error_of(options: Value) -> String {
    let result = common::options_from(&options).and_then(|o| {
        let site = resolve_site(&o)?;
        flow(&o, &site).map(|_| ())
    });
    let error = result.expect_err("options should be refused");
    assert_eq!(error.code, ErrorCode::InvalidOptions, "{}", error.message);
    error.message.clone()
}

#[test]
fn each_mistake_names_its_field() {
    let cases = [
        (json!(null), "options object"),
        (json!("emnify"), "options object"),
        (json!({}), "options.vendor is required"),
        (
            json!({ "vendor": "acme", "credentials": {} }),
            "unknown vendor `acme`",
        ),
        (
            json!({ "vendor": 5, "credentials": {} }),
            "options.vendor must be a string, not a number",
        ),
        (
            json!({ "vendor": "emnify" }),
            "options.credentials is missing",
        ),
        (
            json!({ "vendor": "emnify", "credentials": "x" }),
            "options.credentials must be an object",
        ),
        (
            json!({ "vendor": "emnify", "credentials": {} }),
            "credentials for emnify need",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "applicationToken": 7 } }),
            "credentials.applicationToken must be a string, not a number",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "applicationToken": "" } }),
            "credentials.applicationToken must not be empty",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "username": "u" } }),
            "credentials.password is required",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "applicationToken": "a", "apptoken": "b" } }),
            "credentials.apptoken is not a field",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "username": "u", "password": "p", "passwordIsSha1": "yes" } }),
            "credentials.passwordIsSha1 must be true or false",
        ),
        (
            json!({ "vendor": "emnify", "credentials": { "username": "u", "password": "p", "passwordIsSha1": true } }),
            "40 hex characters",
        ),
        (
            json!({ "vendor": "emnify", "environment": "staging", "credentials": { "applicationToken": "a" } }),
            "options.environment: emnify has no environment `staging`",
        ),
        (
            json!({ "vendor": "emnify", "baseUrl": "ftp://x", "credentials": { "applicationToken": "a" } }),
            "options.baseUrl",
        ),
        (
            json!({ "vendor": "emnify", "refreshMarginSeconds": -1, "credentials": { "applicationToken": "a" } }),
            "options.refreshMarginSeconds must be between",
        ),
        (
            json!({ "vendor": "emnify", "timeoutMs": "10", "credentials": { "applicationToken": "a" } }),
            "options.timeoutMs must be a number",
        ),
        (
            json!({ "vendor": "emnify", "refreshMargin": 5, "credentials": { "applicationToken": "a" } }),
            "unknown option `refreshMargin`",
        ),
        (
            json!({ "vendor": "runbuggy", "credentials": { "sessionJwt": "j" } }),
            "credentials.tokenName is required",
        ),
        (
            json!({ "vendor": "runbuggy", "credentials": { "sessionJwt": "j", "tokenName": "n", "expireAt": "soon" } }),
            "credentials.expireAt must be an ISO-8601",
        ),
        (
            json!({ "vendor": "zumrails", "environment": "staging", "credentials": { "username": "u", "password": "p" } }),
            "use production or sandbox",
        ),
        (
            json!({ "vendor": "voipbin", "credentials": { "accessKey": "k", "username": "u" } }),
            "credentials.username is not a field",
        ),
        (
            json!({ "vendor": "personr", "credentials": { "email": "e" } }),
            "credentials.password is required",
        ),
    ];
    for (options, expected) in cases {
        let message = error_of(options.clone());
        assert!(
            message.contains(expected),
            "{options}: got {message:?}, expected {expected:?}"
        );
    }
}

#[test]
fn a_huge_string_is_refused_not_kept() {
    let huge = "x".repeat(100_000);
    let message =
        error_of(json!({ "vendor": "emnify", "credentials": { "applicationToken": huge } }));
    assert!(message.contains("longer than 16 KiB"));
    let message = error_of(json!({ "vendor": huge, "credentials": {} }));
    assert!(
        message.len() < 300,
        "the message quotes a clipped value: {}",
        message.len()
    );
}

#[test]
fn defaults_and_base_urls() {
    let options = common::options_from(
        &json!({ "vendor": "zumrails", "credentials": { "username": "u", "password": "p" } }),
    )
    .unwrap();
    assert_eq!(options.refresh_margin_ms, 60_000);
    assert_eq!(options.timeout_ms, 15_000);
    let site = resolve_site(&options).unwrap();
    assert_eq!(site.root, "https://api-app.zumrails.com");
    assert_eq!(site.environment, "production");

    assert_eq!(
        normalize_base_url("http://127.0.0.1:8790/emnify/").unwrap(),
        "http://127.0.0.1:8790/emnify"
    );
    assert!(normalize_base_url("http://").is_err());
    assert!(normalize_base_url("https://a b").is_err());
    assert!(normalize_base_url("https://x/?q=1").is_err());
    assert_eq!(
        origin_of("http://127.0.0.1:8790/emnify/x?y"),
        Some("http://127.0.0.1:8790")
    );
    assert_eq!(
        origin_of("https://cdn.emnify.net"),
        Some("https://cdn.emnify.net")
    );
}
