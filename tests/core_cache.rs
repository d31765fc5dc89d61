//! The cache rules of `core::client`, on a scripted transport and a fixed
//! clock: cache hits, expiry margin, clock skew, corrupt entries, a throwing
//! store, single flight, cache modes and events.

mod common;

use common::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use vendor_auth::core::cache::{principal_digest, Entry};
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::events::Event;
use vendor_auth::core::http::HttpResponse;
use vendor_auth::core::store::{MemoryStore, TokenStore};
use vendor_auth::core::testing::BrokenStore;

#[test]
fn second_call_is_served_from_the_cache_without_a_request() {
    let rig = Rig::new();
    let token = emnify_jwt(4 * 3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());

    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    let second = block_on(client.token_info(CacheMode::Default)).unwrap();

    assert_eq!(rig.transport.request_count(), 1);
    assert_eq!(first.token.expose(), token);
    assert!(!first.from_cache);
    assert_eq!(second.token.expose(), token);
    assert!(second.from_cache);
    assert_eq!(second.expires_at_ms, Some(NOW + 4 * 3600 * 1000));
}

#[test]
fn a_token_is_renewed_once_inside_the_refresh_margin() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    rig.auth_token(emnify_jwt(2 * 3600));
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();

    // 61 s before expiry: still outside the 60 s margin.
    rig.clock.advance((3600 - 61) * 1000);
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);

    // 59 s before expiry: inside the margin, renewed.
    rig.clock.advance(2000);
    let renewed = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(!renewed.from_cache);
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn the_refresh_margin_option_is_applied() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    rig.auth_token(emnify_jwt(3600));
    let mut options = emnify_app_options();
    options["refreshMarginSeconds"] = json!(600);
    let client = rig.client(options);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.clock.advance((3600 - 599) * 1000);
    assert!(
        !block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
}

/// Queues `count` answers carrying `token`, dated by the vendor's clock.
fn dated_token_replies(rig: &Rig, token: &str, vendor_now_ms: i64, count: usize) {
    for _ in 0..count {
        let body = json!({ "auth_token": token }).to_string();
        rig.transport.reply(Ok(dated(200, body, vendor_now_ms)));
    }
}

