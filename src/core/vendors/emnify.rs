//! emnify — implements `seeds/002_f2a4d015dee14873.txt` (emnify "Authentication")
//! and `vendors.md` § emnify (application tokens, error codes, rate limits),
//! corrected by `vendors.md` § "What the real servers were seen to do" ›
//! emnify (the SDK's recorded cassettes, the Java SDK's OpenAPI spec, the
//! errors, rate-limits and two-factor pages).
//!
//! - `POST /api/v1/authenticate` takes an application token, a username with
//!   the SHA-1 hex of the password (and the `fingerprint` of a device trusted
//!   earlier, which skips the MFA step for 90 days), an MFA answer, or a
//!   refresh token.
//! - `auth_token` is a JWT with `exp`: HS384, lasting 604,800 s in the 2022
//!   and 2024 recordings and 14,400 s in one of 2022 — so `exp` is always
//!   read, never a constant. Username logins also get a `refresh_token`,
//!   treated as single use [inferred].
//! - **A failed login is a 401, mostly with an empty body** [spec]: any 401
//!   from `/api/v1/authenticate` is a credentials failure.
//! - **Three failed logins lock the account for 5 minutes**, answered as 401
//!   with error 1105 and no `Retry-After` [spec]: `RATE_LIMITED` for 300 s,
//!   held in the store for every client of the account.
//! - Errors otherwise: `{error_code, error_token, message}`; 1104 forbidden,
//!   429 1105 over the rate limit (authenticate: 100 per 5 minutes). An API
//!   call with a bad or expired token gets the API gateway's 401
//!   `{"message": "token contains an invalid number of segments"}` with no
//!   `error_code` [rec]: a rejection is judged by its status.

use crate::core::digest::sha1_hex;
use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::{self, attempt, Step};
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::json::{self, object, Map, Value};
use crate::core::options::{clip, Fields};
use crate::core::secret::Secret;
use crate::core::token::{jwt_expiry, seconds_ms, TokenSet};
use crate::core::vendors::common::{string_field, unexpected, vendor_error, Http};
use crate::core::vendors::{Vendor, VendorFlow};
use crate::core::verifier::Kind;
use std::cell::RefCell;

pub const ENVIRONMENTS: &[(&str, &str)] = &[("production", "https://cdn.emnify.net")];

/// Used only for an auth token whose JWT has no `exp` (none seen so far):
/// the shortest lifetime recorded (14,400 s, 2022; also the docs' "240
/// minutes"), so such a token is renewed early rather than used expired.
const FALLBACK_LIFETIME_MS: i64 = 14_400 * 1000;

/// How long a lock-out after three failed logins lasts [spec: 5 minutes].
pub const LOCKOUT_SECONDS: u64 = 300;

#[derive(Clone, Debug)]
pub enum Credentials {
    ApplicationToken(Secret),
    /// `password_sha1` is what goes on the wire; the clear password is hashed
    /// at construction and not kept.
    User {
        username: String,
        password_sha1: Secret,
    },
}

pub struct Emnify {
    root: String,
    credentials: Credentials,
    /// `options.fingerprint`: a device trusted at an earlier MFA step, sent
    /// with user logins so emnify skips the MFA step (a secret: with the
    /// password it is a whole login).
    fingerprint: Option<Secret>,
    /// The `mfa_token` of a login waiting for its code (kept in memory only).
    pending_mfa: RefCell<Option<Secret>>,
}

/// `createApplicationToken` parameters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewApplicationToken {
    pub description: Option<String>,
    /// ISO date (`2027-01-31`).
    pub expiry_date: Option<String>,
    /// CIDR the token may be used from.
    pub ip: Option<String>,
}

impl NewApplicationToken {
    pub fn from_fields(fields: &Fields) -> Result<Self, AuthError> {
        fields.only(
            &["description", "expiryDate", "ip"],
            "createApplicationToken options",
        )?;
        let expiry_date = fields.optional_str("expiryDate")?;
        if expiry_date
            .as_deref()
            .is_some_and(|d| crate::core::time::parse_iso8601_ms(d).is_none())
        {
            return Err(AuthError::invalid_options(
                "options.expiryDate must be an ISO date like 2027-01-31",
            ));
        }
        Ok(NewApplicationToken {
            description: fields.optional_str("description")?,
            expiry_date,
            ip: fields.optional_str("ip")?,
        })
    }
}

