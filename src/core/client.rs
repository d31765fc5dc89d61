//! The client: options, vendor flow, store, locks and single flight put
//! together.
//!
//! `getToken` reads the cache; a fresh token is returned at once. Otherwise
//! the one renewal in flight for this principal is joined, or led: take the
//! cross-context lock (persistent stores), read the store again (another tab
//! may have renewed), and only then go to the vendor.

use crate::core::cache::{
    cache_key, decode_hold, encode_hold, hold_key, principal_digest, principal_hold_key, Entry,
};
use crate::core::clock::Clock;
use crate::core::coordinator::{Answer, Ask, Coordinator};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::events::{Event, Events};
use crate::core::flight::{Flights, Polling};
use crate::core::http::{is_header_safe, HttpRequest, HttpResponse, LocalFuture, Transport};
use crate::core::json::Map;
use crate::core::lease::{self, Leased};
use crate::core::lock::{self, LockManager, StoreLock};
use crate::core::options::ClientOptions;
use crate::core::secret::Secret;
use crate::core::store::{MemoryStore, StoreError, TokenStore};
use crate::core::token::{jwt_claims, numeric_date_ms, TokenSet};
use crate::core::vendors::emnify::Emnify;
use crate::core::vendors::voipbin::Voipbin;
use crate::core::vendors::{self, Attachment, Http, Revoked, Site, Vendor, VendorFlow};
use std::cell::{Cell, RefCell};
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

/// What `completeMfa()` resolves to: the token, and the fingerprint of the
/// trusted device sent with the code (to keep, and to pass as
/// `options.fingerprint` next time: emnify then skips the MFA step).
#[derive(Clone, Debug, PartialEq)]
pub struct MfaCompleted {
    pub info: TokenInfo,
    pub fingerprint: Option<Secret>,
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
    pub meta: Map,
}

/// The JS world's parts, as traits.
pub struct Parts {
    pub transport: Rc<dyn Transport>,
    pub clock: Rc<dyn Clock>,
    pub store: Rc<dyn TokenStore>,
    /// Cross-context locks, used with persistent stores; `None` where the
    /// runtime has none (then renewals are best effort across contexts).
    pub locks: Option<Rc<dyn LockManager>>,
    /// The principal's coordinator (a Durable Object): with one, logins
    /// happen there, never here.
    pub coordinator: Option<Rc<dyn Coordinator>>,
    /// Waiters of a renewal poll on their own timer instead of being woken
    /// by the leader (Cloudflare Workers; see [`Flights::run`]).
    pub poll_waits: bool,
}

/// A renewal's outcome: the entry, and whether it was found in the store
/// (another context renewed while this one waited for the lock).
type Renewal = Result<(Entry, bool), AuthError>;

thread_local! {
    /// Renewals in flight in this realm, by cache key: shared by every client.
    static FLIGHTS: Rc<Flights<Renewal>> = Rc::new(Flights::default());
}

/// A rate limit at least this long is recorded in the store so that other
/// clients hold off too, instead of each learning it with a request.
const HOLD_THRESHOLD_SECONDS: u64 = 30;

/// After waiting for the cross-context lock, how many more times (and how
/// far apart) the store is read before concluding nobody renewed.
const STALE_READ_RETRIES: u32 = 4;
const STALE_READ_PAUSE_MS: u64 = 25;

/// How long the memory stands in for a failing store before it is tried
/// again. Only renewals touch the store then (warm calls answer from
/// memory), so a store still down costs one bounded wait per this period.
const STORE_RETRY_MS: i64 = 2000;

/// How often a polling waiter looks for the leader's result.
const POLL_INTERVAL_MS: u64 = 10;

/// The time of last use is written back at most this often, so a warm
/// `getToken` stays a memory read (vendors that drop idle tokens only).
const LAST_USE_RESOLUTION_MS: i64 = 3_600_000;

pub struct Client {
    options: ClientOptions,
    site: Site,
    flow: Box<dyn VendorFlow>,
    principal: String,
    key: String,
    /// The single-flight key. A client with a coordinator waits on the
    /// coordinator, which may run in this very realm (a Durable Object shares
    /// its Worker's isolate) and lead its own flight for the same cache key.
    flight_key: String,
    parts: Parts,
    /// Where entries go when the configured store fails.
    fallback: MemoryStore,
    /// Set while the configured store is failing: until when the memory
    /// stands in for it before the store is tried again.
    fallback_until: Cell<Option<i64>>,
    events: Events,
    /// `obtained_at` of the last entry announced by a `"token"` event.
    announced: Cell<Option<i64>>,
    /// The last entry text read and its decoding: a warm `getToken` compares
    /// texts instead of parsing JSON again.
    decoded: RefCell<Option<(String, Entry)>>,
}

