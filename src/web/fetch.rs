//! Calling `fetch`: the caller's `options.fetch` when given, else the
//! *global* `fetch` (never `window.fetch`, so one build works in windows,
//! workers, Node and Cloudflare Workers), bounded by `timeoutMs` and by the
//! caller's `AbortSignal`.

use crate::core::error::json_strings;
use crate::core::http::{Body, HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
use crate::web::convert::{describe, describe_scrubbed};
use crate::web::runtime::{Delay, Timer};
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

fn network_scrubbed(thrown: &JsValue, secrets: &[String]) -> TransportError {
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    TransportError::Network(describe_scrubbed(thrown, &secrets))
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
    /// What an error text must not repeat (the request's credentials).
    secrets: Vec<String>,
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
            network_scrubbed(thrown, &self.secrets)
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
        secrets: Vec<String>,
    ) -> Result<Response, TransportError> {
        self.send(url, init, caller, secrets)
            .await
            .map(|sent| sent.response)
    }

    /// Like [`Fetcher::call`], with the time-out still running for the body.
    /// `secrets` are removed from error texts (a runtime's error may echo
    /// the request).
    pub async fn send(
        &self,
        url: &str,
        init: &Object,
        caller: Option<&AbortSignal>,
        secrets: Vec<String>,
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
        // The caller's signal must abort the body read too (as with plain
        // `fetch`), for as long as the response lives. `AbortSignal.any`
        // links the two without a listener on the caller's signal, which may
        // be long-lived and shared by many calls; where it is missing, a
        // listener is kept while the request is under way.
        let (signal, forward) = match caller {
            Some(caller) => match any_signal(caller, &controller.signal()) {
                Some(linked) => (linked, None),
                None => (controller.signal(), forward_abort(caller, &controller)),
            },
            None => (controller.signal(), None),
        };
        let init = Object::assign(&Object::new(), init);
        let _ = Reflect::set(&init, &"signal".into(), &signal);
        let failed = |thrown: JsValue| {
            if timed_out.get() {
                TransportError::Timeout
            } else if caller.is_some_and(AbortSignal::aborted) {
                TransportError::Aborted
            } else {
                network_scrubbed(&thrown, &secrets)
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
        let response = response_shaped(response).ok_or_else(|| {
            TransportError::Network("fetch resolved to something that is not a Response".into())
        })?;
        Ok(Sent {
            response,
            secrets,
            timed_out,
            _timer: timer,
            _forward: forward,
        })
    }
}

/// Sets `credentials: "omit"` on `init` where the runtime knows the field.
/// Cloudflare Workers refuse a `fetch` whose init has it (they have no
/// cookie jar, so there is nothing to omit); browsers, Node and Deno have it.
pub fn omit_cookies(init: &Object) {
    let knows = Reflect::get(&js_sys::global(), &"Request".into())
        .and_then(|class| Reflect::get(&class, &"prototype".into()))
        .and_then(|prototype| Reflect::has(&prototype, &"credentials".into()))
        .unwrap_or(false);
    if knows {
        let _ = Reflect::set(init, &"credentials".into(), &"omit".into());
    }
}

/// `AbortSignal.any([a, b])` where the runtime has it.
fn any_signal(a: &AbortSignal, b: &AbortSignal) -> Option<AbortSignal> {
    let class = Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let any = Reflect::get(&class, &"any".into()).ok()?;
    let signal = any
        .dyn_ref::<Function>()?
        .call1(&class, &Array::of2(a, b))
        .ok()?;
    signal.is_object().then(|| signal.unchecked_into())
}

/// A `Response`, or an object shaped like one: a `fetch` from another realm
/// or package (undici's own, a test runner's) gives responses that are not
/// `instanceof` this realm's `Response`. The calls made on it are structural.
pub fn response_shaped(value: JsValue) -> Option<Response> {
    if value.is_instance_of::<Response>() {
        return Some(value.unchecked_into());
    }
    let has = |name: &str| Reflect::get(&value, &name.into()).ok();
    let status = has("status")?.as_f64()?;
    let headers = has("headers")?;
    let headers_get = Reflect::get(&headers, &"get".into()).ok()?;
    let clone = has("clone")?;
    ((100.0..=599.0).contains(&status) && headers_get.is_function() && clone.is_function())
        .then(|| value.unchecked_into())
}

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

/// The transport of logins and refreshes.
pub struct FetchTransport(pub Rc<Fetcher>);

fn request_init(request: &HttpRequest) -> Result<Object, JsValue> {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &request.method.as_str().into())?;
    // Logins carry credentials: a redirect to another origin would repost
    // them there, and its answer would be read as the vendor's.
    Reflect::set(&init, &"redirect".into(), &"manual".into())?;
    // Ambient cookies are never the library's credentials, and a cookie a
    // vendor sets (VoIPBIN's `token`) must not override the one sent.
    omit_cookies(&init);
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

/// Whether a response is a redirect: a 3xx, or a browser's opaque one.
pub fn is_redirect(response: &Response) -> bool {
    (300..400).contains(&response.status())
        || Reflect::get(response, &"type".into())
            .ok()
            .and_then(|t| t.as_string())
            .is_some_and(|t| t == "opaqueredirect")
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
    let bytes = read_stream(&body, MAX_BODY_BYTES, false, None, |e| sent.failed(e)).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads at most `max` bytes of `body` and cancels the rest: past `max`
/// that is `TooLarge`, or with `keep_start` the first `max` bytes.
/// With `give_up`, a read still pending when it resolves ends the reading
/// as if the body had ended there.
pub async fn read_stream(
    body: &JsValue,
    max: usize,
    keep_start: bool,
    give_up: Option<&Delay>,
    failed: impl Fn(&JsValue) -> TransportError,
) -> Result<Vec<u8>, TransportError> {
    let reader = call_method(body, "getReader").map_err(|e| failed(&e))?;
    let mut bytes = Vec::new();
    loop {
        let read = Promise::resolve(&call_method(&reader, "read").map_err(|e| failed(&e))?);
        let read = match give_up {
            Some(give_up) => Promise::race(&Array::of2(&read, &give_up.promise)),
            None => read,
        };
        let chunk = JsFuture::from(read).await.map_err(|e| failed(&e))?;
        if give_up.is_some_and(|g| chunk == g.marker) {
            let _ = call_method(&reader, "cancel");
            break;
        }
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            == Some(true)
        {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| failed(&e))?;
        // `ArrayBuffer.isView`, not `instanceof Uint8Array`: under jsdom or
        // happy-dom (Vitest, Jest) the chunks come from another realm and fail
        // `instanceof`. Anything that is not bytes ends the read: a skipped
        // chunk would silently turn a body into a shorter (or empty) one.
        if !js_sys::ArrayBuffer::is_view(&value) {
            let _ = call_method(&reader, "cancel");
            return Err(TransportError::Network("a body chunk was not bytes".into()));
        }
        // `new Uint8Array(view)` copies a typed array of any realm.
        let array = js_sys::Uint8Array::new(&value);
        let room = max - bytes.len();
        let length = array.length() as usize;
        if length > room {
            let _ = call_method(&reader, "cancel");
            if !keep_start {
                return Err(TransportError::TooLarge);
            }
            let start = bytes.len();
            bytes.resize(max, 0);
            array.subarray(0, room as u32).copy_to(&mut bytes[start..]);
            return Ok(bytes);
        }
        let start = bytes.len();
        bytes.resize(start + length, 0);
        array.copy_to(&mut bytes[start..]);
    }
    Ok(bytes)
}

impl FetchTransport {
    async fn send_now(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let secrets = request_secrets(&request);
        let init = request_init(&request).map_err(|e| network_scrubbed(&e, &secrets))?;
        let sent = self.0.send(&request.url, &init, None, secrets).await?;
        if is_redirect(&sent.response) {
            if let Some(body) = sent.response.body() {
                let _ = body.cancel();
            }
            return Err(TransportError::Redirected(sent.response.status()));
        }
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
