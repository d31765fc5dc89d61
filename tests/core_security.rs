//! The hardening of issue 14, natively: verifier, damping, capped holds,
//! clock-skew and lifetime bounds, per-operation store fallback, scrubbing,
//! date range, revoke winning over a renewal.

mod common;

use common::*;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use vendor_auth::core::cache::{decode_hold, hold_key, Entry};
use vendor_auth::core::client::{CacheMode, MAX_HOLD_SECONDS};
use vendor_auth::core::error::{scrub, ErrorCode};
use vendor_auth::core::events::Event;
use vendor_auth::core::http::{HttpRequest, HttpResponse, LocalFuture, Method};
use vendor_auth::core::store::{MemoryStore, StoreError, TokenStore};
use vendor_auth::core::testing::unsigned_jwt;
use vendor_auth::core::vendors::Vendor;

fn zum(password: &str) -> serde_json::Value {
    json!({ "vendor": "zumrails", "environment": "sandbox",
            "credentials": { "username": "api-user", "password": password } })
}

fn zum_success(token: &str) -> String {
    json!({ "statusCode": 200, "message": "POST Request successful.", "isError": false,
            "result": { "Token": token, "CustomerId": "3012" } })
    .to_string()
}

fn zum_refused() -> String {
    json!({ "statusCode": 401, "isError": true, "result": null,
            "responseException": { "exceptionMessage": "Invalid username or password" } })
    .to_string()
}

// --- 1. the verifier -------------------------------------------------------

#[test]
fn a_wrong_password_is_never_served_the_cached_token() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    rig.transport.ok(200, &zum_success(&token));
    let right = rig.client(zum("right-password"));
    assert_eq!(
        block_on(right.token_info(CacheMode::Default))
            .unwrap()
            .token
            .expose(),
        token
    );

    // Same username, wrong password, same realm and store: a cache miss, a
    // login, the vendor's refusal.
    rig.transport.ok(401, &zum_refused());
    let wrong = rig.client(zum("wrong-password"));
    assert_eq!(wrong.cache_key(), right.cache_key());
    assert_ne!(wrong.verifier(), right.verifier());
    let error = block_on(wrong.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(rig.transport.request_count(), 2);
    let error = block_on(wrong.token_info(CacheMode::OnlyIfCached)).unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);

    // The right client's entry is untouched and still served from cache.
    let again = block_on(right.token_info(CacheMode::Default)).unwrap();
    assert_eq!(again.token.expose(), token);
    assert!(again.from_cache);
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn concurrent_clients_with_the_right_secret_still_share_one_login() {
    let rig = Rig::new();
    rig.transport.ok(200, &zum_success(&emnify_jwt(3600)));
    let clients: Vec<_> = (0..20).map(|_| rig.client(zum("right-password"))).collect();
    let all = join_all(clients.iter().map(|c| c.token_info(CacheMode::Default)));
    assert!(block_on(all).iter().all(Result::is_ok));
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn the_verifier_is_a_salted_iterated_hash_not_the_secret() {
    use vendor_auth::core::verifier::{compute, verifier, Kind};
    let a = verifier("zumrails:digest-a", "hunter2", Kind::Password);
    assert_eq!(a.len(), 32);
    assert!(!a.contains("hunter2"));
    assert_eq!(
        a,
        compute("zumrails:digest-a", "hunter2", Kind::Password),
        "the memo gives the same"
    );
    assert_ne!(
        a,
        verifier("zumrails:digest-b", "hunter2", Kind::Password),
        "salted per principal"
    );
    assert_ne!(a, verifier("zumrails:digest-a", "hunter3", Kind::Password));
    // PBKDF2-HMAC-SHA256, 20,000 rounds, 16 bytes: the value Node's
    // crypto.pbkdf2Sync("hunter2", "vendor-auth:verifier:v1:zumrails:digest-a",
    // 20000, 16, "sha256") gives, so a host's native PBKDF2 agrees.
    assert_eq!(
        compute("zumrails:digest-a", "hunter2", Kind::Password),
        "a7760f5266316709690992c37435bbed"
    );
    // Not one fast SHA-256 of salt and secret.
    let fast =
        vendor_auth::core::digest::sha256_hex("vendor-auth:verifier:v1:zumrails:digest-ahunter2");
    assert!(!fast.starts_with(&a));
}

#[test]
fn an_issued_key_is_verified_with_one_hmac_and_a_short_one_is_iterated() {
    use vendor_auth::core::verifier::{compute, inputs, Kind, ROUNDS};
    let key = "k".repeat(40);
    let (_, salt, rounds) = inputs("emnify:digest-k", &key, Kind::IssuedKey);
    assert_eq!(rounds, 1);
    assert_eq!(salt, b"vendor-auth:verifier:key1:emnify:digest-k");
    // PBKDF2 with one round is HMAC-SHA256(key, salt || 1): still keyed by
    // the secret and salted, never the secret itself.
    let one = compute("emnify:digest-k", &key, Kind::IssuedKey);
    let mut out = [0u8; 16];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(key.as_bytes(), &salt, 1, &mut out);
    assert_eq!(one, vendor_auth::core::digest::hex(&out));
    assert!(!one.contains(&key));
    assert_ne!(
        one,
        compute("emnify:digest-k", &key, Kind::Password),
        "the two kinds never give the same verifier"
    );
    let short = "k".repeat(31);
    assert_eq!(
        inputs("emnify:digest-k", &short, Kind::IssuedKey).2,
        ROUNDS,
        "a key shorter than 32 characters is iterated like a password"
    );
    assert_eq!(
        compute("emnify:digest-k", &short, Kind::IssuedKey),
        compute("emnify:digest-k", &short, Kind::Password)
    );
}

#[test]
fn the_stored_entry_names_the_verifier_and_not_the_password() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.transport.ok(200, &zum_success(&emnify_jwt(3600)));
    let client = rig.client(zum("right-password"));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let text = store.get_now(client.cache_key()).unwrap();
    assert!(text.contains(client.verifier()));
    assert!(!text.contains("right-password"));
    let principal = serde_json::from_str::<serde_json::Value>(&text).unwrap()["principal"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(Entry::decode(&text, &principal, client.verifier()).is_some());
    assert!(Entry::decode(&text, &principal, "0".repeat(32).as_str()).is_none());
}

// --- 2. damping ------------------------------------------------------------

/// emnify where every login succeeds and every API call is refused.
#[derive(Clone, Default)]
struct RefusingApi {
    logins: Rc<Cell<u32>>,
    calls: Rc<Cell<u32>>,
}

impl vendor_auth::core::http::Transport for RefusingApi {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalFuture<'_, Result<HttpResponse, vendor_auth::core::http::TransportError>> {
        let response = if request.url.ends_with("/api/v1/authenticate") {
            self.logins.set(self.logins.get() + 1);
            let token = emnify_jwt(3600 + i64::from(self.logins.get()));
            HttpResponse::new(200, json!({ "auth_token": token }).to_string())
        } else {
            self.calls.set(self.calls.get() + 1);
            HttpResponse::new(
                403,
                json!({ "error_code": 1102, "error_token": "invalid" }).to_string(),
            )
        };
        Box::pin(async move { Ok(response) })
    }
}

