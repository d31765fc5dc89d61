//! The options of `new AuthClient(...)`, validated in one place with messages
//! that name the field. The web layer turns the JS object into JSON data
//! (functions and stores stay on the JS side); everything else is checked here.

use crate::core::error::AuthError;
use crate::core::json::{Map, Value};
use crate::core::vendors::Vendor;

/// Defaults documented in the `.d.ts`.
pub const DEFAULT_REFRESH_MARGIN_SECONDS: f64 = 60.0;
pub const DEFAULT_TIMEOUT_MS: f64 = 15_000.0;

/// Top-level option names. Unknown names are refused so that a typo
/// (`refreshMargin`) is an error instead of a silently ignored setting.
pub const KNOWN_OPTIONS: &[&str] = &[
    "vendor",
    "environment",
    "baseUrl",
    "credentials",
    "store",
    "refreshMarginSeconds",
    "timeoutMs",
    "fetch",
    "tokenIn",
    "loginMethod",
    "regenerateOnRejection",
    "allowedOrigins",
    "refreshTokens",
    "coordinator",
    "fingerprint",
];

/// Options that apply to one vendor only; given for another, they are refused
/// rather than ignored.
const VENDOR_OPTIONS: &[(&str, Vendor)] = &[
    ("tokenIn", Vendor::Voipbin),
    ("loginMethod", Vendor::Personr),
    ("regenerateOnRejection", Vendor::Personr),
    ("fingerprint", Vendor::Emnify),
];

#[derive(Clone, Debug, PartialEq)]
pub struct ClientOptions {
    pub vendor: Vendor,
    /// As given; each vendor resolves it (and its default) against its hosts.
    pub environment: Option<String>,
    /// The vendor root replacing the environment's, without a trailing `/`.
    pub base_url: Option<String>,
    pub refresh_margin_ms: i64,
    pub timeout_ms: u32,
    pub credentials: Map,
    /// Origins besides the vendor's to which `client.fetch` may attach
    /// credentials, normalised (`https://api.example.com`).
    pub allowed_origins: Vec<String>,
    /// `refreshTokens: "memory"`: refresh tokens never go to a persistent
    /// store, only to this realm's memory.
    pub refresh_tokens_in_memory: bool,
    /// The whole options object, for vendor-specific options.
    pub raw: Map,
}

impl ClientOptions {
    /// Validates the data part of the options.
    pub fn from_json(options: &Value) -> Result<Self, AuthError> {
        let Value::Object(raw) = options else {
            return Err(AuthError::invalid_options(
                "AuthClient needs an options object, for example { vendor: \"emnify\", credentials: { applicationToken: \"…\" } }",
            ));
        };
        if let Some(unknown) = raw.keys().find(|k| !KNOWN_OPTIONS.contains(&k.as_str())) {
            return Err(AuthError::invalid_options(format!(
                "unknown option `{}`; the options are {}",
                clip(unknown),
                KNOWN_OPTIONS.join(", ")
            )));
        }
        let top = Fields::new("options", raw);
        let vendor_name = top.required_str("vendor")?;
        let vendor = Vendor::parse(&vendor_name).ok_or_else(|| {
            AuthError::invalid_options(format!(
                "options.vendor: unknown vendor `{}`; use one of {}",
                clip(&vendor_name),
                Vendor::NAMES.join(", ")
            ))
        })?;
        if !vendor.included() {
            return Err(crate::core::vendors::not_included(vendor));
        }
        if let Some((name, owner)) = VENDOR_OPTIONS
            .iter()
            .find(|(name, owner)| *owner != vendor && top.has(name))
        {
            return Err(AuthError::invalid_options(format!(
                "options.{name} applies only to {}",
                owner.as_str()
            )));
        }
        let environment = top.optional_str("environment")?;
        let base_url = top
            .optional_str("baseUrl")?
            .map(|url| normalize_base_url(&url))
            .transpose()?;
        let margin = top.optional_number("refreshMarginSeconds", 0.0, 86_400.0)?;
        let timeout = top.optional_number("timeoutMs", 1.0, 600_000.0)?;
        let credentials = match raw.get("credentials") {
            Some(Value::Object(map)) => map.clone(),
            None | Some(Value::Null) => {
                return Err(AuthError::invalid_options(format!(
                    "options.credentials is missing: {} needs {}",
                    vendor.as_str(),
                    vendor.credential_hint()
                )))
            }
            Some(other) => {
                return Err(AuthError::invalid_options(format!(
                    "options.credentials must be an object, not {}",
                    type_name(other)
                )))
            }
        };
        let allowed_origins = match raw.get("allowedOrigins") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let text = item.as_str().unwrap_or_default();
                    normalize_origin(text).ok_or_else(|| {
                        AuthError::invalid_options(format!(
                            "options.allowedOrigins[{i}] must be an origin like https://api.example.com, not `{}`",
                            clip(text)
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(AuthError::invalid_options(format!(
                    "options.allowedOrigins must be an array of origins, not {}",
                    type_name(other)
                )))
            }
        };
        let refresh_tokens = top.optional_choice("refreshTokens", &["store", "memory"])?;
        Ok(ClientOptions {
            vendor,
            environment,
            base_url,
            allowed_origins,
            refresh_tokens_in_memory: refresh_tokens == Some("memory"),
            refresh_margin_ms: (margin.unwrap_or(DEFAULT_REFRESH_MARGIN_SECONDS) * 1000.0) as i64,
            timeout_ms: timeout.unwrap_or(DEFAULT_TIMEOUT_MS) as u32,
            credentials,
            raw: raw.clone(),
        })
    }

    pub fn credential_fields(&self) -> Fields<'_> {
        Fields::new("credentials", &self.credentials)
    }

    /// The top-level options, for vendor-specific ones.
    pub fn fields(&self) -> Fields<'_> {
        Fields::new("options", &self.raw)
    }
}

