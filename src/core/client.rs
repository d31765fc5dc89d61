//! The client: options, vendor flow, store and single flight put together.
//! `getToken` is: read the cache; if the token is fresh, return it; else join
//! or lead the one renewal in flight for this principal.

use crate::core::cache::{cache_key, principal_digest, Entry};
use crate::core::clock::Clock;
use crate::core::error::{AuthError, ErrorCode};
use crate::core::events::{Event, Events};
use crate::core::flight::Flights;
use crate::core::http::Transport;
use crate::core::options::ClientOptions;
use crate::core::secret::Secret;
use crate::core::store::{MemoryStore, StoreError, TokenStore};
use crate::core::token::{jwt_claims, numeric_date_ms, TokenSet};
use crate::core::vendors::{self, Http, Revoked, Site, Vendor, VendorFlow};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::rc::Rc;

/// `getToken({ cache })`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    /// Use a fresh cached token; renew when there is none.
    Default,
    /// Renew now (still one renewal at a time).
    Reload,
    /// Never go to the network; `REAUTH_REQUIRED` when nothing usable is cached.
    OnlyIfCached,
}

impl CacheMode {
    pub fn parse(text: &str) -> Option<CacheMode> {
        match text {
            "default" => Some(CacheMode::Default),
            "reload" => Some(CacheMode::Reload),
            "only-if-cached" => Some(CacheMode::OnlyIfCached),
            _ => None,
        }
    }
}

/// What `getTokenInfo()` resolves to.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    pub token: Secret,
    /// Local ms since the epoch; `None` for a token that never expires.
    pub expires_at_ms: Option<i64>,
    pub from_cache: bool,
    pub vendor: Vendor,
    pub environment: String,
    pub meta: Map<String, Value>,
}

/// The JS world's parts, as traits.
pub struct Parts {
    pub transport: Rc<dyn Transport>,
    pub clock: Rc<dyn Clock>,
    pub store: Rc<dyn TokenStore>,
}

type Renewal = Result<Entry, AuthError>;

thread_local! {
    /// Renewals in flight in this realm, by cache key: shared by every client.
    static FLIGHTS: Rc<Flights<Renewal>> = Rc::new(Flights::default());
}

pub struct Client {
    options: ClientOptions,
    site: Site,
    flow: Box<dyn VendorFlow>,
    principal: String,
    key: String,
    parts: Parts,
    /// Where entries go when the configured store fails.
    fallback: MemoryStore,
    using_fallback: Cell<bool>,
    events: Events,
    /// `obtained_at` of the last entry announced by a `"token"` event.
    announced: Cell<Option<i64>>,
}

impl Client {
    pub fn new(options: ClientOptions, parts: Parts) -> Result<Client, AuthError> {
        let site = vendors::resolve_site(&options)?;
        let flow = vendors::flow(&options, &site)?;
        let principal = principal_digest(&flow.principal());
        let key = cache_key(options.vendor, &site.scope, &principal);
        Ok(Client {
            options,
            site,
            flow,
            principal,
            key,
            parts,
            fallback: MemoryStore::shared(),
            using_fallback: Cell::new(false),
            events: Events::default(),
            announced: Cell::new(None),
        })
    }

