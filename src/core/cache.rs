//! Cache entries: their keys, their versioned JSON form, and when a cached
//! token is still good to use.

use crate::core::digest::sha256_hex;
use crate::core::json::{self, object, Map, Value};
use crate::core::secret::Secret;
use crate::core::token::TokenSet;
use crate::core::vendors::Vendor;

/// The version written in every entry; entries of another version are ignored.
pub const ENTRY_VERSION: u64 = 1;

/// Cloudflare KV refuses an `expirationTtl` below 60 seconds.
pub const MIN_STORE_TTL_SECONDS: u64 = 60;

/// A truncated SHA-256 of the principal (`user:alice@example.com`, …): the
/// key names whose token it is without revealing an identifier or a secret.
/// 128 bits keep two principals from ever sharing an entry.
pub fn principal_digest(principal: &str) -> String {
    let mut digest = sha256_hex(&format!("vendor-auth:principal:{principal}"));
    digest.truncate(32);
    digest
}

/// `vendor-auth:v1:{vendor}:{environment or base}:{principal digest}`.
pub fn cache_key(vendor: Vendor, scope: &str, digest: &str) -> String {
    format!("vendor-auth:v1:{}:{scope}:{digest}", vendor.as_str())
}

/// What the store keeps for one principal.
///
/// Boxed, like [`crate::core::error::AuthError`]: entries pass through most
/// steps of an operation (`Option<Entry>`, `Step<Entry>`), and a pointer is
/// cheaper to move than the whole entry (1.1 kB of gzipped wasm). Its fields
/// are read through `Deref`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry(Box<EntryData>);

impl std::ops::Deref for Entry {
    type Target = EntryData;
    fn deref(&self) -> &EntryData {
        &self.0
    }
}

impl std::ops::DerefMut for Entry {
    fn deref_mut(&mut self) -> &mut EntryData {
        &mut self.0
    }
}

impl From<EntryData> for Entry {
    fn from(data: EntryData) -> Entry {
        Entry(Box::new(data))
    }
}

impl Entry {
    /// The entry's parts, to move out of.
    pub fn into_data(self) -> EntryData {
        *self.0
    }
}

/// What an [`Entry`] holds.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryData {
    /// The principal digest, checked on read: an entry for another principal
    /// under this key is ignored.
    pub principal: String,
    /// The verifier of the secret the token was obtained with
    /// ([`crate::core::verifier`]), checked on read: a client holding another
    /// secret for the same principal does not get this token.
    pub verifier: String,
    pub tokens: TokenSet,
    /// Vendor clock minus local clock at login, in ms.
    pub skew_ms: i64,
    /// Local time of the login, in ms.
    pub obtained_at_ms: i64,
    /// The vendor rejected this token and the client may not replace it by
    /// itself (Personr without `regenerateOnRejection`).
    pub rejected: bool,
    /// Local time the token was last handed out, for vendors that drop
    /// unused tokens (Personr); updated at most hourly. `None`: since login.
    pub last_used_ms: Option<i64>,
    /// When the last recorded use ended a stretch without use as long as
    /// the vendor keeps idle tokens: the stretch's start. A rejection then is
    /// the vendor's idle drop.
    pub idle_from_ms: Option<i64>,
    /// How many renewals in a row were caused by the vendor rejecting the
    /// token (0 for a login because nothing usable was cached): renewals
    /// caused by rejection are damped by it (see `Client`).
    pub rejection_streak: u32,
    /// The token, obtained to replace a rejected one, was refused on its
    /// very first use too: the endpoint refuses the principal, not the
    /// token. Only such a token's next rejection is damped.
    pub refused_on_retry: bool,
}

impl Entry {
    /// The JSON text stored. `with_refresh: false` leaves the refresh token
    /// out (for persistent stores when the caller asks so).
    pub fn encode(&self, with_refresh: bool) -> String {
        let refresh = match (&self.tokens.refresh, with_refresh) {
            (Some(refresh), true) => Value::from(refresh.expose()),
            _ => Value::Null,
        };
        object! {
            "v": ENTRY_VERSION,
            "principal": self.principal.as_str(),
            "verifier": self.verifier.as_str(),
            "token": self.tokens.access.expose(),
            "refreshToken": refresh,
            "expiresAt": self.tokens.expires_at_ms,
            "skewMs": self.skew_ms,
            "obtainedAt": self.obtained_at_ms,
            "meta": self.tokens.meta.clone(),
            "rejected": self.rejected,
            "lastUsedAt": self.last_used_ms,
            "idleFrom": self.idle_from_ms,
            "rejectionStreak": self.rejection_streak,
            "refusedOnRetry": self.refused_on_retry,
        }
        .encode()
    }

