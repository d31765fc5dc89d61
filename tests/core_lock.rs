//! The lock in a store with put-if-absent (`add`, and `deleteIf`): the
//! cross-process protocol of Node fleets sharing Redis. Lock, read again,
//! log in, write, release; waiters poll with backoff and take over an
//! expired lease; a late holder never frees its successor's lease.

mod common;

use common::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use vendor_auth::core::client::{CacheMode, Client, Parts};
use vendor_auth::core::clock::Clock;
use vendor_auth::core::events::Event;
use vendor_auth::core::fx::{self, Kv, Step};
use vendor_auth::core::http::LocalFuture;
use vendor_auth::core::lease::{lease_key, read_lease, release};
use vendor_auth::core::lock::{
    acquire_in_store, LockGuard, LockManager, StoreLock, CLOCK_TOLERANCE_MS, POLL_MAX_MS,
};
use vendor_auth::core::secret::Secret;
use vendor_auth::core::testing::AtomicTestStore;

const APP_PRINCIPAL: &str = "application_token:app-token-1";

fn rig_with(store: &AtomicTestStore, rig_clock: &Rig) -> Rig {
    Rig {
        transport: rig_clock.transport.clone(),
        clock: rig_clock.clock.clone(),
        store: Rc::new(store.clone()),
    }
}

/// A rig whose store is an [`AtomicTestStore`] on the rig's clock.
fn atomic_rig() -> (Rig, AtomicTestStore) {
    let base = Rig::new();
    let store = AtomicTestStore::new(&base.clock);
    (rig_with(&store, &base), store)
}

/// A waiter's look at the entry that never finds it renewed.
fn nothing_renewed() -> Step<Option<()>> {
    Ok(None)
}

fn other_lease(until: i64) -> String {
    json!({ "owner": "another-process", "until": until }).to_string()
}

#[test]
fn lock_then_read_again_then_log_in_then_write_then_release() {
    let (rig, store) = atomic_rig();
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), token);
    assert_eq!(rig.transport.request_count(), 1);
    // (Rate-limit holds are read before the login too; not the point here.)
    let log: Vec<String> = store
        .log()
        .into_iter()
        .filter(|l| !l.contains("hold"))
        .collect();
    assert_eq!(
        log,
        [
            "get entry",
            "add lease true",
            "get entry",
            "put entry",
            "delete_if lease true"
        ]
    );
    assert!(store.value(&lease_key(client.cache_key())).is_none());
    assert!(store.value(client.cache_key()).is_some());
}

#[test]
fn the_lease_names_a_unique_owner_and_lasts_twice_timeout_ms() {
    let (_rig, store) = atomic_rig();
    let clock = _rig.clock.clone();
    let lease = |hold| {
        let Ok(Ok(StoreLock::Held(held))) = block_on(steps(&store, &clock, || {
            acquire_in_store(&Kv::new(&store), &clock, "k", hold, &nothing_renewed)
        })) else {
            panic!("an empty store gives the lease")
        };
        held
    };
    let first = lease(6000);
    let text = store.value("k:lease").unwrap();
    let (owner, until) = read_lease(Some(text)).unwrap();
    assert_eq!(until, NOW + 6000);
    block_on(steps(&store, &clock, || {
        release(&Kv::new(&store), first.clone())
    }))
    .unwrap();
    let second = lease(6000);
    let (other, _) = read_lease(store.value("k:lease")).unwrap();
    assert_ne!(owner, other, "each lease has its own owner");
    // The store's TTL ends it too (a holder that died never releases).
    clock.advance(6000);
    assert!(store.value("k:lease").is_none());
    drop(second);
}

