//! VoIPBIN — implements `seeds/004_5bbd70ae85591963.txt` (VoIPBIN quickstart
//! "Authentication") and `vendors.md` § VoIPBIN, which reads the open-source
//! server (bin-api-manager).
//!
//! - `POST /auth/login` (not under `/v1.0`) `{username, password}` →
//!   `{username, token}`. Bad JSON, missing fields and wrong credentials all
//!   answer **400 with an empty body**.
//! - The JWT has **no `exp`**: expiry is the custom claim `expire`
//!   (`2026-11-30T12:00:00.000000Z`), 7 days after login.
//! - An access key is used as is and accepted only as `?accesskey=`, never in
//!   the `Authorization` header.
//! - `/auth/*` allows 10 requests per second per IP; over it, 429 with
//!   `Retry-After`.
//!
//! From `vendors.md` § "What the real servers were seen to do" › VoIPBIN
//! (`lib/service/auth.go`, `lib/apierror/envelope.go`, `server/accesskeys.go`,
//! `utilhandler/time.go`):
//! - `expire` is `2006-01-02T15:04:05.000000Z` since February 2026 and
//!   `2006-01-02 15:04:05.000000` (no zone: UTC) before and on older
//!   self-hosted installs; both are read.
//! - Errors are envelopes `{"error":{status, reason, message, details?}}`:
//!   access-key routes answer `INVALID_ARGUMENT` (400), `PERMISSION_DENIED`
//!   (403), `NOT_FOUND` (404); the 429 is `RESOURCE_EXHAUSTED` /
//!   `RATE_LIMIT_EXCEEDED` with `details[].limited_by`.
//! - A live key's `tm_delete` is the sentinel `9999-01-01T00:00:00.000000Z`;
//!   an access key's `expire` is a 32-bit integer of seconds.

use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::Step;
use crate::core::http::{percent_encode, with_query, HttpRequest, HttpResponse, Method};
use crate::core::json::{self, object, Map, Value};
use crate::core::options::Fields;
use crate::core::secret::Secret;
use crate::core::time::parse_iso8601_ms;
use crate::core::token::{jwt_expiry, seconds_ms, TokenSet};
use crate::core::vendors::common::{string_field, unexpected, vendor_error, Http};
use crate::core::vendors::{Attachment, Vendor, VendorFlow};

pub const ENVIRONMENTS: &[(&str, &str)] = &[("production", "https://api.voipbin.net")];

/// The documented lifetime of a login token, used only when its JWT carries
/// neither `expire` nor `exp`.
const LOGIN_TOKEN_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Debug)]
pub enum Credentials {
    Login { username: String, password: Secret },
    AccessKey(Secret),
}

pub struct Voipbin {
    root: String,
    credentials: Credentials,
    /// `tokenIn: "query"`: login tokens go in `?token=` instead of a header.
    token_in_query: bool,
}

/// The shortest access-key lifetime VoIPBIN accepts, in seconds.
pub const MIN_ACCESS_KEY_SECONDS: f64 = 86_400.0;
/// The longest: the server stores `expire` as a 32-bit integer.
pub const MAX_ACCESS_KEY_SECONDS: f64 = 2_147_483_647.0;

/// What VoIPBIN writes for "never" in `tm_update` / `tm_delete`.
const NOT_SET: &str = "9999-01-01";

/// `createAccessKey` parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAccessKey {
    pub name: Option<String>,
    pub detail: Option<String>,
    pub expire_seconds: u64,
}

impl NewAccessKey {
    /// Validates before any request: VoIPBIN refuses lifetimes under a day.
    pub fn from_fields(fields: &Fields) -> Result<Self, AuthError> {
        fields.only(
            &["name", "detail", "expireSeconds"],
            "createAccessKey options",
        )?;
        let expire = fields
            .optional_number(
                "expireSeconds",
                MIN_ACCESS_KEY_SECONDS,
                MAX_ACCESS_KEY_SECONDS,
            )?
            .ok_or_else(|| {
                AuthError::invalid_options(
                    "options.expireSeconds is required: the key's lifetime in seconds, at least 86400 (one day)",
                )
            })?;
        if expire.fract() != 0.0 {
            return Err(AuthError::invalid_options(
                "options.expireSeconds must be a whole number of seconds",
            ));
        }
        Ok(NewAccessKey {
            name: fields.optional_str("name")?,
            detail: fields.optional_str("detail")?,
            expire_seconds: expire as u64,
        })
    }
}

