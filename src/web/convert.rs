//! JS values to the JSON data `core` validates, and back.

use crate::core::error::AuthError;
use crate::core::json::{Map, Number, Value};
use crate::core::options::clip;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    // Catching bindings: a Proxy or a getter in user input may throw from
    // any of these, and an uncaught throw would leave the call unsettled.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = assign)]
    fn object_assign(target: &Object, source: &JsValue) -> Result<Object, JsValue>;
}

/// How deep option objects may nest (credentials are one level).
const MAX_DEPTH: usize = 4;

fn js_type(value: &JsValue) -> &'static str {
    if value.is_function() {
        "a function"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_bigint() {
        "a bigint"
    } else {
        "an unsupported value"
    }
}

/// Converts plain data (objects, arrays, strings, numbers, booleans, null).
/// `undefined` reads as absent (`None`). Anything else is `INVALID_OPTIONS`
/// naming `path`.
pub fn to_json(value: &JsValue, path: &str, depth: usize) -> Result<Option<Value>, AuthError> {
    if value.is_undefined() {
        return Ok(None);
    }
    if value.is_null() {
        return Ok(Some(Value::Null));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Some(Value::Bool(b)));
    }
    if let Some(n) = value.as_f64() {
        // JS writes a finite number as a valid JSON number; taking its text
        // keeps float formatting out of the wasm.
        let text = n.is_finite().then(|| {
            let number: &js_sys::Number = value.unchecked_ref();
            number.to_string_with_radix(10).ok().map(String::from)
        });
        return text
            .flatten()
            .and_then(|t| Number::from_text(&t))
            .map(|n| Some(Value::Number(n)))
            .ok_or_else(|| AuthError::invalid_options(format!("{path} must be a finite number")));
    }
    if let Some(s) = value.as_string() {
        return Ok(Some(Value::String(s)));
    }
    if value.is_function() || value.is_symbol() || value.is_bigint() || !value.is_object() {
        return Err(AuthError::invalid_options(format!(
            "{path} must be plain data, not {}",
            js_type(value)
        )));
    }
    if depth >= MAX_DEPTH {
        return Err(AuthError::invalid_options(format!(
            "{path} is nested too deeply"
        )));
    }
    let array = is_array(value).map_err(|e| {
        AuthError::invalid_options(format!("{path} cannot be read: {}", describe(&e)))
    })?;
    if array {
        let array: &Array = value.unchecked_ref();
        let mut items = Vec::new();
        for (i, item) in array.iter().enumerate() {
            let item = to_json(&item, &format!("{path}[{i}]"), depth + 1)?;
            items.push(item.unwrap_or(Value::Null));
        }
        return Ok(Some(Value::Array(items)));
    }
    let object: &Object = value.unchecked_ref();
    let mut map = Map::new();
    for key in own_keys(object, path)? {
        let child_path = format!("{path}.{}", clip(&key));
        let child = get(object, &key, &child_path)?;
        if let Some(v) = to_json(&child, &child_path, depth + 1)? {
            map.insert(key, v);
        }
    }
    Ok(Some(Value::Object(map)))
}

/// `Object.keys(object)`, which a Proxy can make throw.
pub fn own_keys(object: &Object, path: &str) -> Result<Vec<String>, AuthError> {
    let keys = Reflect::own_keys(object).map_err(|e| {
        AuthError::invalid_options(format!("{path} cannot be read: {}", describe(&e)))
    })?;
    keys.iter()
        .filter_map(|k| k.as_string())
        .map(|k| {
            let descriptor = Reflect::get_own_property_descriptor(object, &JsValue::from_str(&k))
                .map_err(|e| {
                AuthError::invalid_options(format!(
                    "{path}.{} cannot be read: {}",
                    clip(&k),
                    describe(&e)
                ))
            })?;
            let enumerable = descriptor.is_object()
                && Reflect::get(&descriptor, &JsValue::from_str("enumerable"))
                    .ok()
                    .and_then(|e| e.as_bool())
                    == Some(true);
            Ok(enumerable.then_some(k))
        })
        .filter_map(Result::transpose)
        .collect()
}

/// `object[key]`, which a getter or a Proxy can make throw.
pub fn get(object: &JsValue, key: &str, path: &str) -> Result<JsValue, AuthError> {
    Reflect::get(object, &JsValue::from_str(key))
        .map_err(|e| AuthError::invalid_options(format!("{path} cannot be read: {}", describe(&e))))
}

/// `target[name] = value` on an object of ours (a fresh plain object:
/// defining a property on it cannot fail).
pub fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

/// `answer[name]` of an answer the host made (`undefined` where reading
/// fails).
pub fn field(answer: &JsValue, name: &str) -> JsValue {
    Reflect::get(answer, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// A short description of a thrown JS value: its message, never its stack.
pub fn describe(thrown: &JsValue) -> String {
    describe_scrubbed(thrown, &[])
}

/// [`describe`], with `secrets` removed before the text is shortened (a
/// runtime's error may echo the request or the value it failed on).
pub fn describe_scrubbed(thrown: &JsValue, secrets: &[&str]) -> String {
    let text = if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        let name = String::from(error.name());
        let message = String::from(error.message());
        if message.is_empty() {
            name
        } else {
            format!("{name}: {message}")
        }
    } else if let Some(s) = thrown.as_string() {
        s
    } else {
        "an unknown error".to_string()
    };
    let text = crate::core::error::scrub(&text, secrets);
    crate::core::vendors::common::clean_message(&text)
}

/// JSON data to a plain JS value (for `meta` and list results).
pub fn from_json(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.encode()).unwrap_or(JsValue::NULL)
}
