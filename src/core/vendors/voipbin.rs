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

use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::{HttpRequest, HttpResponse, LocalFuture, Method};
use crate::core::options::Fields;
use crate::core::secret::Secret;
use crate::core::time::parse_iso8601_ms;
use crate::core::token::{jwt_claims, numeric_date_ms, TokenSet};
use crate::core::vendors::common::{string_field, unexpected, vendor_error, Http};
use crate::core::vendors::{Vendor, VendorFlow};
use serde_json::{json, Value};

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
}

impl Voipbin {
    pub fn new(root: String, fields: &Fields) -> Result<Self, AuthError> {
        let credentials = if fields.has("accessKey") {
            fields.only(&["accessKey"], "VoIPBIN access-key credentials")?;
            Credentials::AccessKey(Secret::new(fields.required_str("accessKey")?))
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
        Ok(Voipbin { root, credentials })
    }
}

pub fn login_request(root: &str, username: &str, password: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{root}/auth/login"))
        .json(&json!({ "username": username, "password": password.expose() }))
}

/// Expiry of a VoIPBIN login token: the custom `expire` claim, else a
/// standard `exp` (lenient, in case the server starts setting one), else the
/// documented 7 days from `now_ms`.
pub fn token_expiry_ms(token: &str, now_ms: i64) -> i64 {
    let claims = jwt_claims(token);
    claims
        .as_ref()
        .and_then(|c| c.get("expire")?.as_str().and_then(parse_iso8601_ms))
        .or_else(|| claims.as_ref().and_then(|c| numeric_date_ms(c, "exp")))
        .unwrap_or(now_ms + LOGIN_TOKEN_LIFETIME_MS)
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
    if response.status == 401 {
        return Err(vendor_error(
            Vendor::Voipbin,
            ErrorCode::InvalidCredentials,
            401,
            format!(
                "VoIPBIN refused the login (HTTP 401{})",
                error_reason(&body)
            ),
        ));
    }
    if !response.is_success() {
        let message = body.pointer("/error/message").and_then(Value::as_str);
        return Err(unexpected(Vendor::Voipbin, response, "a token", message));
    }
    let token = string_field(&body, &["token"])
        .ok_or_else(|| unexpected(Vendor::Voipbin, response, "a token", None))?;
    let mut tokens = TokenSet::new(Secret::new(token), Some(token_expiry_ms(token, now_ms)));
    if let Some(username) = string_field(&body, &["username"]) {
        tokens.meta.insert("username".into(), Value::from(username));
    }
    Ok(tokens)
}

/// `, UNAUTHENTICATED/INVALID_CREDENTIALS` from VoIPBIN's error object.
fn error_reason(body: &Value) -> String {
    let part = |name: &str| {
        body.pointer(&format!("/error/{name}"))
            .and_then(Value::as_str)
    };
    match (part("status"), part("reason")) {
        (Some(status), Some(reason)) => format!(", {status}/{reason}"),
        (Some(status), None) => format!(", {status}"),
        _ => String::new(),
    }
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

    fn obtain<'a>(
        &'a self,
        http: &'a Http<'a>,
        _previous: Option<&'a TokenSet>,
    ) -> LocalFuture<'a, Result<TokenSet, AuthError>> {
        Box::pin(async move {
            match &self.credentials {
                Credentials::Login { username, password } => {
                    let response = http
                        .send(login_request(&self.root, username, password))
                        .await?;
                    parse_login(&response, http.vendor_now_ms())
                }
                Credentials::AccessKey(key) => Ok(TokenSet::new(key.clone(), None)),
            }
        })
    }

    fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            Credentials::Login { password, .. } => vec![password.expose()],
            Credentials::AccessKey(key) => vec![key.expose()],
        }
    }
}