#[test]
fn the_client_sizes_the_lease_from_timeout_ms() {
    let (rig, store) = atomic_rig();
    let mut options = emnify_app_options();
    options["timeoutMs"] = json!(3000);
    let client = rig.client(options);
    // A login that keeps failing (and is retried with backoff): the lease,
    // looked at in the middle of it, is the client's, for 2 × timeoutMs.
    rig.transport
        .ok(503, "busy")
        .ok(503, "busy")
        .ok(503, "busy");
    let seen = Rc::new(RefCell::new(None));
    let sink = seen.clone();
    let key = lease_key(client.cache_key());
    store.at(NOW + 1, move |s| *sink.borrow_mut() = s.value(&key));
    let _ = block_on(client.token_info(CacheMode::Default));
    let (_, until) = read_lease(seen.borrow().clone()).expect("held during the login");
    assert_eq!(until, NOW + 6000);
    assert_eq!(
        store.count("delete_if lease true"),
        1,
        "released after the failure"
    );
}

#[test]
fn a_waiter_uses_the_holders_token_and_never_logs_in() {
    let (rig, store) = atomic_rig();
    let client = rig.client(emnify_app_options());
    let key = client.cache_key().to_string();
    store.set(&lease_key(&key), &other_lease(NOW + 6000), Some(6000));
    let entry_key = key.clone();
    let verifier = client.verifier().to_string();
    store.at(NOW + 300, move |s| {
        s.set(
            &entry_key,
            &entry_text("holder-token", APP_PRINCIPAL, &verifier, NOW + 3_600_000),
            None,
        );
        s.remove(&lease_key(&entry_key));
    });
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), "holder-token");
    assert!(info.from_cache);
    assert_eq!(rig.transport.request_count(), 0);
    assert_eq!(store.count("add lease true"), 0, "{:?}", store.log());
    assert!(rig.clock.now_ms() >= NOW + 300);
    // Polls back off: growing pauses, none above the cap.
    let sleeps = rig.clock.sleeps();
    assert!(sleeps.len() >= 3, "{sleeps:?}");
    assert!(sleeps.windows(2).all(|w| w[1] >= w[0]), "{sleeps:?}");
    assert!(sleeps.iter().all(|&s| s <= POLL_MAX_MS), "{sleeps:?}");
}

#[test]
fn a_dead_holders_lease_is_taken_over_when_the_store_expires_it() {
    let (rig, store) = atomic_rig();
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let lease = lease_key(client.cache_key());
    // Killed while holding a 4 s lease: nobody releases it.
    store.set(&lease, &other_lease(NOW + 4000), Some(4000));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), token);
    assert_eq!(rig.transport.request_count(), 1);
    let now = rig.clock.now_ms();
    assert!(now >= NOW + 4000, "waited for the lease to end");
    assert!(
        now <= NOW + 4000 + POLL_MAX_MS as i64,
        "no longer than one poll past it"
    );
}

#[test]
fn a_lease_the_store_keeps_past_its_until_is_taken_over_with_delete_if() {
    let (rig, store) = atomic_rig();
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    let lease = lease_key(client.cache_key());
    // A store that expires lazily (or never): only `until` says it is over.
    store.set(&lease, &other_lease(NOW + 2000), None);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(rig.transport.request_count(), 1);
    assert!(rig.clock.now_ms() > NOW + 2000 + CLOCK_TOLERANCE_MS);
    let log = store.log();
    let deleted = log.iter().position(|l| l == "delete_if lease true");
    let added = log.iter().position(|l| l == "add lease true");
    assert!(deleted.is_some() && deleted < added, "{log:?}");
}

