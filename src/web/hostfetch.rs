//! What the package's `client.fetch` (`pkg/client-fetch.js`) asks of the
//! core: the plan, the answers it must judge, the renewal after a
//! rejection, and its errors. Not part of the public API.

use crate::core::client::is_damped;
use crate::core::fetch::FetchFailure;
use crate::core::fx::attempt;
use crate::core::secret::Secret;
use crate::web::api::AuthClient;
use crate::web::convert::{describe_scrubbed, set};
use crate::web::engine::within;
use crate::web::error::to_js;
use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;

fn numbers(values: &[u16]) -> Array {
    values.iter().map(|&v| JsValue::from(v)).collect()
}

#[wasm_bindgen]
impl AuthClient {
    /// The client's `FetchPlan` (see `core::fetch`), with `options.fetch`.
    #[wasm_bindgen(js_name = __fetchPlan, skip_typescript)]
    pub fn fetch_plan(&self) -> JsValue {
        let plan = self.inner.fetch_plan(!crate::web::storage::is_browser());
        let object = Object::new();
        set(&object, "root", &JsValue::from_str(&plan.root));
        if let Some(name) = plan.query {
            set(&object, "query", &JsValue::from_str(name));
        }
        set(&object, "follow", &JsValue::from_bool(plan.follow));
        set(
            &object,
            "followElsewhere",
            &JsValue::from_bool(plan.follow_elsewhere),
        );
        set(&object, "cookies", &JsValue::from_bool(plan.sends_cookies));
        let origins: Array = plan.origins.iter().map(|o| JsValue::from_str(o)).collect();
        set(&object, "origins", &origins);
        set(&object, "reported", &numbers(&plan.reported));
        set(&object, "judged", &numbers(&plan.judged));
        set(&object, "timeoutMs", &JsValue::from(plan.timeout_ms));
        let body_bytes = crate::core::fetch::REJECTION_BODY_BYTES;
        set(&object, "judgedBytes", &JsValue::from(body_bytes));
        let redirects = crate::core::fetch::MAX_REDIRECTS;
        set(&object, "redirects", &JsValue::from(redirects));
        let custom = self.custom_fetch();
        if !custom.is_undefined() {
            set(&object, "fetch", &custom);
        }
        object.into()
    }

    /// Tells the core of an answer listed in `plan.reported`.
    #[wasm_bindgen(js_name = __apiAnswered, skip_typescript)]
    pub fn api_answered(&self, status: u16, retry_after: Option<String>) -> Promise {
        let retry_after = retry_after.and_then(|v| v.trim().parse().ok());
        self.run(move |client| {
            within(client.api_answered(status, retry_after))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Whether an answer listed in `plan.judged`, with (the start of) its
    /// body, rejects the token.
    #[wasm_bindgen(js_name = __isRejection, skip_typescript)]
    pub fn is_rejection(&self, status: u16, body: &str) -> bool {
        self.inner.is_rejection(status, body)
    }

    /// The token renewed after the vendor rejected `rejected`; `null` when
    /// the renewal is damped (the rejected answer is the caller's).
    #[wasm_bindgen(js_name = __renewAfterRejection, skip_typescript)]
    pub fn renew_after_rejection(&self, rejected: String) -> Promise {
        let rejected = Secret::new(rejected);
        self.run(
            move |client| match attempt(within(client.renew_after_rejection(&rejected)))? {
                Ok(info) => Ok(JsValue::from_str(info.token.expose())),
                Err(error) if is_damped(&error) => Ok(JsValue::NULL),
                Err(error) => Err(error.into()),
            },
        )
    }

    /// The renewed token was rejected too.
    #[wasm_bindgen(js_name = __rejectedTwice, skip_typescript)]
    pub fn rejected_twice(&self, status: u16, renewed: String) -> Promise {
        let renewed = Secret::new(renewed);
        self.run(move |client| {
            within(client.rejected_twice(status, &renewed))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The `AuthError` of a host failure: `kind` is `"invalid"` (`detail`
    /// the message), `"unreadable"` (`detail` what reading threw; `what` the
    /// field), `"foreign"` (`detail` the origin), `"unsafe"`, `"timeout"` or
    /// `"network"` (`detail` what the runtime threw, `what` the token to
    /// scrub from it).
    #[wasm_bindgen(js_name = __fetchFailure, skip_typescript)]
    pub fn fetch_failure(&self, kind: &str, detail: JsValue, what: Option<String>) -> JsValue {
        let text = detail.as_string().unwrap_or_default();
        let secrets: Vec<&str> = what
            .as_deref()
            .into_iter()
            .filter(|_| kind == "network")
            .collect();
        let described = describe_scrubbed(&detail, &secrets);
        let unreadable = format!(
            "{} cannot be read: {described}",
            what.as_deref().unwrap_or("client.fetch: init")
        );
        let failure = match kind {
            "invalid" => FetchFailure::Invalid(&text),
            "unreadable" => FetchFailure::Invalid(&unreadable),
            "foreign" => FetchFailure::ForeignOrigin(&text),
            "unsafe" => FetchFailure::UnsafeToken,
            "timeout" => FetchFailure::Timeout,
            _ => FetchFailure::Network(&described),
        };
        to_js(&self.inner.fetch_failure(failure))
    }
}
