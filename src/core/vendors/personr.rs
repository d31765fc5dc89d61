//! Personr (a Bubble.io application) — implements
//! `seeds/001_fc7e26b2c1ca9268.txt` (Personr "Generating an authentication
//! token") and `vendors.md` § Personr.
//!
//! - `POST /api/1.1/wf/api-token-generate`, multipart `email` + `password`
//!   → `{status: "success", response: {token, user_id, expires}}`; expiry is
//!   the time of issue + `expires` seconds (1 year). The token is opaque.
//! - **Generating a token invalidates the previous one for every holder**:
//!   there is no refresh and no revoke, and generating again is the only
//!   renewal — so the client never does it silently.
//! - Errors come in several shapes; the HTTP status alone is not enough
//!   (`{status: "error"}` arrives with HTTP 200), and the seed's own 400
//!   sample has a trailing comma: error bodies are read leniently.
//! - From `vendors.md` § "What the real servers were seen to do" › Personr:
//!   **Bubble drops a token after 30 days without use**, whatever `expires`
//!   says [3p, Bubble support]. A rejection of a token unused that long is
//!   that drop: every holder's copy is dead, so the client generates a new
//!   one by itself (and says so with a `"regenerated"` event); any other
//!   rejection keeps the rule above. The rejection body is
//!   `{"error_class":"Unauthorized","translation":"Invalid or expired token: …"}`
//!   with an unpublished status: it is judged by the body as well as by
//!   401/403.

use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::Step;
use crate::core::http::{HttpRequest, HttpResponse, Method};
use crate::core::json::Value;
use crate::core::options::Fields;
use crate::core::secret::Secret;
use crate::core::token::TokenSet;
use crate::core::vendors::common::{
    clean_message, lenient_json, string_field, unexpected, vendor_error, AuthRetry, Http,
};
use crate::core::vendors::{Vendor, VendorFlow};

pub const ENVIRONMENTS: &[(&str, &str)] = &[("production", "https://enterprise.personr.co")];

/// Bubble drops a token unused for this long [3p, Bubble support].
pub const IDLE_DROP_MS: i64 = 30 * 86_400_000;

pub struct Personr {
    root: String,
    email: String,
    password: Secret,
    /// `loginMethod: "basic"`: the `api-basic-auth` workflow, with its
    /// `Basic` credential (a secret too: it is the password, encoded).
    basic: Option<Secret>,
    /// `regenerateOnRejection: true`: the caller accepts that a rejected
    /// token is replaced, invalidating it for every other holder.
    regenerate_on_rejection: bool,
}

impl Personr {
    pub fn new(root: String, fields: &Fields, options: &Fields) -> Result<Self, AuthError> {
        fields.only(&["email", "password"], "Personr credentials")?;
        let email = fields.required_str("email")?;
        let password = Secret::new(fields.required_str("password")?);
        let basic = options.optional_choice("loginMethod", &["form", "basic"])? == Some("basic");
        Ok(Personr {
            root,
            basic: basic.then(|| basic_credential(&email, &password)),
            email,
            password,
            regenerate_on_rejection: options
                .optional_bool("regenerateOnRejection")?
                .unwrap_or(false),
        })
    }
}

/// The documented login: multipart `email` + `password`.
pub fn generate_request(root: &str, email: &str, password: &Secret) -> HttpRequest {
    HttpRequest::new(
        Method::Post,
        format!("{root}/api/1.1/wf/api-token-generate"),
    )
    .multipart(vec![
        ("email".into(), email.to_string()),
        ("password".into(), password.expose().to_string()),
    ])
}

/// `base64(email:password)`, the credential of the Basic-auth workflow.
fn basic_credential(email: &str, password: &Secret) -> Secret {
    Secret::new(crate::core::b64::encode(
        format!("{email}:{}", password.expose()).as_bytes(),
    ))
}

/// The alternative login: `Authorization: Basic <credential>`, the
/// credential being `base64(email:password)`.
pub fn basic_request(root: &str, credential: &Secret) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{root}/api/1.1/wf/api-basic-auth"))
        .header("Authorization", format!("Basic {}", credential.expose()))
}

/// Bubble's "token invalid" answer, whatever its status:
/// `{"error_class":"Unauthorized", …}` or a `translation` saying
/// "Invalid or expired token", read leniently.
pub fn is_unauthorized_body(body: &str) -> bool {
    lenient_json(body).is_some_and(|b| is_unauthorized(&b))
}

fn is_unauthorized(body: &Value) -> bool {
    body.get("error_class").and_then(Value::as_str) == Some("Unauthorized")
        || body
            .get("translation")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("Invalid or expired token"))
}

