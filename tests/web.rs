//! The web adapters in a real JS engine (Node and headless Chromium, through
//! wasm-bindgen-test): options from JS objects, the fetch transport, KV-shaped
//! and throwing stores, time-outs and events.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Promise, Reflect};
use vendor_auth::web::AuthClient;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// Evaluates a JS expression (test code only).
fn js(expression: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expression});"))
        .call0(&JsValue::UNDEFINED)
        .unwrap()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

/// An array and a listener that pushes every payload into it.
fn collector() -> (JsValue, Function) {
    let seen = js("[]");
    let push = js("(list) => (e) => list.push(e)")
        .unchecked_into::<Function>()
        .call1(&JsValue::UNDEFINED, &seen)
        .unwrap()
        .unchecked_into();
    (seen, push)
}

fn client(options: &JsValue) -> Result<AuthClient, JsValue> {
    AuthClient::new(options.unchecked_ref())
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// A fetch that answers emnify's authenticate with a fresh JWT and counts calls
/// in `globalThis.__calls`.
const COUNTING_FETCH: &str = r#"(() => {
  globalThis.__calls = [];
  const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return async (url, init) => {
    globalThis.__calls.push({ url, method: init.method, body: init.body });
    const jwt = b64({ alg: "HS256" }) + "." + b64({ exp: Math.floor(Date.now() / 1000) + 14400 }) + ".sig";
    return new Response(JSON.stringify({ auth_token: jwt }), { status: 200, headers: { "content-type": "application/json" } });
  };
})()"#;

fn emnify_options(extra: &str) -> JsValue {
    js(&format!(
        r#"{{ vendor: "emnify", baseUrl: "http://sim.test/emnify",
             credentials: {{ applicationToken: "wasm-test-{}" }}, fetch: {COUNTING_FETCH} {extra} }}"#,
        js_sys::Math::random()
    ))
}

#[wasm_bindgen_test]
fn bad_options_throw_invalid_options_naming_the_field() {
    for (options, field) in [
        ("undefined", "options object"),
        ("null", "options object"),
        ("42", "options object"),
        ("() => 1", "options object"),
        ("{ vendor: 'acme', credentials: {} }", "options.vendor"),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: () => 1 } }",
            "credentials.applicationToken must be plain data",
        ),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: 'a' }, timeoutMs: NaN }",
            "options.timeoutMs",
        ),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: 'a' }, store: 'disk' }",
            "options.store",
        ),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: 'a' }, store: { get() {} } }",
            "options.store.put",
        ),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: 'a' }, fetch: 'fetch' }",
            "options.fetch",
        ),
        (
            "{ vendor: 'emnify', credentials: { applicationToken: 1n } }",
            "not a bigint",
        ),
        (
            "new Proxy({}, { ownKeys() { throw new Error('trap') } })",
            "cannot be read",
        ),
        (
            "{ get vendor() { throw new Error('getter') }, credentials: {} }",
            "options.vendor cannot be read",
        ),
    ] {
        let error = client(&js(options)).err().expect(options);
        assert_eq!(get(&error, "code"), "INVALID_OPTIONS", "{options}");
        let message = get(&error, "message").as_string().unwrap();
        assert!(message.contains(field), "{options}: {message}");
        assert!(error.is_instance_of::<js_sys::Error>());
    }
}

#[wasm_bindgen_test]
async fn get_token_uses_the_fetch_once_and_then_the_cache() {
    let client = client(&emnify_options("")).unwrap();
    let first = settle(client.get_token(None)).await.unwrap();
    let second = settle(client.get_token(None)).await.unwrap();
    assert_eq!(first, second);
    let calls = js("globalThis.__calls");
    assert_eq!(get(&calls, "length"), 1);
    let call = get(&calls, "0");
    assert_eq!(
        get(&call, "url"),
        "http://sim.test/emnify/api/v1/authenticate"
    );
    assert_eq!(get(&call, "method"), "POST");
    let info = settle(client.get_token_info(None)).await.unwrap();
    assert_eq!(get(&info, "fromCache"), true);
    assert_eq!(get(&info, "vendor"), "emnify");
    assert!(get(&info, "expiresAt").as_f64().unwrap() > js_sys::Date::now());
}