/// What `/api/v1/authenticate` answered.
#[derive(Debug, PartialEq)]
pub enum Authenticated {
    Tokens(TokenSet),
    /// Multi-factor authentication applies: answer with the code.
    MfaRequired(Secret),
}

impl Emnify {
    pub fn new(root: String, fields: &Fields, options: &Fields) -> Result<Self, AuthError> {
        let fingerprint = options.optional_str("fingerprint")?;
        if fingerprint.as_deref().is_some_and(|f| f.len() > 512) {
            return Err(AuthError::invalid_options(
                "options.fingerprint is longer than 512 characters",
            ));
        }
        let credentials = if fields.has("applicationToken") {
            fields.only(
                &["applicationToken"],
                "emnify application-token credentials",
            )?;
            Credentials::ApplicationToken(Secret::new(fields.required_str("applicationToken")?))
        } else if fields.has("username") || fields.has("password") {
            fields.only(
                &["username", "password", "passwordIsSha1"],
                "emnify user credentials",
            )?;
            let username = fields.required_str("username")?;
            let password = fields.required_str("password")?;
            let password_sha1 = if fields.optional_bool("passwordIsSha1")?.unwrap_or(false) {
                if password.len() != 40 || !password.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(AuthError::invalid_options(
                        "credentials.password must be 40 hex characters when passwordIsSha1 is true",
                    ));
                }
                password.to_ascii_lowercase()
            } else {
                sha1_hex(&password)
            };
            Credentials::User {
                username,
                password_sha1: Secret::new(password_sha1),
            }
        } else {
            return Err(AuthError::invalid_options(format!(
                "credentials for emnify need {}",
                Vendor::Emnify.credential_hint()
            )));
        };
        if fingerprint.is_some() && matches!(credentials, Credentials::ApplicationToken(_)) {
            return Err(AuthError::invalid_options(
                "options.fingerprint applies only to emnify username/password logins",
            ));
        }
        Ok(Emnify {
            root,
            credentials,
            fingerprint: fingerprint.map(Secret::new),
            pending_mfa: RefCell::new(None),
        })
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

pub fn authenticate_url(root: &str) -> String {
    format!("{root}/api/v1/authenticate")
}

pub fn application_token_request(root: &str, token: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, authenticate_url(root))
        .json(&object! { "application_token": token.expose() })
}

/// A user login; `fingerprint` (a device trusted earlier) goes top-level, as
/// the two-factor page documents, so the MFA step is skipped.
pub fn user_request(
    root: &str,
    username: &str,
    password_sha1: &Secret,
    fingerprint: Option<&Secret>,
) -> HttpRequest {
    let mut body = Map::new();
    body.insert("username", Value::from(username));
    body.insert("password", Value::from(password_sha1.expose()));
    if let Some(fingerprint) = fingerprint {
        body.insert("fingerprint", Value::from(fingerprint.expose()));
    }
    HttpRequest::new(Method::Post, authenticate_url(root)).json(&Value::Object(body))
}

pub fn refresh_request(root: &str, refresh: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, authenticate_url(root))
        .json(&object! { "refresh_token": refresh.expose() })
}

/// An MFA code: the few letters or digits of an authenticator app.
pub fn check_mfa_code(code: &str) -> Result<(), AuthError> {
    let ok = (1..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(()).ok_or_else(|| {
        AuthError::invalid_options(
            "the MFA code must be the code of the authenticator app, like \"123456\"",
        )
    })
}

/// The fields of emnify's trusted-device record [spec].
pub const TRUSTED_DEVICE_FIELDS: [&str; 4] = ["fingerprint", "name", "operating_system", "browser"];

/// emnify's trusted-device record: `{ fingerprint?, name?, operating_system?, browser? }`.
pub fn check_trusted_device(fields: &Fields) -> Result<(), AuthError> {
    fields.only(&TRUSTED_DEVICE_FIELDS, "a trusted device")?;
    for name in TRUSTED_DEVICE_FIELDS {
        if fields.optional_str(name)?.is_some_and(|v| v.len() > 512) {
            return Err(AuthError::invalid_options(format!(
                "trustedDevice.{name} is longer than 512 characters"
            )));
        }
    }
    Ok(())
}

/// The answer to an MFA challenge. `trusted_device` is emnify's
/// `{fingerprint, name, operating_system, browser}`.
pub fn mfa_request(
    root: &str,
    mfa_token: &Secret,
    code: &str,
    trusted_device: Option<&Map>,
) -> HttpRequest {
    let mut body = Map::new();
    body.insert("mfa_token", Value::from(mfa_token.expose()));
    body.insert("code", Value::from(code));
    if let Some(device) = trusted_device {
        body.insert("trusted_device", Value::Object(device.clone()));
    }
    let body = Value::Object(body);
    HttpRequest::new(Method::Post, authenticate_url(root)).json(&body)
}

pub fn create_application_token_request(root: &str, params: &NewApplicationToken) -> HttpRequest {
    let mut body = Map::new();
    let fields = [
        ("description", &params.description),
        ("expiry_date", &params.expiry_date),
        ("ip", &params.ip),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            body.insert(name, Value::from(value.as_str()));
        }
    }
    HttpRequest::new(Method::Post, format!("{root}/api/v1/application_token"))
        .json(&Value::Object(body))
}

