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

/// A response whose time-out is still running: reading its body is bounded
/// by the same `timeoutMs` until this is dropped.
pub struct Sent {
    pub response: Response,
    timed_out: Rc<Cell<bool>>,
    _timer: Timer,
    _forward: Option<Forward>,
}

impl Sent {
    /// A failure while reading the body, named as a time-out when it was one.
    fn failed(&self, thrown: &JsValue) -> TransportError {
        if self.timed_out.get() {
            TransportError::Timeout
        } else {
            network(thrown)
        }
    }
}

impl Fetcher {
    /// `fetch(url, init)` with `init.signal` replaced by one that fires on
    /// time-out or when `caller` fires. `init` is a plain object; it is not
    /// modified. The time-out covers the wait for the response headers.
    pub async fn call(
        &self,
        url: &str,
        init: &Object,
        caller: Option<&AbortSignal>,
    ) -> Result<Response, TransportError> {
        self.send(url, init, caller).await.map(|sent| sent.response)
    }

    /// Like [`Fetcher::call`], with the time-out still running for the body.
    pub async fn send(
        &self,
        url: &str,
        init: &Object,
        caller: Option<&AbortSignal>,
    ) -> Result<Sent, TransportError> {
        if caller.is_some_and(AbortSignal::aborted) {
            return Err(TransportError::Aborted);
        }
        let controller = AbortController::new().map_err(|e| network(&e))?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            Timer::new(self.timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let forward = caller.and_then(|signal| forward_abort(signal, &controller));
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
        let response = response.dyn_into::<Response>().map_err(|_| {
            TransportError::Network("fetch resolved to something that is not a Response".into())
        })?;
        Ok(Sent {
            response,
            timed_out,
            _timer: timer,
            _forward: forward,
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

/// The largest auth answer read: vendors answer a few hundred bytes, and a
/// larger body (a broken proxy, an attack) is refused, not buffered.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

fn call_method(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &name.into())?
        .dyn_into::<Function>()?
        .call0(target)
}

/// Reads a body up to [`MAX_BODY_BYTES`], chunk by chunk, and cancels the
/// stream past that.
async fn read_limited(sent: &Sent) -> Result<String, TransportError> {
    let response = &sent.response;
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse::<usize>().ok());
    let Some(body) = response.body() else {
        return Ok(String::new());
    };
    if declared.is_some_and(|l| l > MAX_BODY_BYTES) {
        let _ = body.cancel();
        return Err(TransportError::TooLarge);
    }
    let reader = call_method(&body, "getReader").map_err(|e| sent.failed(&e))?;
    let mut bytes = Vec::new();
    loop {
        let read = call_method(&reader, "read").map_err(|e| sent.failed(&e))?;
        let chunk = JsFuture::from(Promise::resolve(&read))
            .await
            .map_err(|e| sent.failed(&e))?;
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            == Some(true)
        {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| sent.failed(&e))?;
        let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() else {
            continue;
        };
        if bytes.len() + array.length() as usize > MAX_BODY_BYTES {
            let _ = call_method(&reader, "cancel");
            return Err(TransportError::TooLarge);
        }
        let start = bytes.len();
        bytes.resize(start + array.length() as usize, 0);
        array.copy_to(&mut bytes[start..]);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

impl FetchTransport {
    async fn send_now(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let init = request_init(&request).map_err(|e| network(&e))?;
        let sent = self.0.send(&request.url, &init, None).await?;
        let body = read_limited(&sent).await?;
        Ok(HttpResponse {
            status: sent.response.status(),
            headers: response_headers(&sent.response),
            body,
        })
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.send_now(request))
    }
}
