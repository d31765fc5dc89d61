//! `AuthError` in JS: a real `Error` subclass defined by the package (so
//! `instanceof AuthError` works), constructed here from core errors.

use crate::core::error::AuthError;
use crate::web::convert::set;
use js_sys::{Array, Function, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Called once by each package entry with its `AuthError` class. Not part of
/// the public API.
#[wasm_bindgen(js_name = __registerAuthError, skip_typescript)]
pub fn register_auth_error(class: Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

fn optional_number(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_f64)
}

/// The JS value a rejected promise carries for `error`.
pub fn to_js(error: &AuthError) -> JsValue {
    let details = Object::new();
    set(&details, "code", &JsValue::from_str(error.code.as_str()));
    let vendor = error
        .vendor
        .map_or(JsValue::NULL, |v| JsValue::from_str(v.as_str()));
    set(&details, "vendor", &vendor);
    set(
        &details,
        "status",
        &optional_number(error.status.map(f64::from)),
    );
    let retry = error.retry_after_seconds.map(|s| s as f64);
    set(&details, "retryAfterSeconds", &optional_number(retry));
    let message = JsValue::from_str(&error.message);
    let class = ERROR_CLASS.with(|c| c.borrow().clone());
    if let Some(class) = class {
        let args = Array::of2(&message, &details);
        if let Ok(instance) = Reflect::construct(&class, &args) {
            return instance;
        }
    }
    // No class registered (the raw wasm-bindgen module, as in wasm tests): a
    // plain Error with the same properties.
    let plain = js_sys::Error::new(&error.message);
    plain.set_name("AuthError");
    let _ = Object::assign(&plain, &details);
    plain.into()
}
