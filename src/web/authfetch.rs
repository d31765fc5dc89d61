//! `client.fetch(input, init)`: `fetch` with the vendor's credentials
//! attached, only to the vendor's origin, renewed once on rejection.

use crate::core::client::{is_damped, CacheMode, Client, TokenInfo};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::{is_header_safe, TransportError};
use crate::core::vendors::Attachment;
use crate::web::convert::copy_object;
use crate::web::convert::describe;
use crate::web::error::to_js;
use crate::web::fetch::{is_redirect, omit_cookies, read_stream, Fetcher};
use crate::web::runtime::delay;
use js_sys::{Object, Promise, Reflect};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, ReadableStream, Request, Response, Url};

/// The fields of a `Request` input carried over to the requests we build
/// (the caller's `init` overrides them).
const REQUEST_FIELDS: &[&str] = &[
    "method",
    "mode",
    "credentials",
    "cache",
    "redirect",
    "referrer",
    "referrerPolicy",
    "integrity",
    "keepalive",
];

fn js_error(error: AuthError) -> JsValue {
    to_js(&error)
}

fn invalid(message: &str) -> JsValue {
    js_error(AuthError::invalid_options(message))
}

/// What to send: the absolute URL and a plain `init` without credentials.
struct Prepared {
    url: String,
    init: Object,
    headers: Headers,
    signal: Option<AbortSignal>,
    replayable: bool,
    /// The library follows redirects itself, to the vendor's origin only
    /// (credentials in the URL must not reach another origin).
    follow_same_origin: bool,
}

/// How many redirects `client.fetch` follows itself.
const MAX_REDIRECTS: usize = 5;

/// How much of a 401/403 body is read to judge a rejection, and for how
/// long at most: vendors say it in a few hundred bytes.
const REJECTION_BODY_BYTES: usize = 64 * 1024;

async fn prepare(client: &Client, input: &JsValue, init: &JsValue) -> Result<Prepared, JsValue> {
    let root = client.site().root.as_str();
    let caller_init = if init.is_undefined() || init.is_null() {
        Object::new()
    } else if init.is_object() {
        copy_object(init, "client.fetch: init").map_err(js_error)?
    } else {
        return Err(invalid(
            "client.fetch: init must be an object, as for fetch",
        ));
    };
    let merged = Object::new();
    let url = if let Some(text) = input.as_string() {
        if text.starts_with('/') && !text.starts_with("//") {
            format!("{root}{text}")
        } else if crate::core::text::find(&text, "://").is_some() {
            text
        } else {
            return Err(invalid(
                "client.fetch: give a path starting with / (resolved against the vendor root) or an absolute URL",
            ));
        }
    } else if let Some(request) = input.dyn_ref::<Request>() {
        for field in REQUEST_FIELDS {
            let value = Reflect::get(request, &(*field).into()).unwrap_or(JsValue::UNDEFINED);
            let _ = Reflect::set(&merged, &(*field).into(), &value);
        }
        let _ = Reflect::set(&merged, &"headers".into(), &request.headers());
        if request.body().is_some() {
            // Buffered once, so a retry can send it again.
            let buffer = request
                .clone()
                .and_then(|r| r.array_buffer())
                .map(JsFuture::from)?
                .await?;
            let _ = Reflect::set(&merged, &"body".into(), &buffer);
        }
        let _ = Reflect::set(&merged, &"signal".into(), &request.signal());
        request.url()
    } else if let Some(href) = Reflect::get(input, &"href".into())
        .ok()
        .and_then(|h| h.as_string())
    {
        href
    } else {
        return Err(invalid(
            "client.fetch: input must be a path, a URL string, a URL or a Request",
        ));
    };
    let init = copy_object(&merged, "client.fetch: init").map_err(js_error)?;
    let init = Object::assign(&init, &caller_init);
    let caller_set =
        |name: &str| Reflect::get(&caller_init, &name.into()).is_ok_and(|v| !v.is_undefined());
    if !client.sends_cookies() && !caller_set("credentials") {
        omit_cookies(&init);
    }
    let follow_same_origin =
        matches!(client.attachment(), Attachment::Query(_)) && !caller_set("redirect");
    if follow_same_origin {
        let _ = Reflect::set(&init, &"redirect".into(), &"manual".into());
    }
    let headers = headers_from(&Reflect::get(&init, &"headers".into())?)?;
    let body = Reflect::get(&init, &"body".into())?;
    let signal = Reflect::get(&init, &"signal".into())?
        .dyn_into::<AbortSignal>()
        .ok();
    Ok(Prepared {
        url,
        init,
        headers,
        signal,
        replayable: !body.is_instance_of::<ReadableStream>(),
        follow_same_origin,
    })
}

