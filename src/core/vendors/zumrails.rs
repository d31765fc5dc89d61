//! Zūm Rails — implements `seeds/003_62b88218615f4221.txt` (Zūm Rails
//! "Authentication", docs.zumrails.com/api-reference/authentication) and
//! `vendors.md` § Zūm Rails.
//!
//! - `POST {env}/api/authorize` `{"Username", "Password"}` →
//!   `{statusCode, message, isError, result: {Token, Role, CustomerId, …}}`.
//!   `isError` is checked before anything else.
//! - The token is a JWT with `exp` ("up to an hour": read `exp`).
//! - `PATCH {env}/api/authorize/canceltoken` with the bearer token cancels it.
//! - Errors: `{statusCode, isError: true, responseException: {exceptionMessage}}`
//!   (the .NET AutoWrapper envelope: the HTTP status equals `statusCode`).
//!   `exceptionMessage` is documented as an **object** — `{}` or RFC 7807
//!   problem details `{type, title, status, errors}` — as well as a string
//!   (`vendors.md` § "What the real servers were seen to do" › Zūm Rails).
//! - Exceeding **any** rate limit (`/api/authorize`, and in production the
//!   filter endpoints and `GET /api/transaction/*`) **blocks the caller's IP
//!   for 5 minutes** (429): a 429 of an API call holds the next login too.
//! - The real `result` also has `Id, CustomerCreatedAt, RefreshToken,
//!   CreatedAt, OtpReady` [rec]; no refresh endpoint is documented, so the
//!   `RefreshToken` is never kept.

use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::Step;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::json::{self, object, Value};
use crate::core::options::Fields;
use crate::core::secret::Secret;
use crate::core::token::{jwt_expiry, seconds_ms, TokenSet};
use crate::core::vendors::common::{string_field, unexpected, vendor_error, AuthRetry, Http};
use crate::core::vendors::{Revoked, Vendor, VendorFlow};

pub const ENVIRONMENTS: &[(&str, &str)] = &[
    ("production", "https://api-app.zumrails.com"),
    ("sandbox", "https://api-sandbox.zumrails.com"),
];

/// "A Bearer Token will last up to an hour": used only when `exp` is unreadable.
const TOKEN_LIFETIME_MS: i64 = 3600 * 1000;
/// How long a rate-limited IP stays blocked.
pub const BLOCK_SECONDS: u64 = 300;

/// `result` fields kept in `meta`, under the names JS readers expect.
const META_FIELDS: &[(&str, &str)] = &[
    ("CustomerId", "customerId"),
    ("CompanyName", "companyName"),
    ("CustomerType", "customerType"),
    ("Role", "role"),
    ("Username", "username"),
];

pub struct ZumRails {
    root: String,
    username: String,
    password: Secret,
}

impl ZumRails {
    pub fn new(root: String, fields: &Fields) -> Result<Self, AuthError> {
        fields.only(&["username", "password"], "Zūm Rails credentials")?;
        Ok(ZumRails {
            root,
            username: fields.required_str("username")?,
            password: Secret::new(fields.required_str("password")?),
        })
    }
}

pub fn authorize_request(root: &str, username: &str, password: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{root}/api/authorize"))
        .json(&object! { "Username": username, "Password": password.expose() })
}

pub fn cancel_request(root: &str, token: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Patch, format!("{root}/api/authorize/canceltoken"))
        .bearer(token)
        .header("Content-Type", "application/json")
}

