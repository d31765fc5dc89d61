//! emnify (seeds/002, vendors.md § emnify): the exact requests each flow
//! sends and every documented answer.

mod common;

use common::*;
use serde_json::{json, Value};
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{Body, HttpResponse, Method};
use vendor_auth::core::vendors::emnify::{parse_authenticate, Authenticated};

fn body_json(body: &Body) -> Value {
    match body {
        Body::Json(text) => serde_json::from_str(text).unwrap(),
        _ => panic!("not a JSON body"),
    }
}

#[test]
fn application_token_flow_sends_exactly_the_documented_request() {
    let rig = Rig::new();
    let token = emnify_jwt(240 * 60);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();

    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, Method::Post);
    assert_eq!(sent[0].url, "http://sim.test/emnify/api/v1/authenticate");
    assert_eq!(
        sent[0].headers,
        vec![("Content-Type".to_string(), "application/json".to_string())]
    );
    assert_eq!(
        body_json(&sent[0].body),
        json!({ "application_token": "app-token-1" })
    );
    assert_eq!(info.token.expose(), token);
    assert_eq!(info.expires_at_ms, Some(NOW + 240 * 60 * 1000));
    assert_eq!(info.environment, "production");
}

#[test]
fn production_uses_the_documented_host() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(60 * 60) }).to_string(),
    );
    let client =
        rig.client(json!({ "vendor": "emnify", "credentials": { "applicationToken": "a" } }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(
        rig.transport.requests()[0].url,
        "https://cdn.emnify.net/api/v1/authenticate"
    );
}

#[test]
fn user_login_sends_the_sha1_of_the_password() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    let client = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "user@domain.com", "password": "The quick brown fox jumps over the lazy dog" }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let sent = &rig.transport.requests()[0];
    // The seed's example hash is the SHA-1 of this sentence.
    assert_eq!(
        body_json(&sent.body),
        json!({ "username": "user@domain.com", "password": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" })
    );
}

#[test]
fn a_password_already_hashed_is_sent_as_is() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "u", "password": "2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12", "passwordIsSha1": true }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let body = body_json(&rig.transport.requests()[0].body);
    assert_eq!(body["password"], "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

#[test]
fn renewal_uses_the_refresh_token_first_then_falls_back_to_login() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    rig.auth_token(emnify_jwt(7200));
    let client = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "u", "password": "p" }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(3600 * 1000);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let sent = rig.transport.requests();
    assert_eq!(body_json(&sent[1].body), json!({ "refresh_token": "r1" }));

    // The refresh answer had no new refresh token: the next renewal logs in.
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3 * 3600), "refresh_token": "r2" }).to_string(),
    );
    rig.clock.advance(3600 * 1000);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(
        body_json(&rig.transport.requests()[2].body)["username"],
        "u"
    );
}

#[test]
fn a_rejected_refresh_token_falls_back_to_a_full_login() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    rig.transport.ok(
        401,
        &json!({ "error_code": 1102, "error_token": "InvalidToken", "message": "Invalid token" })
            .to_string(),
    );
    let fresh = emnify_jwt(3 * 3600);
    rig.transport.ok(
        200,
        &json!({ "auth_token": fresh, "refresh_token": "r2" }).to_string(),
    );
    let client = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "u", "password": "p" }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(3600 * 1000);
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), fresh);
    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 3);
    assert_eq!(body_json(&sent[1].body), json!({ "refresh_token": "r1" }));
    assert_eq!(body_json(&sent[2].body)["username"], "u");
}

#[test]
fn an_mfa_answer_fails_with_mfa_required() {
    let rig = Rig::new();
    rig.transport
        .ok(200, &json!({ "mfa_token": "m1" }).to_string());
    let client = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "u", "password": "p" }
    }));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::MfaRequired);
    assert!(!error.message.contains("m1"));
}

#[test]
fn documented_error_codes_map_to_stable_codes() {
    // Any 401 of /api/v1/authenticate is a credentials failure (a dead
    // application token answers 1102/1103 too), except the 1105 lock-out.
    let cases = [
        (401, 1101, ErrorCode::InvalidCredentials),
        (401, 1102, ErrorCode::InvalidCredentials),
        (401, 1103, ErrorCode::InvalidCredentials),
        (403, 1104, ErrorCode::VendorError),
        (429, 1105, ErrorCode::RateLimited),
        (401, 1105, ErrorCode::RateLimited),
    ];
    for (status, code, expected) in cases {
        let body =
            json!({ "error_code": code, "error_token": "Name", "message": "Vendor says no" });
        let error =
            parse_authenticate(&HttpResponse::new(status, body.to_string()), NOW).unwrap_err();
        assert_eq!(error.code, expected, "{code}");
        assert_eq!(error.status, Some(status));
        assert!(
            error.message.contains("Vendor says no"),
            "{}",
            error.message
        );
    }
}