pub fn list_application_tokens_request(root: &str) -> HttpRequest {
    HttpRequest::new(Method::Get, format!("{root}/api/v1/application_token"))
}

/// Revoking is setting the status to 1 (0 = activated, 1 = revoked).
pub fn revoke_application_token_request(root: &str, id: u64) -> HttpRequest {
    HttpRequest::new(
        Method::Patch,
        format!("{root}/api/v1/application_token/{id}"),
    )
    .json(&object! { "status": object! { "id": 1 } })
}

/// The new token of a `POST /api/v1/application_token` answer.
pub fn parse_created_application_token(response: &HttpResponse) -> Result<Secret, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    if !response.is_success() {
        return Err(error_from(response, &body));
    }
    string_field(&body, &["application_token"])
        .map(Secret::new)
        .ok_or_else(|| unexpected(Vendor::Emnify, response, "an application_token", None))
}

/// The list of application tokens, as `{ id, description, created, status,
/// expiryDate, ip }` objects (`status`: "activated", "revoked" or emnify's
/// description). Never token values: emnify does not return them.
pub fn parse_application_tokens(response: &HttpResponse) -> Result<Vec<Value>, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    if !response.is_success() {
        return Err(error_from(response, &body));
    }
    let Value::Array(items) = body else {
        return Err(unexpected(
            Vendor::Emnify,
            response,
            "a list of application tokens",
            None,
        ));
    };
    Ok(items
        .iter()
        .filter(|item| item.is_object())
        .map(|item| {
            let text = |name: &str| {
                item.get(name)
                    .and_then(Value::as_str)
                    .map_or(Value::Null, Value::from)
            };
            let status = match item.pointer("/status/id").and_then(Value::as_u64) {
                Some(0) => Value::from("activated"),
                Some(1) => Value::from("revoked"),
                _ => item
                    .pointer("/status/description")
                    .and_then(Value::as_str)
                    .map_or(Value::Null, |d| Value::from(d.to_ascii_lowercase())),
            };
            object! {
                "id": item.get("id").cloned().unwrap_or(Value::Null),
                "description": text("description"),
                "created": text("created"),
                "status": status,
                "expiryDate": text("expiry_date"),
                "ip": text("ip"),
            }
        })
        .collect())
}

/// An empty 2xx, or the error.
pub fn parse_revoked(response: &HttpResponse) -> Result<(), AuthError> {
    if response.is_success() {
        Ok(())
    } else {
        Err(error_from(
            response,
            &response.json().unwrap_or(Value::Null),
        ))
    }
}

/// Reads an `/api/v1/authenticate` answer. `now_ms` (the vendor's clock)
/// dates a token whose JWT has no readable `exp`.
pub fn parse_authenticate(
    response: &HttpResponse,
    now_ms: i64,
) -> Result<Authenticated, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    if !response.is_success() {
        return Err(login_error_from(response, &body));
    }
    if let Some(token) = string_field(&body, &["auth_token"]) {
        let expires_at_ms = match jwt_expiry(token, "exp", seconds_ms) {
            Ok(exp) => exp.unwrap_or(now_ms + FALLBACK_LIFETIME_MS),
            Err(()) => {
                return Err(unexpected(
                    Vendor::Emnify,
                    response,
                    "a readable exp in its auth_token",
                    None,
                ))
            }
        };
        let mut tokens = TokenSet::new(Secret::new(token), Some(expires_at_ms));
        tokens.refresh = string_field(&body, &["refresh_token"]).map(Secret::new);
        return Ok(Authenticated::Tokens(tokens));
    }
    if let Some(mfa) = string_field(&body, &["mfa_token"]) {
        return Ok(Authenticated::MfaRequired(Secret::new(mfa)));
    }
    Err(unexpected(Vendor::Emnify, response, "an auth_token", None))
}