#[wasm_bindgen_test]
async fn a_kv_shaped_store_gets_versioned_entries_with_a_ttl() {
    let store = js(r#"(() => {
        const map = new Map(); const puts = [];
        return { map, puts,
          async get(k) { return map.has(k) ? map.get(k) : null; },
          async put(k, v, o) { if (!k.endsWith(":lease")) puts.push({ k, o }); map.set(k, v); },
          async delete(k) { map.delete(k); } };
    })()"#);
    Reflect::set(&js("globalThis"), &"__store".into(), &store).unwrap();
    let client = client(&emnify_options(", store: globalThis.__store")).unwrap();
    let token = settle(client.get_token(None))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    let put = get(&get(&store, "puts"), "0");
    let key = get(&put, "k").as_string().unwrap();
    assert!(
        key.starts_with("vendor-auth:v1:emnify:http://sim.test/emnify:"),
        "{key}"
    );
    assert!(!key.contains("wasm-test"), "{key}");
    let ttl = get(&get(&put, "o"), "expirationTtl").as_f64().unwrap();
    assert!((14_000.0..=14_400.0).contains(&ttl), "{ttl}");
    let entry = js_sys::JSON::parse(
        &get(&store, "map")
            .unchecked_ref::<js_sys::Map>()
            .get(&key.into())
            .as_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(get(&entry, "v"), 1);
    assert_eq!(get(&entry, "token").as_string().unwrap(), token);
}

#[wasm_bindgen_test]
async fn a_throwing_store_still_yields_tokens_and_reports_the_fallback() {
    let options = emnify_options(
        ", store: { get() { throw new DOMException('denied', 'SecurityError') }, put() { return Promise.reject(new Error('quota')) }, delete() {} }",
    );
    let client = client(&options).unwrap();
    let (seen, push) = collector();
    let _unsubscribe = client
        .on(js("'storage-fallback'").unchecked_ref(), push.into())
        .unwrap();
    settle(client.get_token(None)).await.unwrap();
    settle(client.get_token(None)).await.unwrap();
    assert_eq!(get(&js("globalThis.__calls"), "length"), 1);
    assert_eq!(get(&seen, "length"), 1);
    let reason = get(&get(&seen, "0"), "reason").as_string().unwrap();
    assert!(reason.contains("SecurityError"), "{reason}");
}

#[wasm_bindgen_test]
async fn a_request_slower_than_timeout_ms_fails_with_timeout() {
    let options = js(
        r#"{ vendor: "voipbin", baseUrl: "http://sim.test/voipbin", timeoutMs: 50,
        credentials: { username: "slow", password: "pw" },
        fetch: (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason))) }"#,
    );
    let client = client(&options).unwrap();
    let error = settle(client.get_token(None)).await.unwrap_err();
    assert_eq!(get(&error, "code"), "TIMEOUT");
    assert_eq!(get(&error, "vendor"), "voipbin");
}

#[wasm_bindgen_test]
async fn a_network_failure_is_network_and_names_no_secret() {
    let options = js(r#"{ vendor: "voipbin", baseUrl: "http://sim.test/voipbin",
        credentials: { username: "u", password: "hunter2-secret" },
        fetch: async () => { throw new TypeError("fetch failed hunter2-secret") } }"#);
    let client = client(&options).unwrap();
    let error = settle(client.get_token(None)).await.unwrap_err();
    assert_eq!(get(&error, "code"), "NETWORK");
    let message = get(&error, "message").as_string().unwrap();
    assert!(!message.contains("hunter2-secret"), "{message}");
}

#[wasm_bindgen_test]
fn web_storage_exists_only_where_there_is_a_window() {
    let options = js(
        r#"{ vendor: "emnify", credentials: { applicationToken: "a" }, store: "sessionStorage" }"#,
    );
    let result = client(&options);
    if web_sys::window().is_some() {
        assert!(result.is_ok());
    } else {
        let error = result.err().unwrap();
        assert_eq!(get(&error, "code"), "INVALID_OPTIONS");
        let message = get(&error, "message").as_string().unwrap();
        assert!(
            message.contains("sessionStorage does not exist in"),
            "{message}"
        );
    }
}

#[wasm_bindgen_test]
async fn unsubscribing_stops_events() {
    let client = client(&emnify_options("")).unwrap();
    let (seen, push) = collector();
    let unsubscribe = client
        .on(js("'token'").unchecked_ref(), push.into())
        .unwrap();
    settle(client.get_token(None)).await.unwrap();
    assert_eq!(get(&seen, "length"), 1);
    let event = get(&seen, "0");
    assert!(get(&event, "token").is_undefined());
    assert_eq!(get(&event, "fromCache"), false);
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    settle(client.get_token(Some(js("{ cache: 'reload' }").unchecked_into())))
        .await
        .unwrap();
    assert_eq!(get(&seen, "length"), 1);
}
