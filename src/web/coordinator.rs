//! The client side of a Durable Object coordinator: `options.coordinator` is
//! the namespace binding; each principal's object is found by the cache key.

use crate::core::coordinator::{remote_error, Answer, Ask, Coordinator};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::LocalFuture;
use crate::core::json::{self, object, Value};
use crate::web::convert::{describe, get};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the object answers (a name only: requests to a stub never leave
/// Cloudflare).
const ASK_URL: &str = "https://vendor-auth.coordinator/ask";

pub struct DurableObjectCoordinator {
    namespace: JsValue,
    id_from_name: Function,
    get: Function,
    /// The client's options as data (credentials included: the object logs
    /// in with them). Never a store, a fetch or a coordinator.
    options: Value,
}

fn unreachable(why: &str) -> AuthError {
    AuthError::new(
        ErrorCode::Network,
        format!("the token coordinator (Durable Object) could not be asked: {why}"),
    )
}

impl DurableObjectCoordinator {
    pub fn new(namespace: &JsValue, options: Value) -> Result<Self, AuthError> {
        let method = |name: &str| -> Result<Function, AuthError> {
            get(namespace, name, &format!("options.coordinator.{name}"))?
                .dyn_into::<Function>()
                .map_err(|_| {
                    AuthError::invalid_options(
                        "options.coordinator must be a Durable Object namespace binding (env.TOKEN_COORDINATOR) bound to the package's TokenCoordinator class",
                    )
                })
        };
        Ok(DurableObjectCoordinator {
            namespace: namespace.clone(),
            id_from_name: method("idFromName")?,
            get: method("get")?,
            options,
        })
    }

    async fn ask_now(&self, key: &str, ask: Ask) -> Result<Answer, AuthError> {
        let fail = |e: JsValue| unreachable(&describe(&e));
        let id = self
            .id_from_name
            .call1(&self.namespace, &JsValue::from_str(key))
            .map_err(fail)?;
        let stub = self.get.call1(&self.namespace, &id).map_err(fail)?;
        let fetch: Function = Reflect::get(&stub, &"fetch".into())
            .map_err(fail)?
            .dyn_into()
            .map_err(|_| unreachable("the stub has no fetch"))?;
        let (kind, token) = ask.parts();
        let body = object! {
            "options": self.options.clone(),
            "kind": kind,
            "token": token.map(|t| t.expose()),
        };
        let init = Object::new();
        let _ = Reflect::set(&init, &"method".into(), &"POST".into());
        let _ = Reflect::set(&init, &"body".into(), &JsValue::from_str(&body.encode()));
        let returned = fetch
            .call2(&stub, &JsValue::from_str(ASK_URL), &init)
            .map_err(fail)?;
        let response: web_sys::Response = JsFuture::from(Promise::resolve(&returned))
            .await
            .map_err(fail)?
            .dyn_into()
            .map_err(|_| unreachable("the stub answered something that is not a Response"))?;
        let text = JsFuture::from(response.text().map_err(fail)?)
            .await
            .map_err(fail)?;
        let answer: Value =
            json::parse(&text.as_string().unwrap_or_default()).ok_or_else(|| {
                unreachable(&format!(
                    "it answered HTTP {} without JSON",
                    response.status()
                ))
            })?;
        if let Some(error) = answer.get("error") {
            let text = |name: &str| error.get(name).and_then(Value::as_str);
            return Err(remote_error(
                text("code").unwrap_or("VENDOR_ERROR"),
                text("message").unwrap_or("the token coordinator failed"),
                text("vendor"),
                error
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok()),
                error.get("retryAfterSeconds").and_then(Value::as_u64),
            ));
        }
        match (
            answer.get("entry").and_then(Value::as_str),
            answer.get("fromCache"),
        ) {
            (Some(entry), from_cache) => Ok(Answer {
                entry: entry.to_string(),
                from_cache: from_cache.and_then(Value::as_bool).unwrap_or(false),
            }),
            _ => Err(unreachable("its answer has no entry")),
        }
    }
}

impl Coordinator for DurableObjectCoordinator {
    fn ask<'a>(&'a self, key: &'a str, ask: Ask) -> LocalFuture<'a, Result<Answer, AuthError>> {
        Box::pin(self.ask_now(key, ask))
    }
}