/// emnify's `error_code`, a number or a numeric string.
fn error_code(body: &Value) -> Option<i64> {
    body.get("error_code").and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
    })
}

/// `: "<the vendor's message>"`, or nothing.
fn said(body: &Value) -> String {
    string_field(body, &["message", "error_token"])
        .map(|m| {
            format!(
                ": \"{}\"",
                clip(&crate::core::vendors::common::clean_message(m))
            )
        })
        .unwrap_or_default()
}

/// The error of a failed `/api/v1/authenticate`. A 401 is a credentials
/// failure whatever its body (mostly empty [spec]; 1101, or 1102/1103 for a
/// dead application token, MFA challenge or refresh token), except 1105: the
/// account is locked for 5 minutes after three failed logins — a lock-out no
/// further login may walk into, so it carries the 300 s to wait.
pub fn login_error_from(response: &HttpResponse, body: &Value) -> AuthError {
    let status = response.status;
    match (status, error_code(body)) {
        (401, Some(1105)) => vendor_error(
            Vendor::Emnify,
            ErrorCode::RateLimited,
            status,
            format!(
                "emnify locked the account for 5 minutes after failed logins (1105 TooManyRequests){}; no login is sent until then",
                said(body)
            ),
        )
        .with_retry_after(Some(
            response.retry_after_seconds().unwrap_or(LOCKOUT_SECONDS),
        )),
        (401, code) => vendor_error(
            Vendor::Emnify,
            ErrorCode::InvalidCredentials,
            status,
            format!(
                "emnify refused the login (HTTP 401{}){}: a revoked or expired application token, a wrong username or password, or a suspended user",
                code.map(|c| format!(", {c}")).unwrap_or_default(),
                said(body)
            ),
        ),
        _ => error_from(response, body),
    }
}

/// Maps emnify's `{error_code, error_token, message}` (or an API gateway's
/// `{message}`) to a stable code.
pub fn error_from(response: &HttpResponse, body: &Value) -> AuthError {
    let status = response.status;
    let message = string_field(body, &["message", "error_token"]);
    let code = error_code(body);
    let said = said(body);
    let (code, text) = match code {
        Some(1101) => (
            ErrorCode::InvalidCredentials,
            format!("emnify refused the credentials (1101 InvalidCredentials){said}"),
        ),
        Some(1102) => (
            ErrorCode::TokenRejected,
            format!("emnify rejected the token as invalid (1102 InvalidToken){said}"),
        ),
        Some(1103) => (
            ErrorCode::TokenRejected,
            format!("emnify rejected the token as expired (1103 TokenExpired){said}"),
        ),
        Some(1104) => (
            ErrorCode::VendorError,
            format!("emnify refused the request (1104 Forbidden){said}"),
        ),
        Some(1105) => (
            ErrorCode::RateLimited,
            format!(
                "emnify is rate limiting (1105 TooManyRequests; authenticate allows 100 per 5 minutes){said}"
            ),
        ),
        // The API gateway's own 401 has no error_code [rec].
        _ if status == 401 => (
            ErrorCode::TokenRejected,
            format!("emnify rejected the auth token (HTTP 401){said}"),
        ),
        _ => return unexpected(Vendor::Emnify, response, "an auth_token", message),
    };
    let retry = if code == ErrorCode::RateLimited {
        response.retry_after_seconds()
    } else {
        None
    };
    vendor_error(Vendor::Emnify, code, status, text).with_retry_after(retry)
}

impl Emnify {
    fn authenticate(&self, http: &Http<'_>, request: HttpRequest) -> Step<TokenSet> {
        let (answer, status) = http.login(request, |response, now| {
            parse_authenticate(response, now).map(|a| (a, response.status))
        })?;
        match answer {
            Authenticated::Tokens(tokens) => Ok(tokens),
            Authenticated::MfaRequired(mfa_token) => {
                let kept = mfa_token.expose().to_string();
                fx::local(|| drop(self.pending_mfa.replace(Some(Secret::new(kept)))))?;
                Err(AuthError::new(
                    ErrorCode::MfaRequired,
                    "emnify requires a multi-factor code for this user: call completeMfa(code)",
                )
                .with_vendor(Vendor::Emnify)
                .with_status(status)
                .into())
            }
        }
    }

