//! Token stores from `options.store`: the realm's memory, `localStorage`,
//! `sessionStorage`, IndexedDB (`pkg/idb-store.js`), or any object with `get` / `put` / `delete` (a
//! Cloudflare KV binding passes as is), and maybe `add` / `deleteIf` (an
//! atomic store: Redis through `vendor-auth/redis`, or the user's own).
//!
//! The option is checked here; the calls are the JS host's (`pkg/host.js`
//! performs the core's store effects). What the core needs to know of the
//! store is a [`HostStore`]; what the host needs is its descriptor:
//! `{ kind: "web", session }` or `{ kind: "kv", target, get, put, delete,
//! add?, deleteIf? }`.

use crate::core::error::AuthError;
use crate::core::http::LocalFuture;
use crate::core::store::{AtomicStore, MemoryStore, StoreError, TokenStore};
use crate::web::convert::{describe, get, set};
use js_sys::{Function, Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const STORE_HINT: &str =
    "options.store must be \"memory\", \"localStorage\", \"sessionStorage\", \"indexedDB\" or an object with get, put and delete methods";

thread_local! {
    /// `pkg/idb-store.js`'s factory of the IndexedDB store, registered by
    /// the package's entries.
    static INDEXED_DB: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Called once by each package entry with the IndexedDB store's factory.
/// Not part of the public API.
#[wasm_bindgen(js_name = __registerIndexedDB, skip_typescript)]
pub fn register_indexed_db(factory: Function) {
    INDEXED_DB.with_borrow_mut(|f| *f = Some(factory));
}

/// The store named by `options.store` (`undefined` = memory), and its
/// descriptor for the host (`undefined` for memory, the core's own).
pub type Store = (Rc<dyn TokenStore>, JsValue);

fn memory() -> Store {
    (Rc::new(MemoryStore::shared()), JsValue::UNDEFINED)
}

/// Checks `options.store` and describes it.
pub fn from_option(value: &JsValue) -> Result<Store, AuthError> {
    if value.is_undefined() || value.is_null() {
        return Ok(memory());
    }
    if let Some(name) = value.as_string() {
        return match name.as_str() {
            "memory" => Ok(memory()),
            "localStorage" | "sessionStorage" => web_storage(&name),
            "indexedDB" => indexed_db(),
            _ => Err(AuthError::invalid_options(format!(
                "{STORE_HINT}; got \"{}\"",
                crate::core::options::clip(&name)
            ))),
        };
    }
    if value.is_object() {
        return kv_store(value, None);
    }
    Err(AuthError::invalid_options(STORE_HINT))
}

#[wasm_bindgen(
    inline_js = "export function isWindow() { return typeof Window === 'function' && globalThis instanceof Window; }"
)]
extern "C" {
    /// Whether this realm is a window (Web Storage exists only there).
    #[wasm_bindgen(js_name = isWindow)]
    fn is_window() -> bool;
}

/// Whether the global object has `name`.
fn has(name: &str) -> bool {
    Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
}

/// Whether this realm is a browser's (a window, or a web worker: Workers
/// have `WorkerGlobalScope` too, and `WebSocketPair`).
pub(crate) fn is_browser() -> bool {
    has("window") || (has("WorkerGlobalScope") && !has("WebSocketPair"))
}

/// A name for the runtime, for messages about what it lacks.
fn runtime_name() -> &'static str {
    if has("WebSocketPair") {
        "Cloudflare Workers"
    } else if has("process") && !has("window") {
        "Node.js"
    } else if has("WorkerGlobalScope") || has("importScripts") {
        "a web worker"
    } else {
        "this runtime"
    }
}

/// `localStorage` / `sessionStorage`. Missing (Node, Workers, a worker
/// thread) is a wrong option; present but throwing (a private window's
/// `SecurityError`) is a store failure the client falls back from.
fn web_storage(name: &str) -> Result<Store, AuthError> {
    if !(has(name) && is_window()) {
        return Err(missing(name));
    }
    let session = name == "sessionStorage";
    if !session {
        crate::web::broadcast::open();
    }
    let descriptor = Object::new();
    set(&descriptor, "kind", &"web".into());
    set(&descriptor, "session", &JsValue::from_bool(session));
    let store = HostStore {
        shared: true,
        atomic: false,
        // sessionStorage is one tab's, with no other context to tell.
        origin: (!session).then_some("localStorage"),
    };
    Ok((Rc::new(store), descriptor.into()))
}

/// `INVALID_OPTIONS`: the store `name` does not exist in this runtime, and
/// what to use instead.
fn missing(name: &str) -> AuthError {
    let runtime = runtime_name();
    // A worker of a browser has IndexedDB, which every context shares.
    let instead = if runtime == "a web worker" {
        "\"indexedDB\" (shared with the origin's tabs and workers) or \"memory\""
    } else {
        "\"memory\" or a KV-shaped object"
    };
    AuthError::invalid_options(format!(
        "options.store: {name} does not exist in {runtime}; use {instead} there"
    ))
}