/// Reads an `api-token-generate` answer; `now_ms` is the time of issue.
pub fn parse_generate(response: &HttpResponse, now_ms: i64) -> Result<TokenSet, AuthError> {
    let body = lenient_json(&response.body).unwrap_or(Value::Null);
    let status_word = body.get("status").and_then(Value::as_str);
    if response.is_success() && status_word == Some("success") {
        let inner = body.get("response").unwrap_or(&Value::Null);
        let token = string_field(inner, &["token"])
            .ok_or_else(|| unexpected(Vendor::Personr, response, "a token", None))?;
        let expires = inner
            .get("expires")
            .and_then(Value::as_f64_or_numeric_string);
        let Some(seconds) = expires.filter(|s| s.is_finite() && *s > 0.0) else {
            return Err(unexpected(
                Vendor::Personr,
                response,
                "a numeric `expires`",
                None,
            ));
        };
        let mut tokens = TokenSet::new(
            Secret::new(token),
            Some(now_ms.saturating_add((seconds * 1000.0) as i64)),
        );
        if let Some(user) = string_field(inner, &["user_id"]) {
            tokens.meta.insert("userId", Value::from(user));
        }
        return Ok(tokens);
    }
    Err(error_from(response, &body))
}

/// Maps the four error shapes Personr (Bubble) answers with.
pub fn error_from(response: &HttpResponse, body: &Value) -> AuthError {
    let status = response.status;
    let reason = body.get("reason").and_then(Value::as_str);
    let message = string_field(body, &["message"]);
    // 200 {"status":"error","response":"Workspace not found"}
    if body.get("status").and_then(Value::as_str) == Some("error") {
        let text = body
            .get("response")
            .and_then(Value::as_str)
            .or(message)
            .unwrap_or("no reason given");
        return vendor_error(
            Vendor::Personr,
            ErrorCode::VendorError,
            status,
            format!(
                "Personr answered with an error: \"{}\"",
                clean_message(text)
            ),
        );
    }
    // 400 {"statusCode":400,"reason":"INVALID_LOGIN_CREDENTIALS","message":"…"}
    if reason == Some("INVALID_LOGIN_CREDENTIALS") {
        return vendor_error(
            Vendor::Personr,
            ErrorCode::InvalidCredentials,
            status,
            format!(
                "Personr refused the email or password: \"{}\"",
                clean_message(message.unwrap_or("INVALID_LOGIN_CREDENTIALS"))
            ),
        );
    }
    // 401 {"error_class":"Unauthorized", …, "translation":"Invalid or expired token: bus|…"}
    // The translation echoes the token, so it is never quoted.
    if is_unauthorized(body) {
        return vendor_error(
            Vendor::Personr,
            ErrorCode::TokenRejected,
            status,
            "Personr rejected the token as invalid or expired (it may have been replaced by a newer one)".into(),
        );
    }
    // 400 {"statusCode":400,"body":{"status":"MISSING_DATA","message":"…"}}
    if let Some(inner) = body.get("body").filter(|b| b.is_object()) {
        let word = inner
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("error");
        let text = string_field(inner, &["message"]).unwrap_or("no message");
        return vendor_error(
            Vendor::Personr,
            ErrorCode::VendorError,
            status,
            format!(
                "Personr answered {}: \"{}\"",
                crate::core::options::clip(&clean_message(word)),
                clean_message(text)
            ),
        );
    }
    unexpected(Vendor::Personr, response, "a token", message.or(reason))
}

impl VendorFlow for Personr {
    fn vendor(&self) -> Vendor {
        Vendor::Personr
    }

    fn principal(&self) -> String {
        format!("email:{}", self.email.to_ascii_lowercase())
    }

    fn obtain(&self, http: &Http<'_>, _previous: Option<&TokenSet>) -> Step<TokenSet> {
        {
            let request = if let Some(credential) = &self.basic {
                basic_request(&self.root, credential)
            } else {
                generate_request(&self.root, &self.email, &self.password)
            };
            http.login(request, parse_generate)
        }
    }

    fn auth_retry(&self) -> AuthRetry {
        AuthRetry::Never
    }

    fn secrets(&self) -> Vec<&str> {
        let mut secrets = vec![self.password.expose()];
        secrets.extend(self.basic.as_ref().map(Secret::expose));
        secrets
    }

    /// 401, 403, or Bubble's rejection body at any status (unpublished).
    fn is_rejection(&self, status: u16, body: &str) -> bool {
        status == 401 || status == 403 || is_unauthorized_body(body)
    }

    /// Every error answer is read: Bubble's rejection status is unpublished.
    fn may_be_rejection(&self, status: u16) -> bool {
        !(200..300).contains(&status)
    }

    fn idle_drop_ms(&self) -> Option<i64> {
        Some(IDLE_DROP_MS)
    }

    fn renews_after_rejection(&self) -> bool {
        self.regenerate_on_rejection
    }
}