impl Client {
    pub fn new(options: ClientOptions, parts: Parts) -> Result<Client, AuthError> {
        let site = vendors::resolve_site(&options)?;
        let flow = vendors::flow(&options, &site)?;
        let principal = principal_digest(&flow.principal());
        let key = cache_key(options.vendor, &site.scope, &principal);
        let flight_key = match parts.coordinator {
            Some(_) => format!("{key}#coordinated"),
            None => key.clone(),
        };
        Ok(Client {
            flight_key,
            options,
            site,
            flow,
            principal,
            key,
            parts,
            fallback: MemoryStore::shared(),
            fallback_until: Cell::new(None),
            events: Events::default(),
            announced: Cell::new(None),
            decoded: RefCell::new(None),
        })
    }

    pub fn vendor(&self) -> Vendor {
        self.options.vendor
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The store key of this client's entry.
    pub fn cache_key(&self) -> &str {
        &self.key
    }

    /// Where this vendor wants the token on API calls.
    pub fn attachment(&self) -> Attachment {
        self.flow.attachment()
    }

    /// `FOREIGN_ORIGIN` unless `origin` (as a URL parser normalises it) is the
    /// vendor root's or listed in `allowedOrigins`: credentials never go to
    /// a third party through `client.fetch`.
    pub fn check_origin(&self, origin: &str) -> Result<(), AuthError> {
        let own = crate::core::options::canonical_origin(&self.site.root);
        let origin = origin.to_ascii_lowercase();
        if own.as_deref() == Some(origin.as_str()) || self.options.allowed_origins.contains(&origin)
        {
            return Ok(());
        }
        self.reported(Err(AuthError::new(
            ErrorCode::ForeignOrigin,
            format!(
                "refusing to send {} credentials to {origin}: only {} (and options.allowedOrigins) may receive them",
                self.vendor().display_name(),
                own.as_deref().unwrap_or("the vendor's origin")
            ),
        )))
    }

    /// Reports a request rejected again after a renewal (it is returned to
    /// the caller as it is; the `"error"` event says what happened).
    pub fn rejected_twice(&self, status: u16) {
        let error = AuthError::new(
            ErrorCode::TokenRejected,
            format!(
                "{} rejected a freshly renewed token too (HTTP {status}); the response is returned as it is",
                self.vendor().display_name()
            ),
        )
        .with_status(status);
        let _ = self.reported::<()>(Err(error));
    }

    /// Whether an API answer says the token was rejected.
    pub fn is_rejection(&self, status: u16, body: &str) -> bool {
        self.flow.is_rejection(status, body)
    }

    /// Whether an API answer of this status may be a rejection (its body
    /// must then be read to tell).
    pub fn may_be_rejection(&self, status: u16) -> bool {
        self.flow.may_be_rejection(status)
    }

    /// Tells the client how the vendor answered one of the caller's API
    /// calls: a Zūm Rails 429 blocks the IP for 5 minutes, so the next login
    /// must hold off as after a login's 429.
    pub async fn api_answered(&self, status: u16, retry_after: Option<u64>) {
        if let Some(seconds) = self.flow.api_hold_seconds(status, retry_after) {
            self.hold(seconds, false).await;
        }
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
        if mode == CacheMode::Reload {
            // The entry being replaced: a renewal must not settle for it.
            previous = self.read_stored_entry().await;
        } else {
            if let Some(entry) = self.read_entry().await {
                if self.is_fresh(&entry) {
                    self.announce(&entry, true);
                    self.note_use(&entry).await;
                    return Ok(self.entry_info(entry, true));
                }
                if entry.rejected {
                    return Err(self.rejected_error());
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
                ));
            }
        }
        self.renew_once(previous, None, mode == CacheMode::Reload)
            .await
    }