#[test]
fn a_429_carries_retry_after() {
    let response = HttpResponse::new(429, json!({ "error_code": 1105 }).to_string())
        .with_header("Retry-After", "30");
    let error = parse_authenticate(&response, NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(error.retry_after_seconds, Some(30));
}

#[test]
fn garbage_answers_are_bad_response_or_vendor_error() {
    let cases = [
        (200, "", ErrorCode::BadResponse),
        (200, "{\"auth_tok", ErrorCode::BadResponse),
        (200, "{\"auth_token\": 42}", ErrorCode::BadResponse),
        (200, "<html>hi</html>", ErrorCode::BadResponse),
        (500, "<html>oops</html>", ErrorCode::VendorError),
        (502, "", ErrorCode::VendorError),
    ];
    for (status, body, expected) in cases {
        let error = parse_authenticate(&HttpResponse::new(status, body), NOW).unwrap_err();
        assert_eq!(error.code, expected, "{status} {body}");
        assert!(
            error.message.starts_with("emnify answered HTTP"),
            "{}",
            error.message
        );
    }
}

#[test]
fn unknown_fields_are_ignored_and_a_token_without_exp_lasts_the_shortest_recorded_lifetime() {
    // 14,400 s: the shortest lifetime in emnify's recordings (tokens with an
    // `exp`, as all seen were, use it instead).
    let body = json!({ "auth_token": "opaque", "extra": { "x": 1 } });
    let Authenticated::Tokens(tokens) =
        parse_authenticate(&HttpResponse::new(200, body.to_string()), NOW).unwrap()
    else {
        panic!("expected tokens")
    };
    assert_eq!(tokens.expires_at_ms, Some(NOW + 240 * 60 * 1000));
}

fn user_options(username: &str) -> Value {
    json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": username, "password": "p" }
    })
}

#[test]
fn complete_mfa_answers_the_challenge_and_caches_the_token() {
    let rig = Rig::new();
    rig.transport
        .ok(200, &json!({ "mfa_token": "m1" }).to_string());
    let token = emnify_jwt(3600);
    rig.transport.ok(
        200,
        &json!({ "auth_token": token, "refresh_token": "r1" }).to_string(),
    );
    let client = rig.client(user_options("mfa@domain.com"));
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap_err()
            .code,
        ErrorCode::MfaRequired
    );
    let device = json!({ "fingerprint": "f", "operating_system": "Linux", "browser": "Chromium" });
    let device_value = common::core_json(&device);
    let info = block_on(client.complete_mfa("123456", device_value.as_object()))
        .unwrap()
        .info;
    assert_eq!(info.token.expose(), token);
    assert_eq!(
        body_json(&rig.transport.requests()[1].body),
        json!({ "mfa_token": "m1", "code": "123456", "trusted_device": device })
    );
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn complete_mfa_without_a_pending_challenge_is_refused_without_a_request() {
    let rig = Rig::new();
    let client = rig.client(user_options("u"));
    let error = block_on(client.complete_mfa("123456", None)).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidOptions);
    assert_eq!(rig.transport.request_count(), 0);
}

#[test]
fn a_wrong_mfa_code_keeps_the_challenge_for_another_try() {
    let rig = Rig::new();
    rig.transport
        .ok(200, &json!({ "mfa_token": "m1" }).to_string());
    rig.transport.ok(
        401,
        &json!({ "error_code": 1101, "message": "Invalid code" }).to_string(),
    );
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(user_options("mfa@domain.com"));
    let _ = block_on(client.token_info(CacheMode::Default));
    assert_eq!(
        block_on(client.complete_mfa("000000", None))
            .unwrap_err()
            .code,
        ErrorCode::InvalidCredentials
    );
    assert!(block_on(client.complete_mfa("123456", None)).is_ok());
    assert_eq!(
        body_json(&rig.transport.requests()[2].body)["mfa_token"],
        "m1"
    );
}