#[test]
fn a_holder_that_outlived_its_lease_never_frees_its_successors() {
    for store_kind in ["with deleteIf", "without deleteIf"] {
        let base = Rig::new();
        let store = AtomicTestStore::new(&base.clock);
        let store = if store_kind == "with deleteIf" {
            store
        } else {
            store.without_delete_if()
        };
        let clock = base.clock.clone();
        let take = || match block_on(steps(&store, &clock, || {
            acquire_in_store(&Kv::new(&store), &clock, "k", 1000, &nothing_renewed)
        })) {
            Ok(Ok(StoreLock::Held(lease))) => lease,
            _ => panic!("{store_kind}: the lease is free"),
        };
        let late = take();
        clock.advance(5000);
        let successor = take();
        let successors = store.value("k:lease").unwrap();
        block_on(steps(&store, &clock, || {
            release(&Kv::new(&store), late.clone())
        }))
        .unwrap();
        assert_eq!(
            store.value("k:lease").as_deref(),
            Some(successors.as_str()),
            "{store_kind}"
        );
        block_on(steps(&store, &clock, || {
            release(&Kv::new(&store), successor.clone())
        }))
        .unwrap();
        assert!(store.value("k:lease").is_none(), "{store_kind}");
    }
}

#[test]
fn eight_contenders_one_holder_the_others_find_its_result() {
    let base = Rig::new();
    let store = AtomicTestStore::new(&base.clock);
    let clock = base.clock.clone();
    let contender = |n: usize| {
        let store = store.clone();
        let clock = clock.clone();
        async move {
            steps(&store, &clock, || {
                let kv = Kv::new(&store);
                let renewed = || Ok(kv.get("k")?.ok().flatten());
                match acquire_in_store(&kv, &clock, "k", 10_000, &renewed)? {
                    // As the client does: read again under the lock.
                    Ok(StoreLock::Held(lease)) => {
                        let outcome = match kv.get("k")?.ok().flatten() {
                            Some(found) => found,
                            None => {
                                fx::sleep(200)?; // the login
                                let _ = kv.put("k", format!("token of {n}"), None)?;
                                "logged in".to_string()
                            }
                        };
                        release(&kv, lease)?;
                        Ok(outcome)
                    }
                    Ok(StoreLock::Renewed(found)) => Ok(found),
                    _ => panic!("no store failure, no time-out here"),
                }
            })
            .await
            .unwrap()
        }
    };
    let results = block_on(join_all((0..8).map(contender)));
    assert_eq!(
        results.iter().filter(|r| *r == "logged in").count(),
        1,
        "{results:?}"
    );
    let winner = store.value("k").unwrap();
    assert!(
        results.iter().all(|r| r == "logged in" || *r == winner),
        "{results:?}"
    );
}

#[test]
fn without_delete_if_the_release_reads_the_lease_before_deleting_it() {
    let base = Rig::new();
    let store = AtomicTestStore::new(&base.clock).without_delete_if();
    let rig = rig_with(&store, &base);
    rig.auth_token(emnify_jwt(3600));
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let log = store.log();
    assert_eq!(
        &log[log.len() - 2..],
        ["get lease", "delete lease"],
        "{log:?}"
    );
    assert!(store.value(&lease_key(client.cache_key())).is_none());
}

/// A lock manager that grants every lock at once.
struct GrantingLocks;

impl LockManager for GrantingLocks {
    fn lock<'a>(&'a self, _name: &'a str) -> LocalFuture<'a, Option<LockGuard>> {
        Box::pin(async { Some(Box::new(()) as LockGuard) })
    }
}

#[test]
fn a_store_with_add_gets_its_lease_even_where_web_locks_exist() {
    // Web Locks reach one browser (or one Node process); the store reaches
    // every process and machine that uses it.
    let (rig, store) = atomic_rig();
    rig.auth_token(emnify_jwt(3600));
    let client = Client::new(
        options_from(&emnify_app_options()).unwrap(),
        Parts {
            transport: Rc::new(rig.transport.clone()),
            clock: Rc::new(rig.clock.clone()),
            store: rig.store.clone(),
            locks: Some(Rc::new(GrantingLocks)),
            coordinator: None,
            bounded_waits: false,
        },
    )
    .unwrap();
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(store.count("add lease true"), 1, "{:?}", store.log());
}

fn personr_options() -> serde_json::Value {
    json!({
        "vendor": "personr", "baseUrl": "http://sim.test/personr",
        "credentials": { "email": "a@b.co", "password": "pw" },
        "regenerateOnRejection": true
    })
}

