//! Renewal across contexts and after rejection: locks, leases, compare-and-
//! renew, rate-limit holds, login retries with backoff, authorized calls.

mod common;

use common::*;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use vendor_auth::core::client::{CacheMode, Client, Parts};
use vendor_auth::core::clock::Clock;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::{HttpRequest, LocalFuture, Method};
use vendor_auth::core::lock::{LockGuard, LockManager};
use vendor_auth::core::secret::Secret;
use vendor_auth::core::store::{MemoryStore, StoreError, TokenStore, Watch};

/// A memory store that says it is persistent (like localStorage or KV), and
/// can run a hook on reads: another context acting meanwhile.
type ReadHook = Box<dyn FnMut(&str, &MemoryStore)>;

#[derive(Clone, Default)]
struct SharedStore {
    inner: MemoryStore,
    on_get: Rc<RefCell<Option<ReadHook>>>,
    /// What the store's watch reports: writes of other contexts that the
    /// key itself may no longer show (storage events).
    reported: Rc<RefCell<Vec<Option<String>>>>,
}

struct ReportedWrites(Rc<RefCell<Vec<Option<String>>>>);

impl Watch for ReportedWrites {
    fn take(&self) -> Vec<Option<String>> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl TokenStore for SharedStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        if let Some(hook) = self.on_get.borrow_mut().as_mut() {
            hook(key, &self.inner);
        }
        self.inner.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        self.inner.put(key, value, ttl)
    }
    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        self.inner.delete(key)
    }
    fn is_persistent(&self) -> bool {
        true
    }
    fn watch(&self, _key: &str) -> Option<Box<dyn Watch>> {
        Some(Box::new(ReportedWrites(self.reported.clone())))
    }
}

/// A lock manager that records the locks taken.
#[derive(Default)]
struct RecordingLocks(RefCell<Vec<String>>);

impl LockManager for RecordingLocks {
    fn lock<'a>(&'a self, name: &'a str) -> LocalFuture<'a, Option<LockGuard>> {
        self.0.borrow_mut().push(name.to_string());
        Box::pin(async { Some(Box::new(()) as LockGuard) })
    }
}

fn client_with(
    rig: &Rig,
    options: serde_json::Value,
    locks: Option<Rc<dyn LockManager>>,
) -> Client {
    Client::new(
        common::options_from(&options).unwrap(),
        Parts {
            transport: Rc::new(rig.transport.clone()),
            clock: Rc::new(rig.clock.clone()),
            store: rig.store.clone(),
            locks,
            coordinator: None,
            bounded_waits: false,
        },
    )
    .unwrap()
}

const APP_PRINCIPAL: &str = "application_token:app-token-1";

#[test]
fn with_a_lock_the_store_is_read_again_and_another_contexts_token_is_used() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let locks = Rc::new(RecordingLocks::default());
    let client = client_with(&rig, emnify_app_options(), Some(locks.clone()));
    // Another tab writes its token while this one waits for the lock: the
    // second read of the key sees it.
    let key = client.cache_key().to_string();
    let verifier = client.verifier().to_string();
    let reads = Rc::new(Cell::new(0));
    let seen = reads.clone();
    *store.on_get.borrow_mut() = Some(Box::new(move |k, inner| {
        if k == key {
            seen.set(seen.get() + 1);
            if seen.get() == 2 {
                inner.put_now(
                    k,
                    entry_text("other-tab-token", APP_PRINCIPAL, &verifier, NOW + 3_600_000),
                );
            }
        }
    }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "other-tab-token");
    assert!(info.from_cache);
    assert_eq!(rig.transport.request_count(), 0);
    assert_eq!(*locks.0.borrow(), vec![client.cache_key().to_string()]);
}