/// IndexedDB, in windows and every kind of worker. Missing from the runtime
/// altogether (Node, Workers) is a wrong option; missing or refused in a
/// browser context (a private window, a sandboxed frame) is a store failure
/// the client falls back from, with `"storage-fallback"`.
fn indexed_db() -> Result<Store, AuthError> {
    if !has("indexedDB") && !is_browser() {
        return Err(missing("indexedDB"));
    }
    let factory = INDEXED_DB.with_borrow(Clone::clone).ok_or_else(|| {
        AuthError::new(
            crate::core::error::ErrorCode::Unsupported,
            "options.store: \"indexedDB\" needs the package's entry (import \"vendor-auth\", \"vendor-auth/lazy\" or \"vendor-auth/inline\"), which registers the store",
        )
    })?;
    let target = factory
        .call0(&JsValue::UNDEFINED)
        .map_err(|e| AuthError::invalid_options(describe(&e)))?;
    let store = kv_store(&target, Some("indexedDB"))?;
    crate::web::broadcast::open();
    Ok(store)
}

/// Any object with `get(key)`, `put(key, value, { expirationTtl? })` and
/// `delete(key)`, each returning a value or a promise; with `add(key, value,
/// { expirationTtl? })` (put-if-absent, resolving to whether it stored) and
/// maybe `deleteIf(key, value)` (compare-and-delete), an atomic store.
/// `exclusive: true`: only this realm uses the store (a Durable Object's
/// storage), so renewals need no cross-realm lease. `origin`: the
/// package's IndexedDB store, which every context of the origin shares.
fn kv_store(target: &JsValue, origin: Option<&'static str>) -> Result<Store, AuthError> {
    let not_a_function = |name: &str| {
        AuthError::invalid_options(format!(
            "{STORE_HINT}; options.store.{name} is not a function"
        ))
    };
    let method = |name: &str| -> Result<Function, AuthError> {
        get(target, name, &format!("options.store.{name}"))?
            .dyn_into::<Function>()
            .map_err(|_| not_a_function(name))
    };
    let optional = |name: &str| -> Result<Option<Function>, AuthError> {
        let value = get(target, name, &format!("options.store.{name}"))?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        value.dyn_into().map(Some).map_err(|_| not_a_function(name))
    };
    let descriptor = Object::new();
    set(&descriptor, "kind", &"kv".into());
    set(&descriptor, "target", target);
    for name in ["get", "put", "delete"] {
        set(&descriptor, name, &method(name)?.into());
    }
    let add = optional("add")?;
    if let Some(add) = &add {
        set(&descriptor, "add", add);
        // deleteIf alone is of no use: the lock needs add.
        if let Some(delete_if) = optional("deleteIf")? {
            set(&descriptor, "deleteIf", &delete_if);
        }
    }
    let exclusive = get(target, "exclusive", "options.store.exclusive")?.as_bool() == Some(true);
    let store = HostStore {
        shared: !exclusive,
        atomic: add.is_some(),
        origin,
    };
    Ok((Rc::new(store), descriptor.into()))
}

/// A store whose calls the JS host performs: what the core knows of it.
struct HostStore {
    shared: bool,
    atomic: bool,
    origin: Option<&'static str>,
}

/// Never called: the host performs the store effects (`pkg/host.js`).
fn performed_by_the_host<'a, T: 'a>() -> LocalFuture<'a, Result<T, StoreError>> {
    Box::pin(std::future::ready(Err(StoreError(
        "store calls are performed by the JS host".into(),
    ))))
}

impl TokenStore for HostStore {
    fn get<'a>(&'a self, _key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        performed_by_the_host()
    }

    fn put<'a>(
        &'a self,
        _key: &'a str,
        _value: String,
        _ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        performed_by_the_host()
    }

    fn delete<'a>(&'a self, _key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        performed_by_the_host()
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn is_shared(&self) -> bool {
        self.shared
    }

    fn atomic(&self) -> Option<&dyn AtomicStore> {
        self.atomic.then_some(self as &dyn AtomicStore)
    }

    fn origin_wide(&self) -> Option<&'static str> {
        self.origin
    }

    fn announce(&self, key: &str) {
        if self.origin.is_some() {
            crate::web::broadcast::announce(key);
        }
    }
}

impl AtomicStore for HostStore {
    fn add<'a>(
        &'a self,
        _key: &'a str,
        _value: String,
        _ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<bool, StoreError>> {
        performed_by_the_host()
    }

    fn delete_if<'a>(
        &'a self,
        _key: &'a str,
        _value: &'a str,
    ) -> Option<LocalFuture<'a, Result<bool, StoreError>>> {
        None
    }
}
