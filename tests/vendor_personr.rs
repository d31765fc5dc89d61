//! Personr (seeds/001, vendors.md § Personr): both logins, the four error
//! shapes, the rejection rule.

mod common;

use common::*;
use serde_json::json;
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{Body, HttpResponse, Method};
use vendor_auth::core::vendors::personr::{is_unauthorized_body, parse_generate};

fn options(extra: serde_json::Value) -> serde_json::Value {
    let mut options = json!({
        "vendor": "personr", "baseUrl": "http://sim.test/personr",
        "credentials": { "email": "example@personr.co", "password": "example123" }
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    options
}

const SUCCESS: &str = r#"{"status":"success","response":{"token":"bus|4242x42|4343x43","user_id":"4242x42","expires":31536000}}"#;

#[test]
fn the_default_login_is_multipart_email_and_password() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({})));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    let sent = &rig.transport.requests()[0];
    assert_eq!(sent.method, Method::Post);
    assert_eq!(
        sent.url,
        "http://sim.test/personr/api/1.1/wf/api-token-generate"
    );
    assert!(
        sent.headers.is_empty(),
        "the transport sets the multipart Content-Type with its boundary"
    );
    // Body has no Debug (it carries secrets): compare with ==.
    assert!(
        sent.body
            == Body::Multipart(vec![
                ("email".into(), "example@personr.co".into()),
                ("password".into(), "example123".into())
            ])
    );
    assert_eq!(info.token.expose(), "bus|4242x42|4343x43");
    assert_eq!(info.expires_at_ms, Some(NOW + 31_536_000_000));
    assert_eq!(
        info.meta.get("userId").and_then(|v| v.as_str()),
        Some("4242x42")
    );
}

#[test]
fn login_method_basic_uses_the_basic_auth_workflow() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({ "loginMethod": "basic" })));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let sent = &rig.transport.requests()[0];
    assert_eq!(
        sent.url,
        "http://sim.test/personr/api/1.1/wf/api-basic-auth"
    );
    // base64("example@personr.co:example123")
    assert_eq!(
        sent.header_value("authorization"),
        Some("Basic ZXhhbXBsZUBwZXJzb25yLmNvOmV4YW1wbGUxMjM=")
    );
    assert!(sent.body == Body::Empty);
}

#[test]
fn the_four_error_shapes_map_to_codes() {
    let cases = [
        (
            400,
            r#"{"statusCode":400,"reason":"INVALID_LOGIN_CREDENTIALS","message":"We didn’t find an account with those login credentials"}"#,
            ErrorCode::InvalidCredentials,
            "We didn’t find an account",
        ),
        (
            200,
            r#"{"status":"error","response":"Workspace not found"}"#,
            ErrorCode::VendorError,
            "Workspace not found",
        ),
        (
            401,
            r#"{"error_class":"Unauthorized","args":{"code":"1"},"message":null,"translation":"Invalid or expired token: bus|4242x42|4343x43"}"#,
            ErrorCode::TokenRejected,
            "invalid or expired",
        ),
        (
            400,
            r#"{"statusCode":400,"body":{"status":"MISSING_DATA","message":"Missing parameter email"}}"#,
            ErrorCode::VendorError,
            "MISSING_DATA",
        ),
    ];
    for (status, body, code, text) in cases {
        let error = parse_generate(&HttpResponse::new(status, body), NOW).unwrap_err();
        assert_eq!(error.code, code, "{body}");
        assert!(error.message.contains(text), "{}", error.message);
        assert!(
            !error.message.contains("bus|"),
            "the token Bubble echoes is never quoted: {}",
            error.message
        );
    }
}

#[test]
fn a_success_without_a_numeric_expires_is_bad_response() {
    for body in [
        r#"{"status":"success","response":{"token":"t"}}"#,
        r#"{"status":"success","response":{"token":"t","expires":"soon"}}"#,
        r#"{"status":"success","response":{"expires":5}}"#,
        r#"{"status":"success"}"#,
    ] {
        let error = parse_generate(&HttpResponse::new(200, body), NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadResponse, "{body}");
    }
    let numeric_string = r#"{"status":"success","response":{"token":"t","expires":"60"}}"#;
    assert_eq!(
        parse_generate(&HttpResponse::new(200, numeric_string), NOW)
            .unwrap()
            .expires_at_ms,
        Some(NOW + 60_000)
    );
}

#[test]
fn bubble_unauthorized_bodies_are_rejections() {
    assert!(is_unauthorized_body(r#"{"error_class":"Unauthorized"}"#));
    assert!(!is_unauthorized_body(r#"{"status":"error"}"#));
    let rig = Rig::new();
    let client = rig.client(options(json!({})));
    assert!(client.is_rejection(400, r#"{"error_class":"Unauthorized"}"#));
    assert!(client.is_rejection(401, ""));
    assert!(!client.is_rejection(
        200,
        r#"{"status":"error","response":"Workspace not found"}"#
    ));
}

#[test]
fn personr_options_belong_to_personr() {
    let error = common::options_from(&json!({
        "vendor": "emnify", "regenerateOnRejection": true, "credentials": { "applicationToken": "a" }
    }))
    .unwrap_err();
    assert!(error
        .message
        .contains("options.regenerateOnRejection applies only to personr"));
    let error = common::options_from(&options(json!({ "loginMethod": "oauth" })))
        .and_then(|o| {
            vendor_auth::core::vendors::flow(&o, &vendor_auth::core::vendors::resolve_site(&o)?)
                .map(|_| ())
        })
        .unwrap_err();
    assert!(
        error
            .message
            .contains("options.loginMethod must be \"form\" or \"basic\""),
        "{}",
        error.message
    );
}