#[test]
fn personr_a_rejection_seen_by_many_processes_regenerates_once() {
    // Another process was rejected first and holds the lease while it
    // regenerates; this one, rejected too, waits and uses its token instead
    // of generating another (which would invalidate that one: ping-pong).
    let (rig, store) = atomic_rig();
    let client = rig.client(personr_options());
    let key = client.cache_key().to_string();
    let principal = "email:a@b.co";
    let verifier = client.verifier().to_string();
    store.set(
        &key,
        &entry_text("bus|old|1", principal, &verifier, NOW + 3_600_000),
        None,
    );
    store.set(&lease_key(&key), &other_lease(NOW + 30_000), Some(30_000));
    let entry_key = key.clone();
    store.at(NOW + 150, move |s| {
        s.set(
            &entry_key,
            &entry_text("bus|new|2", principal, &verifier, NOW + 3_600_000),
            None,
        );
        s.remove(&lease_key(&entry_key));
    });
    let renewed = block_on(client.renew_after_rejection(&Secret::new("bus|old|1"))).unwrap();
    assert_eq!(renewed.token.expose(), "bus|new|2");
    assert_eq!(rig.transport.request_count(), 0, "no second generation");
}

#[test]
fn a_store_failing_mid_wait_falls_back_to_memory_and_still_gives_a_token() {
    let (rig, store) = atomic_rig();
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    let client = rig.client(emnify_app_options());
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    client.events().subscribe(
        "storage-fallback",
        Rc::new(move |e: &Event| sink.borrow_mut().push(e.clone())),
    );
    store.set(
        &lease_key(client.cache_key()),
        &other_lease(NOW + 6000),
        Some(6000),
    );
    let failing = store.clone();
    store.at(NOW + 100, move |_| failing.fail(true));
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(info.token.expose(), token);
    assert_eq!(rig.transport.request_count(), 1);
    assert_eq!(events.borrow().len(), 1);
    assert!(
        rig.clock.now_ms() < NOW + 6000,
        "did not wait out the lease"
    );
}

#[test]
fn after_an_outage_the_client_goes_back_to_the_store() {
    let (rig, store) = atomic_rig();
    let client = rig.client(emnify_app_options());
    let events = Rc::new(RefCell::new(0));
    let sink = events.clone();
    client.events().subscribe(
        "storage-fallback",
        Rc::new(move |_: &Event| *sink.borrow_mut() += 1),
    );
    store.fail(true);
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(*events.borrow(), 1);
    assert!(store.value(client.cache_key()).is_none());
    // Back up. Within the retry period memory still stands in…
    store.fail(false);
    let before = store.log().len();
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert_eq!(store.log().len(), before, "{:?}", store.log());
    // …after it, the store is used again: lease, entry, release.
    rig.clock.advance(2000);
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert!(
        store.value(client.cache_key()).is_some(),
        "{:?}",
        store.log()
    );
    assert_eq!(store.count("add lease true"), 1);
    // A second outage is announced again.
    store.fail(true);
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert_eq!(*events.borrow(), 2);
    assert_eq!(rig.transport.request_count(), 4);
}

#[test]
fn calls_in_flight_when_the_store_fails_are_one_outage_not_a_back_off() {
    let (rig, store) = atomic_rig();
    let client = rig.client(emnify_app_options());
    store.fail(true);
    rig.auth_token(emnify_jwt(3600));
    let calls = (0..20).map(|_| client.token_info(CacheMode::Default));
    for result in block_on(join_all(calls)) {
        result.unwrap();
    }
    // Back up: one retry period later (not twenty doublings of it) the
    // store is used again.
    store.fail(false);
    rig.clock.advance(2000);
    rig.auth_token(emnify_jwt(3600));
    block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert!(
        store.value(client.cache_key()).is_some(),
        "{:?}",
        store.log()
    );
}