fn dated(status: u16, body: String, vendor_now_ms: i64) -> HttpResponse {
    let date = httpdate(vendor_now_ms);
    HttpResponse::new(status, body).with_header("Date", &date)
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for a time in ms.
fn httpdate(ms: i64) -> String {
    let iso = vendor_auth::core::time::format_iso8601(ms);
    let (date, time) = iso.split_once('T').unwrap();
    let mut parts = date.split('-');
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months[m.parse::<usize>().unwrap() - 1];
    format!("Mon, {d} {month} {y} {} GMT", &time[..8])
}

#[test]
fn a_client_clock_five_hours_ahead_neither_renews_every_call_nor_uses_expired_tokens() {
    let rig = Rig::new();
    // The vendor's clock is 5 h behind this client's; its token lasts 4 h.
    let vendor_now = NOW - 5 * 3600 * 1000;
    let token = vendor_auth::core::testing::unsigned_jwt(
        &json!({ "exp": vendor_now / 1000 + 4 * 3600, "iat": vendor_now / 1000 }),
    );
    dated_token_replies(&rig, &token, vendor_now, 2);
    let client = rig.client(emnify_app_options());

    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    // Reported in the local clock: 4 h from now.
    assert_eq!(first.expires_at_ms, Some(NOW + 4 * 3600 * 1000));
    rig.clock.advance(3 * 3600 * 1000);
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);
    // 4 h later by the vendor's clock the token is expired: renewed.
    rig.clock.advance(3600 * 1000);
    assert!(
        !block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn a_client_clock_an_hour_behind_does_not_use_an_expired_token() {
    let rig = Rig::new();
    let vendor_now = NOW + 3600 * 1000;
    let token =
        vendor_auth::core::testing::unsigned_jwt(&json!({ "exp": vendor_now / 1000 + 4 * 3600 }));
    dated_token_replies(&rig, &token, vendor_now, 2);
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    // By the local clock 5 h remain; by the vendor's, the token expires in
    // 60 s: inside the margin, so it is renewed.
    rig.clock.advance((4 * 3600 - 60) * 1000);
    assert!(
        !block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn skew_falls_back_to_the_jwt_iat_when_no_date_header_is_readable() {
    let rig = Rig::new();
    let vendor_now = NOW - 5 * 3600 * 1000;
    let token = vendor_auth::core::testing::unsigned_jwt(
        &json!({ "exp": vendor_now / 1000 + 4 * 3600, "iat": vendor_now / 1000 }),
    );
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(NOW + 4 * 3600 * 1000));
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
}

#[test]
fn corrupt_foreign_and_other_version_entries_are_ignored_and_overwritten() {
    for garbage in [
        "not json".to_string(),
        json!({ "v": 99, "principal": "x", "token": "t", "expiresAt": null }).to_string(),
        "[1,2,3]".to_string(),
    ] {
        let store = MemoryStore::default();
        let rig = Rig::with_store(Rc::new(store.clone()));
        let client = rig.client(emnify_app_options());
        store.put_now(client.cache_key(), garbage.clone());
        let token = emnify_jwt(3600);
        rig.auth_token(&token);

        let info = block_on(client.token_info(CacheMode::Default)).unwrap();
        assert_eq!(info.token.expose(), token, "for {garbage}");
        let stored = store.get_now(client.cache_key()).unwrap();
        assert!(Entry::decode(
            &stored,
            &principal_digest("application_token:app-token-1"),
            client.verifier()
        )
        .is_some());
    }
}

#[test]
fn an_entry_for_another_principal_under_the_key_is_not_used() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(emnify_app_options());
    let foreign = json!({
        "v": 1, "principal": principal_digest("application_token:someone-else"), "verifier": client.verifier(),
        "token": "their-token", "expiresAt": null, "skewMs": 0, "obtainedAt": NOW, "meta": {}
    });
    store.put_now(client.cache_key(), foreign.to_string());
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .token
            .expose(),
        token
    );
}

#[test]
fn a_throwing_store_falls_back_to_memory_and_says_so_once() {
    let rig = Rig::with_store(Rc::new(BrokenStore));
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    client.events().subscribe(
        "storage-fallback",
        Rc::new(move |e: &Event| sink.borrow_mut().push(e.clone())),
    );

    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .token
            .expose(),
        token
    );
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    let Event::StorageFallback { reason, .. } = &seen[0] else {
        panic!("{seen:?}")
    };
    assert!(reason.contains("SecurityError"), "{reason}");
}

#[test]
fn only_if_cached_never_goes_to_the_network() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let error = block_on(client.token_info(CacheMode::OnlyIfCached)).unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);
    assert_eq!(rig.transport.request_count(), 0);

    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let cached = block_on(client.token_info(CacheMode::OnlyIfCached)).unwrap();
    assert_eq!(cached.token.expose(), token);
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn reload_renews_a_fresh_token() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    let second = emnify_jwt(7200);
    rig.auth_token(&second);
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let reloaded = block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert_eq!(reloaded.token.expose(), second);
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn a_failed_renewal_keeps_the_valid_cached_token() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    // A login is tried three times before the 500 is reported.
    for _ in 0..3 {
        rig.transport.ok(500, "<html>oops</html>");
    }
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let error = block_on(client.token_info(CacheMode::Reload)).unwrap_err();
    assert_eq!(error.code, ErrorCode::VendorError);
    assert_eq!(error.status, Some(500));
    let after = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(after.token.expose(), token);
    assert!(after.from_cache);
}

#[test]
fn a_thousand_concurrent_calls_on_ten_clients_make_one_login() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store));
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let clients: Vec<_> = (0..10).map(|_| rig.client(emnify_app_options())).collect();
    let calls = (0..1000).map(|i| clients[i % 10].token_info(CacheMode::Default));
    let results = block_on(join_all(calls));
    assert_eq!(rig.transport.request_count(), 1);
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap().token.expose() == token));
}

#[test]
fn concurrent_callers_all_get_the_one_error() {
    let rig = Rig::new();
    rig.transport
        .ok(401, &json!({ "error_code": 1101, "error_token": "InvalidCredentials", "message": "Invalid credentials" }).to_string());
    let client = rig.client(emnify_app_options());
    let calls = (0..50).map(|_| client.token_info(CacheMode::Default));
    let results = block_on(join_all(calls));
    assert_eq!(rig.transport.request_count(), 1);
    for result in results {
        assert_eq!(result.unwrap_err().code, ErrorCode::InvalidCredentials);
    }
}

