//! Token stores from `options.store`: the realm's memory, `localStorage`,
//! `sessionStorage`, IndexedDB (`pkg/idb-store.js`), or any object with `get` / `put` / `delete` (a
//! Cloudflare KV binding passes as is), and maybe `add` / `deleteIf` (an
//! atomic store: Redis through `vendor-auth/redis`, or the user's own).

use crate::core::error::json_strings;
use crate::core::error::AuthError;
use crate::core::http::LocalFuture;
use crate::core::store::{AtomicStore, MemoryStore, StoreError, TokenStore, Watch};
use crate::web::convert::{describe, describe_scrubbed, get};
use crate::web::runtime::Timer;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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

/// Builds the store named by `options.store` (`undefined` = memory). Calls
/// of an object store that have not settled after `timeout_ms` fail.
pub fn from_option(value: &JsValue, timeout_ms: u32) -> Result<Rc<dyn TokenStore>, AuthError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Rc::new(MemoryStore::shared()));
    }
    if let Some(name) = value.as_string() {
        return match name.as_str() {
            "memory" => Ok(Rc::new(MemoryStore::shared())),
            "localStorage" | "sessionStorage" => web_storage(&name),
            "indexedDB" => indexed_db(timeout_ms),
            _ => Err(AuthError::invalid_options(format!(
                "{STORE_HINT}; got \"{}\"",
                crate::core::options::clip(&name)
            ))),
        };
    }
    if value.is_object() {
        return KvStore::new(value, timeout_ms).map(|s| Rc::new(s) as Rc<dyn TokenStore>);
    }
    Err(AuthError::invalid_options(STORE_HINT))
}

