//! A coordinator (a Durable Object in Workers) in front of the logins: the
//! client asks it, keeps its answer, and never logs in itself.

mod common;

use common::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use vendor_auth::core::client::{CacheMode, Client, Parts};
use vendor_auth::core::coordinator::{Answer, Ask, Coordinator};
use vendor_auth::core::error::AuthError;
use vendor_auth::core::http::LocalFuture;
use vendor_auth::core::store::MemoryStore;
use vendor_auth::core::testing::{FixedClock, ScriptedTransport};

/// The coordinator: a client of its own, with its own storage and network,
/// answering through `Client::coordinate` as the Durable Object does.
struct InProcess {
    remote: Client,
    asks: RefCell<Vec<Ask>>,
}

impl Coordinator for InProcess {
    fn ask<'a>(&'a self, _key: &'a str, ask: Ask) -> LocalFuture<'a, Result<Answer, AuthError>> {
        self.asks.borrow_mut().push(ask.clone());
        std::future::IntoFuture::into_future(self.remote.coordinate(ask))
    }
}

fn remote(transport: &ScriptedTransport, clock: &FixedClock) -> Client {
    // Another realm in production; here it differs from the local clients
    // only by its scope, which keeps its key (and single flight) apart.
    let options =
        json!({ "vendor": "emnify", "credentials": { "applicationToken": "app-token-1" } });
    Client::new(
        common::options_from(&options).unwrap(),
        Parts {
            transport: Rc::new(transport.clone()),
            clock: Rc::new(clock.clone()),
            store: Rc::new(MemoryStore::default()),
            locks: None,
            coordinator: None,
            bounded_waits: false,
        },
    )
    .unwrap()
}

fn local(rig: &Rig, coordinator: Rc<InProcess>) -> Client {
    Client::new(
        common::options_from(&emnify_app_options()).unwrap(),
        Parts {
            transport: Rc::new(rig.transport.clone()),
            clock: Rc::new(rig.clock.clone()),
            store: Rc::new(MemoryStore::default()),
            locks: None,
            coordinator: Some(coordinator),
            bounded_waits: false,
        },
    )
    .unwrap()
}

#[test]
fn clients_get_their_tokens_from_the_coordinator_which_logs_in_once() {
    let rig = Rig::new();
    let vendor = ScriptedTransport::new();
    let token = emnify_jwt(3600);
    vendor.ok(200, &json!({ "auth_token": token }).to_string());
    let coordinator = Rc::new(InProcess {
        remote: remote(&vendor, &rig.clock),
        asks: RefCell::default(),
    });

    // Two isolates with cold caches of their own.
    let first = local(&rig, coordinator.clone());
    let second = local(&rig, coordinator.clone());
    let a = block_on(first.token_info(CacheMode::Default)).unwrap();
    let b = block_on(second.token_info(CacheMode::Default)).unwrap();
    assert_eq!(a.token.expose(), token);
    assert_eq!(b.token.expose(), token);
    assert!(!a.from_cache, "the coordinator logged in for the first");
    assert!(b.from_cache, "and answered the second from its storage");
    assert_eq!(vendor.request_count(), 1);
    assert_eq!(
        rig.transport.request_count(),
        0,
        "clients never call the vendor's login themselves"
    );
    // Each isolate keeps the answer: no second ask.
    block_on(first.token_info(CacheMode::Default)).unwrap();
    assert_eq!(coordinator.asks.borrow().len(), 2);
}

#[test]
fn a_rejection_is_compared_and_renewed_at_the_coordinator() {
    let rig = Rig::new();
    let vendor = ScriptedTransport::new();
    let first_token = emnify_jwt(3600);
    let second_token = emnify_jwt(7200);
    vendor.ok(200, &json!({ "auth_token": first_token }).to_string());
    vendor.ok(200, &json!({ "auth_token": second_token }).to_string());
    let coordinator = Rc::new(InProcess {
        remote: remote(&vendor, &rig.clock),
        asks: RefCell::default(),
    });
    let one = local(&rig, coordinator.clone());
    let two = local(&rig, coordinator.clone());
    let rejected = block_on(one.token_info(CacheMode::Default)).unwrap().token;
    block_on(two.token_info(CacheMode::Default)).unwrap();

    let renewed = block_on(one.renew_after_rejection(&rejected)).unwrap();
    assert_eq!(renewed.token.expose(), second_token);
    // The second isolate reports the same rejected token: already replaced.
    let also = block_on(two.renew_after_rejection(&rejected)).unwrap();
    assert_eq!(also.token.expose(), second_token);
    assert_eq!(vendor.request_count(), 2);
    assert!(matches!(coordinator.asks.borrow()[2], Ask::Rejected(_)));
}

#[test]
fn reload_asks_for_a_token_other_than_the_current_one() {
    let rig = Rig::new();
    let vendor = ScriptedTransport::new();
    vendor.ok(200, &json!({ "auth_token": emnify_jwt(3600) }).to_string());
    let fresh = emnify_jwt(7200);
    vendor.ok(200, &json!({ "auth_token": fresh }).to_string());
    let coordinator = Rc::new(InProcess {
        remote: remote(&vendor, &rig.clock),
        asks: RefCell::default(),
    });
    let client = local(&rig, coordinator);
    block_on(client.token_info(CacheMode::Default)).unwrap();
    let reloaded = block_on(client.token_info(CacheMode::Reload)).unwrap();
    assert_eq!(reloaded.token.expose(), fresh);
    assert_eq!(vendor.request_count(), 2);
}

#[test]
fn coordinator_errors_reach_the_caller() {
    let rig = Rig::new();
    let vendor = ScriptedTransport::new();
    vendor.ok(
        401,
        &json!({ "error_code": 1101, "message": "bad" }).to_string(),
    );
    let coordinator = Rc::new(InProcess {
        remote: remote(&vendor, &rig.clock),
        asks: RefCell::default(),
    });
    let client = local(&rig, coordinator);
    let error = block_on(client.token_info(CacheMode::Default)).unwrap_err();
    assert_eq!(
        error.code,
        vendor_auth::core::error::ErrorCode::InvalidCredentials
    );
}
