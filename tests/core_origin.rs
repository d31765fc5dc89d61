//! Stores every context of an origin shares (localStorage, IndexedDB): each
//! change to an entry is announced, an announcement from another context
//! drops this realm's memory copy, and one principal keeps to one such store
//! per realm.

mod common;

use common::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use vendor_auth::core::client::CacheMode;
use vendor_auth::core::error::ErrorCode;
use vendor_auth::core::http::LocalFuture;
use vendor_auth::core::origin;
use vendor_auth::core::store::{MemoryStore, StoreError, TokenStore};

/// An origin-wide store as the host adapts one: entries in a map of its own
/// (the browser's storage), announcements recorded.
#[derive(Clone)]
struct OriginStore {
    area: &'static str,
    entries: MemoryStore,
    announced: Rc<RefCell<Vec<String>>>,
}

impl OriginStore {
    fn new(area: &'static str) -> OriginStore {
        OriginStore {
            area,
            entries: MemoryStore::default(),
            announced: Rc::default(),
        }
    }
}

impl TokenStore for OriginStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        self.entries.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        self.entries.put(key, value, ttl)
    }
    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        self.entries.delete(key)
    }
    fn is_persistent(&self) -> bool {
        true
    }
    fn origin_wide(&self) -> Option<&'static str> {
        Some(self.area)
    }
    fn announce(&self, key: &str) {
        self.announced.borrow_mut().push(key.to_string());
    }
}

fn rig(store: &OriginStore) -> Rig {
    let rig = Rig::with_store(Rc::new(store.clone()));
    rig.auth_token(emnify_jwt(3600));
    rig
}

#[test]
fn a_renewal_and_a_clear_are_announced_by_key_only() {
    let store = OriginStore::new("indexedDB");
    let rig = rig(&store);
    let client = rig.client(emnify_app_options());
    let info = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(
        *store.announced.borrow(),
        vec![client.cache_key().to_string()]
    );
    // A warm call changes nothing, so it announces nothing.
    block_on(client.token_info(CacheMode::Default)).unwrap();
    assert_eq!(store.announced.borrow().len(), 1);
    block_on(client.clear()).unwrap();
    assert_eq!(store.announced.borrow().len(), 2);
    for key in store.announced.borrow().iter() {
        assert!(
            !key.contains(info.token.expose()),
            "no token in an announcement"
        );
        assert!(!key.contains("app-token-1"), "no secret in an announcement");
    }
}

#[test]
fn a_change_announced_by_another_context_is_read_from_the_store() {
    let store = OriginStore::new("localStorage");
    let rig = rig(&store);
    let client = rig.client(emnify_app_options());
    block_on(client.token_info(CacheMode::Default)).unwrap();

    // Another tab clears the entry. Until its announcement arrives, this
    // realm answers from its memory copy …
    block_on(store.entries.delete(client.cache_key())).unwrap();
    assert!(
        block_on(client.token_info(CacheMode::Default))
            .unwrap()
            .from_cache
    );
    assert_eq!(rig.transport.request_count(), 1);

    // … and once it has, from the store, which holds nothing: one login.
    origin::changed_elsewhere(client.cache_key());
    rig.auth_token(emnify_jwt(3600));
    let after = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(!after.from_cache);
    assert_eq!(rig.transport.request_count(), 2);
}

#[test]
fn one_principal_keeps_to_one_origin_wide_store_per_realm() {
    let local = OriginStore::new("localStorage");
    let idb = OriginStore::new("indexedDB");
    let first = rig(&local).client(emnify_app_options());
    // Another client on the same store is fine.
    let second = rig(&local).client(emnify_app_options());

    let options = options_from(&emnify_app_options()).unwrap();
    let other_store = rig(&idb);
    let refused = vendor_auth::core::client::Client::new(
        options.clone(),
        vendor_auth::core::client::Parts {
            transport: Rc::new(other_store.transport.clone()),
            clock: Rc::new(other_store.clock.clone()),
            store: other_store.store.clone(),
            locks: None,
            coordinator: None,
            bounded_waits: false,
        },
    )
    .err()
    .expect("refused");
    assert_eq!(refused.code, ErrorCode::InvalidOptions);
    assert!(
        refused.message.contains("\"localStorage\""),
        "{}",
        refused.message
    );
    assert!(refused.message.contains("one store"), "{}", refused.message);

    // Another principal may use the other store.
    let mut elsewhere = emnify_app_options();
    elsewhere["credentials"]["applicationToken"] = json!("app-token-2");
    drop(rig(&idb).client(elsewhere));

    // Once every client of the first store is gone, the other is allowed.
    drop(first);
    drop(second);
    drop(rig(&idb).client(emnify_app_options()));
    // A memory store is not origin-wide: never refused.
    drop(Rig::new().client(emnify_app_options()));
}

#[test]
fn a_copy_obtained_through_another_store_is_not_served_as_this_stores() {
    // A page moves its principal from localStorage to IndexedDB: the new
    // client must find what IndexedDB holds (nothing), not the realm's
    // memory copy of the localStorage entry, and write its token there for
    // the origin's workers to find.
    let local = OriginStore::new("localStorage");
    let first = rig(&local);
    block_on(
        first
            .client(emnify_app_options())
            .token_info(CacheMode::Default),
    )
    .unwrap();

    let idb = OriginStore::new("indexedDB");
    let second = rig(&idb);
    let client = second.client(emnify_app_options());
    let new = block_on(client.token_info(CacheMode::Default)).unwrap();
    assert!(!new.from_cache, "not the other store's copy");
    assert_eq!(second.transport.request_count(), 1);
    assert!(
        block_on(idb.entries.get(client.cache_key()))
            .unwrap()
            .is_some(),
        "the token is in IndexedDB"
    );

    // The same with a memory-store client of the principal in the realm.
    let memory = Rig::with_store(Rc::new(MemoryStore::shared()));
    memory
        .transport
        .ok(200, &json!({ "auth_token": emnify_jwt(3600) }).to_string());
    let mut other = emnify_app_options();
    other["credentials"]["applicationToken"] = json!("app-token-3");
    block_on(memory.client(other.clone()).token_info(CacheMode::Default)).unwrap();
    let idb_too = OriginStore::new("indexedDB");
    let third = rig(&idb_too);
    let info = block_on(third.client(other).token_info(CacheMode::Default)).unwrap();
    assert!(!info.from_cache, "not the memory store's entry");
    assert_eq!(third.transport.request_count(), 1);
}