#[test]
fn application_tokens_are_created_listed_and_revoked_with_the_auth_token() {
    use vendor_auth::core::vendors::emnify::NewApplicationToken;
    let rig = Rig::new();
    let auth = emnify_jwt(3600);
    rig.auth_token(&auth);
    rig.transport.ok(
        200,
        &json!({ "application_token": "new-app-token" }).to_string(),
    );
    rig.transport.ok(
        200,
        &json!([{ "id": 7, "description": "ci", "created": "2026-11-01", "status": { "id": 1, "description": "Revoked" },
                  "expiry_date": null, "ip": "10.0.0.0/8", "creator": { "id": 1 } }]).to_string(),
    );
    rig.transport.ok(200, "");
    let client = rig.client(emnify_app_options());
    let params = NewApplicationToken {
        description: Some("ci".into()),
        expiry_date: Some("2027-01-31".into()),
        ip: None,
    };
    assert_eq!(
        block_on(client.create_application_token(&params))
            .unwrap()
            .expose(),
        "new-app-token"
    );
    let listed = block_on(client.list_application_tokens()).unwrap();
    assert_eq!(
        listed.iter().map(common::serde_of).collect::<Vec<_>>(),
        vec![
            json!({ "id": 7, "description": "ci", "created": "2026-11-01", "status": "revoked", "expiryDate": null, "ip": "10.0.0.0/8" })
        ]
    );
    block_on(client.revoke_application_token(7)).unwrap();

    let sent = rig.transport.requests();
    assert_eq!(
        (sent[1].method, sent[1].url.as_str()),
        (
            Method::Post,
            "http://sim.test/emnify/api/v1/application_token"
        )
    );
    assert_eq!(
        body_json(&sent[1].body),
        json!({ "description": "ci", "expiry_date": "2027-01-31" })
    );
    assert_eq!(
        (sent[2].method, sent[2].url.as_str()),
        (
            Method::Get,
            "http://sim.test/emnify/api/v1/application_token"
        )
    );
    assert_eq!(
        (sent[3].method, sent[3].url.as_str()),
        (
            Method::Patch,
            "http://sim.test/emnify/api/v1/application_token/7"
        )
    );
    assert_eq!(body_json(&sent[3].body), json!({ "status": { "id": 1 } }));
    for request in &sent[1..] {
        assert_eq!(
            request.header_value("authorization"),
            Some(format!("Bearer {auth}").as_str())
        );
    }
}

#[test]
fn emnify_methods_on_another_vendor_are_unsupported() {
    let rig = Rig::new();
    let client = rig.client(json!({ "vendor": "voipbin", "credentials": { "accessKey": "vb_k" } }));
    assert_eq!(
        block_on(client.list_application_tokens()).unwrap_err().code,
        ErrorCode::Unsupported
    );
    assert_eq!(
        block_on(client.complete_mfa("1", None)).unwrap_err().code,
        ErrorCode::Unsupported
    );
    assert_eq!(rig.transport.request_count(), 0);
}

#[test]
fn rejections_are_401s_and_1102_1103_bodies() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    assert!(client.is_rejection(401, ""));
    assert!(client.is_rejection(400, r#"{"error_code":1103}"#));
    assert!(!client.is_rejection(403, r#"{"error_code":1104}"#));
}

// --- What the real servers were seen to do (vendors.md, last section) --------

fn user_client(rig: &Rig, extra: Value) -> vendor_auth::core::client::Client {
    let mut options = json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "user@domain.com", "password": "pw" }
    });
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    rig.client(options)
}

/// An HS384 JWT with the claims of emnify's recorded auth tokens.
fn recorded_auth_token(iat: i64, exp: i64) -> String {
    use vendor_auth::core::b64::encode;
    let part = |text: &str| {
        encode(text.as_bytes())
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    let claims = json!({
        "aud": "/api/v1/authenticate", "esc.app": 7214, "api_key": true, "esc.org": 4321,
        "esc.orgName": "Example Org", "iss": "cdn.emnify.net", "exp": exp, "iat": iat
    });
    format!(
        "{}.{}.c2lnbmF0dXJlLWhzMzg0",
        part(r#"{"alg":"HS384","typ":"JWT"}"#),
        part(&claims.to_string())
    )
}

#[test]
fn a_recorded_hs384_token_lasts_until_its_exp_of_seven_days() {
    let rig = Rig::new();
    let iat = NOW / 1000;
    let token = recorded_auth_token(iat, iat + 604_800);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(NOW + 604_800_000));
    // Still served from the cache six days later (no 240-minute assumption).
    rig.clock.advance(6 * 86_400_000);
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn a_401_with_an_empty_body_from_authenticate_is_invalid_credentials() {
    let rig = Rig::new();
    rig.transport.ok(401, "");
    let client = rig.client(emnify_app_options());
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(error.status, Some(401));
    assert_eq!(error.retry_after_seconds, None);
    assert!(
        error.message.contains("application token"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("app-token-1"));
    assert_eq!(rig.transport.request_count(), 1, "a 401 is not retried");
}

#[test]
fn an_empty_401_to_a_refresh_token_falls_back_to_the_credentials() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    rig.transport.ok(401, "");
    let fresh = emnify_jwt(7200);
    rig.auth_token(&fresh);
    let client = user_client(&rig, json!({}));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(3600 * 1000);
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), fresh);
    let sent = rig.transport.requests();
    assert_eq!(body_json(&sent[1].body), json!({ "refresh_token": "r1" }));
    assert_eq!(
        body_json(&sent[2].body),
        json!({ "username": "user@domain.com", "password": vendor_auth::core::digest::sha1_hex("pw") })
    );
}

