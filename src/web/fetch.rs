//! Calling `fetch`: the caller's `options.fetch` when given, else the
//! *global* `fetch` (never `window.fetch`, so one build works in windows,
//! workers, Node and Cloudflare Workers), bounded by `timeoutMs` and by the
//! caller's `AbortSignal`.

use crate::core::http::{Body, HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
use crate::web::convert::describe;
use crate::web::runtime::Timer;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, FormData, Headers, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(input: &JsValue, init: &JsValue) -> Result<Promise, JsValue>;
}

pub struct Fetcher {
    /// `options.fetch`, called with `this` undefined as a detached `fetch` is.
    pub custom: Option<Function>,
    pub timeout_ms: u32,
}

fn network(thrown: &JsValue) -> TransportError {
    TransportError::Network(describe(thrown))
}

/// Forwards the caller's abort to our controller while alive.
struct Forward {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Drop for Forward {
    fn drop(&mut self) {
        if let Ok(remove) = Reflect::get(&self.signal, &"removeEventListener".into()) {
            if let Some(remove) = remove.dyn_ref::<Function>() {
                let _ = remove.call2(&self.signal, &"abort".into(), self.listener.as_ref());
            }
        }
    }
}

fn forward_abort(from: &AbortSignal, to: &AbortController) -> Option<Forward> {
    let target = to.clone();
    let source = from.clone();
    let listener = Closure::<dyn FnMut()>::new(move || target.abort_with_reason(&source.reason()));
    let add = Reflect::get(from, &"addEventListener".into()).ok()?;
    add.dyn_ref::<Function>()?
        .call2(from, &"abort".into(), listener.as_ref())
        .ok()?;
    Some(Forward {
        signal: from.clone(),
        listener,
    })
}

impl Fetcher {
    /// `fetch(url, init)` with `init.signal` replaced by one that fires on
    /// time-out or when `caller` fires. `init` is a plain object; it is not
    /// modified.
    pub async fn call(
        &self,
        url: &str,
        init: &Object,
        caller: Option<&AbortSignal>,
    ) -> Result<Response, TransportError> {
        if caller.is_some_and(AbortSignal::aborted) {
            return Err(TransportError::Aborted);
        }
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
        let _forward = caller.and_then(|signal| forward_abort(signal, &controller));
        let init = Object::assign(&Object::new(), init);
        let _ = Reflect::set(&init, &"signal".into(), &controller.signal());
        let failed = |thrown: JsValue| {
            if timed_out.get() {
                TransportError::Timeout
            } else if caller.is_some_and(AbortSignal::aborted) {
                TransportError::Aborted
            } else {
                network(&thrown)
            }
        };
        let url = JsValue::from_str(url);
        let promise = match &self.custom {
            Some(fetch) => fetch
                .call2(&JsValue::UNDEFINED, &url, &init)
                .map(|p| Promise::resolve(&p)),
            None => global_fetch(&url, &init),
        }
        .map_err(failed)?;
        let response = JsFuture::from(promise).await.map_err(failed)?;
        response.dyn_into::<Response>().map_err(|_| {
            TransportError::Network("fetch resolved to something that is not a Response".into())
        })
    }
}

/// The transport of logins and refreshes.
pub struct FetchTransport(pub Rc<Fetcher>);

fn request_init(request: &HttpRequest) -> Result<Object, JsValue> {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &request.method.as_str().into())?;
    let headers = Headers::new()?;
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    Reflect::set(&init, &"headers".into(), &headers)?;
    match &request.body {
        Body::Empty => {}
        Body::Json(text) => {
            Reflect::set(&init, &"body".into(), &JsValue::from_str(text))?;
        }
        Body::Multipart(fields) => {
            let form = FormData::new()?;
            for (name, value) in fields {
                form.append_with_str(name, value)?;
            }
            Reflect::set(&init, &"body".into(), &form)?;
        }
    }
    Ok(init)
}

/// The headers a response lets this runtime read (a browser hides most
/// headers of a cross-origin answer).
fn response_headers(response: &Response) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for pair in entries.flatten() {
            let pair: Array = pair.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((name, value));
            }
        }
    }
    headers
}

impl FetchTransport {
    async fn send_now(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let init = request_init(&request).map_err(|e| network(&e))?;
        let response = self.0.call(&request.url, &init, None).await?;
        let text = response.text().map_err(|e| network(&e))?;
        let body = JsFuture::from(text).await.map_err(|e| network(&e))?;
        Ok(HttpResponse {
            status: response.status(),
            headers: response_headers(&response),
            body: body.as_string().unwrap_or_default(),
        })
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.send_now(request))
    }
}