/// `new Headers(init)` for any `HeadersInit` (an object, pairs, `Headers`).
fn headers_from(init: &JsValue) -> Result<Headers, JsValue> {
    if init.is_undefined() || init.is_null() {
        return Headers::new();
    }
    let class = Reflect::get(&js_sys::global(), &"Headers".into())?;
    let headers = Reflect::construct(
        class.unchecked_ref::<js_sys::Function>(),
        &js_sys::Array::of1(init),
    )
    .map_err(|_| invalid("client.fetch: init.headers is not valid HeadersInit"))?;
    Ok(headers.unchecked_into())
}

/// The origin a URL parser gives `url`, or `INVALID_OPTIONS`.
fn origin(url: &str) -> Result<String, JsValue> {
    Url::new(url)
        .map(|u| u.origin())
        .map_err(|_| invalid("client.fetch: the URL is not valid"))
}

/// Rejects as soon as `signal` aborts, with its reason (as `fetch` does).
async fn abortable<T: 'static>(
    signal: Option<&AbortSignal>,
    work: impl Future<Output = Result<T, AuthError>> + 'static,
) -> Result<T, JsValue> {
    let Some(signal) = signal else {
        return work.await.map_err(js_error);
    };
    if signal.aborted() {
        return Err(signal.reason());
    }
    let slot: Rc<std::cell::RefCell<Option<Result<T, AuthError>>>> = Rc::default();
    let out = slot.clone();
    let done = crate::web::api::spawn(Box::pin(async move {
        *out.borrow_mut() = Some(work.await);
        Ok(JsValue::UNDEFINED)
    }));
    let source = signal.clone();
    let mut listener = None;
    let aborted = Promise::new(&mut |_, reject| {
        let reason_of = source.clone();
        let on_abort = Closure::once(move || {
            let _ = reject.call1(&JsValue::UNDEFINED, &reason_of.reason());
        });
        let _ = listen(&source, "addEventListener", on_abort.as_ref());
        listener = Some(on_abort);
    });
    let raced = JsFuture::from(Promise::race(&js_sys::Array::of2(&done, &aborted))).await;
    // A long-lived signal shared by many calls must not collect a listener
    // per call: removed once the call settles.
    if let Some(on_abort) = listener {
        let _ = listen(signal, "removeEventListener", on_abort.as_ref());
    }
    raced?;
    let result = slot.borrow_mut().take();
    result
        .unwrap_or_else(|| {
            Err(AuthError::new(
                ErrorCode::Network,
                "the token wait ended without a result",
            ))
        })
        .map_err(js_error)
}

/// `signal.addEventListener("abort", f)` or its removal.
fn listen(signal: &AbortSignal, method: &str, f: &JsValue) -> Result<JsValue, JsValue> {
    Reflect::get(signal, &method.into())?
        .dyn_into::<js_sys::Function>()?
        .call2(signal, &"abort".into(), f)
}