#[test]
fn without_web_locks_a_lease_in_the_store_makes_others_wait_for_the_holder() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = client_with(&rig, emnify_app_options(), None);
    let key = client.cache_key().to_string();
    let lease_key = format!("{key}:lease");
    let verifier = client.verifier().to_string();
    // Another context holds the lease for 5 s and, 1 s in, writes its token
    // and releases the lease.
    store.inner.put_now(
        &lease_key,
        json!({ "owner": "other", "until": NOW + 5000 }).to_string(),
    );
    let clock = rig.clock.clone();
    *store.on_get.borrow_mut() = Some(Box::new(move |k, inner| {
        if k.ends_with(":lease")
            && clock.now_ms() >= NOW + 1000
            && inner.get_now(k).is_some_and(|l| l.contains("other"))
        {
            inner.put_now(
                &k[..k.len() - ":lease".len()],
                entry_text("holder-token", APP_PRINCIPAL, &verifier, NOW + 3_600_000),
            );
            inner.delete_now(k);
        }
    }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "holder-token");
    assert_eq!(rig.transport.request_count(), 0);
    assert!(rig.clock.now_ms() >= NOW + 1000, "waited for the holder");
    assert!(
        store.inner.get_now(&lease_key).is_none(),
        "the lease taken to re-read is released"
    );
}

/// A lease claim as another context writes it.
fn claim(owner: &str, at: i64) -> String {
    json!({ "owner": owner, "at": at, "until": at + 30_000 }).to_string()
}

fn lease_owner(store: &SharedStore, lease_key: &str) -> Option<String> {
    let text = store.inner.get_now(lease_key)?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["owner"].as_str().map(str::to_string)
}