#[test]
fn the_token_event_fires_once_per_new_token_and_never_carries_it() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let id = client.events().subscribe(
        "token",
        Rc::new(move |e: &Event| sink.borrow_mut().push(e.clone())),
    );
    block_on(client.token_info(CacheMode::Default)).unwrap();
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(seen.borrow().len(), 1);
    assert!(!format!("{:?}", seen.borrow()).contains(&token));
    client.events().unsubscribe(id);
    block_on(client.token_info(CacheMode::Reload)).ok();
    assert_eq!(seen.borrow().len(), 1);
}

#[test]
fn error_messages_never_echo_credentials() {
    let rig = Rig::new();
    rig.transport.ok(
        401,
        &json!({ "error_code": 1101, "message": "no such token app-token-1" }).to_string(),
    );
    let client = rig.client(emnify_app_options());
    let errors = Rc::new(RefCell::new(Vec::new()));
    let sink = errors.clone();
    client.events().subscribe(
        "error",
        Rc::new(move |e: &Event| sink.borrow_mut().push(e.clone())),
    );
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert!(!error.message.contains("app-token-1"), "{}", error.message);
    assert!(error.message.contains("[redacted]"));
    assert_eq!(errors.borrow().len(), 1);
}

#[test]
fn cache_keys_name_vendor_and_scope_but_no_identifier() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let key = client.cache_key();
    assert!(
        key.starts_with("vendor-auth:v1:emnify:http://sim.test/emnify:"),
        "{key}"
    );
    assert!(!key.contains("app-token-1"));
    let digest = key.rsplit(':').next().unwrap();
    assert_eq!(digest.len(), 32);

    let other = rig.client(json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify",
        "credentials": { "applicationToken": "app-token-2" }
    }));
    assert_ne!(other.cache_key(), key);
    let production = rig.client(
        json!({ "vendor": "emnify", "credentials": { "applicationToken": "app-token-1" } }),
    );
    assert!(production
        .cache_key()
        .starts_with("vendor-auth:v1:emnify:production:"));
}

#[test]
fn clear_forgets_the_token() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.auth_token(emnify_jwt(3600));
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    block_on(client.clear()).unwrap();
    assert!(store.get_now(client.cache_key()).is_none());
    assert!(
        !block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn stores_get_a_ttl_from_the_expiry_never_below_sixty_seconds() {
    #[derive(Default)]
    struct Recording(RefCell<Vec<Option<u64>>>, MemoryStore);
    // Only entries are recorded, not the lease written around each renewal.
    impl TokenStore for Recording {
        fn get<'a>(
            &'a self,
            key: &'a str,
        ) -> vendor_auth::core::http::LocalFuture<
            'a,
            Result<Option<String>, vendor_auth::core::store::StoreError>,
        > {
            self.1.get(key)
        }
        fn put<'a>(
            &'a self,
            key: &'a str,
            value: String,
            ttl: Option<u64>,
        ) -> vendor_auth::core::http::LocalFuture<
            'a,
            Result<(), vendor_auth::core::store::StoreError>,
        > {
            if !key.ends_with(":lease") {
                self.0.borrow_mut().push(ttl);
            }
            self.1.put(key, value, ttl)
        }
        fn delete<'a>(
            &'a self,
            key: &'a str,
        ) -> vendor_auth::core::http::LocalFuture<
            'a,
            Result<(), vendor_auth::core::store::StoreError>,
        > {
            self.1.delete(key)
        }
        fn is_persistent(&self) -> bool {
            true
        }
    }
    let store = Rc::new(Recording::default());
    let rig = Rig::with_store(store.clone());
    rig.auth_token(emnify_jwt(3600));
    rig.auth_token(emnify_jwt(10));
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    block_on(client.token_info(CacheMode::Reload)).unwrap();
    // The lease settles for 20 ms before the login: 3599 whole seconds remain.
    assert_eq!(*store.0.borrow(), vec![Some(3599), Some(60)]);
}
