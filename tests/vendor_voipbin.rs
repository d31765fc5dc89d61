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
    assert_eq!(
        info.meta.get("username").and_then(|v| v.as_str()),
        Some("voipbin-demo")
    );

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
        token_expiry_ms(&with_expire, NOW).unwrap(),
        parse_iso8601_ms("2026-11-30T12:00:00Z").unwrap()
    );
    let with_exp = unsigned_jwt(&json!({ "exp": NOW / 1000 + 100 }));
    assert_eq!(token_expiry_ms(&with_exp, NOW).unwrap(), NOW + 100_000);
    assert_eq!(
        token_expiry_ms("opaque", NOW).unwrap(),
        NOW + 7 * 24 * 3600 * 1000
    );
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
    assert_eq!(
        error.message,
        "VoIPBIN answered HTTP 401 (UNAUTHENTICATED, INVALID_CREDENTIALS): \"m\""
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

#[test]
fn access_keys_are_attached_only_as_a_query_parameter() {
    use vendor_auth::core::vendors::Attachment;
    let rig = Rig::new();
    let key = rig.client(json!({ "vendor": "voipbin", "credentials": { "accessKey": "vb_k" } }));
    assert_eq!(key.attachment(), Attachment::Query("accesskey"));
    assert_eq!(rig.client(login_options()).attachment(), Attachment::Bearer);
    let mut query = login_options();
    query["tokenIn"] = json!("query");
    assert_eq!(rig.client(query).attachment(), Attachment::Query("token"));
}

#[test]
fn create_access_key_refuses_less_than_a_day_before_any_request() {
    use vendor_auth::core::options::Fields;
    use vendor_auth::core::vendors::voipbin::NewAccessKey;
    for bad in [
        json!({ "expireSeconds": 86399 }),
        json!({}),
        json!({ "expireSeconds": 86400.5 }),
        json!({ "expireSeconds": "1d" }),
    ] {
        let map = common::core_json(&bad).as_object().unwrap().clone();
        let error = NewAccessKey::from_fields(&Fields::new("options", &map)).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidOptions, "{bad}");
        assert!(error.message.contains("expireSeconds"));
    }
}

#[test]
fn access_keys_are_created_listed_over_pages_and_deleted() {
    use vendor_auth::core::vendors::voipbin::NewAccessKey;
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin", "credentials": { "accessKey": "vb_k" } }));
    let created = json!({ "id": "k1", "customer_id": "c", "name": "ci", "detail": null, "token": "vb_new", "token_prefix": "vb_new",
                          "tm_expire": "2027-01-01T00:00:00.000000Z", "tm_create": "2026-11-23T00:00:00.000000Z", "tm_update": null, "tm_delete": null });
    rig.transport.ok(200, &created.to_string());
    rig.transport.ok(
        200,
        &json!({ "result": [{ "id": "k1" }], "next_page_token": "p2" }).to_string(),
    );
    rig.transport.ok(
        200,
        &json!({ "result": [{ "id": "k2" }], "next_page_token": "" }).to_string(),
    );
    rig.transport.ok(
        200,
        &json!({ "id": "k1", "tm_delete": "2026-11-23T01:00:00.000000Z" }).to_string(),
    );

    let params = NewAccessKey {
        name: Some("ci".into()),
        detail: None,
        expire_seconds: 86_400,
    };
    let key = common::serde_of(&block_on(client.create_access_key(&params)).unwrap());
    assert_eq!(key["token"], "vb_new");
    assert_eq!(key["expiresAt"], "2027-01-01T00:00:00.000000Z");
    let keys: Vec<Value> = block_on(client.list_access_keys())
        .unwrap()
        .iter()
        .map(common::serde_of)
        .collect();
    assert_eq!(
        keys.iter().map(|k| k["id"].clone()).collect::<Vec<_>>(),
        vec![json!("k1"), json!("k2")]
    );
    assert!(keys.iter().all(|k| k.get("token").is_none()));
    let deleted = common::serde_of(&block_on(client.delete_access_key("k1")).unwrap());
    assert_eq!(deleted["deletedAt"], "2026-11-23T01:00:00.000000Z");

    let sent = rig.transport.requests();
    assert_eq!(
        sent[0].url,
        "http://sim.test/voipbin/v1.0/accesskeys?accesskey=vb_k"
    );
    let Body::Json(body) = &sent[0].body else {
        panic!()
    };
    assert_eq!(
        serde_json::from_str::<Value>(body).unwrap(),
        json!({ "expire": 86400, "name": "ci" })
    );
    assert_eq!(
        sent[1].url,
        "http://sim.test/voipbin/v1.0/accesskeys?page_size=100&accesskey=vb_k"
    );
    assert_eq!(
        sent[2].url,
        "http://sim.test/voipbin/v1.0/accesskeys?page_size=100&page_token=p2&accesskey=vb_k"
    );
    assert_eq!(
        (sent[3].method, sent[3].url.as_str()),
        (
            Method::Delete,
            "http://sim.test/voipbin/v1.0/accesskeys/k1?accesskey=vb_k"
        )
    );
    assert!(sent
        .iter()
        .all(|r| r.header_value("authorization").is_none()));
}