#[test]
fn an_endpoint_that_rejects_every_token_costs_two_logins_not_one_per_call() {
    let api = RefusingApi::default();
    let clock = vendor_auth::core::testing::FixedClock::at(NOW);
    let client = vendor_auth::core::client::Client::new(
        options_from(&emnify_app_options()).unwrap(),
        vendor_auth::core::client::Parts {
            transport: Rc::new(api.clone()),
            clock: Rc::new(clock.clone()),
            store: Rc::new(MemoryStore::default()),
            locks: None,
            coordinator: None,
            bounded_waits: false,
        },
    )
    .unwrap();
    let request = HttpRequest::new(Method::Get, "http://sim.test/emnify/api/v1/endpoint");
    for call in 0..30 {
        let response = block_on(client.authorized(request.clone())).unwrap();
        assert_eq!(response.status, 403, "call {call}: the refusal is returned");
        clock.advance(100);
    }
    assert_eq!(
        api.logins.get(),
        2,
        "the first login, one renewal after the first rejection, then damped"
    );
    assert_eq!(api.calls.get(), 31, "each call sent once, the first twice");

    // Past the floor one more renewal is allowed, then the floor doubles.
    clock.advance(60_000);
    block_on(client.authorized(request.clone())).unwrap();
    assert_eq!(api.logins.get(), 3);
    clock.advance(60_000);
    block_on(client.authorized(request.clone())).unwrap();
    assert_eq!(api.logins.get(), 3, "the second floor is 120 s");
}