    /// Finishes a login that answered with an MFA challenge.
    pub fn complete_mfa(
        &self,
        http: &Http<'_>,
        code: &str,
        trusted_device: Option<&Map>,
    ) -> Step<TokenSet> {
        let pending = fx::local(|| {
            self.pending_mfa
                .borrow()
                .as_ref()
                .map(|s| s.expose().to_string())
        })?;
        let Some(mfa_token) = pending.map(Secret::new) else {
            return Err(AuthError::invalid_options(
                "no emnify login is waiting for a multi-factor code: call getToken() first",
            )
            .into());
        };
        let tokens = self.authenticate(
            http,
            mfa_request(&self.root, &mfa_token, code, trusted_device),
        )?;
        fx::local(|| drop(self.pending_mfa.replace(None)))?;
        Ok(tokens)
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    fn obtain_tokens(&self, http: &Http<'_>, previous: Option<&TokenSet>) -> Step<TokenSet> {
        match &self.credentials {
            Credentials::ApplicationToken(token) => {
                self.authenticate(http, application_token_request(&self.root, token))
            }
            Credentials::User {
                username,
                password_sha1,
            } => {
                // The refresh path first; a failed refresh (used, expired,
                // revoked) falls back to a full login, never the reverse.
                if let Some(refresh) = previous.and_then(|p| p.refresh.as_ref()) {
                    // A refresh answer carries no new refresh token, so the
                    // renewal after it logs in again [inferred]. A lock-out
                    // or rate limit ends the renewal: a login would walk
                    // into it too.
                    match attempt(self.authenticate(http, refresh_request(&self.root, refresh)))? {
                        Ok(tokens) => return Ok(tokens),
                        Err(e) if e.code == ErrorCode::RateLimited => return Err(e.into()),
                        Err(_) => {}
                    }
                }
                let request = user_request(
                    &self.root,
                    username,
                    password_sha1,
                    self.fingerprint.as_ref(),
                );
                self.authenticate(http, request)
            }
        }
    }
}

impl VendorFlow for Emnify {
    fn vendor(&self) -> Vendor {
        Vendor::Emnify
    }

    fn principal(&self) -> String {
        match &self.credentials {
            Credentials::ApplicationToken(token) => format!("application_token:{}", token.expose()),
            Credentials::User { username, .. } => format!("user:{username}"),
        }
    }

    fn obtain(&self, http: &Http<'_>, previous: Option<&TokenSet>) -> Step<TokenSet> {
        self.obtain_tokens(http, previous)
    }

    fn secrets(&self) -> Vec<&str> {
        let mut secrets = match &self.credentials {
            Credentials::ApplicationToken(token) => vec![token.expose()],
            Credentials::User { password_sha1, .. } => vec![password_sha1.expose()],
        };
        secrets.extend(self.fingerprint.as_ref().map(Secret::expose));
        secrets
    }

    /// An application token is issued by emnify (a signed JWT); a user's
    /// password, even as its SHA-1, is a person's choice.
    fn secret_kind(&self) -> Kind {
        match self.credentials {
            Credentials::ApplicationToken(_) => Kind::IssuedKey,
            Credentials::User { .. } => Kind::Password,
        }
    }

    fn transient_secrets(&self) -> Vec<String> {
        let pending = self.pending_mfa.borrow();
        pending.iter().map(|t| t.expose().to_string()).collect()
    }

    /// A lock-out (401 1105) locks this account, not the IP: its hold is the
    /// principal's. A 429 (the IP's rate limit) holds every principal.
    fn holds_principal_only(&self, error: &AuthError) -> bool {
        error.status == Some(401)
    }

    /// A 401 (emnify's own or the API gateway's, which has no error code),
    /// or error 1102 (invalid) / 1103 (expired) in the body.
    fn is_rejection(&self, status: u16, body: &str) -> bool {
        status == 401
            || json::parse(body)
                .and_then(|b| b.get("error_code")?.as_u64())
                .is_some_and(|code| code == 1102 || code == 1103)
    }

    fn as_emnify(&self) -> Option<&Emnify> {
        Some(self)
    }
}