    pub fn vendor(&self) -> Vendor {
        self.options.vendor
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The store key of this client's entry.
    pub fn cache_key(&self) -> &str {
        &self.key
    }

    /// The token, from the cache when it is fresh, else renewed once for all
    /// concurrent callers.
    pub async fn token_info(&self, mode: CacheMode) -> Result<TokenInfo, AuthError> {
        let result = self.token_info_inner(mode).await;
        self.reported(result)
    }

    async fn token_info_inner(&self, mode: CacheMode) -> Result<TokenInfo, AuthError> {
        if let Some(tokens) = self.flow.static_token() {
            return Ok(self.info(tokens, None, false));
        }
        let mut previous = None;
        if mode != CacheMode::Reload {
            if let Some(entry) = self.read_entry().await {
                if entry.is_fresh(self.parts.clock.now_ms(), self.options.refresh_margin_ms) {
                    self.announce(&entry, true);
                    return Ok(self.entry_info(entry, true));
                }
                previous = Some(entry);
            }
            if mode == CacheMode::OnlyIfCached {
                return Err(AuthError::new(
                    ErrorCode::ReauthRequired,
                    format!(
                        "no usable {} token is cached and cache: \"only-if-cached\" forbids going to the network",
                        self.vendor().display_name()
                    ),
                )
                .with_vendor(self.vendor()));
            }
        }
        let flights = FLIGHTS.with(Rc::clone);
        let entry = flights.run(&self.key, || self.renew(previous)).await?;
        self.announce(&entry, false);
        Ok(self.entry_info(entry, false))
    }

    /// Obtains a new token from the vendor and stores it.
    async fn renew(&self, previous: Option<Entry>) -> Renewal {
        let clock = &*self.parts.clock;
        let http = Http::new(
            &*self.parts.transport,
            clock,
            self.vendor(),
            self.options.timeout_ms,
        );
        let tokens = self
            .flow
            .obtain(&http, previous.as_ref().map(|e| &e.tokens))
            .await?;
        let now = clock.now_ms();
        let entry = Entry {
            principal: self.principal.clone(),
            skew_ms: skew_ms(http.server_date_ms(), &tokens, now),
            tokens,
            obtained_at_ms: now,
        };
        self.write_entry(&entry).await;
        Ok(entry)
    }

    /// Forgets the cached token (here and in the store).
    pub async fn clear(&self) -> Result<(), AuthError> {
        let result = self.store().delete(&self.key).await;
        self.fallback.delete_now(&self.key);
        if let Err(e) = result {
            self.fall_back(e);
        }
        self.announced.set(None);
        Ok(())
    }

    /// Revokes the token at the vendor where the vendor supports it, then
    /// forgets it. Resolves to what was achieved.
    pub async fn revoke(&self) -> Result<Revoked, AuthError> {
        let result = self.revoke_inner().await;
        self.reported(result)
    }

    async fn revoke_inner(&self) -> Result<Revoked, AuthError> {
        if self.flow.static_token().is_some() {
            return Ok(Revoked::LocallyOnly);
        }
        let revoked = match self.read_entry().await {
            Some(entry) => {
                let clock = &*self.parts.clock;
                let http = Http::new(
                    &*self.parts.transport,
                    clock,
                    self.vendor(),
                    self.options.timeout_ms,
                );
                self.flow.revoke(&http, &entry.tokens).await?
            }
            None => Revoked::LocallyOnly,
        };
        self.clear().await?;
        Ok(revoked)
    }

    fn store(&self) -> &dyn TokenStore {
        if self.using_fallback.get() {
            &self.fallback
        } else {
            &*self.parts.store
        }
    }

    fn fall_back(&self, error: StoreError) {
        if !self.using_fallback.replace(true) {
            self.events.emit(&Event::StorageFallback {
                vendor: self.vendor(),
                reason: error.0,
            });
        }
    }

    /// The cached entry, if one is readable. A corrupt entry, one of another
    /// version or one for another principal reads as none (and is overwritten
    /// by the next renewal).
    async fn read_entry(&self) -> Option<Entry> {
        let text = match self.store().get(&self.key).await {
            Ok(text) => text,
            Err(e) => {
                self.fall_back(e);
                self.fallback.get_now(&self.key)
            }
        };
        Entry::decode(&text?, &self.principal)
    }

    async fn write_entry(&self, entry: &Entry) {
        let ttl = entry.ttl_seconds(self.parts.clock.now_ms());
        let text = entry.encode(true);
        if let Err(e) = self.store().put(&self.key, text.clone(), ttl).await {
            self.fall_back(e);
            self.fallback.put_now(&self.key, text);
        }
    }

    fn announce(&self, entry: &Entry, from_cache: bool) {
        if self.announced.replace(Some(entry.obtained_at_ms)) != Some(entry.obtained_at_ms) {
            self.events.emit(&Event::Token {
                vendor: self.vendor(),
                expires_at_ms: entry.local_expiry_ms(),
                from_cache,
            });
        }
    }

    fn entry_info(&self, entry: Entry, from_cache: bool) -> TokenInfo {
        let expires = entry.local_expiry_ms();
        self.info(entry.tokens, expires, from_cache)
    }

    fn info(&self, tokens: TokenSet, expires_at_ms: Option<i64>, from_cache: bool) -> TokenInfo {
        TokenInfo {
            token: tokens.access,
            expires_at_ms,
            from_cache,
            vendor: self.vendor(),
            environment: self.site.environment.clone(),
            meta: tokens.meta,
        }
    }

    /// Every error leaves through here: secrets scrubbed, `"error"` emitted.
    fn reported<T>(&self, result: Result<T, AuthError>) -> Result<T, AuthError> {
        result.map_err(|error| {
            let error = error.scrubbed(&self.flow.secrets());
            let error = if error.vendor.is_none() {
                error.with_vendor(self.vendor())
            } else {
                error
            };
            self.events.emit(&Event::Error(error.clone()));
            error
        })
    }
}

/// Vendor clock minus local clock: from the `Date` header when readable, else
/// from the token's `iat` (browsers hide `Date` on cross-origin answers).
/// Both have one-second resolution, so differences under 2 s are noise.
fn skew_ms(server_date_ms: Option<i64>, tokens: &TokenSet, local_now_ms: i64) -> i64 {
    let vendor_now = server_date_ms.or_else(|| {
        let claims = jwt_claims(tokens.access.expose())?;
        numeric_date_ms(&claims, "iat")
    });
    match vendor_now.map(|v| v - local_now_ms) {
        Some(skew) if skew.abs() >= 2000 => skew,
        _ => 0,
    }
}