#[test]
fn a_damped_renewal_is_token_rejected_with_when_to_try_again() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    let second_token = emnify_jwt(3601);
    rig.auth_token(&second_token);
    let renewed = block_on(client.renew_after_rejection(&first.token)).unwrap();
    assert_eq!(renewed.token.expose(), second_token);
    // The retry with the renewed token was refused too.
    block_on(client.rejected_twice(401, &renewed.token)).unwrap();
    rig.clock.advance(10_000);
    let error = block_on(client.renew_after_rejection(&renewed.token)).unwrap_err();
    assert_eq!(error.code, ErrorCode::TokenRejected);
    assert_eq!(error.retry_after_seconds, Some(50));
    assert!(vendor_auth::core::client::is_damped(&error));
    assert_eq!(rig.transport.request_count(), 2);

    // After the floor, one more renewal; the next floor is twice as long.
    rig.clock.advance(50_000);
    rig.auth_token(emnify_jwt(3602));
    let third = block_on(client.renew_after_rejection(&renewed.token)).unwrap();
    block_on(client.rejected_twice(401, &third.token)).unwrap();
    rig.clock.advance(90_000);
    let error = block_on(client.renew_after_rejection(&third.token)).unwrap_err();
    assert_eq!(error.retry_after_seconds, Some(30));
    assert_eq!(rig.transport.request_count(), 3);
}

#[test]
fn a_renewed_token_that_worked_is_renewed_again_when_rejected_later() {
    // The vendor's clock jumped past the renewed token's expiry (the demo's
    // clock control): its retry had worked, so this is no permission problem.
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.auth_token(emnify_jwt(3601));
    let renewed = block_on(client.renew_after_rejection(&first.token)).unwrap();
    rig.clock.advance(1000);
    rig.auth_token(emnify_jwt(3602));
    assert!(block_on(client.renew_after_rejection(&renewed.token)).is_ok());
    assert_eq!(rig.transport.request_count(), 3);
}

#[test]
fn a_first_rejection_of_an_old_token_is_renewed_at_once() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.auth_token(emnify_jwt(3601));
    // Rejected right away, but it was not itself a renewal after rejection.
    assert!(block_on(client.renew_after_rejection(&first.token)).is_ok());
    assert_eq!(rig.transport.request_count(), 2);
}

// --- 5. holds --------------------------------------------------------------

#[test]
fn a_huge_retry_after_is_capped_and_clear_removes_the_hold() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(zum("pw"));
    rig.transport.reply(Ok(HttpResponse {
        status: 429,
        headers: vec![("retry-after".into(), "999999999".into())],
        body: String::new(),
    }));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);
    let key = hold_key(Vendor::ZumRails, &client.site().scope);
    let until = decode_hold(&store.get_now(&key).unwrap()).unwrap();
    assert_eq!(until, NOW + MAX_HOLD_SECONDS as i64 * 1000);
    assert_eq!(MAX_HOLD_SECONDS, 900);

    let held = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(held.retry_after_seconds, Some(900));
    assert_eq!(rig.transport.request_count(), 1);

    block_on(client.clear()).unwrap();
    assert!(store.get_now(&key).is_none(), "clear() deletes the hold");
    rig.transport.ok(200, &zum_success(&emnify_jwt(3600)));
    assert!(block_on(client.token_info(CacheMode::Default)).is_ok());
}

#[test]
fn a_hold_that_is_over_is_deleted_from_stores_that_never_expire() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(zum("pw"));
    let key = hold_key(Vendor::ZumRails, &client.site().scope);
    store.put_now(&key, vendor_auth::core::cache::encode_hold(NOW - 1));
    rig.transport.ok(200, &zum_success(&emnify_jwt(3600)));
    assert!(block_on(client.token_info(CacheMode::Default)).is_ok());
    assert!(store.get_now(&key).is_none());
}

// --- 6. clock skew and lifetimes -------------------------------------------

fn with_date(status: u16, body: String, date: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("date".into(), date.into())],
        body,
    }
}