#[test]
fn without_web_locks_an_earlier_claim_hidden_by_ours_wins_and_we_read_its_token() {
    // Another tab claimed 5 ms before us, but our view of the store was
    // older: our write hid its claim in the key. Its storage event still
    // reports it; we yield, show its claim again, and use its token.
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = client_with(&rig, emnify_app_options(), None);
    let lease_key = format!("{}:lease", client.cache_key());
    let (hook_store, hook_key, clock) = (store.clone(), lease_key.clone(), rig.clock.clone());
    let verifier = client.verifier().to_string();
    let reported = Cell::new(false);
    *store.on_get.borrow_mut() = Some(Box::new(move |k, inner| {
        if k != hook_key {
            return;
        }
        let owner = lease_owner(&hook_store, k);
        if owner.as_deref().is_some_and(|o| o != "earlier") && !reported.replace(true) {
            hook_store
                .reported
                .borrow_mut()
                .push(Some(claim("earlier", NOW - 5)));
        }
        if owner.as_deref() == Some("earlier") && clock.now_ms() >= NOW + 500 {
            let entry_key = &k[..k.len() - ":lease".len()];
            inner.put_now(
                entry_key,
                entry_text(
                    "earlier-tab-token",
                    APP_PRINCIPAL,
                    &verifier,
                    NOW + 3_600_000,
                ),
            );
            inner.delete_now(k);
        }
    }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "earlier-tab-token");
    assert!(info.from_cache);
    assert_eq!(rig.transport.request_count(), 0, "no second login");
}

#[test]
fn without_web_locks_the_earliest_claimant_holds_though_a_later_claim_shows() {
    // A tab that claimed after us overwrote the key: we claimed first, so we
    // hold (it yields on seeing ours) and log in, once.
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.auth_token(emnify_jwt(3600));
    let client = client_with(&rig, emnify_app_options(), None);
    let lease_key = format!("{}:lease", client.cache_key());
    let (hook_store, hook_key) = (store.clone(), lease_key.clone());
    let overwritten = Cell::new(false);
    *store.on_get.borrow_mut() = Some(Box::new(move |k, inner| {
        let ours = lease_owner(&hook_store, k).is_some_and(|o| o != "later");
        if k == hook_key && ours && !overwritten.replace(true) {
            inner.put_now(k, claim("later", NOW + 1));
        }
    }));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(!info.from_cache);
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn without_web_locks_the_settle_time_follows_the_measured_visibility() {
    // A claim of another tab (one that has ended already) was seen 150 ms
    // after it was made: the next look waits twice that, not the 20 ms
    // minimum, and the delay is kept in the store for tabs opened later.
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.auth_token(emnify_jwt(3600));
    let client = client_with(&rig, emnify_app_options(), None);
    let lease_key = format!("{}:lease", client.cache_key());
    let (hook_store, hook_key, clock) = (store.clone(), lease_key.clone(), rig.clock.clone());
    let reported = Cell::new(false);
    *store.on_get.borrow_mut() = Some(Box::new(move |k, _| {
        if k == hook_key && lease_owner(&hook_store, k).is_some() && !reported.replace(true) {
            let now = clock.now_ms();
            let ended = json!({ "owner": "gone", "at": now - 150, "until": now - 1 });
            hook_store
                .reported
                .borrow_mut()
                .push(Some(ended.to_string()));
        }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let sleeps = rig.clock.sleeps();
    assert_eq!(rig.transport.request_count(), 1);
    assert!(
        sleeps.starts_with(&[40]),
        "the first look after the minimum: {sleeps:?}"
    );
    let second = sleeps[1];
    assert!(
        (290..=300).contains(&second),
        "the second look twice the measured delay: {sleeps:?}"
    );
    let kept = store.inner.get_now(&format!("{}:lag", client.cache_key()));
    let kept: serde_json::Value = serde_json::from_str(&kept.unwrap()).unwrap();
    let lag = kept["lag"].as_i64().unwrap();
    assert!(
        (140..=150).contains(&lag),
        "kept for tabs opened later: {kept}"
    );
}

#[test]
fn a_stale_lease_delays_but_never_blocks() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = client_with(&rig, emnify_app_options(), None);
    let lease_key = format!("{}:lease", client.cache_key());
    store.inner.put_now(
        &lease_key,
        json!({ "owner": "dead-tab", "until": NOW + 2000 }).to_string(),
    );
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), token);
    assert_eq!(rig.transport.request_count(), 1);
    assert!(rig.clock.now_ms() >= NOW + 2000);
    assert!(store.inner.get_now(&lease_key).is_none());
}

#[test]
fn compare_and_renew_uses_a_token_another_client_already_renewed() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(emnify_app_options());
    store.put_now(
        client.cache_key(),
        entry_text(
            "renewed-elsewhere",
            APP_PRINCIPAL,
            client.verifier(),
            NOW + 3_600_000,
        ),
    );
    let info = block_on(client.renew_after_rejection(&Secret::new("the-rejected-one"))).unwrap();
    assert_eq!(info.token.expose(), "renewed-elsewhere");
    assert_eq!(rig.transport.request_count(), 0);
}

#[test]
fn compare_and_renew_renews_when_the_store_still_holds_the_rejected_token() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    let fresh = emnify_jwt(3600);
    rig.auth_token(&fresh);
    let client = rig.client(emnify_app_options());
    store.put_now(
        client.cache_key(),
        entry_text(
            "rejected",
            APP_PRINCIPAL,
            client.verifier(),
            NOW + 3_600_000,
        ),
    );
    let info = block_on(client.renew_after_rejection(&Secret::new("rejected"))).unwrap();
    assert_eq!(info.token.expose(), fresh);
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn a_token_given_in_credentials_cannot_be_renewed() {
    let rig = Rig::new();
    let client =
        rig.client(json!({ "vendor": "voipbin", "credentials": { "accessKey": "vb_key" } }));
    let error = block_on(client.renew_after_rejection(&Secret::new("vb_key"))).unwrap_err();
    assert_eq!(error.code, ErrorCode::TokenRejected);
    assert!(!error.message.contains("vb_key"));
}

fn personr_options(regenerate: bool) -> serde_json::Value {
    json!({
        "vendor": "personr", "baseUrl": "http://sim.test/personr",
        "credentials": { "email": "a@b.co", "password": "pw" },
        "regenerateOnRejection": regenerate
    })
}

fn personr_reply(rig: &Rig, token: &str) {
    rig.transport.ok(
        200,
        &json!({ "status": "success", "response": { "token": token, "user_id": "u1", "expires": 31536000 } }).to_string(),
    );
}

#[test]
fn personr_never_regenerates_a_rejected_token_by_itself() {
    let rig = Rig::new();
    personr_reply(&rig, "bus|1|1");
    let client = rig.client(personr_options(false));
    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    let error = block_on(client.renew_after_rejection(&first.token)).unwrap_err();
    assert_eq!(error.code, ErrorCode::ReauthRequired);
    assert!(
        error.message.contains("regenerateOnRejection"),
        "{}",
        error.message
    );
    // Later calls fail the same way: the rejected token is remembered.
    let again = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(again.code, ErrorCode::ReauthRequired);
    assert_eq!(rig.transport.request_count(), 1);
    // An explicit reload generates, once.
    personr_reply(&rig, "bus|2|2");
    let reloaded = block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert_eq!(reloaded.token.expose(), "bus|2|2");
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn personr_regenerates_once_when_the_caller_opted_in() {
    let rig = Rig::new();
    personr_reply(&rig, "bus|1|1");
    personr_reply(&rig, "bus|2|2");
    let client = rig.client(personr_options(true));
    let first = block_on(client.token_info(CacheMode::Default)).unwrap();
    let renewed = block_on(client.renew_after_rejection(&first.token)).unwrap();
    assert_eq!(renewed.token.expose(), "bus|2|2");
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn a_personr_login_is_never_retried_one_call_one_generate() {
    let rig = Rig::new();
    rig.transport.ok(503, "<html>busy</html>");
    let client = rig.client(personr_options(false));
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::VendorError);
    assert_eq!(rig.transport.request_count(), 1);
}

#[test]
fn logins_retry_5xx_with_exponential_backoff_and_full_jitter() {
    let rig = Rig::new();
    rig.transport.ok(502, "");
    rig.transport.ok(503, "");
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(rig.transport.request_count(), 3);
    // Caps 300 and 600 ms; the fixed clock's jitter is one half.
    assert_eq!(rig.clock.sleeps(), vec![150, 300]);
}

#[test]
fn logins_give_up_after_three_attempts() {
    let rig = Rig::new();
    for _ in 0..5 {
        rig.transport.ok(500, "");
    }
    let client = rig.client(emnify_app_options());
    assert_eq!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap_err()
            .status,
        Some(500)
    );
    assert_eq!(rig.transport.request_count(), 3);
}

#[test]
fn a_long_rate_limit_is_held_in_the_store_and_fails_fast_for_everyone() {
    let store = MemoryStore::default();
    let rig = Rig::with_store(Rc::new(store));
    rig.transport.ok(
        429,
        &json!({ "statusCode": 429, "isError": true, "responseException": { "exceptionMessage": "Too many requests" } }).to_string(),
    );
    let zum = |user: &str| {
        rig.client(json!({
            "vendor": "zumrails", "baseUrl": "http://sim.test/zumrails",
            "credentials": { "username": user, "password": "pw" }
        }))
    };
    let first = block_on(zum("a").token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(first.code, ErrorCode::RateLimited);
    assert_eq!(first.retry_after_seconds, Some(300));
    // Another principal behind the same IP holds off too, without a request.
    rig.clock.advance(60_000);
    let second = block_on(zum("b").token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(second.code, ErrorCode::RateLimited);
    assert_eq!(second.retry_after_seconds, Some(240));
    assert_eq!(rig.transport.request_count(), 1);
    // After the block, logins go out again.
    rig.clock.advance(240_000);
    rig.transport.ok(
        200,
        &json!({ "isError": false, "result": { "Token": emnify_jwt(3600) } }).to_string(),
    );
    assert!(block_on(zum("b").token_info(CacheMode::Default)).is_ok());
}

#[test]
fn authorized_calls_attach_the_token_and_renew_once_on_rejection() {
    let rig = Rig::new();
    let first = emnify_jwt(3600);
    let second = emnify_jwt(7200);
    rig.auth_token(&first);
    rig.transport
        .ok(401, &json!({ "error_code": 1102 }).to_string());
    rig.auth_token(&second);
    rig.transport.ok(200, "[]");
    let client = rig.client(emnify_app_options());
    let request = HttpRequest::new(
        Method::Get,
        "http://sim.test/emnify/api/v1/application_token",
    );
    let response = block_on(client.authorized(request)).unwrap();
    assert_eq!(response.status, 200);
    let sent = rig.transport.requests();
    assert_eq!(sent.len(), 4);
    assert_eq!(
        sent[1].header_value("authorization"),
        Some(format!("Bearer {first}").as_str())
    );
    assert_eq!(
        sent[3].header_value("authorization"),
        Some(format!("Bearer {second}").as_str())
    );
}

#[test]
fn authorized_calls_return_a_second_rejection_as_it_is() {
    let rig = Rig::new();
    rig.auth_token(emnify_jwt(3600));
    rig.transport.ok(401, "{}");
    rig.auth_token(emnify_jwt(7200));
    rig.transport.ok(401, "{}");
    let client = rig.client(emnify_app_options());
    let request = HttpRequest::new(Method::Get, "http://sim.test/emnify/api/v1/endpoint");
    assert_eq!(block_on(client.authorized(request)).unwrap().status, 401);
    assert_eq!(rig.transport.request_count(), 4);
}

#[test]
fn a_token_with_a_line_break_is_refused_not_stored() {
    let rig = Rig::new();
    rig.transport.ok(
        200,
        &json!({ "auth_token": "abc\r\nX-Injected: 1" }).to_string(),
    );
    let client = rig.client(emnify_app_options());
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadResponse);
    assert!(!error.message.contains("X-Injected"));
}

#[test]
fn foreign_origins_are_refused_unless_allowed() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    assert!(client.check_origin("http://sim.test").is_ok());
    assert!(client.check_origin("HTTP://SIM.TEST").is_ok());
    assert_eq!(
        client.check_origin("http://evil.test").unwrap_err().code,
        ErrorCode::ForeignOrigin
    );
    let mut options = emnify_app_options();
    options["allowedOrigins"] = json!(["https://proxy.example.com/"]);
    let allowed = rig.client(options);
    assert!(allowed.check_origin("https://proxy.example.com").is_ok());
}

#[test]
fn refresh_tokens_can_be_kept_out_of_persistent_stores() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    rig.auth_token(emnify_jwt(7200));
    let options = json!({
        "vendor": "emnify", "baseUrl": "http://sim.test/emnify", "refreshTokens": "memory",
        "credentials": { "username": "u", "password": "p" }
    });
    let client = client_with(&rig, options, None);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let stored = store.inner.get_now(client.cache_key()).unwrap();
    assert!(
        !stored.contains("r1"),
        "the persistent store has no refresh token: {stored}"
    );
    // This realm still renews with it.
    rig.clock.advance(3_600_000);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let sent = rig.transport.requests();
    let used_refresh = |r: &HttpRequest| matches!(&r.body, vendor_auth::core::http::Body::Json(b) if b.contains("\"refresh_token\":\"r1\""));
    assert!(
        sent.iter().any(used_refresh),
        "renewed with the refresh token kept in memory"
    );
}

