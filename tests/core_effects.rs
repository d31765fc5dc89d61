//! The core as a synchronous state machine: an operation is stepped by hand
//! over a journal — start it, read the effect it asks for, record an
//! outcome, step again — with no host, no executor and a fixed clock. These
//! scripts pin the effects each step asks for, and what replaying steps
//! must never do: emit an event twice, write the memory store twice, or
//! take another path.

mod common;

use common::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use vendor_auth::core::client::{CacheMode, Op};
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::events::Event;
use vendor_auth::core::fx::{self, Effect, Journal, Outcome, Step, Stop};
use vendor_auth::core::http::{HttpResponse, Method};
use vendor_auth::core::store::MemoryStore;
use vendor_auth::core::testing::AtomicTestStore;

/// Steps `op` once: its outcome, or the effect it asks for.
#[allow(clippy::result_large_err)] // a test helper: the effect is matched at once
fn step<T>(op: &mut Op<'_, T>, journal: &mut Journal) -> Result<Step<T>, Effect> {
    match fx::step(journal, &mut op.run) {
        Err(Stop::Suspend) => Err(journal
            .take_effect()
            .expect("a suspended step names its effect")),
        other => Ok(other),
    }
}

fn effect<T: std::fmt::Debug>(op: &mut Op<'_, T>, journal: &mut Journal) -> Effect {
    match step(op, journal) {
        Err(effect) => effect,
        Ok(outcome) => panic!("expected an effect, the operation ended: {outcome:?}"),
    }
}

/// The first effect of a client's first operation: the host derives the
/// verifier of its secret (`None`: it cannot, and the core computes it).
fn answer_derive<T: std::fmt::Debug>(op: &mut Op<'_, T>, journal: &mut Journal) -> Effect {
    match effect(op, journal) {
        Effect::Derive { salt, rounds, .. } => {
            assert!(salt.starts_with(b"vendor-auth:verifier:v1:emnify:"));
            assert_eq!(rounds, 20_000);
            journal.record(Outcome::Derived(None), NOW, 0.5);
            effect(op, journal)
        }
        other => other,
    }
}

fn auth_token_answer(token: &str) -> Outcome {
    Outcome::Sent(Ok(HttpResponse::new(
        200,
        json!({ "auth_token": token }).to_string(),
    )))
}

#[test]
fn a_cold_get_token_in_memory_asks_for_the_flight_then_the_login_then_lands() {
    let rig = Rig::with_store(Rc::new(MemoryStore::default()));
    let client = rig.client(emnify_app_options());
    let tokens = Rc::new(RefCell::new(0));
    let seen = tokens.clone();
    client
        .events()
        .subscribe("token", Rc::new(move |_: &Event| *seen.borrow_mut() += 1));
    let token = emnify_jwt(3600);
    let mut op = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);

    // The verifier of the secret first, derived by the host where it can
    // (WebCrypto); then the memory store is the core's own: read in place,
    // no effect.
    let Effect::Derive { salt, .. } = effect(&mut op, &mut journal) else {
        panic!("first the verifier");
    };
    assert!(salt.starts_with(b"vendor-auth:verifier:v1:emnify:"));
    journal.record(Outcome::Derived(Some([7; 16])), NOW, 0.5);
    let Effect::Flight { key, max_wait_ms } = effect(&mut op, &mut journal) else {
        panic!("then the realm's single flight");
    };
    assert_eq!(
        client.verifier(),
        "07".repeat(16),
        "the host's bytes are the verifier"
    );
    assert!(key.starts_with(client.cache_key()), "{key}");
    assert_eq!(
        max_wait_ms, None,
        "waiters wait for the leader without a bound outside Workers"
    );
    journal.record(Outcome::Turn(None), NOW, 0.5);

    let Effect::Send(request) = effect(&mut op, &mut journal) else {
        panic!("then the login");
    };
    assert_eq!(request.method, Method::Post);
    assert!(
        request.url.ends_with("/api/v1/authenticate"),
        "{}",
        request.url
    );
    journal.record(auth_token_answer(&token), NOW + 40, 0.5);

    let Effect::Land { outcome, .. } = effect(&mut op, &mut journal) else {
        panic!("then the flight's outcome handed to its waiters");
    };
    let (entry, from_cache) = outcome.expect("the login's entry");
    assert_eq!(entry.tokens.access.expose(), token);
    assert!(!from_cache);
    journal.record(Outcome::Done(Ok(())), NOW + 40, 0.5);

    let info = step(&mut op, &mut journal)
        .expect("no more effects")
        .expect("the token");
    assert_eq!(info.token.expose(), token);
    // Five runs of the operation, one "token" event.
    assert_eq!(*tokens.borrow(), 1);

    // Warm: answered in the first step, without an effect.
    let mut warm = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW + 1000, 0.5);
    let again = step(&mut warm, &mut journal)
        .expect("no effect")
        .expect("the token");
    assert_eq!(again.token.expose(), token);
    assert!(again.from_cache);
    assert_eq!(*tokens.borrow(), 1, "the same token is not announced again");
}