impl Voipbin {
    pub fn new(root: String, fields: &Fields, options: &Fields) -> Result<Self, AuthError> {
        let token_in_query =
            options.optional_choice("tokenIn", &["header", "query"])? == Some("query");
        let credentials = if fields.has("accessKey") {
            fields.only(&["accessKey"], "VoIPBIN access-key credentials")?;
            Credentials::AccessKey(Secret::new(fields.required_token("accessKey")?))
        } else if fields.has("username") || fields.has("password") {
            fields.only(&["username", "password"], "VoIPBIN login credentials")?;
            Credentials::Login {
                username: fields.required_str("username")?,
                password: Secret::new(fields.required_str("password")?),
            }
        } else {
            return Err(AuthError::invalid_options(format!(
                "credentials for voipbin need {}",
                Vendor::Voipbin.credential_hint()
            )));
        };
        Ok(Voipbin {
            root,
            credentials,
            token_in_query,
        })
    }

    pub fn root(&self) -> &str {
        &self.root
    }
}

fn access_keys_url(root: &str) -> String {
    format!("{root}/v1.0/accesskeys")
}

pub fn create_access_key_request(root: &str, params: &NewAccessKey) -> HttpRequest {
    let mut body = Map::new();
    body.insert("expire", Value::from(params.expire_seconds));
    for (name, value) in [("name", &params.name), ("detail", &params.detail)] {
        if let Some(value) = value {
            body.insert(name, Value::from(value.as_str()));
        }
    }
    HttpRequest::new(Method::Post, access_keys_url(root)).json(&Value::Object(body))
}

/// One page of access keys (100, VoIPBIN's maximum).
pub fn list_access_keys_request(root: &str, page_token: Option<&str>) -> HttpRequest {
    let mut url = with_query(&access_keys_url(root), "page_size", "100");
    if let Some(token) = page_token {
        url = with_query(&url, "page_token", token);
    }
    HttpRequest::new(Method::Get, url)
}

/// An access key id as VoIPBIN gives them (a UUID): refused before any
/// request when it is anything else.
pub fn check_access_key_id(id: &str) -> Result<(), AuthError> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(()).ok_or_else(|| {
        AuthError::invalid_options(
            "the access key id must be an id as listAccessKeys() gives it (letters, digits, -)",
        )
    })
}

pub fn delete_access_key_request(root: &str, id: &str) -> HttpRequest {
    HttpRequest::new(
        Method::Delete,
        format!("{}/{}", access_keys_url(root), percent_encode(id)),
    )
}

/// An access key object, in JS names. `token` is present only in the answer
/// to a create: VoIPBIN shows it once.
fn access_key_to_js(item: &Value) -> Value {
    let text = |name: &str| {
        item.get(name)
            .and_then(Value::as_str)
            .map_or(Value::Null, Value::from)
    };
    let mut key: Map = [
        ("id", "id"),
        ("customerId", "customer_id"),
        ("name", "name"),
        ("detail", "detail"),
        ("tokenPrefix", "token_prefix"),
        ("expiresAt", "tm_expire"),
        ("createdAt", "tm_create"),
        ("updatedAt", "tm_update"),
        ("deletedAt", "tm_delete"),
    ]
    .into_iter()
    .map(|(js, vendor)| (js.to_owned(), text(vendor)))
    .collect();
    // The "not deleted / never updated" sentinel reads as null.
    for name in ["updatedAt", "deletedAt"] {
        if key
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with(NOT_SET))
        {
            key.insert(name, Value::Null);
        }
    }
    if let Some(token) = item.get("token").and_then(Value::as_str) {
        key.insert("token", Value::from(token));
    }
    Value::Object(key)
}