/// Whether the global object has `name`.
fn has(name: &str) -> bool {
    Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
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
fn web_storage(name: &str) -> Result<Rc<dyn TokenStore>, AuthError> {
    if !(has(name) && web_sys::window().is_some()) {
        return Err(missing(name));
    }
    let session = name == "sessionStorage";
    if !session {
        crate::web::broadcast::open();
    }
    Ok(Rc::new(WebStorage { session }))
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
fn indexed_db(timeout_ms: u32) -> Result<Rc<dyn TokenStore>, AuthError> {
    let browser = has("window") || (has("WorkerGlobalScope") && !has("WebSocketPair"));
    if !has("indexedDB") && !browser {
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
    let mut store = KvStore::new(&target, timeout_ms)?;
    store.origin = Some("indexedDB");
    crate::web::broadcast::open();
    Ok(Rc::new(store))
}

struct WebStorage {
    session: bool,
}

impl WebStorage {
    /// The Storage object, or why it cannot be used (the accessor throws
    /// where storage is denied, as in some private windows).
    fn storage(&self) -> Result<web_sys::Storage, StoreError> {
        let window = web_sys::window().ok_or_else(|| StoreError("no window".into()))?;
        let usable = if self.session {
            window.session_storage()
        } else {
            window.local_storage()
        };
        match usable {
            Ok(Some(storage)) => Ok(storage),
            Ok(None) => Err(StoreError("storage is unavailable".into())),
            Err(e) => Err(StoreError(describe(&e))),
        }
    }

    fn run<T>(
        &self,
        op: impl FnOnce(&web_sys::Storage) -> Result<T, JsValue>,
    ) -> Result<T, StoreError> {
        let storage = self.storage()?;
        op(&storage).map_err(|e| StoreError(describe(&e)))
    }
}

impl TokenStore for WebStorage {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        let result = self.run(|s| s.get_item(key));
        Box::pin(async move { result })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        _ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        let result = self.run(|s| s.set_item(key, &value));
        Box::pin(async move { result })
    }

    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        let result = self.run(|s| s.remove_item(key));
        Box::pin(async move { result })
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn watch(&self, key: &str) -> Option<Box<dyn Watch>> {
        // sessionStorage is one tab's: no other tab writes to it.
        if self.session {
            return None;
        }
        crate::web::watch::local_storage(key)
    }

    fn origin_wide(&self) -> Option<&'static str> {
        // sessionStorage is one tab's, with no other context to tell.
        (!self.session).then_some("localStorage")
    }

    fn announce(&self, key: &str) {
        if !self.session {
            crate::web::broadcast::announce(key);
        }
    }
}

/// Any object with `get(key)`, `put(key, value, { expirationTtl? })` and
/// `delete(key)`, each returning a value or a promise; with `add(key, value,
/// { expirationTtl? })` (put-if-absent, resolving to whether it stored) and
/// maybe `deleteIf(key, value)` (compare-and-delete), an atomic store.
struct KvStore {
    target: JsValue,
    get: Function,
    put: Function,
    delete: Function,
    add: Option<Function>,
    delete_if: Option<Function>,
    /// `exclusive: true`: only this realm uses the store (a Durable
    /// Object's storage), so renewals need no cross-realm lease.
    exclusive: bool,
    /// `Some("indexedDB")` for the package's IndexedDB store, which every
    /// context of the origin shares (see [`TokenStore::origin_wide`]).
    origin: Option<&'static str>,
    /// A call not settled by then has failed: a client that queues commands
    /// while offline (ioredis) must not hold `getToken` up.
    timeout_ms: u32,
}

impl KvStore {
    fn new(target: &JsValue, timeout_ms: u32) -> Result<KvStore, AuthError> {
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
        let add = optional("add")?;
        Ok(KvStore {
            target: target.clone(),
            get: method("get")?,
            put: method("put")?,
            delete: method("delete")?,
            // deleteIf alone is of no use: the lock needs add.
            delete_if: if add.is_some() {
                optional("deleteIf")?
            } else {
                None
            },
            add,
            exclusive: get(target, "exclusive", "options.store.exclusive")?.as_bool() == Some(true),
            origin: None,
            timeout_ms,
        })
    }

    /// Calls a method and awaits its result if it is a promise; a throw, a
    /// rejection or no answer within `timeout_ms` becomes a `StoreError`.
    async fn call(
        &self,
        name: &str,
        method: &Function,
        args: &js_sys::Array,
    ) -> Result<JsValue, StoreError> {
        self.call_scrubbed(name, method, args, &[]).await
    }

    /// [`KvStore::call`] whose error texts may not repeat `secrets` (a store
    /// failing on a `put` may echo the entry, with its token).
    async fn call_scrubbed(
        &self,
        name: &str,
        method: &Function,
        args: &js_sys::Array,
        secrets: &[&str],
    ) -> Result<JsValue, StoreError> {
        let failed = |e: JsValue| StoreError(describe_scrubbed(&e, secrets));
        let returned = Reflect::apply(method, &self.target, args).map_err(failed)?;
        let mut timer = None;
        let ms = self.timeout_ms;
        let message = format!("options.store.{name} did not settle within timeoutMs ({ms} ms)");
        let expired = Promise::new(&mut |_resolve, reject| {
            let message = JsValue::from_str(&message);
            timer = Some(Timer::new(ms, move || {
                let _ = reject.call1(&JsValue::UNDEFINED, &message);
            }));
        });
        let settled = Promise::race(&js_sys::Array::of2(&Promise::resolve(&returned), &expired));
        let result = JsFuture::from(settled).await.map_err(failed);
        drop(timer);
        result
    }

    /// `add` / `deleteIf` resolve to whether they did it.
    async fn call_bool(
        &self,
        name: &str,
        method: &Function,
        args: &js_sys::Array,
    ) -> Result<bool, StoreError> {
        self.call(name, method, args)
            .await?
            .as_bool()
            .ok_or_else(|| {
                StoreError(format!(
                    "options.store.{name} must resolve to true (done) or false (not done)"
                ))
            })
    }
}

/// `{ expirationTtl }` when there is a TTL, else `{}`.
fn ttl_options(ttl: Option<u64>) -> Object {
    let options = Object::new();
    if let Some(ttl) = ttl {
        let _ = Reflect::set(
            &options,
            &JsValue::from_str("expirationTtl"),
            &JsValue::from_f64(ttl as f64),
        );
    }
    options
}

impl TokenStore for KvStore {
    fn get<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let value = self
                .call(
                    "get",
                    &self.get,
                    &js_sys::Array::of1(&JsValue::from_str(key)),
                )
                .await?;
            if value.is_null() || value.is_undefined() {
                return Ok(None);
            }
            // A non-string value is not an entry of ours: read as none.
            Ok(value.as_string())
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let args = js_sys::Array::of3(
                &JsValue::from_str(key),
                &JsValue::from_str(&value),
                &ttl_options(ttl),
            );
            let mut secrets = json_strings(&value);
            secrets.push(value.clone());
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            self.call_scrubbed("put", &self.put, &args, &secrets)
                .await
                .map(|_| ())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> LocalFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.call(
                "delete",
                &self.delete,
                &js_sys::Array::of1(&JsValue::from_str(key)),
            )
            .await
            .map(|_| ())
        })
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn is_shared(&self) -> bool {
        !self.exclusive
    }

    fn atomic(&self) -> Option<&dyn AtomicStore> {
        self.add.as_ref().map(|_| self as &dyn AtomicStore)
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

impl AtomicStore for KvStore {
    fn add<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<u64>,
    ) -> LocalFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let Some(add) = &self.add else {
                return Err(StoreError("options.store.add is missing".into()));
            };
            let args = js_sys::Array::of3(
                &JsValue::from_str(key),
                &JsValue::from_str(&value),
                &ttl_options(ttl),
            );
            self.call_bool("add", add, &args).await
        })
    }

    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
    ) -> Option<LocalFuture<'a, Result<bool, StoreError>>> {
        let delete_if = self.delete_if.as_ref()?;
        Some(Box::pin(async move {
            let args = js_sys::Array::of2(&JsValue::from_str(key), &JsValue::from_str(value));
            self.call_bool("deleteIf", delete_if, &args).await
        }))
    }
}