/// Sends `prepared` with `token` attached the vendor's way, following
/// redirects to the vendor's own origin where the library follows them.
async fn send(
    client: &Client,
    fetcher: &Fetcher,
    prepared: &Prepared,
    token: &TokenInfo,
) -> Result<Response, JsValue> {
    let mut url = prepared.url.clone();
    let init = copy_object(&prepared.init, "client.fetch: init").map_err(js_error)?;
    for _ in 0..MAX_REDIRECTS {
        let response = send_to(client, fetcher, prepared, &url, &init, token).await?;
        if !prepared.follow_same_origin || !is_redirect(&response) {
            return Ok(response);
        }
        let next = response
            .headers()
            .get("location")
            .ok()
            .flatten()
            .and_then(|location| Url::new_with_base(&location, &url).ok());
        // A browser hides where an opaque redirect goes; another origin
        // does not get the credentials: the redirect is the caller's.
        let Some(next) = next.filter(|n| client.may_receive(&n.origin())) else {
            return Ok(response);
        };
        let status = response.status();
        let method = Reflect::get(&init, &"method".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default()
            .to_ascii_uppercase();
        if status == 303 || ((status == 301 || status == 302) && method == "POST") {
            let _ = Reflect::set(&init, &"method".into(), &"GET".into());
            let _ = Reflect::delete_property(&init, &"body".into());
        }
        url = next.href();
    }
    send_to(client, fetcher, prepared, &url, &init, token).await
}

/// One request to `url` with `token` attached.
async fn send_to(
    client: &Client,
    fetcher: &Fetcher,
    prepared: &Prepared,
    url: &str,
    init: &Object,
    token: &TokenInfo,
) -> Result<Response, JsValue> {
    let value = token.token.expose();
    if !is_header_safe(value) {
        return Err(js_error(AuthError::new(
            ErrorCode::BadResponse,
            "the cached token contains characters not allowed in an HTTP header; it was not sent",
        )));
    }
    let headers = Headers::new_with_headers(&prepared.headers)?;
    let mut url = url.to_string();
    match client.attachment() {
        Attachment::Bearer => headers.set("Authorization", &format!("Bearer {value}"))?,
        Attachment::Query(name) => {
            let parsed = Url::new(&url)?;
            parsed.search_params().set(name, value);
            url = parsed.href();
        }
    }
    let init = copy_object(init, "client.fetch: init").map_err(js_error)?;
    Reflect::set(&init, &"headers".into(), &headers)?;
    let name = client.vendor().display_name();
    let failure = |error: AuthError| js_error(client.report(error));
    fetcher
        .call(
            &url,
            &init,
            prepared.signal.as_ref(),
            vec![value.to_string()],
        )
        .await
        .map_err(|e| match e {
            TransportError::Aborted => prepared
                .signal
                .as_ref()
                .map_or(JsValue::UNDEFINED, |s| s.reason()),
            TransportError::Timeout => failure(AuthError::new(
                ErrorCode::Timeout,
                format!(
                    "{name} did not answer within {} ms (timeoutMs)",
                    fetcher.timeout_ms
                ),
            )),
            TransportError::Network(why) => failure(AuthError::new(
                ErrorCode::Network,
                format!("could not reach {name}: {why}"),
            )),
            TransportError::TooLarge => failure(AuthError::new(
                ErrorCode::BadResponse,
                "the response was too large",
            )),
            TransportError::Redirected(status) => failure(AuthError::new(
                ErrorCode::VendorError,
                format!("{name} answered with a redirect (HTTP {status})"),
            )),
        })
}

/// Whether the vendor rejected the token in `response`. At most
/// [`REJECTION_BODY_BYTES`] of its body are read, from a clone and within
/// `timeoutMs`, so the caller still gets it whole, and a huge or stalled
/// body neither fills memory nor hangs the call.
async fn rejected(client: &Client, fetcher: &Fetcher, response: &Response) -> bool {
    let status = response.status();
    // What the answer means for later logins (a Zūm Rails 429 blocks the IP).
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    client.api_answered(status, retry_after).await;
    if !client.may_be_rejection(status) {
        return false;
    }
    let body = match response.clone().ok().and_then(|copy| copy.body()) {
        Some(stream) => {
            let give_up = delay(fetcher.timeout_ms);
            read_stream(&stream, REJECTION_BODY_BYTES, true, Some(&give_up), |e| {
                TransportError::Network(describe(e))
            })
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
        }
        None => String::new(),
    };
    client.is_rejection(status, &body)
}

/// `client.fetch(input, init)`.
pub async fn fetch(
    client: Rc<Client>,
    fetcher: Rc<Fetcher>,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let prepared = prepare(&client, &input, &init).await?;
    client
        .check_origin(&origin(&prepared.url)?)
        .map_err(js_error)?;
    let signal = prepared.signal.clone();
    let token = {
        let client = client.clone();
        abortable(signal.as_ref(), async move {
            client.token_info(CacheMode::Default).await
        })
        .await?
    };
    let response = send(&client, &fetcher, &prepared, &token).await?;
    if !prepared.replayable || !rejected(&client, &fetcher, &response).await {
        return Ok(response.into());
    }
    let renewed = {
        let client = client.clone();
        let rejected_token = token.token.clone();
        abortable(signal.as_ref(), async move {
            match client.renew_after_rejection(&rejected_token).await {
                // Damped (see `Client::damped`): the answer is the caller's.
                Err(error) if is_damped(&error) => Ok(None),
                other => other.map(Some),
            }
        })
        .await?
    };
    let Some(renewed) = renewed else {
        return Ok(response.into());
    };
    let second = send(&client, &fetcher, &prepared, &renewed).await?;
    if rejected(&client, &fetcher, &second).await {
        client.rejected_twice(second.status(), &renewed.token).await;
    }
    Ok(second.into())
}
