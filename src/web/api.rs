//! The exported JS API: `AuthClient`.

use crate::core::client::{CacheMode, Client, Parts, TokenInfo};
use crate::core::coordinator::Ask;
use crate::core::error::AuthError;
use crate::core::events::Event;
use crate::core::fx::Step;
use crate::core::json::{Map, Value};
use crate::core::options::{ClientOptions, Fields};
use crate::core::vendors::emnify::{self, NewApplicationToken};
use crate::core::vendors::voipbin::{self, NewAccessKey};
use crate::core::vendors::Revoked;
use crate::web::convert::{from_json, get, own_keys, set, to_json};
use crate::web::engine::{self, rejected, within};
use crate::web::error::to_js;
use crate::web::host_side::ByTheHost;
use crate::web::runtime::JsClock;
use crate::web::storage;
use js_sys::{Function, Object, Promise, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "AuthClientOptions")]
    pub type AuthClientOptions;
    #[wasm_bindgen(typescript_type = "GetTokenOptions")]
    pub type GetTokenOptions;
    #[wasm_bindgen(typescript_type = "AuthClientEventName")]
    pub type AuthClientEventName;
    #[wasm_bindgen(typescript_type = "NewApplicationTokenOptions")]
    pub type NewApplicationTokenOptions;
    #[wasm_bindgen(typescript_type = "NewAccessKeyOptions")]
    pub type NewAccessKeyOptions;
    #[wasm_bindgen(typescript_type = "TrustedDevice")]
    pub type TrustedDevice;
}

/// An optional options object of a method, as JSON data (`{}` when absent).
fn method_options(value: Option<&JsValue>, path: &str) -> Result<Map, AuthError> {
    match value.map(|v| to_json(v, path, 0)).transpose()?.flatten() {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(AuthError::invalid_options(format!(
            "{path} must be an object, not {}",
            crate::core::options::type_name(&other)
        ))),
    }
}

/// 128 bits from `crypto.getRandomValues`, as 32 hex digits: a trusted
/// device's fingerprint stands in for the second factor, so it must not be
/// guessable (`Math.random` is).
fn random_fingerprint() -> Result<String, AuthError> {
    let bytes = js_sys::Uint8Array::new_with_length(16);
    let filled = Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .filter(|c| c.is_object())
        .and_then(|crypto| {
            let fill = Reflect::get(&crypto, &"getRandomValues".into()).ok()?;
            fill.dyn_ref::<Function>()?.call1(&crypto, &bytes).ok()
        });
    if filled.is_none() {
        return Err(AuthError::invalid_options(
            "no crypto.getRandomValues here: give trustedDevice.fingerprint",
        ));
    }
    Ok(crate::core::digest::hex(&bytes.to_vec()))
}

fn json_list(items: Vec<Value>) -> JsValue {
    from_json(&Value::Array(items))
}

/// Obtains, caches, renews and attaches one vendor's API token for one set
/// of credentials.
///
/// Every `AuthClient` of a realm with the same vendor, root and principal
/// shares one cache entry and one login in flight, so creating clients freely
/// never multiplies logins.
///
/// Every failure is an `AuthError` with a stable `.code`; bad options throw
/// `INVALID_OPTIONS` from the constructor, naming the field.
///
/// @example
/// const client = new AuthClient({ vendor: "emnify", credentials: { applicationToken } });
/// const token = await client.getToken();
///
/// Its TypeScript declaration is written by hand in `types.rs`
/// (`skip_typescript` here): generic over the vendor, with typed events,
/// which wasm-bindgen cannot generate.
#[wasm_bindgen(skip_typescript)]
pub struct AuthClient {
    pub(crate) inner: Rc<Client>,
    /// What the JS host (`pkg/host.js`) performs this client's effects
    /// with: `{ step, store, fetch, timeoutMs, coordinator }`.
    pub(crate) host: JsValue,
}

impl AuthClient {
    /// Starts an operation of this client in the host.
    pub(crate) fn run(&self, run: impl FnMut(&Client) -> Step<JsValue> + 'static) -> Promise {
        engine::run(&self.inner, &self.host, run)
    }

    /// `options.fetch`, if given.
    pub(crate) fn custom_fetch(&self) -> JsValue {
        crate::web::convert::field(&self.host, "fetch")
    }
}

fn js_error(error: AuthError) -> JsValue {
    to_js(&error)
}

fn optional_ms(ms: Option<i64>) -> JsValue {
    ms.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64))
}

