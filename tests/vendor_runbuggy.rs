//! RunBuggy (seeds/000, vendors.md § RunBuggy): API tokens as is, the
//! session-JWT exchange, REAUTH_REQUIRED once the session has expired.

mod common;

use common::*;
use serde_json::{json, Value};
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{Body, HttpResponse, Method};
use vendor_auth::core::testing::unsigned_jwt;
use vendor_auth::core::time::parse_iso8601_ms;
use vendor_auth::core::vendors::runbuggy::parse_exchange;

fn session(seconds: i64) -> String {
    unsigned_jwt(&json!({ "sub": "dispatcher@example.com", "exp": NOW / 1000 + seconds }))
}

fn session_options(environment: Option<&str>, jwt: &str, expire_at: Value) -> Value {
    let mut options = json!({
        "vendor": "runbuggy",
        "credentials": { "sessionJwt": jwt, "tokenName": "dashboard", "description": "ops", "expireAt": expire_at }
    });
    if let Some(environment) = environment {
        options["environment"] = json!(environment);
    }
    options
}

#[test]
fn an_api_token_is_used_as_is_with_no_request() {
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "runbuggy", "credentials": { "apiToken": "e8ujql7desph6bm4ajf6pop96mhevi39" } }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "e8ujql7desph6bm4ajf6pop96mhevi39");
    assert_eq!(info.expires_at_ms, None);
    assert_eq!(rig.transport.request_count(), 0);
}

#[test]
fn the_session_jwt_is_exchanged_once_on_each_environment() {
    for (environment, url) in [
        (
            None,
            "https://apps.runbuggy.com/runbuggy/accounts/api-token/tokens",
        ),
        (
            Some("staging"),
            "https://ng-staging.runbuggy.com/staging/accounts/api-token/tokens",
        ),
    ] {
        let rig = Rig::new();
        let jwt = session(3600);
        rig.transport.ok(200, r#"{"id":"t1","name":"dashboard","description":"ops","disabled":false,"expireAt":null,"token":"tfep1l767r0tolbln9f2apbalfamd2ok"}"#);
        let client = rig.client(session_options(environment, &jwt, Value::Null));
        let info = block_on(client.token_info(CacheMode::Default)).unwrap();
        assert!(
            block_on(client.token_info(CacheMode::Default))
                .unwrap()
                .from_cache
        );
        let sent = rig.transport.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].method, Method::Post);
        assert_eq!(sent[0].url, url);
        assert_eq!(
            sent[0].header_value("authorization"),
            Some(format!("Bearer {jwt}").as_str())
        );
        assert_eq!(
            sent[0].header_value("content-type"),
            Some("application/json")
        );
        let Body::Json(body) = &sent[0].body else {
            panic!()
        };
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap(),
            json!({ "name": "dashboard", "description": "ops", "disabled": false, "expireAt": null })
        );
        assert_eq!(info.token.expose(), "tfep1l767r0tolbln9f2apbalfamd2ok");
        assert_eq!(info.expires_at_ms, None, "expireAt: null never expires");
    }
}

#[test]
fn a_base_url_puts_accounts_and_the_api_under_it() {
    let rig = Rig::new();
    rig.transport.ok(200, r#"{"token":"abc"}"#);
    let mut options = session_options(None, &session(3600), Value::Null);
    options["baseUrl"] = json!("http://127.0.0.1:8790/runbuggy");
    let client = rig.client(options);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(
        rig.transport.requests()[0].url,
        "http://127.0.0.1:8790/runbuggy/accounts/api-token/tokens"
    );
}

#[test]
fn the_token_field_is_read_leniently_and_expire_at_sets_the_expiry() {
    for field in ["token", "apiToken", "value", "access_token"] {
        let body = json!({ field: "long-lasting" }).to_string();
        let tokens =
            parse_exchange(&HttpResponse::new(200, body), Some("2027-01-31T00:00:00Z")).unwrap();
        assert_eq!(tokens.access.expose(), "long-lasting", "{field}");
        assert_eq!(
            tokens.expires_at_ms,
            parse_iso8601_ms("2027-01-31T00:00:00Z")
        );
    }
    let answered = json!({ "token": "t", "expireAt": "2027-06-01T00:00:00Z" }).to_string();
    assert_eq!(
        parse_exchange(&HttpResponse::new(200, answered), None)
            .unwrap()
            .expires_at_ms,
        parse_iso8601_ms("2027-06-01")
    );
}

#[test]
fn an_expired_session_jwt_with_nothing_cached_is_reauth_required_without_a_request() {
    let rig = Rig::new();
    let client = rig.client(session_options(None, &session(-60), Value::Null));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);
    assert!(
        error.message.contains("sign in to RunBuggy on the web"),
        "{}",
        error.message
    );
    assert_eq!(rig.transport.request_count(), 0);
}