/// The error of an answer in VoIPBIN's envelope
/// `{"error":{status, reason, message, details?}}`: the code from `status`,
/// the message from `message` and `reason` (and `details[].limited_by` of a
/// 429). `None` when the body is not an envelope (older servers answer
/// empty bodies).
fn envelope_error(response: &HttpResponse, body: &Value) -> Option<AuthError> {
    let word = body.pointer("/error/status")?.as_str()?;
    let code = match word {
        "INVALID_ARGUMENT" => ErrorCode::InvalidOptions,
        "PERMISSION_DENIED" | "UNAUTHENTICATED" => ErrorCode::TokenRejected,
        "RESOURCE_EXHAUSTED" => ErrorCode::RateLimited,
        _ if response.status == 429 => ErrorCode::RateLimited,
        _ => ErrorCode::VendorError,
    };
    let error = body.get("error")?;
    let text = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map(|t| crate::core::options::clip(&crate::core::vendors::common::clean_message(t)))
    };
    // Who was limited: the first of `details[].limited_by` (`ip` [code]).
    let limited_by = error
        .get("details")
        .and_then(Value::as_array)
        .and_then(|details| text(details.first()?.get("limited_by")))
        .map(|by| format!("limited by {by}"));
    let label = [
        text(error.get("status")),
        text(error.get("reason")),
        limited_by,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let said = text(error.get("message"))
        .map(|m| format!(": \"{m}\""))
        .unwrap_or_default();
    let retry = if code == ErrorCode::RateLimited {
        response.retry_after_seconds()
    } else {
        None
    };
    let wait = retry
        .map(|seconds| format!("; retry after {seconds} s"))
        .unwrap_or_default();
    Some(
        vendor_error(
            Vendor::Voipbin,
            code,
            response.status,
            format!(
                "VoIPBIN answered HTTP {} ({label}){said}{wait}",
                response.status
            ),
        )
        .with_retry_after(retry),
    )
}

/// Errors of the access-key routes.
fn management_error(response: &HttpResponse) -> AuthError {
    let body = response.json().unwrap_or(Value::Null);
    if let Some(error) = envelope_error(response, &body) {
        return error;
    }
    match response.status {
        400 => vendor_error(
            Vendor::Voipbin,
            ErrorCode::VendorError,
            400,
            "VoIPBIN refused the request (HTTP 400 with an empty body: a missing or invalid field, or an unknown id)".into(),
        ),
        401 => vendor_error(
            Vendor::Voipbin,
            ErrorCode::TokenRejected,
            401,
            "VoIPBIN rejected the credentials (HTTP 401)".into(),
        ),
        _ => {
            let message = body.pointer("/error/message").and_then(Value::as_str);
            unexpected(Vendor::Voipbin, response, "an access key", message)
        }
    }
}

/// The answer to a create, get or delete: one access key.
pub fn parse_access_key(response: &HttpResponse) -> Result<Value, AuthError> {
    if !response.is_success() {
        return Err(management_error(response));
    }
    match response.json() {
        Some(item) if string_field(&item, &["id"]).is_some() => Ok(access_key_to_js(&item)),
        _ => Err(unexpected(Vendor::Voipbin, response, "an access key", None)),
    }
}

/// One page of a list: the keys and the next page's token (`None` when done).
pub fn parse_access_key_page(
    response: &HttpResponse,
) -> Result<(Vec<Value>, Option<String>), AuthError> {
    if !response.is_success() {
        return Err(management_error(response));
    }
    let body = response.json().unwrap_or(Value::Null);
    let Some(items) = body.get("result").and_then(Value::as_array) else {
        return Err(unexpected(Vendor::Voipbin, response, "a result list", None));
    };
    let next = string_field(&body, &["next_page_token"]).map(str::to_string);
    Ok((items.iter().map(access_key_to_js).collect(), next))
}

pub fn login_request(root: &str, username: &str, password: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{root}/auth/login"))
        .json(&object! { "username": username, "password": password.expose() })
}

