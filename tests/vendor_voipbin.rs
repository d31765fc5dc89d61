//! VoIPBIN (seeds/004, vendors.md § VoIPBIN): login and access keys.

mod common;

use common::*;
use serde_json::{json, Value};
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{Body, HttpResponse, Method};
use vendor_auth::core::testing::unsigned_jwt;
use vendor_auth::core::time::parse_iso8601_ms;
use vendor_auth::core::vendors::voipbin::{parse_login, token_expiry_ms};

fn login_options() -> Value {
    json!({
        "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin",
        "credentials": { "username": "voipbin-demo", "password": "pw" }
    })
}

fn voipbin_jwt(expire: &str) -> String {
    unsigned_jwt(&json!({ "customer": { "id": "c1" }, "expire": expire }))
}

#[test]
fn login_sends_exactly_the_documented_request_and_reads_the_expire_claim() {
    let rig = Rig::new();
    let token = voipbin_jwt("2026-11-30T00:00:00.000000Z");
    rig.transport.ok(
        200,
        &json!({ "username": "voipbin-demo", "token": token }).to_string(),
    );
    let client = rig.client(login_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();

    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, Method::Post);
    assert_eq!(sent[0].url, "http://sim.test/voipbin/auth/login");
    assert_eq!(
        sent[0].header_value("content-type"),
        Some("application/json")
    );
    let Body::Json(body) = &sent[0].body else {
        panic!("not JSON")
    };
    assert_eq!(
        serde_json::from_str::<Value>(body).unwrap(),
        json!({ "username": "voipbin-demo", "password": "pw" })
    );
    assert_eq!(info.token.expose(), token);
    assert_eq!(info.expires_at_ms, parse_iso8601_ms("2026-11-30T00:00:00Z"));
    assert_eq!(info.meta.get("username"), Some(&json!("voipbin-demo")));

    // Served from the cache the second time.
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn expiry_comes_from_expire_then_exp_then_the_documented_seven_days() {
    let with_expire = voipbin_jwt("2026-11-30T12:00:00.000000Z");
    assert_eq!(
        token_expiry_ms(&with_expire, NOW),
        parse_iso8601_ms("2026-11-30T12:00:00Z").unwrap()
    );
    let with_exp = unsigned_jwt(&json!({ "exp": NOW / 1000 + 100 }));
    assert_eq!(token_expiry_ms(&with_exp, NOW), NOW + 100_000);
    assert_eq!(token_expiry_ms("opaque", NOW), NOW + 7 * 24 * 3600 * 1000);
}

#[test]
fn an_empty_400_is_invalid_credentials() {
    let error = parse_login(&HttpResponse::new(400, ""), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(error.status, Some(400));
}

#[test]
fn a_401_unauthenticated_is_invalid_credentials_with_the_reason() {
    let body = json!({ "error": { "status": "UNAUTHENTICATED", "reason": "INVALID_CREDENTIALS", "message": "m", "request_id": "r" } });
    let error = parse_login(&HttpResponse::new(401, body.to_string()), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert!(
        error
            .message
            .contains("UNAUTHENTICATED/INVALID_CREDENTIALS"),
        "{}",
        error.message
    );
}

#[test]
fn a_429_is_rate_limited_with_retry_after() {
    let body = json!({ "error": { "status": "RATE_LIMIT_EXCEEDED", "message": "slow down" } });
    let response = HttpResponse::new(429, body.to_string()).with_header("retry-after", "1");
    let error = parse_login(&response, NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(error.retry_after_seconds, Some(1));
}

#[test]
fn a_200_without_a_token_is_bad_response() {
    for body in ["", "{}", "{\"token\": 7}", "{\"tok"] {
        let error = parse_login(&HttpResponse::new(200, body), NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadResponse, "{body}");
    }
}

#[test]
fn an_access_key_is_used_as_is_with_no_request() {
    let rig = Rig::new();
    let client = rig.client(json!({
        "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin",
        "credentials": { "accessKey": "vb_key" }
    }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "vb_key");
    assert_eq!(info.expires_at_ms, None);
    assert_eq!(rig.transport.request_count(), 0);
}