const LOCKED: &str = r#"{"error_code":1105,"error_token":"TooManyRequests","message":"Too many failed login attempts"}"#;

#[test]
fn a_lock_out_is_rate_limited_for_300_s_and_held_for_every_client_of_the_account() {
    let rig = Rig::new();
    rig.transport.ok(401, LOCKED);
    let client = user_client(&rig, json!({}));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(error.status, Some(401));
    assert_eq!(error.retry_after_seconds, Some(300));
    assert!(error.message.contains("1105"), "{}", error.message);

    // The hold is the account's, in the store.
    let hold_key = format!("{}:hold", client.cache_key());
    let hold = block_on(rig.store.get(&hold_key)).unwrap().expect("a hold");
    assert_eq!(
        serde_json::from_str::<Value>(&hold).unwrap()["holdUntil"],
        json!(NOW + 300_000)
    );

    // Another client of the same account, sharing the store: no request.
    let other = user_client(&rig, json!({}));
    let held = block_on(other.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(held.code, ErrorCode::RateLimited);
    assert_eq!(held.retry_after_seconds, Some(300));
    assert_eq!(rig.transport.request_count(), 1);

    // Another principal (an application token) is not held.
    rig.auth_token(emnify_jwt(3600));
    block_on(
        rig.client(emnify_app_options())
            .token_info(CacheMode::Default),
    )
    .unwrap();
    assert_eq!(rig.transport.request_count(), 2);

    // Once the 5 minutes have passed, the account logs in again.
    rig.clock.advance(300_000);
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3 * 3600), "refresh_token": "r" }).to_string(),
    );
    block_on(other.token_info(CacheMode::Default)).unwrap();
    assert_eq!(rig.transport.request_count(), 3);
}

#[test]
fn a_lock_out_answered_to_a_refresh_token_sends_no_login_into_it() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    rig.transport.ok(401, LOCKED);
    let client = user_client(&rig, json!({}));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance(3600 * 1000);
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(
        rig.transport.request_count(),
        2,
        "no password login after it"
    );
}

#[test]
fn a_lock_out_at_the_mfa_step_is_held_too() {
    let rig = Rig::new();
    rig.transport
        .ok(200, &json!({ "mfa_token": "m1" }).to_string());
    rig.transport.ok(401, LOCKED);
    let client = rig.client(user_options("mfa@domain.com"));
    let _ = block_on(client.token_info(CacheMode::Default));
    let error = block_on(client.complete_mfa("000000", None)).unwrap_err();
    assert_eq!(
        (error.code, error.retry_after_seconds),
        (ErrorCode::RateLimited, Some(300))
    );
    let again = block_on(client.complete_mfa("123456", None)).unwrap_err();
    assert_eq!(again.code, ErrorCode::RateLimited);
    assert_eq!(rig.transport.request_count(), 2, "held: no request");
}

#[test]
fn a_trusted_device_with_a_name_is_sent_and_its_fingerprint_handed_back() {
    let rig = Rig::new();
    rig.transport
        .ok(200, &json!({ "mfa_token": "m1" }).to_string());
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    let client = rig.client(user_options("mfa@domain.com"));
    let _ = block_on(client.token_info(CacheMode::Default));
    let device = json!({ "fingerprint": "fp-7f3a", "name": "ops laptop", "operating_system": "Linux", "browser": "Firefox" });
    let map = common::core_json(&device);
    vendor_auth::core::vendors::emnify::check_trusted_device(
        &vendor_auth::core::options::Fields::new("trustedDevice", map.as_object().unwrap()),
    )
    .unwrap();
    let done = block_on(client.complete_mfa("123456", map.as_object())).unwrap();
    assert_eq!(
        done.fingerprint.as_ref().map(|f| f.expose()),
        Some("fp-7f3a")
    );
    assert_eq!(
        body_json(&rig.transport.requests()[1].body),
        json!({ "mfa_token": "m1", "code": "123456", "trusted_device": device })
    );
    // Never stored.
    let entry = block_on(rig.store.get(client.cache_key()))
        .unwrap()
        .unwrap();
    assert!(!entry.contains("fp-7f3a"), "{entry}");
    let without = block_on(client.complete_mfa("1", None));
    assert!(without.is_err(), "the challenge was used");
}

