//! Zūm Rails (seeds/003, vendors.md § Zūm Rails): authorize, meta, cancel,
//! isError first, the IP block.

mod common;

use common::*;
use serde_json::{json, Value};
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{Body, HttpResponse, Method};
use vendor_auth::core::vendors::zumrails::parse_authorize;
use vendor_auth::core::vendors::Revoked;

fn options(environment: &str) -> Value {
    json!({ "vendor": "zumrails", "environment": environment, "credentials": { "username": "api-user", "password": "pw" } })
}

fn success(token: &str) -> String {
    json!({
        "statusCode": 200, "message": "POST Request successful.", "isError": false,
        "result": { "Role": "API", "Token": token, "CustomerId": "3012", "CompanyName": "Test Company Inc.",
                    "CustomerType": "Customer", "Username": "b022aced", "IsTermsOfUseAccepted": true }
    })
    .to_string()
}

#[test]
fn authorize_sends_username_and_password_to_each_environment() {
    for (environment, host) in [
        ("production", "https://api-app.zumrails.com"),
        ("sandbox", "https://api-sandbox.zumrails.com"),
    ] {
        let rig = Rig::new();
        rig.transport.ok(200, &success(&emnify_jwt(3600)));
        let client = rig.client(options(environment));
        let info = block_on(client.token_info(CacheMode::Default)).unwrap();
        let sent = &rig.transport.requests()[0];
        assert_eq!(sent.method, Method::Post);
        assert_eq!(sent.url, format!("{host}/api/authorize"));
        assert_eq!(sent.header_value("content-type"), Some("application/json"));
        let Body::Json(body) = &sent.body else {
            panic!()
        };
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap(),
            json!({ "Username": "api-user", "Password": "pw" })
        );
        assert_eq!(info.expires_at_ms, Some(NOW + 3_600_000));
        assert_eq!(info.environment, environment);
        assert_eq!(
            vendor_auth::core::json::Value::Object(info.meta),
            common::core_json(
                &json!({ "customerId": "3012", "companyName": "Test Company Inc.", "customerType": "Customer", "role": "API", "username": "b022aced" })
            )
        );
    }
}

