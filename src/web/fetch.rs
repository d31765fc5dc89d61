//! The core's own requests (logins, refreshes, revocations, account calls)
//! are sent by the host's transport, `pkg/host.js`: the caller's
//! `options.fetch` or the global `fetch`, bounded by `timeoutMs`. This side
//! only converts, and names failures without the request's credentials.

use crate::core::error::json_strings;
use crate::core::http::{Body, HttpRequest, HttpResponse, TransportError};
use crate::web::convert::{describe_scrubbed, field, set};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Every value of a request that could be a credential: header values,
/// query values, body fields. Error texts must not repeat them.
fn request_secrets(request: &HttpRequest) -> Vec<String> {
    let mut secrets: Vec<String> = request.headers.iter().map(|(_, v)| v.clone()).collect();
    // "Bearer x" and "Basic x" may be echoed without their scheme.
    for (_, value) in &request.headers {
        if let Some((_, credential)) = value.split_once(' ') {
            secrets.push(credential.to_string());
        }
    }
    if let Some((_, query)) = request.url.split_once('?') {
        secrets.extend(
            query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(_, v)| v.to_string()),
        );
    }
    match &request.body {
        Body::Empty => {}
        Body::Json(text) => secrets.extend(json_strings(text)),
        Body::Multipart(fields) => secrets.extend(fields.iter().map(|(_, v)| v.clone())),
    }
    secrets.retain(|s| s.len() >= 4);
    secrets
}

fn pairs(pairs: &[(String, String)]) -> Array {
    pairs
        .iter()
        .map(|(n, v)| JsValue::from(Array::of2(&n.into(), &v.into())))
        .collect()
}

/// The request as `pkg/host.js` takes it.
pub fn request_to_js(request: &HttpRequest) -> JsValue {
    let object = Object::new();
    set(&object, "method", &request.method.as_str().into());
    set(&object, "url", &request.url.as_str().into());
    set(&object, "headers", &pairs(&request.headers));
    match &request.body {
        Body::Empty => {}
        Body::Json(text) => set(&object, "body", &text.as_str().into()),
        Body::Multipart(fields) => set(&object, "form", &pairs(fields)),
    }
    object.into()
}

/// The transport's answer to `request` (see `pkg/host.js`), its
/// failures named without the request's credentials.
pub fn answer_from_js(
    request: &HttpRequest,
    answer: &JsValue,
) -> Result<HttpResponse, TransportError> {
    let secrets = request_secrets(request);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    if let Some(error) = field(answer, "error").as_string() {
        return Err(match error.as_str() {
            "timeout" => TransportError::Timeout,
            "too-large" => TransportError::TooLarge,
            "redirected" => {
                TransportError::Redirected(field(answer, "status").as_f64().unwrap_or(0.0) as u16)
            }
            _ => TransportError::Network(match field(answer, "text").as_string() {
                Some(text) => text,
                None => describe_scrubbed(&field(answer, "thrown"), &secrets),
            }),
        });
    }
    let mut headers = Vec::new();
    if let Ok(list) = field(answer, "headers").dyn_into::<Array>() {
        for pair in list.iter() {
            let pair: Array = pair.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((name, value));
            }
        }
    }
    Ok(HttpResponse {
        status: field(answer, "status").as_f64().unwrap_or(0.0) as u16,
        headers,
        body: field(answer, "body").as_string().unwrap_or_default(),
    })
}
