//! The transport over `fetch`: the caller's `options.fetch` when given, else
//! the *global* `fetch` (never `window.fetch`, so one build works in windows,
//! workers, Node and Cloudflare Workers).

use crate::core::http::{Body, HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
use crate::web::convert::describe;
use crate::web::runtime::Timer;
use js_sys::{Array, Function, Promise};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, FormData, Headers, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

pub struct FetchTransport {
    /// `options.fetch`, called with `this` undefined as a detached `fetch` is.
    pub custom: Option<Function>,
    pub timeout_ms: u32,
}

fn network(thrown: &JsValue) -> TransportError {
    TransportError::Network(describe(thrown))
}

fn build_init(
    request: &HttpRequest,
    signal: &web_sys::AbortSignal,
) -> Result<RequestInit, JsValue> {
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    let headers = Headers::new()?;
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    init.set_headers(&headers);
    match &request.body {
        Body::Empty => {}
        Body::Json(text) => init.set_body(&JsValue::from_str(text)),
        Body::Multipart(fields) => {
            let form = FormData::new()?;
            for (name, value) in fields {
                form.append_with_str(name, value)?;
            }
            init.set_body(&form);
        }
    }
    init.set_signal(Some(signal));
    Ok(init)
}

impl FetchTransport {
    async fn send_now(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let controller = AbortController::new().map_err(|e| network(&e))?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            Timer::new(self.timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let failed = |thrown: JsValue| {
            if timed_out.get() {
                TransportError::Timeout
            } else {
                network(&thrown)
            }
        };
        let init = build_init(&request, &controller.signal()).map_err(|e| network(&e))?;
        let promise = match &self.custom {
            Some(fetch) => fetch
                .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
                .map(|p| Promise::resolve(&p)),
            None => global_fetch(&request.url, &init),
        }
        .map_err(failed)?;
        let response: Response = JsFuture::from(promise)
            .await
            .map_err(failed)?
            .dyn_into()
            .map_err(|_| {
                TransportError::Network("fetch resolved to something that is not a Response".into())
            })?;
        let mut headers = Vec::new();
        if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
            for pair in entries.flatten() {
                let pair: Array = pair.unchecked_into();
                if let (Some(name), Some(value)) =
                    (pair.get(0).as_string(), pair.get(1).as_string())
                {
                    headers.push((name, value));
                }
            }
        }
        let text = response.text().map_err(failed)?;
        let body = JsFuture::from(text).await.map_err(failed)?;
        Ok(HttpResponse {
            status: response.status(),
            headers,
            body: body.as_string().unwrap_or_default(),
        })
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.send_now(request))
    }
}