#[test]
fn a_cached_token_outlives_its_session_jwt_until_rejected() {
    let rig = Rig::new();
    rig.transport
        .ok(200, r#"{"token":"long-lasting","expireAt":null}"#);
    let client = rig.client(session_options(None, &session(60), Value::Null));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(3_600_000);
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .token
            .expose(),
        "long-lasting"
    );
    let error = block_on(
        client.renew_after_rejection(&vendor_auth::core::secret::Secret::new("long-lasting")),
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn exchange_errors() {
    let unauthorized = parse_exchange(&HttpResponse::new(401, ""), None).unwrap_err();
    assert_eq!(unauthorized.code, ErrorCode::ReauthRequired);
    let invalid = parse_exchange(
        &HttpResponse::new(
            400,
            r#"{"code":"VALIDATION","message":"name is required","field":"name"}"#,
        ),
        None,
    )
    .unwrap_err();
    assert_eq!(invalid.code, ErrorCode::VendorError);
    assert!(invalid.message.contains("name is required (field name)"));
    assert_eq!(
        parse_exchange(&HttpResponse::new(403, ""), None)
            .unwrap_err()
            .code,
        ErrorCode::VendorError
    );
    assert_eq!(
        parse_exchange(&HttpResponse::new(200, "{}"), None)
            .unwrap_err()
            .code,
        ErrorCode::BadResponse
    );
    assert_eq!(
        parse_exchange(&HttpResponse::new(200, "<html>"), None)
            .unwrap_err()
            .code,
        ErrorCode::BadResponse
    );
}

#[test]
fn a_runbuggy_exchange_is_never_retried() {
    let rig = Rig::new();
    rig.transport.ok(502, "");
    let client = rig.client(session_options(None, &session(3600), Value::Null));
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap_err()
            .status,
        Some(502)
    );
    assert_eq!(rig.transport.request_count(), 1);
}

// --- What the real servers were seen to do (vendors.md, last section) --------

#[test]
fn an_empty_text_plain_400_is_a_clear_vendor_error_naming_the_exchange() {
    let response = HttpResponse::new(400, "").with_header("Content-Type", "text/plain");
    let error = parse_exchange(&response, None).unwrap_err();
    assert_eq!(
        (error.code, error.status),
        (ErrorCode::VendorError, Some(400))
    );
    assert_eq!(
        error.message,
        "RunBuggy refused the API-token exchange (POST /api-token/tokens, HTTP 400) with an empty body: check credentials.tokenName, description and expireAt"
    );
}

#[test]
fn an_answer_with_access_token_and_token_type_is_read() {
    // The shape of RunBuggy's former /auth/login answer [rec].
    let body = r#"{"username":"dispatcher@example.com","roles":["SHIPPER"],"token_type":"Bearer","access_token":"k2m9x7q4w1e8r5t3y6u0i2o4p7a9s1d3"}"#;
    let tokens = parse_exchange(&HttpResponse::new(200, body), None).unwrap();
    assert_eq!(tokens.access.expose(), "k2m9x7q4w1e8r5t3y6u0i2o4p7a9s1d3");
    assert_eq!(tokens.expires_at_ms, None);
}

#[test]
fn a_session_jwt_without_iat_is_exchanged_and_named_by_its_user() {
    // The claims of RunBuggy's OAuth JWTs [doc]: sub, userId, rbuser, exp; no iat.
    let rig = Rig::new();
    let jwt = unsigned_jwt(
        &json!({ "sub": "dispatcher@example.com", "userId": 4242, "rbuser": "dispatcher", "exp": NOW / 1000 + 60 }),
    );
    rig.transport.ok(
        200,
        r#"{"token":"tfep1l767r0tolbln9f2apbalfamd2ok","expireAt":null}"#,
    );
    let client = rig.client(session_options(None, &jwt, Value::Null));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "tfep1l767r0tolbln9f2apbalfamd2ok");
    assert_eq!(rig.transport.request_count(), 1);
    // Without `sub`, `userId` names the principal: the same session JWT of
    // the user finds the token cached; another session JWT of the same user
    // is not served it (the entry's verifier is of the session JWT it was
    // exchanged with, and claims alone prove nothing: only RunBuggy can
    // check the signature), so it is exchanged at RunBuggy.
    let first = unsigned_jwt(&json!({ "userId": 4242, "exp": NOW / 1000 + 60 }));
    let second = unsigned_jwt(&json!({ "userId": 4242, "rbuser": "d", "exp": NOW / 1000 + 120 }));
    rig.transport
        .ok(200, r#"{"token":"second-user-token","expireAt":null}"#);
    let one = rig.client(session_options(None, &first, Value::Null));
    assert_eq!(
        one.cache_key(),
        rig.client(session_options(None, &second, Value::Null))
            .cache_key()
    );
    block_on(one.token_info(CacheMode::Default)).unwrap();
    let same = rig.client(session_options(None, &first, Value::Null));
    assert!(
        block_on(same.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
    rig.transport
        .ok(200, r#"{"token":"third-user-token","expireAt":null}"#);
    let other = rig.client(session_options(None, &second, Value::Null));
    let info = block_on(other.token_info(CacheMode::Default)).unwrap();
    assert!(!info.from_cache);
    assert_eq!(info.token.expose(), "third-user-token");
    assert_eq!(rig.transport.request_count(), 3);
}