    /// Reads an entry; `None` for anything corrupt, of another version, for
    /// another principal or obtained with another secret (`verifier`): the
    /// caller then treats it as a miss.
    pub fn decode(text: &str, principal: &str, verifier: &str) -> Option<Entry> {
        let Value::Object(map) = json::parse(text)? else {
            return None;
        };
        if map.get("v")?.as_u64()? != ENTRY_VERSION
            || map.get("principal")?.as_str()? != principal
            || map.get("verifier")?.as_str()? != verifier
        {
            return None;
        }
        let token = map.get("token")?.as_str().filter(|t| !t.is_empty())?;
        let expires_at_ms = match map.get("expiresAt")? {
            Value::Null => None,
            value => Some(value.as_i64()?),
        };
        let refresh = match map.get("refreshToken") {
            None | Some(Value::Null) => None,
            Some(value) => Some(Secret::new(value.as_str()?)),
        };
        let meta = match map.get("meta") {
            Some(Value::Object(meta)) => meta.clone(),
            _ => Map::new(),
        };
        Some(Entry::from(EntryData {
            principal: principal.to_string(),
            verifier: verifier.to_string(),
            tokens: TokenSet {
                access: Secret::new(token),
                refresh,
                expires_at_ms,
                meta,
            },
            skew_ms: map.get("skewMs").and_then(Value::as_i64).unwrap_or(0),
            obtained_at_ms: map.get("obtainedAt").and_then(Value::as_i64).unwrap_or(0),
            rejected: map
                .get("rejected")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_used_ms: map.get("lastUsedAt").and_then(Value::as_i64),
            idle_from_ms: map.get("idleFrom").and_then(Value::as_i64),
            rejection_streak: map
                .get("rejectionStreak")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            refused_on_retry: map
                .get("refusedOnRetry")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }))
    }

    /// Whether the token may still be used at local time `now_ms`: until its
    /// local expiry (`expiresAt` with the clock skew seen at login applied)
    /// minus the margin. The margin is at most half the token's lifetime, so
    /// a token that lives less than the margin is still used for a while
    /// instead of being renewed on every call.
    pub fn is_fresh(&self, now_ms: i64, margin_ms: i64) -> bool {
        now_ms < self.fresh_until_ms(margin_ms)
    }

    /// The local instant from which the entry is no longer fresh
    /// ([`Entry::is_fresh`]): `i64::MIN` once the vendor rejected it,
    /// `i64::MAX` for a token that never expires.
    pub fn fresh_until_ms(&self, margin_ms: i64) -> i64 {
        if self.rejected {
            return i64::MIN;
        }
        match self.local_expiry_ms() {
            None => i64::MAX,
            Some(expiry) => {
                let lifetime = expiry.saturating_sub(self.obtained_at_ms);
                let margin = margin_ms.min(lifetime / 2).max(0);
                expiry.saturating_sub(margin)
            }
        }
    }

    /// Local time the token was last handed out (its login when never since).
    pub fn last_used(&self) -> i64 {
        self.last_used_ms.unwrap_or(self.obtained_at_ms)
    }

    /// Expiry in the local clock (what `getTokenInfo().expiresAt` reports).
    pub fn local_expiry_ms(&self) -> Option<i64> {
        self.tokens
            .expires_at_ms
            .map(|e| e.saturating_sub(self.skew_ms))
    }

    /// A TTL for stores that expire entries themselves: the token's remaining
    /// life, never below KV's minimum; `None` for tokens that never expire.
    pub fn ttl_seconds(&self, now_ms: i64) -> Option<u64> {
        let remaining = self.local_expiry_ms()?.saturating_sub(now_ms) / 1000;
        Some((remaining.max(0) as u64).max(MIN_STORE_TTL_SECONDS))
    }
}

/// The key of a vendor's "hold off until" marker: after a long rate limit
/// (Zūm Rails blocks the IP for 5 minutes), every client sharing the store
/// waits instead of sending more logins. Per vendor and scope, not per
/// principal: vendors limit by IP.
pub fn hold_key(vendor: Vendor, scope: &str) -> String {
    format!("vendor-auth:v1:{}:{scope}:hold", vendor.as_str())
}

/// The key of one principal's hold: an account lock-out (emnify locks an
/// account for 5 minutes after three failed logins) holds off that
/// account's clients only.
pub fn principal_hold_key(cache_key: &str) -> String {
    format!("{cache_key}:hold")
}

pub fn encode_hold(until_ms: i64) -> String {
    object! { "v": ENTRY_VERSION, "holdUntil": until_ms }.encode()
}

pub fn decode_hold(text: &str) -> Option<i64> {
    let value = json::parse(text)?;
    (value.get("v")?.as_u64()? == ENTRY_VERSION).then_some(())?;
    value.get("holdUntil")?.as_i64()
}