#[test]
fn a_shared_store_is_read_through_effects_and_a_fresh_entry_ends_the_operation() {
    let rig = Rig::new();
    let store = AtomicTestStore::new(&rig.clock);
    let rig = Rig::with_store(Rc::new(store.clone()));
    let client = rig.client(emnify_app_options());
    // Another process's entry, read back by this client.
    let token = emnify_jwt(3600);
    rig.auth_token(&token);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let stored = store
        .value(client.cache_key())
        .expect("the entry was written");

    let fresh = rig.client(emnify_app_options());
    let mut op = fresh.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);
    // The realm's memory copy answers first (written by the first client);
    // wiped, the store is asked.
    MemoryStore::shared().delete_now(client.cache_key());
    let Effect::Get(key) = effect(&mut op, &mut journal) else {
        panic!("expected a read of the entry");
    };
    assert_eq!(key, client.cache_key());
    journal.record(Outcome::Got(Ok(Some(stored))), NOW + 2, 0.5);
    let info = step(&mut op, &mut journal)
        .expect("no more effects")
        .unwrap();
    assert_eq!(info.token.expose(), token);
    assert!(info.from_cache);
}

#[test]
fn a_store_failure_is_an_outcome_the_core_falls_back_from_once() {
    let rig = Rig::new();
    let store = AtomicTestStore::new(&rig.clock);
    let rig = Rig::with_store(Rc::new(store));
    let client = rig.client(emnify_app_options());
    let fallbacks = Rc::new(RefCell::new(0));
    let seen = fallbacks.clone();
    client.events().subscribe(
        "storage-fallback",
        Rc::new(move |_: &Event| *seen.borrow_mut() += 1),
    );
    let mut op = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);
    let Effect::Get(_) = answer_derive(&mut op, &mut journal) else {
        panic!("the entry is read from the store first");
    };
    journal.record(
        Outcome::Got(Err(vendor_auth::core::store::StoreError("down".into()))),
        NOW,
        0.5,
    );
    // From here the memory fallback serves: no later effect of this
    // operation goes to the store, and the event is emitted once however many
    // times the step is replayed.
    let mut steps = 0;
    let info = loop {
        steps += 1;
        assert!(steps < 20, "the operation ends");
        match step(&mut op, &mut journal) {
            Ok(outcome) => break outcome.expect("a token from memory"),
            Err(Effect::Flight { .. }) => journal.record(Outcome::Turn(None), NOW, 0.5),
            Err(Effect::Send(_)) => journal.record(auth_token_answer(&emnify_jwt(3600)), NOW, 0.5),
            // The lease's settle pauses (in the memory fallback, as before).
            Err(Effect::Land { .. } | Effect::Sleep(_)) => {
                journal.record(Outcome::Done(Ok(())), NOW, 0.5)
            }
            Err(other) => panic!("no store effect while the store is down: {other:?}"),
        }
    };
    assert!(!info.token.expose().is_empty());
    assert_eq!(*fallbacks.borrow(), 1);
}

#[test]
fn an_outcome_of_the_wrong_kind_is_an_error_never_a_panic() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let mut op = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);
    let Effect::Flight { .. } = answer_derive(&mut op, &mut journal) else {
        panic!("the flight first");
    };
    // A host bug: a store answer where the flight's turn was asked for.
    journal.record(Outcome::Got(Ok(None)), NOW, 0.5);
    match step(&mut op, &mut journal) {
        Ok(Err(Stop::Fail(error))) => assert_eq!(error.code, ErrorCode::Unsupported),
        other => panic!(
            "expected the replay error, got {:?}",
            other.map(|s| s.is_ok())
        ),
    }
}

