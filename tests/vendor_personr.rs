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

// --- What the real servers were seen to do (vendors.md, last section) --------

const DAY_MS: i64 = 86_400_000;
/// Bubble's rejection body [3p], with the status Bubble does not publish.
const REJECTED: &str = r#"{"error_class":"Unauthorized","args":{"code":"1700000000000x1"},"message":null,"translation":"Invalid or expired token: bus|4242x42|4343x43"}"#;
const SECOND: &str = r#"{"status":"success","response":{"token":"bus|4242x42|5555x55","user_id":"4242x42","expires":31536000}}"#;

fn rejection_events(
    client: &vendor_auth::core::client::Client,
) -> std::rc::Rc<std::cell::RefCell<Vec<String>>> {
    use vendor_auth::core::events::Event;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    client.events().subscribe(
        "regenerated",
        std::rc::Rc::new(move |event: &Event| {
            if let Event::Regenerated {
                reason, message, ..
            } = event
            {
                sink.borrow_mut().push(format!("{reason}: {message}"));
            }
        }),
    );
    seen
}

fn api_call() -> vendor_auth::core::http::HttpRequest {
    vendor_auth::core::http::HttpRequest::new(
        Method::Get,
        "http://sim.test/personr/api/1.1/obj/workspace",
    )
}

#[test]
fn a_token_rejected_after_30_idle_days_is_regenerated_with_an_event() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({})));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let seen = rejection_events(&client);
    rig.clock.advance(31 * DAY_MS);
    rig.transport.ok(400, REJECTED);
    rig.transport.ok(200, SECOND);
    rig.transport.ok(200, r#"{"response":{"results":[]}}"#);
    let response = block_on(client.authorized(api_call())).unwrap();
    assert_eq!(response.status, 200);
    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 4);
    assert_eq!(
        sent[2].url,
        "http://sim.test/personr/api/1.1/wf/api-token-generate"
    );
    assert_eq!(
        sent[3].header_value("authorization"),
        Some("Bearer bus|4242x42|5555x55")
    );
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("idle: Personr dropped a token unused for 31 days"),
        "{}",
        seen[0]
    );
    assert!(!seen[0].contains("bus|"));
}

#[test]
fn a_token_in_use_rejected_keeps_the_rule_reauth_required() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({})));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let seen = rejection_events(&client);
    // Used every ~10 days: the recorded last use moves along (written back
    // at most hourly), so 31 days after the login it is not idle.
    for _ in 0..3 {
        rig.clock.advance(10 * DAY_MS + 3_600_000);
        assert!(
            block_on(client.token_info(CacheMode::Default))
                .unwrap()
                .from_cache
        );
    }
    rig.transport.ok(401, REJECTED);
    let error = block_on(client.authorized(api_call())).unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);
    assert_eq!(rig.transport.request_count(), 2, "no generation");
    assert!(seen.borrow().is_empty());
}

#[test]
fn the_last_use_is_written_back_at_most_hourly_and_never_over_a_newer_token() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({})));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let stored = || {
        let text = block_on(rig.store.get(client.cache_key()))
            .unwrap()
            .unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    assert_eq!(
        stored()["lastUsedAt"],
        json!(null),
        "a new token: its login is its last use"
    );
    rig.clock.advance(59 * 60_000);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(
        stored()["lastUsedAt"],
        json!(null),
        "within the hour: no write"
    );
    rig.clock.advance(60_000);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(stored()["lastUsedAt"], json!(NOW + 3_600_000));
    // Another context replaced the token: the old one's use is not written over it.
    let mut newer = stored();
    newer["token"] = json!("bus|newer|token");
    newer["lastUsedAt"] = json!(null);
    block_on(rig.store.put(client.cache_key(), newer.to_string(), None)).unwrap();
    let other = rig.client(options(json!({})));
    rig.clock.advance(2 * 3_600_000);
    assert_eq!(
        block_on(other.token_info(CacheMode::Default))
            .unwrap()
            .token
            .expose(),
        "bus|newer|token"
    );
    // Other vendors keep no time of use.
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(30 * 3600) }).to_string(),
    );
    let emnify = rig.client(emnify_app_options());
    block_on(emnify.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(2 * 3_600_000);
    block_on(emnify.token_info(CacheMode::Default)).unwrap();
    let text = block_on(rig.store.get(emnify.cache_key()))
        .unwrap()
        .unwrap();
    assert!(text.contains("\"lastUsedAt\":null"), "{text}");
}

#[test]
fn rejections_are_judged_by_the_body_whatever_the_status_and_parsed_leniently() {
    let rig = Rig::new();
    let client = rig.client(options(json!({})));
    for status in [200, 400, 401, 403, 404, 500] {
        assert!(client.is_rejection(status, REJECTED), "{status}");
    }
    assert!(client.is_rejection(400, r#"{"translation":"Invalid or expired token: bus|1",}"#));
    assert!(client.is_rejection(403, ""));
    assert!(!client.is_rejection(
        400,
        r#"{"statusCode":400,"body":{"status":"MISSING_DATA","message":"m"}}"#
    ));
    for status in [400, 404, 418, 500] {
        assert!(
            client.may_be_rejection(status),
            "every error answer is read: {status}"
        );
    }
    assert!(!client.may_be_rejection(200));
    // The seed's own sample, trailing comma and all.
    let seed = "{\"statusCode\":400,\"reason\":\"INVALID_LOGIN_CREDENTIALS\",\"message\":\"We didn’t find an account with those login credentials\",\n}";
    let error = parse_generate(&HttpResponse::new(400, seed), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert!(
        error.message.contains("We didn’t find an account"),
        "{}",
        error.message
    );
    let nested = r#"{"statusCode":400,"body":{"status":"MISSING_DATA","message":"Missing \"email\", then , ]",},}"#;
    let error = parse_generate(&HttpResponse::new(400, nested), NOW).unwrap_err();
    assert!(
        error.message.contains("Missing \"email\", then , ]"),
        "{}",
        error.message
    );
}

#[test]
fn an_idle_regeneration_that_fails_emits_no_event() {
    let rig = Rig::new();
    rig.transport.ok(200, SUCCESS);
    let client = rig.client(options(json!({})));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let seen = rejection_events(&client);
    rig.clock.advance(31 * DAY_MS);
    rig.transport.ok(401, REJECTED);
    rig.transport.ok(
        400,
        r#"{"statusCode":400,"reason":"INVALID_LOGIN_CREDENTIALS","message":"We didn’t find an account with those login credentials"}"#,
    );
    let error = block_on(client.authorized(api_call())).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(
        rig.transport.request_count(),
        3,
        "login, rejected call, one generation"
    );
    assert!(seen.borrow().is_empty(), "{:?}", seen.borrow());
}
