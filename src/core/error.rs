//! One error type for every failure, with a stable machine-readable code.

use crate::core::vendors::Vendor;
use core::fmt;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The stable codes an `AuthError` carries in `.code`. Branch on these, not
/// on messages: messages are for people and may be reworded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The options passed to `new AuthClient` or to a method are wrong; the
    /// message names the field.
    InvalidOptions,
    /// The vendor refused the username, password, email or key.
    InvalidCredentials,
    /// emnify asked for a multi-factor code: call `completeMfa(code)`.
    MfaRequired,
    /// The library cannot get a new token by itself (an expired RunBuggy
    /// session JWT, a Personr token replaced elsewhere, nothing cached for
    /// `cache: "only-if-cached"`).
    ReauthRequired,
    /// The vendor rejected a token it had issued.
    TokenRejected,
    /// The vendor limits requests; `.retryAfterSeconds` says when to try again.
    RateLimited,
    /// The request did not reach the vendor or no answer came back.
    Network,
    /// The request took longer than `timeoutMs`.
    Timeout,
    /// The vendor answered something the library cannot read.
    BadResponse,
    /// The vendor answered with an error the library has no finer code for.
    VendorError,
    /// `client.fetch` was asked to send credentials to another origin.
    ForeignOrigin,
    /// The method does not exist for this vendor or credential kind.
    Unsupported,
    /// The token store failed in a way the library could not work around.
    Storage,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::InvalidOptions,
        ErrorCode::InvalidCredentials,
        ErrorCode::MfaRequired,
        ErrorCode::ReauthRequired,
        ErrorCode::TokenRejected,
        ErrorCode::RateLimited,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::BadResponse,
        ErrorCode::VendorError,
        ErrorCode::ForeignOrigin,
        ErrorCode::Unsupported,
        ErrorCode::Storage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOptions => "INVALID_OPTIONS",
            ErrorCode::InvalidCredentials => "INVALID_CREDENTIALS",
            ErrorCode::MfaRequired => "MFA_REQUIRED",
            ErrorCode::ReauthRequired => "REAUTH_REQUIRED",
            ErrorCode::TokenRejected => "TOKEN_REJECTED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::BadResponse => "BAD_RESPONSE",
            ErrorCode::VendorError => "VENDOR_ERROR",
            ErrorCode::ForeignOrigin => "FOREIGN_ORIGIN",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::Storage => "STORAGE",
        }
    }
}

/// Every failure of the library. In JS it becomes an `AuthError` (a real
/// `Error`) with `.code`, `.vendor`, `.status` and `.retryAfterSeconds`.
///
/// The message is written for a person and never contains a secret.
///
/// Boxed: nearly every function of the core returns a `Result` with this
/// error, and a one-pointer error keeps each of those results small. Unboxed
/// (40 bytes) it cost 19 kB of wasm (5.9 kB gzip) in copies. Its fields are
/// read through `Deref`, as `error.code`.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthError(Box<ErrorData>);

/// What an [`AuthError`] says.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorData {
    pub code: ErrorCode,
    pub message: String,
    pub vendor: Option<Vendor>,
    /// The HTTP status of the response that caused the error, if any.
    pub status: Option<u16>,
    /// For `RATE_LIMITED`: how long to wait, when known.
    pub retry_after_seconds: Option<u64>,
}

impl std::ops::Deref for AuthError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for AuthError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl AuthError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AuthError(Box::new(ErrorData {
            code,
            message: message.into(),
            vendor: None,
            status: None,
            retry_after_seconds: None,
        }))
    }

    pub fn invalid_options(message: impl Into<String>) -> Self {
        AuthError::new(ErrorCode::InvalidOptions, message)
    }

    pub fn with_vendor(mut self, vendor: Vendor) -> Self {
        self.vendor = Some(vendor);
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after_seconds = seconds;
        self
    }

    /// Replaces every occurrence of each secret in the message. A safety net
    /// under the rule that messages are built without secrets: vendors echo
    /// tokens back in their error texts (Bubble does).
    pub fn scrubbed(mut self, secrets: &[&str]) -> Self {
        self.message = scrub(&self.message, secrets);
        self
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {}

/// `text` with every occurrence of each secret (of 4 characters or more)
/// replaced by `[redacted]`: the secret as it is, percent-encoded (as in a
/// URL or a form body) and JSON-escaped, hex secrets (emnify's SHA-1) in
/// either case, and the start of a secret that a vendor text was cut in the
/// middle of (followed by the end, `…` or `"`, where the library cuts and
/// quotes vendor texts).
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        if secret.len() < 4 {
            continue;
        }
        let hex = secret.bytes().all(|b| b.is_ascii_hexdigit());
        let mut forms = vec![secret.to_string()];
        for form in [
            percent_encoded(secret, URI_COMPONENT, false),
            percent_encoded(secret, URI_COMPONENT, true),
            percent_encoded(secret, FORM, true),
            json_escaped(secret),
        ] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        for form in &forms {
            text = redact(&text, form, hex);
        }
    }
    text
}

/// Replaces each whole `secret`, and each cut-off start of it, in `text`.
fn redact(text: &str, secret: &str, ignore_case: bool) -> String {
    let same = |a: u8, b: u8| a == b || (ignore_case && a.eq_ignore_ascii_case(&b));
    let (bytes, needle) = (text.as_bytes(), secret.as_bytes());
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let common = bytes[at..]
            .iter()
            .zip(needle)
            .take_while(|(a, b)| same(**a, **b))
            .count();
        let end = at + common;
        let whole = common == needle.len();
        let cut = common >= 4 && {
            let rest = text.get(end..).unwrap_or_default();
            rest.is_empty() || rest.starts_with('"') || rest.starts_with('…')
        };
        // Both ends on char boundaries: a match of whole UTF-8 sequences.
        if (whole || cut) && text.is_char_boundary(at) && text.is_char_boundary(end) {
            out.push_str(text.get(copied..at).unwrap_or_default());
            out.push_str("[redacted]");
            copied = end;
            at = end;
        } else {
            at += 1;
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// What `encodeURIComponent` leaves as it is: letters, digits and
/// `-_.!~*'()`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// What `application/x-www-form-urlencoded` (`URLSearchParams`, an HTML
/// form) leaves as it is: letters, digits and `*-._`; `!'()~` are encoded.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// `text` percent-encoded but for `keep`, and with `+` for spaces when
/// `plus` (as a form body writes them). The crate yields each encoded byte
/// as its own `%XX` piece, so a space is exactly the piece `%20`.
fn percent_encoded(text: &str, keep: &'static AsciiSet, plus: bool) -> String {
    utf8_percent_encode(text, keep)
        .map(|piece| if plus && piece == "%20" { "+" } else { piece })
        .collect()
}

/// `text` as it appears inside a JSON string (`"`, `\`, `/` and control
/// characters escaped, non-ASCII as `\uXXXX`, as some encoders write it).
fn json_escaped(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(char::from(HEX[usize::from((*unit >> shift) & 0xf)]));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The string values inside a JSON text (a request body, a store entry):
/// what an error echoing that text must not repeat.
pub fn json_strings(text: &str) -> Vec<String> {
    use crate::core::json::{parse, Value};
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(value) = parse(text) {
        collect(&value, &mut out);
    }
    out
}
