//! RunBuggy — implements `seeds/000_d95fd15bd7699c11.txt` (RunBuggy
//! "Authentication") and `vendors.md` § RunBuggy.
//!
//! - A person signs in on the web (password-less email link) and copies the
//!   short-lived session JWT; the library exchanges it once:
//!   `POST {accounts}/api-token/tokens`, `Authorization: Bearer <session JWT>`,
//!   `{name, description, disabled: false, expireAt}` → a long-lasting token.
//! - The answer is not documented: the token is read from `token`, `apiToken`,
//!   `value` or `access_token` [inferred]; `expireAt: null` means it never
//!   expires [inferred].
//! - The library cannot renew by itself: once the session JWT's `exp` has
//!   passed, a person must sign in again.
//! - From `vendors.md` § "What the real servers were seen to do" › RunBuggy:
//!   RunBuggy's former login answered `{username, roles, token_type:
//!   "Bearer", access_token}`, and a bad request got **400 with an empty
//!   `text/plain` body** [rec]; its OAuth JWTs carry `sub, userId, rbuser,
//!   exp` and **no `iat`** [doc]. So the exchange's answer may carry
//!   `access_token` and `token_type`, its 400 may say nothing, and a session
//!   JWT may lack `iat` (and is named by `sub`, else `userId` or `rbuser`).

use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::Step;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::json::{object, Value};
use crate::core::options::Fields;
use crate::core::secret::Secret;
use crate::core::time::parse_iso8601_ms;
use crate::core::token::{jwt_claims, numeric_date_ms, TokenSet};
use crate::core::vendors::common::{
    clean_message, string_field, unexpected, vendor_error, AuthRetry, Http,
};
use crate::core::vendors::{Site, Vendor, VendorFlow};

/// API roots (the API lives under `{root}/api`).
pub const ENVIRONMENTS: &[(&str, &str)] = &[
    ("production", "https://apps.runbuggy.com/v2"),
    ("staging", "https://ng-staging.runbuggy.com/staging"),
];

/// Accounts bases per environment: on RunBuggy's own hosts they do not sit
/// under the API root. With `baseUrl`, accounts is `{baseUrl}/accounts`.
const ACCOUNTS: &[(&str, &str)] = &[
    ("production", "https://apps.runbuggy.com/runbuggy/accounts"),
    (
        "staging",
        "https://ng-staging.runbuggy.com/staging/accounts",
    ),
];

/// The fields of the exchanged token; read leniently [inferred].
const TOKEN_FIELDS: &[&str] = &["token", "apiToken", "value", "access_token"];

#[derive(Clone, Debug)]
pub enum Credentials {
    ApiToken(Secret),
    Session {
        session_jwt: Secret,
        token_name: String,
        description: Option<String>,
        /// ISO-8601, or `None` for a token that never expires.
        expire_at: Option<String>,
    },
}

pub struct RunBuggy {
    accounts: String,
    credentials: Credentials,
}

impl RunBuggy {
    pub fn new(root: String, site: &Site, fields: &Fields) -> Result<Self, AuthError> {
        let accounts = if site.scope == site.environment {
            ACCOUNTS
                .iter()
                .find(|(env, _)| *env == site.environment)
                .map_or_else(|| format!("{root}/accounts"), |(_, url)| url.to_string())
        } else {
            format!("{root}/accounts")
        };
        let credentials = if fields.has("apiToken") {
            fields.only(&["apiToken"], "RunBuggy API-token credentials")?;
            Credentials::ApiToken(Secret::new(fields.required_token("apiToken")?))
        } else if fields.has("sessionJwt") || fields.has("tokenName") {
            fields.only(
                &["sessionJwt", "tokenName", "description", "expireAt"],
                "RunBuggy session credentials",
            )?;
            let expire_at = fields.optional_str("expireAt")?;
            if let Some(at) = &expire_at {
                if parse_iso8601_ms(at).is_none() {
                    return Err(AuthError::invalid_options(
                        "credentials.expireAt must be an ISO-8601 timestamp (like 2027-01-31T00:00:00Z) or null for a token that never expires",
                    ));
                }
            }
            Credentials::Session {
                session_jwt: Secret::new(fields.required_token("sessionJwt")?),
                token_name: fields.required_str("tokenName")?,
                description: fields.optional_str("description")?,
                expire_at,
            }
        } else {
            return Err(AuthError::invalid_options(format!(
                "credentials for runbuggy need {}",
                Vendor::RunBuggy.credential_hint()
            )));
        };
        Ok(RunBuggy {
            accounts,
            credentials,
        })
    }
}

pub fn exchange_request(
    accounts: &str,
    session_jwt: &Secret,
    name: &str,
    description: Option<&str>,
    expire_at: Option<&str>,
) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{accounts}/api-token/tokens"))
        .bearer(session_jwt)
        .json(&object! {
            "name": name,
            "description": description.unwrap_or(""),
            "disabled": false,
            "expireAt": expire_at,
        })
}

/// The session JWT's `exp`, read without a network call.
pub fn session_expiry_ms(session_jwt: &str) -> Option<i64> {
    numeric_date_ms(&jwt_claims(session_jwt)?, "exp")
}

fn reauth(why: &str) -> AuthError {
    AuthError::new(
        ErrorCode::ReauthRequired,
        format!(
            "{why}: sign in to RunBuggy on the web, copy the session JWT from the Authorization header and pass it as credentials.sessionJwt"
        ),
    )
    .with_vendor(Vendor::RunBuggy)
}