    /// Compare-and-renew, after the vendor rejected `rejected`: if the store
    /// already holds another fresh token (another client renewed), that one
    /// is used; otherwise one renewal for everyone. Personr without
    /// `regenerateOnRejection` fails with `REAUTH_REQUIRED` instead.
    pub async fn renew_after_rejection(&self, rejected: &Secret) -> Result<TokenInfo, AuthError> {
        let result = self.renew_after_rejection_inner(rejected).await;
        self.reported(result)
    }

    async fn renew_after_rejection_inner(&self, rejected: &Secret) -> Result<TokenInfo, AuthError> {
        let name = self.vendor().display_name();
        if self.flow.static_token().is_some() {
            return Err(AuthError::new(
                ErrorCode::TokenRejected,
                format!("{name} rejected the token given in credentials: it may have been revoked or have expired"),
            ));
        }
        let entry = self.read_stored_entry().await;
        if let Some(entry) = &entry {
            if entry.tokens.access != *rejected && self.is_fresh(entry) {
                return Ok(self.entry_info(entry.clone(), true));
            }
        }
        if !self.flow.renews_after_rejection() {
            if let Some(idle) = entry.as_ref().filter(|e| self.idle_dropped(e, rejected)) {
                // Every holder's copy died with the vendor's idle drop:
                // generating a new one harms no one.
                // (With a coordinator, it judges again by its own entry and
                // may refuse: the event follows the new token, not the ask.)
                let since = idle.idle_from_ms.unwrap_or_else(|| idle.last_used());
                let idle_days = (self.parts.clock.now_ms() - since) / 86_400_000;
                let renewed = self.renew_once(entry, Some(rejected), false).await?;
                self.events.emit(&Event::Regenerated {
                    vendor: self.vendor(),
                    reason: "idle",
                    message: format!(
                        "{} dropped a token unused for {idle_days} days; a new one was generated",
                        self.vendor().display_name()
                    ),
                });
                return Ok(renewed);
            }
            if let Some(mut entry) = entry.filter(|e| e.tokens.access == *rejected) {
                entry.rejected = true;
                self.write_entry(&entry).await;
            }
            return Err(self.rejected_error());
        }
        self.renew_once(entry, Some(rejected), false).await
    }

    /// Whether the vendor dropped a token unused since `last_use` by `now`:
    /// unused for as long as it keeps idle tokens, plus the resolution of the
    /// recorded time of use (which may lag the real one by that much).
    fn idle_at(&self, last_use: i64, now: i64) -> bool {
        self.flow
            .idle_drop_ms()
            .is_some_and(|limit| now - last_use >= limit.saturating_add(LAST_USE_RESOLUTION_MS))
    }

    /// Whether `entry` holds the rejected token and its rejection is the
    /// vendor's idle drop: unused that long until now, or its last recorded
    /// use (the one that led to this rejection) came after such a stretch.
    fn idle_dropped(&self, entry: &Entry, rejected: &Secret) -> bool {
        entry.tokens.access == *rejected
            && (entry.idle_from_ms.is_some()
                || self.idle_at(entry.last_used(), self.parts.clock.now_ms()))
    }

    /// Records that the token of `entry` was handed out, at most hourly and
    /// only for vendors that drop idle tokens. The store is read again first:
    /// another context may have replaced the token, which must not be
    /// overwritten with this older one.
    async fn note_use(&self, entry: &Entry) {
        let now = self.parts.clock.now_ms();
        if self.flow.idle_drop_ms().is_none() || now - entry.last_used() < LAST_USE_RESOLUTION_MS {
            return;
        }
        if let Some(mut stored) = self.read_stored_entry().await {
            if stored.tokens.access == entry.tokens.access {
                let last = stored.last_used();
                stored.idle_from_ms = self.idle_at(last, now).then_some(last);
                stored.last_used_ms = Some(now);
                self.write_entry(&stored).await;
            }
        }
    }

    fn rejected_error(&self) -> AuthError {
        AuthError::new(
            ErrorCode::ReauthRequired,
            format!(
                "{} rejected the cached token: a newer token was probably generated elsewhere, which invalidates this one. \
                 Generating another would invalidate that one in turn, so the library does not do it by itself: \
                 call getToken({{ cache: \"reload\" }}) to generate one, or pass regenerateOnRejection: true",
                self.vendor().display_name()
            ),
        )
    }