#[test]
fn a_date_header_from_2100_is_ignored_with_an_event() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let skews = Rc::new(Cell::new(0));
    let seen = skews.clone();
    client.events().subscribe(
        "clock-skew",
        Rc::new(move |event| {
            if matches!(event, Event::ClockSkew { .. }) {
                seen.set(seen.get() + 1);
            }
        }),
    );
    rig.transport.reply(Ok(with_date(
        200,
        json!({ "auth_token": emnify_jwt(3600) }).to_string(),
        "Fri, 01 Jan 2100 00:00:00 GMT",
    )));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(NOW + 3_600_000));
    assert_eq!(skews.get(), 1);
    for _ in 0..20 {
        assert!(
            block_on(client.token_info(CacheMode::Default))
                .unwrap()
                .from_cache
        );
    }
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn a_date_header_from_1970_does_not_push_the_expiry_decades_out() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    rig.transport.reply(Ok(with_date(
        200,
        json!({ "auth_token": emnify_jwt(3600) }).to_string(),
        "Thu, 01 Jan 1970 00:00:01 GMT",
    )));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(NOW + 3_600_000));
}

#[test]
fn with_iat_the_local_expiry_is_login_time_plus_the_tokens_lifetime() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    // The vendor's clock is 10 years ahead, in the token and in Date alike.
    let ahead = NOW / 1000 + 315_360_000;
    let token = unsigned_jwt(&json!({ "iat": ahead, "exp": ahead + 7200 }));
    rig.transport.reply(Ok(with_date(
        200,
        json!({ "auth_token": token }).to_string(),
        "Tue, 01 Jan 2036 00:00:00 GMT",
    )));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(NOW + 7_200_000));
}

#[test]
fn a_token_shorter_than_the_margin_is_used_for_half_its_life() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    rig.auth_token(emnify_jwt(30));
    for _ in 0..20 {
        block_on(client.token_info(CacheMode::Default)).unwrap();
        rig.clock.advance(500);
    }
    assert_eq!(rig.transport.request_count(), 1, "fresh for 15 of its 30 s");
    rig.clock.advance(6000);
    rig.auth_token(emnify_jwt(60));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(rig.transport.request_count(), 2, "renewed past half");
}

#[test]
fn a_margin_beyond_the_lifetime_does_not_renew_on_every_call() {
    let rig = Rig::new();
    let mut options = emnify_app_options();
    options["refreshMarginSeconds"] = json!(7200);
    let client = rig.client(options);
    rig.auth_token(emnify_jwt(3600));
    for _ in 0..20 {
        block_on(client.token_info(CacheMode::Default)).unwrap();
    }
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn a_token_expired_on_arrival_is_refused_and_backed_off_not_renewed_per_call() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    rig.auth_token(emnify_jwt(-10));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadResponse);
    assert_eq!(error.retry_after_seconds, Some(60));
    for _ in 0..19 {
        let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadResponse);
        assert!(error.retry_after_seconds.is_some());
    }
    assert_eq!(rig.transport.request_count(), 1);
    rig.clock.advance(61_000);
    rig.auth_token(emnify_jwt(7200));
    assert!(block_on(client.token_info(CacheMode::Default)).is_ok());
}

// --- 13. dates a JS Date can hold ---------------------------------------------

#[test]
fn an_exp_beyond_the_js_date_range_is_unreadable() {
    for exp in [9.0e12, 1.0e13 - 1.0] {
        let rig = Rig::new();
        let client = rig.client(emnify_app_options());
        let token = unsigned_jwt(&json!({ "exp": exp }));
        rig.auth_token(&token);
        let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadResponse, "exp {exp}");
    }
    // The largest a Date holds is still fine.
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let token = unsigned_jwt(&json!({ "exp": 8.64e12 }));
    rig.auth_token(&token);
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.expires_at_ms, Some(8_640_000_000_000_000));
}

// --- 8. a transient store error --------------------------------------------

/// A store that fails the calls it is told to fail, and counts them all.
#[derive(Clone, Default)]
struct FlakyStore {
    inner: MemoryStore,
    fail_next: Rc<Cell<u32>>,
    calls: Rc<Cell<u32>>,
}

impl FlakyStore {
    fn outcome(&self) -> Result<(), StoreError> {
        self.calls.set(self.calls.get() + 1);
        if self.fail_next.get() > 0 {
            self.fail_next.set(self.fail_next.get() - 1);
            return Err(StoreError("KV answered 503".into()));
        }
        Ok(())
    }
}

impl TokenStore for FlakyStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        let result = self.outcome().map(|()| self.inner.get_now(key));
        Box::pin(async move { result })
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        _ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        let result = self.outcome().map(|()| self.inner.put_now(key, value));
        Box::pin(async move { result })
    }
    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        let result = self.outcome().map(|()| self.inner.delete_now(key));
        Box::pin(async move { result })
    }
    fn is_persistent(&self) -> bool {
        true
    }
}