#[test]
fn by_default_refresh_tokens_are_stored_with_the_entry() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.transport.ok(
        200,
        &json!({ "auth_token": emnify_jwt(3600), "refresh_token": "r1" }).to_string(),
    );
    let options = json!({ "vendor": "emnify", "baseUrl": "http://sim.test/emnify", "credentials": { "username": "u", "password": "p" } });
    let client = client_with(&rig, options, None);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(store
        .inner
        .get_now(client.cache_key())
        .unwrap()
        .contains("\"refreshToken\":\"r1\""));
}

#[test]
fn a_memory_tier_in_front_of_a_persistent_store_saves_reads() {
    let store = SharedStore::default();
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.auth_token(emnify_jwt(3600));
    let client = client_with(&rig, emnify_app_options(), None);
    let key = client.cache_key().to_string();
    let reads = Rc::new(Cell::new(0));
    let counter = reads.clone();
    let watched = key.clone();
    *store.on_get.borrow_mut() = Some(Box::new(move |k, _| {
        if k == watched {
            counter.set(counter.get() + 1);
        }
    }));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let after_login = reads.get();
    for _ in 0..10 {
        assert!(
            block_on(client.token_info(CacheMode::Default))
                .unwrap()
                .from_cache
        );
    }
    assert_eq!(
        reads.get(),
        after_login,
        "a warm realm does not read the store"
    );

    // A cold realm (an empty memory tier) reads the store once.
    MemoryStore::shared().delete_now(&key);
    let cold = client_with(&rig, emnify_app_options(), None);
    for _ in 0..10 {
        assert!(
            block_on(cold.token_info(CacheMode::Default))
                .unwrap()
                .from_cache
        );
    }
    assert_eq!(reads.get(), after_login + 1);
    assert_eq!(rig.transport.request_count(), 1);
}