#[test]
fn access_key_errors() {
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin", "credentials": { "accessKey": "vb_k" } }));
    rig.transport.ok(400, "");
    assert_eq!(
        block_on(client.delete_access_key("nope")).unwrap_err().code,
        ErrorCode::VendorError
    );
    rig.transport
        .ok(401, r#"{"error":{"status":"UNAUTHENTICATED"}}"#);
    assert_eq!(
        block_on(client.list_access_keys()).unwrap_err().code,
        ErrorCode::TokenRejected
    );
    let emnify = rig.client(emnify_app_options());
    assert_eq!(
        block_on(emnify.list_access_keys()).unwrap_err().code,
        ErrorCode::Unsupported
    );
}

#[test]
fn an_unreadable_expire_claim_is_refused_not_guessed() {
    for claims in [
        json!({ "expire": "next week" }),
        json!({ "expire": 5 }),
        json!({ "exp": "later" }),
    ] {
        let token = unsigned_jwt(&claims);
        let body = json!({ "username": "u", "token": token }).to_string();
        let error = parse_login(&HttpResponse::new(200, body), NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadResponse, "{claims}");
    }
}

// --- What the real servers were seen to do (vendors.md, last section) --------

/// A login token in today's claim layout (`type`, `agent`, `expire`).
fn agent_jwt(expire: &str) -> String {
    unsigned_jwt(
        &json!({ "type": "agent", "agent": { "id": "a1", "customer_id": "c1", "username": "voipbin-demo" }, "expire": expire }),
    )
}

/// The expiry `parse_login` reads from a login answer carrying `token`.
fn login_expiry(token: &str) -> Option<i64> {
    let body = json!({ "username": "voipbin-demo", "token": token }).to_string();
    parse_login(&HttpResponse::new(200, body), NOW)
        .unwrap()
        .expires_at_ms
}

/// 2026-11-30T12:00:00Z.
const NOV_30_NOON: i64 = NOW + 7 * 86_400_000 + 12 * 3_600_000;

#[test]
fn the_expire_claim_is_read_in_todays_format_with_the_zone() {
    let token = agent_jwt("2026-11-30T12:00:00.000000Z");
    assert_eq!(login_expiry(&token), Some(NOV_30_NOON));
}

#[test]
fn the_expire_claim_is_read_in_the_older_format_without_a_zone_as_utc() {
    // Before February 2026 and on older self-hosted installs, with the old
    // `customer` claim holding a JSON string.
    let token = unsigned_jwt(
        &json!({ "customer": "{\"id\":\"c1\"}", "expire": "2026-11-30 12:00:00.000000" }),
    );
    assert_eq!(login_expiry(&token), Some(NOV_30_NOON));
}

#[test]
fn the_real_429_envelope_is_rate_limited_with_its_reason_and_who_is_limited() {
    let body = json!({ "error": { "status": "RESOURCE_EXHAUSTED", "reason": "RATE_LIMIT_EXCEEDED",
                                  "message": "Too many requests. Please try again later.", "details": [{ "limited_by": "ip" }] } });
    let response = HttpResponse::new(429, body.to_string()).with_header("Retry-After", "3");
    let error = parse_login(&response, NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(error.retry_after_seconds, Some(3));
    assert_eq!(
        error.message,
        "VoIPBIN answered HTTP 429 (RESOURCE_EXHAUSTED, RATE_LIMIT_EXCEEDED, limited by ip): \"Too many requests. Please try again later.\"; retry after 3 s"
    );
}

#[test]
fn access_key_error_envelopes_give_the_code_and_the_message() {
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin", "credentials": { "accessKey": "vb_k" } }));
    let cases = [
        (
            400,
            "INVALID_ARGUMENT",
            "expire must be at least 86400",
            ErrorCode::InvalidOptions,
        ),
        (
            403,
            "PERMISSION_DENIED",
            "not allowed",
            ErrorCode::TokenRejected,
        ),
        (
            404,
            "NOT_FOUND",
            "access key not found",
            ErrorCode::VendorError,
        ),
    ];
    for (status, word, message, code) in cases {
        let body = json!({ "error": { "status": word, "reason": word, "message": message, "request_id": "r-1" } });
        rig.transport.ok(status, &body.to_string());
        let error = if status == 400 {
            let params = vendor_auth::core::vendors::voipbin::NewAccessKey {
                name: None,
                detail: None,
                expire_seconds: 86_400,
            };
            block_on(client.create_access_key(&params)).unwrap_err()
        } else {
            block_on(client.delete_access_key("k1")).unwrap_err()
        };
        assert_eq!((error.code, error.status), (code, Some(status)), "{word}");
        assert_eq!(
            error.message,
            format!("VoIPBIN answered HTTP {status} ({word}, {word}): \"{message}\"")
        );
    }
}

#[test]
fn expire_seconds_is_bounded_by_the_servers_32_bit_integer() {
    use vendor_auth::core::options::Fields;
    use vendor_auth::core::vendors::voipbin::NewAccessKey;
    let read = |value: Value| {
        let map = common::core_json(&json!({ "expireSeconds": value }))
            .as_object()
            .unwrap()
            .clone();
        NewAccessKey::from_fields(&Fields::new("options", &map))
    };
    assert_eq!(
        read(json!(2_147_483_647)).unwrap().expire_seconds,
        2_147_483_647
    );
    let error = read(json!(2_147_483_648_u64)).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidOptions);
    assert!(error.message.contains("2147483647"), "{}", error.message);
}

#[test]
fn the_not_deleted_sentinel_lists_as_null_and_the_token_on_the_last_page_is_followed_to_an_empty_page(
) {
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "voipbin", "baseUrl": "http://sim.test/voipbin", "credentials": { "accessKey": "vb_k" } }));
    let key = |id: &str| {
        json!({ "id": id, "customer_id": "c1", "name": "ci", "detail": "", "token_prefix": "vb_abcdefgh",
        "tm_expire": "2027-01-01T00:00:00.000000Z", "tm_create": "2026-11-23T00:00:00.000000Z",
        "tm_update": "9999-01-01T00:00:00.000000Z", "tm_delete": "9999-01-01T00:00:00.000000Z" })
    };
    rig.transport.ok(
        200,
        &json!({ "result": [key("k1")], "next_page_token": "2026-11-23T00:00:00.000000Z" })
            .to_string(),
    );
    rig.transport.ok(
        200,
        &json!({ "result": [], "next_page_token": "" }).to_string(),
    );
    let keys: Vec<Value> = block_on(client.list_access_keys())
        .unwrap()
        .iter()
        .map(common::serde_of)
        .collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["deletedAt"], Value::Null);
    assert_eq!(keys[0]["updatedAt"], Value::Null);
    assert_eq!(keys[0]["expiresAt"], "2027-01-01T00:00:00.000000Z");
    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].url,
        "http://sim.test/voipbin/v1.0/accesskeys?page_size=100&page_token=2026-11-23T00%3A00%3A00.000000Z&accesskey=vb_k"
    );
}