/// Expiry of a VoIPBIN login token: the custom `expire` claim, else a
/// standard `exp` (lenient, in case the server starts setting one), else the
/// documented 7 days from `now_ms`. `Err(())` when a claim is there but
/// unreadable.
#[allow(clippy::result_unit_err)]
pub fn token_expiry_ms(token: &str, now_ms: i64) -> Result<i64, ()> {
    let expire = jwt_expiry(token, "expire", |v| v.as_str().and_then(parse_iso8601_ms))?;
    let exp = jwt_expiry(token, "exp", seconds_ms)?;
    Ok(expire.or(exp).unwrap_or(now_ms + LOGIN_TOKEN_LIFETIME_MS))
}

/// Reads a `/auth/login` answer.
pub fn parse_login(response: &HttpResponse, now_ms: i64) -> Result<TokenSet, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    if response.status == 400 {
        // The server answers every login failure with an empty 400.
        return Err(vendor_error(
            Vendor::Voipbin,
            ErrorCode::InvalidCredentials,
            400,
            "VoIPBIN refused the login (HTTP 400): check the username and password".to_string(),
        ));
    }
    if !response.is_success() {
        let mut error = envelope_error(response, &body)
            .unwrap_or_else(|| unexpected(Vendor::Voipbin, response, "a token", None));
        // A 401 to a login is a credentials failure, whatever its envelope.
        if response.status == 401 {
            error.code = ErrorCode::InvalidCredentials;
        }
        return Err(error);
    }
    let token = string_field(&body, &["token"])
        .ok_or_else(|| unexpected(Vendor::Voipbin, response, "a token", None))?;
    let expires_at_ms = token_expiry_ms(token, now_ms).map_err(|()| {
        unexpected(
            Vendor::Voipbin,
            response,
            "a readable expire claim in its token",
            None,
        )
    })?;
    let mut tokens = TokenSet::new(Secret::new(token), Some(expires_at_ms));
    if let Some(username) = string_field(&body, &["username"]) {
        tokens.meta.insert("username", Value::from(username));
    }
    Ok(tokens)
}

impl VendorFlow for Voipbin {
    fn vendor(&self) -> Vendor {
        Vendor::Voipbin
    }

    fn principal(&self) -> String {
        match &self.credentials {
            Credentials::Login { username, .. } => format!("user:{username}"),
            Credentials::AccessKey(key) => format!("accesskey:{}", key.expose()),
        }
    }

    fn static_token(&self) -> Option<TokenSet> {
        match &self.credentials {
            Credentials::AccessKey(key) => Some(TokenSet::new(key.clone(), None)),
            Credentials::Login { .. } => None,
        }
    }

    fn obtain(&self, http: &Http<'_>, _previous: Option<&TokenSet>) -> Step<TokenSet> {
        {
            match &self.credentials {
                Credentials::Login { username, password } => {
                    http.login(login_request(&self.root, username, password), parse_login)
                }
                Credentials::AccessKey(key) => Ok(TokenSet::new(key.clone(), None)),
            }
        }
    }

    fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            Credentials::Login { password, .. } => vec![password.expose()],
            Credentials::AccessKey(key) => vec![key.expose()],
        }
    }

    /// Access keys only as `?accesskey=` (the server ignores them in the
    /// Authorization header); login tokens as Bearer, or `?token=` on request.
    fn attachment(&self) -> Attachment {
        match (&self.credentials, self.token_in_query) {
            (Credentials::AccessKey(_), _) => Attachment::Query("accesskey"),
            (Credentials::Login { .. }, true) => Attachment::Query("token"),
            (Credentials::Login { .. }, false) => Attachment::Bearer,
        }
    }

    fn sends_cookies(&self) -> bool {
        false
    }

    /// A 401, or `{"error":{"status":"UNAUTHENTICATED"}}`.
    fn is_rejection(&self, status: u16, body: &str) -> bool {
        status == 401
            || json::parse(body)
                .and_then(|b| {
                    b.pointer("/error/status")?
                        .as_str()
                        .map(|s| s == "UNAUTHENTICATED")
                })
                .unwrap_or(false)
    }

    fn as_voipbin(&self) -> Option<&Voipbin> {
        Some(self)
    }
}