fn info_to_js(info: &TokenInfo) -> JsValue {
    let object = Object::new();
    set(&object, "token", &JsValue::from_str(info.token.expose()));
    set(&object, "expiresAt", &optional_ms(info.expires_at_ms));
    set(&object, "fromCache", &JsValue::from_bool(info.from_cache));
    set(&object, "vendor", &JsValue::from_str(info.vendor.as_str()));
    set(
        &object,
        "environment",
        &JsValue::from_str(&info.environment),
    );
    set(
        &object,
        "meta",
        &from_json(&Value::Object(info.meta.clone())),
    );
    object.into()
}

fn event_to_js(event: &Event) -> JsValue {
    let object = Object::new();
    match event {
        Event::Token {
            vendor,
            expires_at_ms,
            from_cache,
        } => {
            set(&object, "vendor", &JsValue::from_str(vendor.as_str()));
            set(&object, "expiresAt", &optional_ms(*expires_at_ms));
            set(&object, "fromCache", &JsValue::from_bool(*from_cache));
        }
        Event::Error(error) => return to_js(error),
        Event::StorageFallback { vendor, reason } => {
            set(&object, "vendor", &JsValue::from_str(vendor.as_str()));
            set(&object, "reason", &JsValue::from_str(reason));
        }
        Event::Regenerated {
            vendor,
            reason,
            message,
        } => {
            set(&object, "vendor", &JsValue::from_str(vendor.as_str()));
            set(&object, "reason", &JsValue::from_str(reason));
            set(&object, "message", &JsValue::from_str(message));
        }
        Event::ClockSkew { vendor, skew_ms } => {
            set(&object, "vendor", &JsValue::from_str(vendor.as_str()));
            set(&object, "skewMs", &JsValue::from_f64(*skew_ms as f64));
            set(&object, "ignored", &JsValue::TRUE);
        }
    }
    object.into()
}

/// Reads the options object: plain data goes to `core` for validation; the
/// store and `fetch` are JS objects and are adapted here.
fn build(options: &JsValue) -> Result<(Client, JsValue), AuthError> {
    // Not `dyn_ref::<Object>()`: an object with a null prototype is not an
    // `instanceof Object`, and is a fine options object.
    let Some(object) =
        (options.is_object() && !options.is_function()).then(|| options.unchecked_ref::<Object>())
    else {
        return Err(AuthError::invalid_options(
            "AuthClient needs an options object, for example { vendor: \"emnify\", credentials: { applicationToken: \"…\" } }",
        ));
    };
    let mut data = Map::new();
    for key in own_keys(object, "options")? {
        let path = format!("options.{key}");
        let value = match key.as_str() {
            // JS objects, adapted below; never part of the data options.
            "store" | "fetch" | "coordinator" => None,
            _ => to_json(&get(options, &key, &path)?, &path, 0)?,
        };
        if let Some(value) = value {
            data.insert(key, value);
        }
    }
    let data = Value::Object(data);
    let core_options = ClientOptions::from_json(&data)?;
    let coordinator = get(options, "coordinator", "options.coordinator")?;
    let coordinator = if coordinator.is_undefined() || coordinator.is_null() {
        None
    } else {
        // The object logs in with the same options (the JS-only ones were
        // never put in `data`).
        Some(crate::web::coordinator::describe(&coordinator, &data)?)
    };
    let (store, store_descriptor) = storage::from_option(&get(options, "store", "options.store")?)?;
    let fetch = get(options, "fetch", "options.fetch")?;
    let custom = if fetch.is_undefined() || fetch.is_null() {
        None
    } else {
        Some(fetch.dyn_into::<Function>().map_err(|_| {
            AuthError::invalid_options(
                "options.fetch must be a function with the signature of fetch",
            )
        })?)
    };
    let host = Object::new();
    set(&host, "step", &engine::step_function());
    set(&host, "store", &store_descriptor);
    set(&host, "timeoutMs", &JsValue::from(core_options.timeout_ms));
    if let Some(custom) = &custom {
        set(&host, "fetch", custom);
    }
    if let Some(coordinator) = &coordinator {
        set(&host, "coordinator", coordinator);
    }
    let client = Client::new(
        core_options,
        Parts {
            transport: Rc::new(ByTheHost),
            clock: Rc::new(JsClock),
            store,
            locks: crate::web::locks::detect()
                .then(|| Rc::new(ByTheHost) as Rc<dyn crate::core::lock::LockManager>),
            coordinator: coordinator
                .map(|_| Rc::new(ByTheHost) as Rc<dyn crate::core::coordinator::Coordinator>),
            bounded_waits: is_workerd(),
        },
    )?;
    Ok((client, host.into()))
}