#[test]
fn one_store_error_does_not_drop_the_store_for_good() {
    let store = FlakyStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(emnify_app_options());
    let fallbacks = Rc::new(Cell::new(0));
    let seen = fallbacks.clone();
    client.events().subscribe(
        "storage-fallback",
        Rc::new(move |_| seen.set(seen.get() + 1)),
    );
    store.fail_next.set(1);
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(fallbacks.get(), 1);

    // Later, the store is tried again and takes the renewed token.
    rig.clock.advance(3_600_000);
    let renewed = emnify_jwt(7200 + 3600);
    rig.auth_token(&renewed);
    let calls_before = store.calls.get();
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(store.calls.get() > calls_before, "the store is used again");
    let stored = store.inner.get_now(client.cache_key()).unwrap();
    assert!(stored.contains(&renewed), "other isolates see the renewal");
    assert_eq!(fallbacks.get(), 1, "one event per outage");
}

// --- 10. scrubbing -----------------------------------------------------------

#[test]
fn secrets_are_scrubbed_in_every_form_and_when_cut() {
    let sha1 = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8";
    let upper = sha1.to_ascii_uppercase();
    let text = format!("emnify said: \"{upper}\"");
    assert!(!scrub(&text, &[sha1]).contains("5BAA61"));
    let cut = format!("emnify answered: \"{}\"", &sha1[..21]);
    assert_eq!(scrub(&cut, &[sha1]), "emnify answered: \"[redacted]\"");
    let cut_with_ellipsis = format!("{}…", &sha1[..30]);
    assert_eq!(scrub(&cut_with_ellipsis, &[sha1]), "[redacted]…");
    let password = "p@ss word/ü\"x";
    for form in [
        "p%40ss%20word%2F%C3%BC%22x",
        "p%40ss+word%2F%C3%BC%22x",
        "p@ss word\\/\\u00fc\\\"x",
    ] {
        let scrubbed = scrub(&format!("echo {form} end"), &[password]);
        assert_eq!(scrubbed, "echo [redacted] end", "{form}");
    }
    // A form body (URLSearchParams, an HTML form) encodes !'()~ too, which
    // encodeURIComponent leaves as they are.
    let punctuated = "pa!ss(wo)rd~'x y";
    for form in ["pa%21ss%28wo%29rd%7E%27x+y", "pa!ss(wo)rd~'x%20y"] {
        let scrubbed = scrub(&format!("echo {form} end"), &[punctuated]);
        assert_eq!(scrubbed, "echo [redacted] end", "{form}");
    }
    // A short common prefix in the middle of a text is left alone.
    assert_eq!(scrub("the pass is wrong", &[password]), "the pass is wrong");
}

#[test]
fn an_error_echoing_the_cached_token_has_it_scrubbed() {
    let rig = Rig::new();
    let token = emnify_jwt(3600);
    rig.transport.ok(200, &zum_success(&token));
    let client = rig.client(zum("pw"));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    rig.transport.ok(
        500,
        &json!({ "isError": true, "message": format!("cannot cancel {token}") }).to_string(),
    );
    let error = block_on(client.revoke()).unwrap_err();
    assert!(!error.message.contains(&token), "{}", error.message);
}

// --- 9. the realm's memory store stays bounded ------------------------------

#[test]
fn the_memory_store_sweeps_expired_entries_and_caps_the_rest() {
    use vendor_auth::core::store::MEMORY_STORE_CAP;
    let store = MemoryStore::default();
    store.observe_now(NOW);
    for i in 0..100 {
        store.put_expiring(&format!("short-{i}"), "x".into(), Some(60));
    }
    store.put_now("kept", "forever".into());
    assert_eq!(store.len(), 101);
    store.observe_now(NOW + 61_000);
    store.put_now("trigger", "y".into());
    assert_eq!(store.len(), 2, "the expired entries were swept");

    for i in 0..(MEMORY_STORE_CAP + 500) {
        store.put_now(&format!("p-{i}"), "z".into());
        if i % 100 == 0 {
            // A principal read often stays.
            assert!(store.get_now("kept").is_some());
        }
    }
    assert_eq!(store.len(), MEMORY_STORE_CAP);
    assert!(
        store.get_now("kept").is_some(),
        "recently used entries survive"
    );
    assert!(
        store.get_now("p-0").is_none(),
        "the least recently used went"
    );
    assert!(store
        .get_now(&format!("p-{}", MEMORY_STORE_CAP + 499))
        .is_some());
}