#[test]
fn is_error_is_checked_before_anything_else() {
    let body = json!({ "statusCode": 401, "isError": true, "result": { "Token": "looks-valid" },
                       "responseException": { "exceptionMessage": "Invalid username or password" } });
    let error = parse_authorize(&HttpResponse::new(200, body.to_string()), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(error.status, Some(401));
    assert!(error.message.contains("Invalid username or password"));
}

#[test]
fn error_statuses_map_to_codes() {
    let shaped = |status: u16| {
        json!({ "statusCode": status, "isError": true, "responseException": { "exceptionMessage": "nope" } }).to_string()
    };
    let cases = [
        (400, ErrorCode::VendorError),
        (401, ErrorCode::InvalidCredentials),
        (403, ErrorCode::VendorError),
        (404, ErrorCode::VendorError),
        (429, ErrorCode::RateLimited),
        (500, ErrorCode::VendorError),
    ];
    for (status, code) in cases {
        let error = parse_authorize(&HttpResponse::new(status, shaped(status)), NOW).unwrap_err();
        assert_eq!(error.code, code, "{status}");
        assert_eq!(error.status, Some(status));
    }
    let blocked = parse_authorize(&HttpResponse::new(429, shaped(429)), NOW).unwrap_err();
    assert_eq!(blocked.retry_after_seconds, Some(300));
}

#[test]
fn a_success_without_a_token_is_bad_response() {
    let body = json!({ "statusCode": 200, "isError": false, "result": {} }).to_string();
    assert_eq!(
        parse_authorize(&HttpResponse::new(200, body), NOW)
            .unwrap_err()
            .code,
        ErrorCode::BadResponse
    );
}

#[test]
fn revoke_cancels_the_token_at_zum_rails_then_forgets_it() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    rig.transport.ok(200, &success(&token));
    rig.transport.ok(
        200,
        r#"{"statusCode":200,"message":"Token cancelled","isError":false}"#,
    );
    let client = rig.client(options("sandbox"));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(block_on(client.revoke()).unwrap(), Revoked::AtVendor);
    let cancel = &rig.transport.requests()[1];
    assert_eq!(cancel.method, Method::Patch);
    assert_eq!(
        cancel.url,
        "https://api-sandbox.zumrails.com/api/authorize/canceltoken"
    );
    assert_eq!(
        cancel.header_value("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert!(
        block_on(client.token_info(CacheMode::OnlyIfCached)).is_err(),
        "forgotten"
    );
}

#[test]
fn a_401_or_an_is_error_401_body_is_a_rejection() {
    let rig = Rig::new();
    let client = rig.client(options("sandbox"));
    assert!(client.is_rejection(401, ""));
    assert!(client.is_rejection(200, r#"{"statusCode":401,"isError":true}"#));
    assert!(!client.is_rejection(200, r#"{"statusCode":200,"isError":false}"#));
}

// --- What the real servers were seen to do (vendors.md, last section) --------

#[test]
fn the_recorded_result_fields_are_ignored_and_its_refresh_token_never_kept() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    // The 2023 wire transcript's result (values anonymised there too).
    let body = json!({
        "statusCode": 200, "message": "POST Request successful.", "isError": false,
        "result": { "Id": "0d9d1c4e", "Role": "API", "Token": token, "CustomerId": "3012", "CompanyName": "Test Company Inc.",
                    "CustomerType": "Customer", "Username": "b022aced", "CustomerCreatedAt": "2021-05-04T12:00:00Z",
                    "RefreshToken": "zum-refresh-secret-0001", "CreatedAt": "2023-01-01T00:00:00Z", "OtpReady": false }
    });
    rig.transport.ok(200, &body.to_string());
    let client = rig.client(options("sandbox"));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), token);
    let meta = vendor_auth::core::json::Value::Object(info.meta).encode();
    assert!(!meta.contains("zum-refresh-secret-0001"), "{meta}");
    let entry = block_on(rig.store.get(client.cache_key()))
        .unwrap()
        .unwrap();
    assert!(!entry.contains("zum-refresh-secret-0001"), "{entry}");
}

#[test]
fn an_exception_message_object_gives_its_title_detail_and_errors() {
    let problem = json!({ "statusCode": 400, "isError": true, "responseException": { "exceptionMessage": {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": "One or more validation errors occurred.",
        "status": 400, "errors": { "Password": ["The Password field is required."], "Username": ["Too short", "Bad"] } } } });
    let error = parse_authorize(&HttpResponse::new(400, problem.to_string()), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::VendorError);
    assert_eq!(
        error.message,
        "Zūm Rails answered HTTP 400: \"One or more validation errors occurred.; Password: The Password field is required.; Username: Too short, Bad\""
    );
    let detail = json!({ "statusCode": 401, "isError": true, "responseException": { "exceptionMessage": { "title": "Unauthorized", "detail": "Invalid username or password" } } });
    let error = parse_authorize(&HttpResponse::new(401, detail.to_string()), NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert!(
        error
            .message
            .ends_with(": \"Unauthorized; Invalid username or password\""),
        "{}",
        error.message
    );
    let empty = json!({ "statusCode": 500, "isError": true, "responseException": { "exceptionMessage": {} } });
    let error = parse_authorize(&HttpResponse::new(500, empty.to_string()), NOW).unwrap_err();
    assert!(
        !error.message.contains("[object Object]") && !error.message.contains('{'),
        "{}",
        error.message
    );
    assert_eq!(
        error.message,
        "Zūm Rails answered HTTP 500 with JSON of an unexpected shape"
    );
}

#[test]
fn a_429_of_an_api_call_holds_the_next_login_for_the_block() {
    use vendor_auth::core::http::HttpRequest;
    let rig = Rig::new();
    rig.transport.ok(200, &success(&emnify_jwt(120)));
    rig.transport.reply(Ok(HttpResponse::new(
        429,
        r#"{"statusCode":429,"isError":true,"responseException":{"exceptionMessage":"Too many requests"}}"#,
    )));
    let client = rig.client(options("production"));
    let request = HttpRequest::new(
        Method::Get,
        "https://api-app.zumrails.com/api/transaction/1",
    );
    let response = block_on(client.authorized(request)).unwrap();
    assert_eq!(response.status, 429, "the caller gets the answer as it is");
    // The token is due for renewal 100 s later; the renewal does not walk
    // into the block (no Retry-After: the documented 5 minutes, 200 s left).
    rig.clock.advance(100_000);
    let held = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(held.code, ErrorCode::RateLimited);
    assert_eq!(held.retry_after_seconds, Some(200));
    assert_eq!(rig.transport.request_count(), 2);
    let hold = block_on(rig.store.get("vendor-auth:v1:zumrails:production:hold"))
        .unwrap()
        .expect("the root's hold");
    assert!(hold.contains("holdUntil"));
    // A readable Retry-After sets the hold's length.
    let rig = Rig::new();
    let client = rig.client(options("sandbox"));
    block_on(client.api_answered(429, Some(120))).unwrap();
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap_err()
            .retry_after_seconds,
        Some(120)
    );
    block_on(client.api_answered(500, None)).unwrap();
    block_on(client.api_answered(200, None)).unwrap();
    assert_eq!(rig.transport.request_count(), 0);
}
