//! Tokens as the library keeps them, and reading a JWT's claims without a
//! network call (nothing here verifies a signature: only the vendor can).

use crate::core::json::{Map, Value};
use crate::core::secret::Secret;

/// A token the vendor issued, with what is needed to use and renew it.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenSet {
    /// The credential attached to API calls.
    pub access: Secret,
    /// emnify's refresh token (single use), where the vendor gives one.
    pub refresh: Option<Secret>,
    /// Absolute expiry in the vendor's clock, ms since the epoch; `None` means
    /// the token does not expire.
    pub expires_at_ms: Option<i64>,
    /// Vendor facts worth showing (Zūm Rails' customer id, Personr's user id…).
    /// Never a secret.
    pub meta: Map,
}

impl TokenSet {
    pub fn new(access: Secret, expires_at_ms: Option<i64>) -> Self {
        TokenSet {
            access,
            refresh: None,
            expires_at_ms,
            meta: Map::new(),
        }
    }
}

/// The claims of a JWT (its middle part), or `None` when the text is not a
/// JWT with a JSON object payload.
pub fn jwt_claims(token: &str) -> Option<Map> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // Some issuers pad; the URL-safe alphabet without padding is the standard.
    let bytes = crate::core::b64::decode_url_safe(payload.trim_end_matches('='))?;
    match crate::core::json::parse_bytes(&bytes)? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// A numeric date claim (`exp`, `iat`, `nbf`: seconds since the epoch) in ms.
/// Accepts a number or a numeric string; anything else is `None`.
pub fn numeric_date_ms(claims: &Map, name: &str) -> Option<i64> {
    seconds_ms(claims.get(name)?)
}

/// The latest instant a JS `Date` can hold, in ms since the epoch: a later
/// expiry could not be shown as a `Date` (`toISOString()` throws), so it is
/// treated as unreadable.
pub const MAX_DATE_MS: i64 = 8_640_000_000_000_000;

/// Seconds since the epoch (a number or a numeric string) in ms, within what
/// a JS `Date` can hold.
pub fn seconds_ms(value: &Value) -> Option<i64> {
    let seconds = value.as_f64_or_numeric_string()?;
    (seconds.is_finite() && seconds > 0.0 && seconds * 1000.0 <= MAX_DATE_MS as f64)
        .then_some((seconds * 1000.0) as i64)
}

/// A token's expiry from the JWT claim `name`, read by `read`. `Ok(None)`:
/// the token is no JWT or has no such claim, and the vendor's documented
/// lifetime applies. `Err(())`: the claim is there but unreadable — a token
/// whose expiry cannot be known is refused rather than guessed.
#[allow(clippy::result_unit_err)]
pub fn jwt_expiry(
    token: &str,
    name: &str,
    read: fn(&Value) -> Option<i64>,
) -> Result<Option<i64>, ()> {
    match jwt_claims(token)
        .as_ref()
        .and_then(|claims| claims.get(name))
    {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).ok_or(()),
    }
}
