//! HTTP requests and responses as plain values, and the [`Transport`] that
//! sends them. In the browser and in Workers the transport is the global
//! `fetch`; in native tests it is a script.

use crate::core::json::Value;
use crate::core::secret::Secret;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// A boxed future that need not be `Send`: JS values live on one thread.
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Clone, PartialEq)]
pub enum Body {
    Empty,
    /// A JSON text; the request carries `Content-Type: application/json`.
    Json(String),
    /// `multipart/form-data` fields. The transport encodes them (in JS, as a
    /// `FormData`) so the boundary is chosen where the bytes are written.
    Multipart(Vec<(String, String)>),
}

/// A request the library wants sent.
///
/// `Debug` shows the method and the URL without its query, never headers or
/// body: they carry credentials.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &Secret) -> Self {
        let value = format!("Bearer {}", token.expose());
        self.header("Authorization", value)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Body::Json(body.encode());
        self.header("Content-Type", "application/json")
    }

    pub fn multipart(mut self, fields: Vec<(String, String)>) -> Self {
        self.body = Body::Multipart(fields);
        self
    }

    /// The value of a header, ignoring case.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.url.split('?').next().unwrap_or_default();
        write!(f, "{} {}", self.method.as_str(), path)
    }
}

/// A response as the library sees it: status, headers it could read (a
/// browser hides most headers of a cross-origin answer), and the body text.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<Value> {
        crate::core::json::parse(&self.body)
    }

    /// `Retry-After` in seconds, when present as a number of seconds.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        let value = self.header("retry-after")?.trim();
        value.parse::<u64>().ok()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} ({} bytes)", self.status, self.body.len())
    }
}

/// Appends `name=value` to a URL's query, percent-encoding the value, before
/// any fragment.
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = url
        .find('#')
        .and_then(|at| url.split_at_checked(at))
        .unwrap_or((url, ""));
    let separator = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{separator}{name}={}{fragment}",
        percent_encode(value)
    )
}

/// What RFC 3986 leaves unencoded in a query value: letters, digits and
/// `-._~` (its "unreserved" characters).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).collect()
}

/// Whether `value` may be sent as an HTTP header value: visible ASCII and
/// spaces only. A token with CR, LF or other control characters could inject
/// headers, so it is refused instead of sent.
pub fn is_header_safe(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Why a request produced no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The connection failed or dropped; the text says how (never a secret).
    Network(String),
    /// No answer within `timeoutMs`.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The body was larger than the library accepts.
    TooLarge,
    /// The answer was a redirect (its status; 0 where a browser hides it).
    /// The library's own requests carry credentials and never follow one.
    Redirected(u16),
}

/// Sends one request. Implemented over `fetch` in JS and by a script in tests.
pub trait Transport {
    fn send(&self, request: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>>;
}