/// Cloudflare Workers (workerd) say so in `navigator.userAgent`.
fn is_workerd() -> bool {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .is_some_and(|ua| ua == "Cloudflare-Workers")
}

fn cache_mode(options: Option<GetTokenOptions>) -> Result<CacheMode, AuthError> {
    let Some(options) = options
        .map(JsValue::from)
        .filter(|o| !o.is_undefined() && !o.is_null())
    else {
        return Ok(CacheMode::Default);
    };
    if !options.is_object() {
        return Err(AuthError::invalid_options(
            "getToken options must be an object like { cache: \"reload\" }",
        ));
    }
    let cache = get(&options, "cache", "options.cache")?;
    if cache.is_undefined() {
        return Ok(CacheMode::Default);
    }
    cache
        .as_string()
        .and_then(|c| CacheMode::parse(&c))
        .ok_or_else(|| {
            AuthError::invalid_options(
                "options.cache must be \"default\", \"reload\" or \"only-if-cached\"",
            )
        })
}

#[wasm_bindgen]
impl AuthClient {
    /// Validates the options and prepares the client. No network request is
    /// made until a token is needed.
    ///
    /// @throws {AuthError} `INVALID_OPTIONS`, naming the field, for an unknown
    /// vendor or environment, a missing or mistyped credential, a bad
    /// `baseUrl`, `store`, `refreshMarginSeconds` or `timeoutMs`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &AuthClientOptions) -> Result<AuthClient, JsValue> {
        crate::web::install_panic_hook();
        crate::web::engine::publish_generation();
        build(options)
            .map(|(client, host)| AuthClient {
                inner: Rc::new(client),
                host,
            })
            .map_err(js_error)
    }

    /// The token: from the cache while it is fresh (until `expiresAt -
    /// refreshMarginSeconds`), else obtained from the vendor — once for all
    /// concurrent callers of the same principal.
    ///
    /// `cache: "reload"` renews now; `cache: "only-if-cached"` never goes to
    /// the network and rejects with `REAUTH_REQUIRED` when nothing usable is
    /// cached.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self, options: Option<GetTokenOptions>) -> Promise {
        let mode = match cache_mode(options) {
            Ok(mode) => mode,
            Err(error) => return rejected(error),
        };
        self.run(move |client| {
            let info = within(client.token_info(mode))?;
            Ok(JsValue::from_str(info.token.expose()))
        })
    }

    /// `getToken()` for the package's own wrapper (`pkg/setup.js`): the
    /// token, the local instant until which the same call would answer the
    /// same token (see `TokenInfo::memo_until_ms`), and the realm's memory
    /// store generation at the moment of the answer. Not part of the public
    /// API.
    #[wasm_bindgen(js_name = __getTokenMemo, skip_typescript)]
    pub fn get_token_memo(&self) -> Promise {
        self.run(move |client| {
            let info = within(client.token_info(CacheMode::Default))?;
            let generation = crate::core::store::MemoryStore::shared().generation();
            Ok(js_sys::Array::of3(
                &JsValue::from_str(info.token.expose()),
                &JsValue::from_f64(info.memo_until_ms as f64),
                &JsValue::from_f64(f64::from(generation)),
            )
            .into())
        })
    }

    /// Like `getToken`, with the expiry (ms since the epoch in the local
    /// clock, or `null` for a token that never expires), whether it came from
    /// the cache, and vendor facts (`meta`).
    #[wasm_bindgen(js_name = getTokenInfo, unchecked_return_type = "Promise<TokenInfo>")]
    pub fn get_token_info(&self, options: Option<GetTokenOptions>) -> Promise {
        let mode = match cache_mode(options) {
            Ok(mode) => mode,
            Err(error) => return rejected(error),
        };
        self.run(move |client| Ok(info_to_js(&within(client.token_info(mode))?)))
    }

    /// Revokes the token at the vendor where the vendor supports it (Zūm
    /// Rails cancels it), then forgets it. For vendors without a revoke
    /// endpoint (RunBuggy, Personr, emnify auth tokens, VoIPBIN login tokens)
    /// the token is only forgotten here and stays valid at the vendor until it
    /// expires: resolves to `"local"` then, `"vendor"` when the vendor revoked it.
    #[wasm_bindgen(unchecked_return_type = "Promise<\"vendor\" | \"local\">")]
    pub fn revoke(&self) -> Promise {
        self.run(move |client| {
            let outcome = within(client.revoke())?;
            Ok(JsValue::from_str(match outcome {
                Revoked::AtVendor => "vendor",
                Revoked::LocallyOnly => "local",
            }))
        })
    }

    /// emnify: finishes a login that rejected with `MFA_REQUIRED`, with the
    /// code from the user's authenticator app, and caches the token. Pass
    /// `trustedDevice` (`{ fingerprint?, name?, operating_system?, browser? }`)
    /// to have emnify trust the device for 90 days; without a `fingerprint`
    /// one is generated (128 random bits). Resolves to the `TokenInfo` with
    /// the `fingerprint` sent (`null` without `trustedDevice`): keep it like
    /// a password and pass it as `options.fingerprint` to skip the MFA step
    /// next time. The library never stores it. Three failed logins lock the
    /// account for 5 minutes (`RATE_LIMITED`). Other vendors: `UNSUPPORTED`.
    #[wasm_bindgen(js_name = completeMfa, unchecked_return_type = "Promise<MfaTokenInfo>")]
    pub fn complete_mfa(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        trusted_device: Option<TrustedDevice>,
    ) -> Promise {
        let device = trusted_device.map(JsValue::from);
        // Checked once, before the operation (its steps replay: the
        // fingerprint is drawn here, not in them).
        let checked = (|| {
            self.inner.emnify()?;
            let code = code.as_string().ok_or_else(|| {
                AuthError::invalid_options("the MFA code must be a string, like \"123456\"")
            })?;
            emnify::check_mfa_code(&code)?;
            let mut device = method_options(device.as_ref(), "trustedDevice")?;
            emnify::check_trusted_device(&Fields::new("trustedDevice", &device))?;
            if !device.is_empty() && !device.contains_key("fingerprint") {
                device.insert("fingerprint", Value::from(random_fingerprint()?));
            }
            Ok((code, (!device.is_empty()).then_some(device)))
        })();
        let (code, device) = match checked {
            Ok(checked) => checked,
            Err(error) => return rejected(error),
        };
        self.run(move |client| {
            let done = within(client.complete_mfa(&code, device.as_ref()))?;
            let info = info_to_js(&done.info);
            let fingerprint = done
                .fingerprint
                .map_or(JsValue::NULL, |f| JsValue::from_str(f.expose()));
            set(info.unchecked_ref(), "fingerprint", &fingerprint);
            Ok(info)
        })
    }

    /// emnify: creates an application token (`POST /api/v1/application_token`)
    /// and resolves to it. Store it like a password: emnify shows it once.
    /// Other vendors: `UNSUPPORTED`.
    #[wasm_bindgen(js_name = createApplicationToken, unchecked_return_type = "Promise<string>")]
    pub fn create_application_token(&self, options: Option<NewApplicationTokenOptions>) -> Promise {
        let options = options.map(JsValue::from);
        let checked = (|| {
            self.inner.emnify()?;
            let fields = method_options(options.as_ref(), "options")?;
            NewApplicationToken::from_fields(&Fields::new("options", &fields))
        })();
        let params = match checked {
            Ok(params) => params,
            Err(error) => return rejected(error),
        };
        self.run(move |client| {
            let token = within(client.create_application_token(&params))?;
            Ok(JsValue::from_str(token.expose()))
        })
    }

    /// emnify: the account's application tokens (never their values).
    /// Other vendors: `UNSUPPORTED`.
    #[wasm_bindgen(js_name = listApplicationTokens, unchecked_return_type = "Promise<ApplicationToken[]>")]
    pub fn list_application_tokens(&self) -> Promise {
        self.run(move |client| Ok(json_list(within(client.list_application_tokens())?)))
    }

    /// emnify: revokes the application token with this id. Auth tokens it
    /// already produced stay valid until they expire. Other vendors:
    /// `UNSUPPORTED`.
    #[wasm_bindgen(js_name = revokeApplicationToken, unchecked_return_type = "Promise<void>")]
    pub fn revoke_application_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
    ) -> Promise {
        let checked = self.inner.emnify().and_then(|_| {
            id.as_f64()
                .filter(|id| id.is_finite() && *id >= 0.0 && id.fract() == 0.0 && *id < 9.0e15)
                .ok_or_else(|| {
                    AuthError::invalid_options(
                        "the application token id must be a whole number, as listApplicationTokens() gives it",
                    )
                })
        });
        let id = match checked {
            Ok(id) => id as u64,
            Err(error) => return rejected(error),
        };
        self.run(move |client| {
            within(client.revoke_application_token(id))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// VoIPBIN: creates an access key. `expireSeconds` must be 86400 to 2147483647
    /// (checked before any request). Resolves to the key with its `token`,
    /// which VoIPBIN shows only this once. Other vendors: `UNSUPPORTED`.
    #[wasm_bindgen(js_name = createAccessKey, unchecked_return_type = "Promise<AccessKey>")]
    pub fn create_access_key(&self, options: NewAccessKeyOptions) -> Promise {
        let options = JsValue::from(options);
        let checked = (|| {
            self.inner.voipbin()?;
            let fields = method_options(Some(&options), "options")?;
            NewAccessKey::from_fields(&Fields::new("options", &fields))
        })();
        let params = match checked {
            Ok(params) => params,
            Err(error) => return rejected(error),
        };
        self.run(move |client| Ok(from_json(&within(client.create_access_key(&params))?)))
    }

    /// VoIPBIN: every access key of the account (all pages). Other vendors:
    /// `UNSUPPORTED`.
    #[wasm_bindgen(js_name = listAccessKeys, unchecked_return_type = "Promise<AccessKey[]>")]
    pub fn list_access_keys(&self) -> Promise {
        self.run(move |client| Ok(json_list(within(client.list_access_keys())?)))
    }

    /// VoIPBIN: deletes the access key with this id and resolves to it.
    /// Other vendors: `UNSUPPORTED`.
    #[wasm_bindgen(js_name = deleteAccessKey, unchecked_return_type = "Promise<AccessKey>")]
    pub fn delete_access_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> Promise {
        let checked = (|| {
            self.inner.voipbin()?;
            let id = id.as_string().ok_or_else(|| {
                AuthError::invalid_options(
                    "the access key id must be a string, as listAccessKeys() gives it",
                )
            })?;
            voipbin::check_access_key_id(&id)?;
            Ok(id)
        })();
        let id = match checked {
            Ok(id) => id,
            Err(error) => return rejected(error),
        };
        self.run(move |client| Ok(from_json(&within(client.delete_access_key(&id))?)))
    }

    /// Used by the package's `TokenCoordinator` Durable Object: answers a
    /// client's ask from this client's store. Not part of the public API.
    #[wasm_bindgen(js_name = __coordinate, skip_typescript)]
    pub fn coordinate(&self, kind: String, token: Option<String>) -> Promise {
        let Some(ask) = Ask::from_parts(&kind, token) else {
            return rejected(AuthError::invalid_options("unknown coordinator request"));
        };
        self.run(move |client| {
            let answer = within(client.coordinate(ask.clone()))?;
            let object = Object::new();
            set(&object, "entry", &JsValue::from_str(&answer.entry));
            set(&object, "fromCache", &JsValue::from_bool(answer.from_cache));
            Ok(object.into())
        })
    }

    /// Forgets the cached token (in this client's store). The next
    /// `getToken` obtains a new one.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn clear(&self) -> Promise {
        self.run(move |client| {
            within(client.clear())?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Listens to `"token"` (a new token: `{ vendor, expiresAt, fromCache }`,
    /// never the token itself), `"error"` (the `AuthError` a call rejected
    /// with) or `"storage-fallback"` (`{ vendor, reason }`: the store failed
    /// and tokens are kept in memory). Returns a function that unsubscribes.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        event: &AuthClientEventName,
        #[wasm_bindgen(unchecked_param_type = "AuthClientListener")] listener: JsValue,
    ) -> Result<Function, JsValue> {
        let name = AsRef::<JsValue>::as_ref(event)
            .as_string()
            .unwrap_or_default();
        let Some(name) = Event::NAMES.into_iter().find(|n| *n == name) else {
            return Err(js_error(AuthError::invalid_options(format!(
                "unknown event; listen to one of {}",
                Event::NAMES.join(", ")
            ))));
        };
        let listener: Function = listener.dyn_into().map_err(|_| {
            js_error(AuthError::invalid_options(
                "the listener must be a function",
            ))
        })?;
        let id = self.inner.events().subscribe(
            name,
            Rc::new(move |event: &Event| {
                // A throwing listener must not break the call that emitted.
                let _ = listener.call1(&JsValue::UNDEFINED, &event_to_js(event));
            }),
        );
        let client = Rc::downgrade(&self.inner);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = client.upgrade() {
                client.events().unsubscribe(id);
            }
        });
        Ok(unsubscribe.into_js_value().unchecked_into())
    }
}