/// The text of an `exceptionMessage`: a string, or RFC 7807 problem details
/// (`title`, `detail`, and `errors` as `{field: [messages]}`); `None` for an
/// empty object or anything else.
pub fn exception_text(value: &Value) -> Option<String> {
    if let Some(text) = value.as_str() {
        return Some(text.to_string());
    }
    let mut parts: Vec<String> = ["title", "detail"]
        .iter()
        .filter_map(|name| value.get(name)?.as_str())
        .filter(|text| !text.trim().is_empty())
        .map(str::to_string)
        .collect();
    if let Some(Value::Object(errors)) = value.get("errors") {
        for (field, messages) in errors.iter() {
            let said: Vec<&str> = match messages {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            if !said.is_empty() {
                parts.push(format!("{field}: {}", said.join(", ")));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The error of an answer with `isError: true` (or a non-2xx status).
pub fn error_from(response: &HttpResponse, body: &Value) -> AuthError {
    let exception = body
        .pointer("/responseException/exceptionMessage")
        .and_then(exception_text);
    let message = exception
        .as_deref()
        .or_else(|| string_field(body, &["message"]));
    // The body's statusCode is what Zūm Rails means; the HTTP status may be 200.
    let status = body
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(response.status);
    let said = message
        .map(|m| format!(": \"{}\"", crate::core::vendors::common::clean_message(m)))
        .unwrap_or_default();
    match status {
        401 => vendor_error(
            Vendor::ZumRails,
            ErrorCode::InvalidCredentials,
            status,
            format!("Zūm Rails refused the username or password (HTTP 401){said}"),
        ),
        429 => vendor_error(
            Vendor::ZumRails,
            ErrorCode::RateLimited,
            status,
            format!(
                "Zūm Rails blocked this IP for 5 minutes after too many requests (HTTP 429){said}"
            ),
        )
        .with_retry_after(Some(
            response.retry_after_seconds().unwrap_or(BLOCK_SECONDS),
        )),
        _ => {
            let mut shaped = response.clone();
            shaped.status = status;
            unexpected(Vendor::ZumRails, &shaped, "a Token", message)
        }
    }
}

/// Reads an `/api/authorize` answer.
pub fn parse_authorize(response: &HttpResponse, now_ms: i64) -> Result<TokenSet, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    let is_error = body
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if is_error || !response.is_success() {
        return Err(error_from(response, &body));
    }
    let result = body.get("result").unwrap_or(&Value::Null);
    let token = string_field(result, &["Token", "token"])
        .ok_or_else(|| unexpected(Vendor::ZumRails, response, "a Token", None))?;
    let expires_at_ms = jwt_expiry(token, "exp", seconds_ms)
        .map_err(|()| {
            unexpected(
                Vendor::ZumRails,
                response,
                "a readable exp in its Token",
                None,
            )
        })?
        .unwrap_or(now_ms + TOKEN_LIFETIME_MS);
    let mut tokens = TokenSet::new(Secret::new(token), Some(expires_at_ms));
    for (field, name) in META_FIELDS {
        if let Some(value) = result.get(field).filter(|v| v.is_string()) {
            tokens.meta.insert(*name, value.clone());
        }
    }
    Ok(tokens)
}

impl VendorFlow for ZumRails {
    fn vendor(&self) -> Vendor {
        Vendor::ZumRails
    }

    fn principal(&self) -> String {
        format!("user:{}", self.username)
    }

    fn obtain(&self, http: &Http<'_>, _previous: Option<&TokenSet>) -> Step<TokenSet> {
        {
            let request = authorize_request(&self.root, &self.username, &self.password);
            http.login(request, parse_authorize)
        }
    }

    fn revoke(&self, http: &Http<'_>, token: &TokenSet) -> Step<Revoked> {
        {
            let response = http.send(cancel_request(&self.root, &token.access))?;
            let body = response.json().unwrap_or(Value::Null);
            if response.is_success()
                && !body
                    .get("isError")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            {
                Ok(Revoked::AtVendor)
            } else {
                Err(error_from(&response, &body).into())
            }
        }
    }

    fn auth_retry(&self) -> AuthRetry {
        AuthRetry::NotRateLimits
    }

    /// Any 429 blocks the IP for 5 minutes, an API call's too: the next
    /// login would be refused, so it holds off as after a login's 429.
    fn api_hold_seconds(&self, status: u16, retry_after: Option<u64>) -> Option<u64> {
        (status == 429).then(|| retry_after.unwrap_or(BLOCK_SECONDS))
    }

    fn secrets(&self) -> Vec<&str> {
        vec![self.password.expose()]
    }

    /// A 401, or `isError` with `statusCode: 401` in the body.
    fn is_rejection(&self, status: u16, body: &str) -> bool {
        status == 401
            || json::parse(body).is_some_and(|b| {
                b.get("isError").and_then(Value::as_bool) == Some(true)
                    && b.get("statusCode").and_then(Value::as_u64) == Some(401)
            })
    }
}