#[test]
fn time_inside_a_step_is_the_instant_the_host_recorded() {
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let mut op = client.token_info(CacheMode::Default);
    // The host's clock says NOW + 10 h, the journal says NOW: a token that
    // expires in an hour is fresh by the journal's time.
    rig.clock.set(NOW + 36_000_000);
    let token = emnify_jwt(3600);
    let mut journal = Journal::new(NOW, 0.5);
    let Effect::Flight { .. } = answer_derive(&mut op, &mut journal) else {
        panic!("the flight first");
    };
    journal.record(Outcome::Turn(None), NOW, 0.5);
    let Effect::Send(_) = effect(&mut op, &mut journal) else {
        panic!("the login");
    };
    journal.record(auth_token_answer(&token), NOW, 0.5);
    let Effect::Land { outcome, .. } = effect(&mut op, &mut journal) else {
        panic!("the landing");
    };
    let (entry, _) = outcome.expect("the token was kept, not refused as expired on arrival");
    assert_eq!(entry.obtained_at_ms, NOW);
}

#[test]
fn an_operation_built_anew_at_every_step_replays_the_same_path() {
    // The wasm host runs an operation as a body that builds its `Op` again
    // at each step: what the first run decided (here: derive the verifier)
    // must hold in the replays, though the verifier is known by then.
    let rig = Rig::new();
    let client = rig.client(emnify_app_options());
    let token = emnify_jwt(3600);
    let mut journal = Journal::new(NOW, 0.5);
    let body = || {
        let mut op = client.token_info(CacheMode::Default);
        (op.run)()
    };
    let mut steps = 0;
    let info = loop {
        steps += 1;
        assert!(steps < 10, "the operation ends");
        match fx::step(&mut journal, body) {
            Ok(info) => break info,
            Err(Stop::Fail(error)) => panic!("{error:?}"),
            Err(Stop::Suspend) => {}
        }
        let outcome = match journal.take_effect().expect("an effect") {
            Effect::Derive { .. } => Outcome::Derived(None),
            Effect::Flight { .. } => Outcome::Turn(None),
            Effect::Send(_) => auth_token_answer(&token),
            Effect::Land { .. } => Outcome::Done(Ok(())),
            other => panic!("unexpected {other:?}"),
        };
        journal.record(outcome, NOW, 0.5);
    };
    assert_eq!(info.token.expose(), token);
    assert_eq!(steps, 5, "derive, flight, login, land, outcome");
}

#[test]
fn a_client_with_a_long_issued_key_asks_no_derivation_and_one_with_a_password_does() {
    let rig = Rig::with_store(Rc::new(MemoryStore::default()));
    let key = "emnify-app-token-".to_string() + &"x".repeat(40);
    let client = rig.client(json!({
        "vendor": "emnify",
        "baseUrl": "http://sim.test/emnify",
        "credentials": { "applicationToken": key }
    }));
    let mut op = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);
    let Effect::Flight { .. } = effect(&mut op, &mut journal) else {
        panic!("an issued key's verifier is one HMAC, computed at once: the flight comes first");
    };
    assert_eq!(client.verifier().len(), 32);

    let rig = Rig::with_store(Rc::new(MemoryStore::default()));
    let client = rig.client(json!({
        "vendor": "emnify",
        "baseUrl": "http://sim.test/emnify",
        "credentials": { "username": "user@example.com", "password": "a-long-password-".repeat(3) }
    }));
    let mut op = client.token_info(CacheMode::Default);
    let mut journal = Journal::new(NOW, 0.5);
    let Effect::Derive { rounds, .. } = effect(&mut op, &mut journal) else {
        panic!("a password's verifier is iterated, by the host where it can");
    };
    assert_eq!(rounds, 20_000);
}

#[test]
fn in_workers_a_waiter_is_bounded_by_four_timeouts_and_elsewhere_it_is_not() {
    let rig = Rig::with_store(Rc::new(MemoryStore::default()));
    let key = "emnify-app-token-".to_string() + &"x".repeat(40);
    let options = json!({
        "vendor": "emnify",
        "baseUrl": "http://sim.test/emnify",
        "credentials": { "applicationToken": key },
        "timeoutMs": 2_000
    });
    for (bounded, expected) in [(true, Some(8_000)), (false, None)] {
        let client = rig.client_with_bounded_waits(options.clone(), bounded);
        let mut op = client.token_info(CacheMode::Default);
        let mut journal = Journal::new(NOW, 0.5);
        let Effect::Flight { max_wait_ms, .. } = effect(&mut op, &mut journal) else {
            panic!("the flight first");
        };
        // Past the longest a login can take, the leader is presumed gone.
        assert_eq!(max_wait_ms, expected, "bounded waits: {bounded}");
    }
}