/// Checks a base URL: absolute http(s), no query or fragment; drops the
/// trailing slash so paths can be appended.
pub fn normalize_base_url(url: &str) -> Result<String, AuthError> {
    let bad = |why: &str| {
        AuthError::invalid_options(format!(
            "options.baseUrl `{}` {why}; give the vendor root, like https://api.example.com or http://127.0.0.1:8790/emnify",
            clip(url)
        ))
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("is not an http(s) URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("has no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains spaces or control characters"));
    }
    if url.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// An `allowedOrigins` entry: exactly `scheme://host[:port]` (a trailing
/// `/` allowed), canonicalised by [`canonical_origin`].
pub fn normalize_origin(text: &str) -> Option<String> {
    let origin = origin_of(text)?;
    if origin.len() != text.trim_end_matches('/').len() || origin.contains(['@', '\\', ' ']) {
        return None;
    }
    canonical_origin(origin)
}

/// The origin of an http(s) URL as a URL parser reports it: lower case,
/// without a path or a default port.
pub fn canonical_origin(url: &str) -> Option<String> {
    let lower = origin_of(url)?.to_ascii_lowercase();
    let https = lower.starts_with("https://");
    if !https && !lower.starts_with("http://") {
        return None;
    }
    let default_port = if https { ":443" } else { ":80" };
    Some(
        lower
            .strip_suffix(default_port)
            .unwrap_or(&lower)
            .to_string(),
    )
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<&str> {
    // Checked slicing (`get`) throughout: an index panic would drag core's
    // panic formatting and Unicode tables into the wasm.
    let scheme_end = crate::core::text::find(url, "://")? + 3;
    let host_end = url
        .get(scheme_end..)?
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| scheme_end + at);
    (host_end > scheme_end).then_some(())?;
    url.get(..host_end)
}

/// The name JS would give a JSON value's type, for messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Shortens user input quoted in a message (it may be huge).
pub fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => text.get(..at).unwrap_or_default().to_string() + "…",
        None => text.to_string(),
    }
}

/// Typed reads of one options object, with errors naming `path.field`.
pub struct Fields<'a> {
    path: &'static str,
    map: &'a Map,
}

impl<'a> Fields<'a> {
    pub fn new(path: &'static str, map: &'a Map) -> Self {
        Fields { path, map }
    }

    /// Whether the field is present and not null.
    pub fn has(&self, name: &str) -> bool {
        !matches!(self.map.get(name), None | Some(Value::Null))
    }

    fn wrong_type(&self, name: &str, expected: &str, got: &Value) -> AuthError {
        AuthError::invalid_options(format!(
            "{}.{name} must be {expected}, not {}",
            self.path,
            type_name(got)
        ))
    }

    pub fn optional_str(&self, name: &str) -> Result<Option<String>, AuthError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(AuthError::invalid_options(format!(
                "{}.{name} must not be empty",
                self.path
            ))),
            Some(Value::String(s)) if s.len() > 16 * 1024 => Err(AuthError::invalid_options(
                format!("{}.{name} is longer than 16 KiB", self.path),
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong_type(name, "a string", other)),
        }
    }

    /// A token that goes into a header or a URL exactly as given: no spaces
    /// at its ends, no line breaks or control characters.
    pub fn required_token(&self, name: &str) -> Result<String, AuthError> {
        let token = self.required_str(name)?;
        if token.trim() != token || !crate::core::http::is_header_safe(&token) {
            return Err(AuthError::invalid_options(format!(
                "{}.{name} must be the token exactly as issued: no spaces at its ends, no line breaks or control characters",
                self.path
            )));
        }
        Ok(token)
    }

    pub fn required_str(&self, name: &str) -> Result<String, AuthError> {
        self.optional_str(name)?.ok_or_else(|| {
            AuthError::invalid_options(format!("{}.{name} is required (a string)", self.path))
        })
    }

    /// A string that must be one of `choices`.
    pub fn optional_choice(
        &self,
        name: &str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, AuthError> {
        let Some(value) = self.optional_str(name)? else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|c| **c == value)
            .map(|c| Some(*c))
            .ok_or_else(|| {
                AuthError::invalid_options(format!(
                    "{}.{name} must be {}, not \"{}\"",
                    self.path,
                    choices
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    clip(&value)
                ))
            })
    }

    pub fn optional_bool(&self, name: &str) -> Result<Option<bool>, AuthError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(name, "true or false", other)),
        }
    }

    pub fn optional_number(
        &self,
        name: &str,
        min: f64,
        max: f64,
    ) -> Result<Option<f64>, AuthError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x >= min && x <= max => Ok(Some(x)),
                _ => Err(AuthError::invalid_options(format!(
                    // Bounds are whole numbers: printed as integers, which
                    // keeps float formatting out of the package.
                    "{}.{name} must be between {} and {}",
                    self.path, min as i64, max as i64
                ))),
            },
            Some(other) => Err(self.wrong_type(name, "a number", other)),
        }
    }

    /// Refuses fields outside `allowed`, so a misspelt credential is reported
    /// instead of silently ignored.
    pub fn only(&self, allowed: &[&str], kind: &str) -> Result<(), AuthError> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => Err(AuthError::invalid_options(format!(
                "{}.{} is not a field of {kind}; expected {}",
                self.path,
                clip(unknown),
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }
}