#[test]
fn the_fingerprint_option_goes_top_level_in_user_logins_and_is_never_shown() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r" }).to_string(),
    );
    let client = user_client(&rig, json!({ "fingerprint": "fp-trusted-0001" }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(!info.from_cache);
    assert_eq!(
        body_json(&rig.transport.requests()[0].body),
        json!({ "username": "user@domain.com", "password": vendor_auth::core::digest::sha1_hex("pw"), "fingerprint": "fp-trusted-0001" })
    );
    let entry = block_on(rig.store.get(client.cache_key()))
        .unwrap()
        .unwrap();
    assert!(!entry.contains("fp-trusted-0001"));

    // An echo of it in a vendor message is scrubbed.
    rig.transport.ok(
        400,
        r#"{"error_code":1000,"message":"bad fingerprint fp-trusted-0001"}"#,
    );
    let error = block_on(client.token_info(CacheMode::Reload)).unwrap_err();
    assert!(
        !error.message.contains("fp-trusted-0001"),
        "{}",
        error.message
    );

    // Only for user logins, only for emnify.
    for (options, needle) in [
        (
            json!({ "vendor": "emnify", "fingerprint": "f", "credentials": { "applicationToken": "a" } }),
            "username/password",
        ),
        (
            json!({ "vendor": "zumrails", "fingerprint": "f", "credentials": { "username": "u", "password": "p" } }),
            "applies only to emnify",
        ),
    ] {
        let error = common::options_from(&options)
            .and_then(|o| {
                vendor_auth::core::vendors::flow(&o, &vendor_auth::core::vendors::resolve_site(&o)?)
                    .map(|_| ())
            })
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidOptions);
        assert!(error.message.contains(needle), "{}", error.message);
    }
}

/// The API gateway's answer to a bad or expired bearer token [rec].
fn gateway_401() -> HttpResponse {
    HttpResponse::new(
        401,
        r#"{"message":"token contains an invalid number of segments"}"#,
    )
    .with_header("x-amzn-ErrorType", "AccessDeniedException")
}

#[test]
fn the_gateways_401_is_a_rejection_renewed_once() {
    use vendor_auth::core::http::HttpRequest;
    let rig = Rig::new();
    let first = emnify_jwt(3600);
    let second = emnify_jwt(7200);
    rig.auth_token(&first);
    rig.transport.reply(Ok(gateway_401()));
    rig.auth_token(&second);
    rig.transport.ok(200, "[]");
    let client = rig.client(emnify_app_options());
    assert!(client.is_rejection(401, &gateway_401().body));
    let request = HttpRequest::new(Method::Get, "http://sim.test/emnify/api/v1/endpoint");
    let response = block_on(client.authorized(request)).unwrap();
    assert_eq!(response.status, 200);
    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 4);
    assert_eq!(
        sent[3].header_value("authorization"),
        Some(format!("Bearer {second}").as_str())
    );

    // A management call rejected again after the renewal: TOKEN_REJECTED with
    // the gateway's words.
    rig.transport.reply(Ok(gateway_401()));
    rig.auth_token(emnify_jwt(9000));
    rig.transport.reply(Ok(gateway_401()));
    let error = block_on(client.list_application_tokens()).unwrap_err();
    assert_eq!(error.code, ErrorCode::TokenRejected);
    assert!(
        error.message.contains("invalid number of segments"),
        "{}",
        error.message
    );
}

#[test]
fn revoking_an_application_token_accepts_the_recorded_204() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    rig.transport.ok(204, "");
    let client = rig.client(emnify_app_options());
    block_on(client.revoke_application_token(12)).unwrap();
    let sent = rig.transport.requests();
    assert_eq!(
        (sent[1].method, sent[1].url.as_str()),
        (
            Method::Patch,
            "http://sim.test/emnify/api/v1/application_token/12"
        )
    );
    assert_eq!(body_json(&sent[1].body), json!({ "status": { "id": 1 } }));
}