    /// Joins or leads the one renewal for this principal in this realm.
    async fn renew_once(
        &self,
        previous: Option<Entry>,
        rejected: Option<&Secret>,
        reload: bool,
    ) -> Result<TokenInfo, AuthError> {
        let flights = FLIGHTS.with(Rc::clone);
        let poll = self.parts.poll_waits.then(|| Polling {
            clock: &*self.parts.clock,
            interval_ms: POLL_INTERVAL_MS,
            // Past the longest a login can take, the leader is presumed gone.
            max_wait_ms: i64::from(self.options.timeout_ms) * 4,
        });
        let (entry, from_cache) = flights
            .run(
                &self.flight_key,
                || async move {
                    match &self.parts.coordinator {
                        Some(coordinator) => {
                            let ask = match (rejected, &previous) {
                                (Some(token), _) => Ask::Rejected(token.clone()),
                                (None, Some(p)) if reload => Ask::Reload(p.tokens.access.clone()),
                                _ => Ask::Token,
                            };
                            self.ask_coordinator(&**coordinator, ask).await
                        }
                        None => self.renew(previous, rejected).await,
                    }
                },
                poll,
            )
            .await?;
        self.announce(&entry, from_cache);
        Ok(self.entry_info(entry, from_cache))
    }

    /// Renews under the cross-context lock (Web Locks, else a lease in the
    /// store; a store with `add` always gets its lease, since it is shared
    /// beyond one browser). An entry found in the store once the lock is
    /// held (another context renewed meanwhile) is used as is.
    async fn renew(&self, previous: Option<Entry>, rejected: Option<&Secret>) -> Renewal {
        let mut lease = None;
        let mut _guard = None;
        let store = self.store();
        if store.is_shared() {
            let clock = &*self.parts.clock;
            let asked_at = clock.now_ms();
            _guard = match &self.parts.locks {
                Some(locks) => locks.lock(&self.key).await,
                None => None,
            };
            let waited = clock.now_ms() > asked_at;
            let hold_ms = i64::from(self.options.timeout_ms) * 2;
            let renewed = || -> LocalFuture<'_, Option<Entry>> {
                Box::pin(self.renewed_elsewhere(previous.as_ref(), rejected))
            };
            if store.atomic().is_some() {
                match lock::acquire_in_store(store, clock, &self.key, hold_ms, &renewed).await {
                    Ok(StoreLock::Held(held)) => lease = Some(held),
                    Ok(StoreLock::Renewed(entry)) => return Ok((entry, true)),
                    Ok(StoreLock::TimedOut) => {}
                    Err(e) => self.fall_back(e),
                }
            } else if _guard.is_none() {
                match lease::acquire(store, clock, &self.key, hold_ms, &renewed).await {
                    Leased::Held(held) => lease = Some(held),
                    Leased::Renewed(entry) => return Ok((entry, true)),
                    Leased::Without => {}
                }
            }
            // A context that waited for the lock most likely waited for
            // another's login. Tabs see each other's localStorage writes a
            // moment late (Chromium propagates them between processes
            // asynchronously), so a stale read is given a few more looks.
            let looks = if waited { 1 + STALE_READ_RETRIES } else { 1 };
            for look in 0..looks {
                if look > 0 {
                    clock.sleep(STALE_READ_PAUSE_MS).await;
                }
                if let Some(entry) = self.renewed_elsewhere(previous.as_ref(), rejected).await {
                    if let Some(lease) = lease {
                        lease::release(store, lease).await;
                    }
                    return Ok((entry, true));
                }
            }
        }
        let result = self.obtain_and_store(previous).await;
        if let Some(lease) = lease {
            lease::release(store, lease).await;
        }
        result.map(|entry| (entry, false))
    }

    /// Gets the token from the principal's coordinator and keeps it here.
    async fn ask_coordinator(&self, coordinator: &dyn Coordinator, ask: Ask) -> Renewal {
        let answer = coordinator.ask(&self.key, ask).await?;
        let entry = Entry::decode(&answer.entry, &self.principal).ok_or_else(|| {
            AuthError::new(
                ErrorCode::BadResponse,
                "the token coordinator answered with an entry this client cannot read (is it running another version of vendor-auth?)",
            )
        })?;
        self.write_entry(&entry).await;
        Ok((entry, answer.from_cache))
    }

    /// The coordinator's side of [`Client::ask_coordinator`]: answers from
    /// this client's store (the coordinator's own storage), renewing only
    /// when it holds no usable token.
    pub async fn coordinate(&self, ask: Ask) -> Result<Answer, AuthError> {
        let result = async {
            let info = match &ask {
                Ask::Token => self.token_info_inner(CacheMode::Default).await?,
                Ask::Reload(token) => match self.read_stored_entry().await {
                    Some(entry) if entry.tokens.access != *token && self.is_fresh(&entry) => {
                        self.entry_info(entry, true)
                    }
                    _ => self.token_info_inner(CacheMode::Reload).await?,
                },
                Ask::Rejected(token) => self.renew_after_rejection_inner(token).await?,
            };
            let entry = self.read_entry().await.ok_or_else(|| {
                AuthError::new(
                    ErrorCode::Storage,
                    "the coordinator could not read back the token it stored",
                )
            })?;
            Ok(Answer {
                entry: entry.encode(true),
                from_cache: info.from_cache,
            })
        }
        .await;
        self.reported(result)
    }

    /// A fresh entry in the store that is neither the one this renewal
    /// replaces nor the one the vendor rejected.
    async fn renewed_elsewhere(
        &self,
        previous: Option<&Entry>,
        rejected: Option<&Secret>,
    ) -> Option<Entry> {
        let entry = self.read_stored_entry().await?;
        let changed = previous.is_none_or(|p| p.tokens.access != entry.tokens.access);
        let not_rejected = rejected.is_none_or(|r| *r != entry.tokens.access);
        (changed && not_rejected && self.is_fresh(&entry)).then_some(entry)
    }

    async fn obtain_and_store(&self, previous: Option<Entry>) -> Result<Entry, AuthError> {
        self.check_hold().await?;
        let http = self.http();
        let obtained = self
            .flow
            .obtain(&http, previous.as_ref().map(|e| &e.tokens))
            .await;
        let tokens = match obtained {
            Ok(tokens) => tokens,
            Err(error) => {
                self.record_hold(&error).await;
                return Err(error);
            }
        };
        self.store_tokens(tokens, http.server_date_ms(), self.parts.clock.now_ms())
            .await
    }

    fn http(&self) -> Http<'_> {
        Http::new(
            &*self.parts.transport,
            &*self.parts.clock,
            self.vendor(),
            self.options.timeout_ms,
            self.flow.auth_retry(),
        )
    }

    /// Checks a token from the vendor and stores it.
    async fn store_tokens(
        &self,
        tokens: TokenSet,
        server_date_ms: Option<i64>,
        now: i64,
    ) -> Result<Entry, AuthError> {
        if !is_header_safe(tokens.access.expose()) {
            return Err(AuthError::new(
                ErrorCode::BadResponse,
                format!(
                    "{} answered with a token containing characters not allowed in an HTTP header (line breaks or control characters); it was refused, not used",
                    self.vendor().display_name()
                ),
            ));
        }
        let entry = Entry {
            principal: self.principal.clone(),
            skew_ms: skew_ms(server_date_ms, &tokens, now),
            tokens,
            obtained_at_ms: now,
            rejected: false,
            last_used_ms: None,
            idle_from_ms: None,
        };
        self.write_entry(&entry).await;
        Ok(entry)
    }

    /// Fails fast while a recorded hold lasts: the vendor root's (a rate
    /// limit, an IP block) or this principal's (an account lock-out).
    async fn check_hold(&self) -> Result<(), AuthError> {
        let mut until = None;
        for key in [
            hold_key(self.vendor(), &self.site.scope),
            principal_hold_key(&self.key),
        ] {
            let text = match self.store().get(&key).await {
                Ok(text) => text,
                Err(_) => self.fallback.get_now(&key),
            };
            until = until.max(text.as_deref().and_then(decode_hold));
        }
        let now = self.parts.clock.now_ms();
        match until {
            Some(until) if until > now => {
                let seconds = ((until - now) as u64).div_ceil(1000);
                Err(AuthError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "{} is refusing logins (rate limit or lock-out); no login is sent for another {seconds} s",
                        self.vendor().display_name()
                    ),
                )
                .with_retry_after(Some(seconds)))
            }
            _ => Ok(()),
        }
    }

    async fn record_hold(&self, error: &AuthError) {
        let Some(seconds) = error
            .retry_after_seconds
            .filter(|_| error.code == ErrorCode::RateLimited)
        else {
            return;
        };
        if seconds >= HOLD_THRESHOLD_SECONDS {
            self.hold(seconds, self.flow.holds_principal_only(error))
                .await;
        }
    }

    /// Records a hold of `seconds` in the store (and in memory) for every
    /// client of the vendor root, or of this principal only.
    async fn hold(&self, seconds: u64, principal_only: bool) {
        let key = if principal_only {
            principal_hold_key(&self.key)
        } else {
            hold_key(self.vendor(), &self.site.scope)
        };
        let until = self.parts.clock.now_ms() + (seconds as i64) * 1000;
        let text = encode_hold(until);
        self.fallback.put_now(&key, text.clone());
        if !self.using_fallback() {
            let _ = self.parts.store.put(&key, text, Some(seconds)).await;
        }
    }

    /// Sends an API request with the token attached the vendor's way. On the
    /// vendor's rejection the token is renewed (compare-and-renew) and the
    /// request sent once more; a second rejection is returned as it is.
    pub async fn authorized(&self, request: HttpRequest) -> Result<HttpResponse, AuthError> {
        let result = self.authorized_inner(request).await;
        self.reported(result)
    }

    async fn authorized_inner(&self, request: HttpRequest) -> Result<HttpResponse, AuthError> {
        let info = self.token_info_inner(CacheMode::Default).await?;
        let http = self.http();
        let attach = self.flow.attachment();
        let response = http
            .send(attach.apply(request.clone(), &info.token))
            .await?;
        self.api_answered(response.status, response.retry_after_seconds())
            .await;
        if !self.flow.is_rejection(response.status, &response.body) {
            return Ok(response);
        }
        let renewed = self.renew_after_rejection_inner(&info.token).await?;
        let response = http.send(attach.apply(request, &renewed.token)).await?;
        self.api_answered(response.status, response.retry_after_seconds())
            .await;
        Ok(response)
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
            Some(entry) => self.flow.revoke(&self.http(), &entry.tokens).await?,
            None => Revoked::LocallyOnly,
        };
        self.clear().await?;
        Ok(revoked)
    }

    /// emnify: finishes a login that asked for a multi-factor code, and
    /// caches the result. A lock-out (three wrong codes) is held like a
    /// login's. The fingerprint of `trusted_device` is handed back, never
    /// stored.
    pub async fn complete_mfa(
        &self,
        code: &str,
        trusted_device: Option<&Map>,
    ) -> Result<MfaCompleted, AuthError> {
        let result = async {
            let emnify = self.emnify()?;
            self.check_hold().await?;
            let http = self.http();
            let tokens = match emnify.complete_mfa(&http, code, trusted_device).await {
                Ok(tokens) => tokens,
                Err(error) => {
                    self.record_hold(&error).await;
                    return Err(error);
                }
            };
            let entry = self
                .store_tokens(tokens, http.server_date_ms(), self.parts.clock.now_ms())
                .await?;
            self.announce(&entry, false);
            let fingerprint = trusted_device
                .and_then(|d| d.get("fingerprint")?.as_str())
                .map(Secret::new);
            Ok(MfaCompleted {
                info: self.entry_info(entry, false),
                fingerprint,
            })
        }
        .await;
        self.reported(result)
    }

    /// The emnify flow, or `UNSUPPORTED` naming the method.
    pub fn emnify(&self) -> Result<&Emnify, AuthError> {
        self.flow
            .as_emnify()
            .ok_or_else(|| self.unsupported("this method is emnify's"))
    }

    /// The VoIPBIN flow, or `UNSUPPORTED` naming the method.
    pub fn voipbin(&self) -> Result<&Voipbin, AuthError> {
        self.flow
            .as_voipbin()
            .ok_or_else(|| self.unsupported("this method is VoIPBIN's"))
    }

    fn unsupported(&self, what: &str) -> AuthError {
        AuthError::new(
            ErrorCode::Unsupported,
            format!(
                "{what}; this client is for {}",
                self.vendor().display_name()
            ),
        )
        .with_vendor(self.vendor())
    }

    fn is_fresh(&self, entry: &Entry) -> bool {
        entry.is_fresh(self.parts.clock.now_ms(), self.options.refresh_margin_ms)
    }

    fn store(&self) -> &dyn TokenStore {
        if self.using_fallback() {
            &self.fallback
        } else {
            &*self.parts.store
        }
    }

    fn using_fallback(&self) -> bool {
        self.fallback_until
            .get()
            .is_some_and(|until| self.parts.clock.now_ms() < until)
    }

    /// The store failed: memory stands in for [`STORE_RETRY_MS`], then the
    /// store is tried again (a Redis restart, a KV outage end). Said once
    /// per outage.
    fn fall_back(&self, error: StoreError) {
        let until = self.parts.clock.now_ms() + STORE_RETRY_MS;
        if self.fallback_until.replace(Some(until)).is_none() {
            self.events.emit(&Event::StorageFallback {
                vendor: self.vendor(),
                reason: error.0,
            });
        }
    }

    /// The configured store answered again after an outage: the next
    /// failure is a new outage, announced again.
    fn store_answered(&self) {
        if !self.using_fallback() {
            self.fallback_until.set(None);
        }
    }

    /// The cached entry, if one is readable. A corrupt entry, one of another
    /// version or one for another principal reads as none (and is overwritten
    /// by the next renewal).
    async fn read_entry(&self) -> Option<Entry> {
        // The memory tier in front of a persistent store: a warm realm (an
        // isolate, a tab) answers without reading the store.
        if self.store().is_persistent() {
            let cached = self.fallback.get_now(&self.key);
            if let Some(entry) = cached.and_then(|t| self.decode(t)) {
                if self.is_fresh(&entry) {
                    return Some(entry);
                }
            }
        }
        self.read_stored_entry().await
    }

    /// The entry as the store holds it now (another context may have
    /// replaced it), copied into the memory tier.
    async fn read_stored_entry(&self) -> Option<Entry> {
        let text = match self.store().get(&self.key).await {
            Ok(text) => {
                self.store_answered();
                text
            }
            Err(e) => {
                self.fall_back(e);
                self.fallback.get_now(&self.key)
            }
        };
        let mut entry = self.decode(text?)?;
        if entry.tokens.refresh.is_none() && self.refresh_in_memory_only() {
            // The refresh token was kept out of the store: this realm's
            // memory has it, if this realm obtained the token.
            let remembered = self.fallback.get_now(&self.key);
            let remembered = remembered.and_then(|t| Entry::decode(&t, &self.principal));
            if let Some(full) = remembered.filter(|m| m.tokens.access == entry.tokens.access) {
                entry.tokens.refresh = full.tokens.refresh;
            }
        }
        if self.store().is_persistent() {
            self.fallback.put_now(&self.key, entry.encode(true));
        }
        Some(entry)
    }

    /// Decodes an entry of this principal, reusing the last decoding when the
    /// text is the same.
    fn decode(&self, text: String) -> Option<Entry> {
        if let Some((last, entry)) = self.decoded.borrow().as_ref() {
            if *last == text {
                return Some(entry.clone());
            }
        }
        let entry = Entry::decode(&text, &self.principal)?;
        self.decoded.replace(Some((text, entry.clone())));
        Some(entry)
    }

    /// `refreshTokens: "memory"` with a store that outlives the realm.
    fn refresh_in_memory_only(&self) -> bool {
        self.options.refresh_tokens_in_memory && self.store().is_persistent()
    }

    async fn write_entry(&self, entry: &Entry) {
        let ttl = entry.ttl_seconds(self.parts.clock.now_ms());
        let in_memory_only = self.refresh_in_memory_only();
        if self.store().is_persistent() {
            self.fallback.put_now(&self.key, entry.encode(true));
        }
        let text = entry.encode(!in_memory_only);
        if let Err(e) = self.store().put(&self.key, text, ttl).await {
            self.fall_back(e);
            self.fallback.put_now(&self.key, entry.encode(true));
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

    /// Every error leaves through here: secrets scrubbed, vendor set,
    /// `"error"` emitted.
    pub(crate) fn reported<T>(&self, result: Result<T, AuthError>) -> Result<T, AuthError> {
        result.map_err(|error| self.report(error))
    }

    /// An error on its way out: the credentials scrubbed from its message,
    /// the vendor set, and the `"error"` event emitted.
    pub fn report(&self, error: AuthError) -> AuthError {
        let error = error.scrubbed(&self.flow.secrets());
        let error = if error.vendor.is_none() {
            error.with_vendor(self.vendor())
        } else {
            error
        };
        self.events.emit(&Event::Error(error.clone()));
        error
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
