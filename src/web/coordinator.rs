//! The client side of a Durable Object coordinator: `options.coordinator` is
//! the namespace binding; each principal's object is found by the cache key.
//! The option is checked here; the JS host asks the object
//! (`pkg/host.js`), and `engine` reads its answer.

use crate::core::error::AuthError;
use crate::core::json::Value;
use crate::web::convert::get;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The host's descriptor of the coordinator: `{ namespace, idFromName, get,
/// options }`, `options` being the client's options as JSON data
/// (credentials included: the object logs in with them; never a store, a
/// fetch or a coordinator).
pub fn describe(namespace: &JsValue, options: &Value) -> Result<JsValue, AuthError> {
    let method = |name: &str| -> Result<Function, AuthError> {
        get(namespace, name, &format!("options.coordinator.{name}"))?
            .dyn_into::<Function>()
            .map_err(|_| {
                AuthError::invalid_options(
                    "options.coordinator must be a Durable Object namespace binding (env.TOKEN_COORDINATOR) bound to the package's TokenCoordinator class",
                )
            })
    };
    let descriptor = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&descriptor, &name.into(), value);
    };
    set("namespace", namespace);
    set("idFromName", &method("idFromName")?.into());
    set("get", &method("get")?.into());
    set("options", &options.encode().into());
    Ok(descriptor.into())
}