/// Reads the exchange answer. `requested_expiry` is what was asked for, used
/// when the answer does not say.
pub fn parse_exchange(
    response: &HttpResponse,
    requested_expiry: Option<&str>,
) -> Result<TokenSet, AuthError> {
    let body = response.json().unwrap_or(Value::Null);
    if response.status == 401 {
        return Err(reauth("RunBuggy rejected the session JWT (HTTP 401)").with_status(401));
    }
    if !response.is_success() {
        // 400 {code, message, field} (the Orders API's shape), or nothing.
        let message =
            string_field(&body, &["message"]).map(|m| match string_field(&body, &["field"]) {
                Some(field) => format!("{m} (field {field})"),
                None => m.to_string(),
            });
        if response.status == 400 {
            let said = match &message {
                Some(text) => format!(": \"{}\"", clean_message(text)),
                None => format!(
                    " with {}: check credentials.tokenName, description and expireAt",
                    crate::core::vendors::common::describe_body(response)
                ),
            };
            return Err(vendor_error(
                Vendor::RunBuggy,
                ErrorCode::VendorError,
                400,
                format!(
                    "RunBuggy refused the API-token exchange (POST /api-token/tokens, HTTP 400){said}"
                ),
            ));
        }
        return Err(unexpected(
            Vendor::RunBuggy,
            response,
            "a token",
            message.as_deref(),
        ));
    }
    let token = string_field(&body, TOKEN_FIELDS)
        .ok_or_else(|| unexpected(Vendor::RunBuggy, response, "a token", None))?;
    // null (or absent with nothing requested) never expires [inferred]; an
    // expiry that is there but unreadable is refused, not read as "never".
    let expires_at_ms =
        match body.get("expireAt") {
            None => requested_expiry.and_then(parse_iso8601_ms),
            Some(Value::Null) => None,
            Some(Value::String(at)) => Some(parse_iso8601_ms(at).ok_or_else(|| {
                unexpected(Vendor::RunBuggy, response, "a readable expireAt", None)
            })?),
            Some(Value::Number(ms)) => Some(ms.as_i64().filter(|ms| *ms > 0).ok_or_else(|| {
                unexpected(Vendor::RunBuggy, response, "a readable expireAt", None)
            })?),
            Some(_) => {
                return Err(unexpected(
                    Vendor::RunBuggy,
                    response,
                    "a readable expireAt",
                    None,
                ))
            }
        };
    let mut tokens = TokenSet::new(Secret::new(token), expires_at_ms);
    for field in ["id", "name"] {
        if let Some(value) = body.get(field).filter(|v| v.is_string() || v.is_number()) {
            tokens.meta.insert(field, value.clone());
        }
    }
    Ok(tokens)
}

impl VendorFlow for RunBuggy {
    fn vendor(&self) -> Vendor {
        Vendor::RunBuggy
    }

    fn principal(&self) -> String {
        match &self.credentials {
            Credentials::ApiToken(token) => format!("api_token:{}", token.expose()),
            Credentials::Session {
                session_jwt,
                token_name,
                ..
            } => {
                // The session's user names the principal, so a new session
                // JWT for the same user finds the cached token: `sub`, else
                // RunBuggy's own `userId` / `rbuser` claims.
                let who = jwt_claims(session_jwt.expose())
                    .and_then(|c| {
                        ["sub", "userId", "rbuser"]
                            .iter()
                            .find_map(|name| match c.get(name)? {
                                Value::String(s) if !s.is_empty() => Some(s.clone()),
                                Value::Number(n) => n.as_i64().map(|n| n.to_string()),
                                _ => None,
                            })
                    })
                    .unwrap_or_else(|| session_jwt.expose().to_string());
                format!("session:{who}:{token_name}")
            }
        }
    }

    fn static_token(&self) -> Option<TokenSet> {
        match &self.credentials {
            Credentials::ApiToken(token) => Some(TokenSet::new(token.clone(), None)),
            Credentials::Session { .. } => None,
        }
    }

    fn obtain(&self, http: &Http<'_>, _previous: Option<&TokenSet>) -> Step<TokenSet> {
        {
            let Credentials::Session {
                session_jwt,
                token_name,
                description,
                expire_at,
            } = &self.credentials
            else {
                return Err(
                    AuthError::new(ErrorCode::Unsupported, "an apiToken is used as is")
                        .with_vendor(Vendor::RunBuggy)
                        .into(),
                );
            };
            if let Some(exp) = session_expiry_ms(session_jwt.expose()) {
                if exp <= http.vendor_now_ms() {
                    return Err(reauth(
                        "the RunBuggy session JWT has expired and no usable API token is cached",
                    )
                    .into());
                }
            }
            let request = exchange_request(
                &self.accounts,
                session_jwt,
                token_name,
                description.as_deref(),
                expire_at.as_deref(),
            );
            http.login(request, |response, _| {
                parse_exchange(response, expire_at.as_deref())
            })
        }
    }

    fn auth_retry(&self) -> AuthRetry {
        AuthRetry::Never
    }

    fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            Credentials::ApiToken(token) => vec![token.expose()],
            Credentials::Session { session_jwt, .. } => vec![session_jwt.expose()],
        }
    }

    /// Both are issued by RunBuggy: the API token, and the session JWT its
    /// login handed out.
    fn secret_kind(&self) -> crate::core::verifier::Kind {
        crate::core::verifier::Kind::IssuedKey
    }
}
