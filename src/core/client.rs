//! The client: options, vendor flow, store, locks and single flight put
//! together.
//!
//! `getToken` reads the cache; a fresh token is returned at once. Otherwise
//! the one renewal in flight for this principal is joined, or led: take the
//! cross-context lock (persistent stores), read the store again (another tab
//! may have renewed), and only then go to the vendor.

use crate::core::cache::{
    cache_key, decode_hold, encode_hold, hold_key, principal_digest, principal_hold_key, Entry,
    EntryData,
};
use crate::core::clock::Clock;
use crate::core::coordinator::{Answer, Ask, Coordinator};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::events::{Event, Events};
use crate::core::fx::{self, attempt, Effect, Kv, Outcome, Renewal, Step, Stop};
use crate::core::http::{is_header_safe, HttpRequest, HttpResponse, Transport};
use crate::core::json::Map;
use crate::core::lease::{self, Leased};
use crate::core::lock::{self, LockManager, StoreLock};
use crate::core::options::ClientOptions;
use crate::core::origin;
use crate::core::revocation;
use crate::core::secret::Secret;
use crate::core::store::{MemoryStore, StoreError, TokenStore};
use crate::core::token::{jwt_claims, numeric_date_ms, TokenSet, MAX_DATE_MS};
use crate::core::vendors::emnify::Emnify;
use crate::core::vendors::voipbin::Voipbin;
use crate::core::vendors::{self, Attachment, Http, Revoked, Site, Vendor, VendorFlow};
use crate::core::verifier;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// An operation of a client, for the host to run ([`crate::core::fx`]):
/// `run` is called again from the start after each effect.
pub struct Op<'a, T> {
    pub parts: &'a Parts,
    pub run: Box<dyn FnMut() -> Step<T> + 'a>,
}

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
    /// Until this local instant a `getToken()` answers this same token
    /// without doing anything else, so long as nothing is written to the
    /// realm's memory store ([`MemoryStore::generation`]): the host may
    /// answer from a memo without entering the client. `i64::MIN`: do not
    /// memoise.
    pub memo_until_ms: i64,
}

/// The host's parts, which perform a client's effects (the core itself
/// never calls them).
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
    /// Waiters of a renewal wait at most a bounded time for the leader,
    /// then take the lead (Cloudflare Workers; see [`Effect::Flight`]).
    pub bounded_waits: bool,
}

thread_local! {
    /// The last entry text read per cache key and its decoding, shared by the
    /// realm's clients: a warm `getToken` compares texts instead of parsing
    /// JSON again, and a client made per request holds no copy of its own.
    static DECODED: RefCell<Vec<(String, Rc<Decoded>)>> = const { RefCell::new(Vec::new()) };
}

/// An entry's text and its decoding.
type Decoded = (String, Entry);

/// How many principals' decodings the realm keeps.
const DECODED_CAP: usize = 256;

/// A rate limit at least this long is recorded in the store so that other
/// clients hold off too, instead of each learning it with a request.
const HOLD_THRESHOLD_SECONDS: u64 = 30;

/// The longest hold recorded, whatever a `Retry-After` says: Zūm Rails'
/// IP block and emnify's lock-out last 5 minutes, and a hold shared by every
/// principal must not lock them out for longer than a person would wait.
pub const MAX_HOLD_SECONDS: u64 = 15 * 60;

/// After a store failure the memory fallback serves this long before the
/// store is tried again, doubling per failure in a row up to the maximum.
/// Only renewals touch the store then (warm calls answer from memory), so a
/// store still down costs one bounded wait per period.
const STORE_RETRY_BASE_MS: i64 = 1000;
const STORE_RETRY_MAX_MS: i64 = 30_000;

/// Renewals caused by rejection: see `Client::damped`.
const REJECTION_FLOOR_MS: i64 = 60_000;
const MAX_REJECTION_DAMPING_MS: i64 = 15 * 60_000;

/// How long a principal backs off after the vendor answered with a token
/// already expired on arrival (renewing at once would loop).
const EXPIRED_ON_ARRIVAL_HOLD_SECONDS: u64 = 60;

/// After waiting for the cross-context lock, how many more times (and how
/// far apart) the store is read before concluding nobody renewed.
const STALE_READ_RETRIES: u32 = 4;
const STALE_READ_PAUSE_MS: u64 = 25;

/// The time of last use is written back at most this often, so a warm
/// `getToken` stays a memory read (vendors that drop idle tokens only).
const LAST_USE_RESOLUTION_MS: i64 = 3_600_000;

/// What a client's verifier is computed over: the credentials' secrets, and
/// what kind of secret they are (which decides the iterations).
fn verified_secret(flow: &dyn VendorFlow) -> (String, verifier::Kind) {
    (flow.secrets().join("\n"), flow.secret_kind())
}

pub struct Client {
    options: ClientOptions,
    site: Site,
    flow: Box<dyn VendorFlow>,
    principal: String,
    /// The verifier of this client's secret ([`crate::core::verifier`]):
    /// entries obtained with another secret are not this client's. Known
    /// at once when the realm has computed it before (or the host's native
    /// PBKDF2 is registered); else the first operation asks the host to
    /// derive it ([`Effect::Derive`]).
    verifier: std::cell::OnceCell<String>,
    /// `vendor:principal digest`, the verifier's salt.
    salt_id: String,
    key: String,
    /// Where the realm's memory copy of the entry is kept: the cache key,
    /// or for an origin-wide store the key tagged with the store
    /// ([`origin::tier_key`]), so that a copy obtained through one store
    /// (or the memory store) is never taken for what another holds.
    tier_key: String,
    parts: Parts,
    /// Where entries go when the configured store fails.
    fallback: MemoryStore,
    /// The configured store failed: until this local time it is left alone
    /// and the memory fallback serves (then it is tried again).
    store_down_until: Cell<i64>,
    /// Failures in a row of the configured store, for the retry backoff.
    store_failures: Cell<u32>,
    events: Events,
    /// `obtained_at` of the last entry announced by a `"token"` event.
    announced: Cell<Option<i64>>,
}

impl Drop for Client {
    fn drop(&mut self) {
        origin::release(&self.key, &*self.parts.store);
    }
}

impl Client {
    pub fn new(options: ClientOptions, parts: Parts) -> Result<Client, AuthError> {
        let site = vendors::resolve_site(&options)?;
        let flow = vendors::flow(&options, &site)?;
        let principal = principal_digest(&flow.principal());
        let key = cache_key(options.vendor, &site.scope, &principal);
        origin::claim(&key, &*parts.store)?;
        let tier_key = match parts.store.origin_wide() {
            Some(area) => origin::tier_key(&key, area),
            None => key.clone(),
        };
        let salt_id = format!("{}:{principal}", options.vendor.as_str());
        let known = match flow.static_token() {
            // Used as given, never cached: nothing to verify.
            Some(_) => Some(String::new()),
            None => {
                let (secret, kind) = verified_secret(&*flow);
                verifier::known(&salt_id, &secret, kind)
            }
        };
        let verifier = std::cell::OnceCell::new();
        if let Some(known) = known {
            let _ = verifier.set(known);
        }
        Ok(Client {
            salt_id,
            options,
            site,
            flow,
            principal,
            verifier,
            key,
            tier_key,
            parts,
            fallback: MemoryStore::shared(),
            store_down_until: Cell::new(i64::MIN),
            store_failures: Cell::new(0),
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

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The verifier of this client's secret, which its entries carry
    /// (computed here if no operation has had the host derive it yet).
    pub fn verifier(&self) -> &str {
        self.verifier.get_or_init(|| {
            let (secret, kind) = verified_secret(&*self.flow);
            verifier::verifier(&self.salt_id, &secret, kind)
        })
    }

    /// Has the host derive the verifier: the first step of an operation
    /// started before it was known.
    fn derive_verifier(&self) -> Step<()> {
        let (secret, kind) = verified_secret(&*self.flow);
        let (password, salt, rounds) = verifier::inputs(&self.salt_id, &secret, kind);
        let effect = Effect::Derive {
            password,
            salt,
            rounds,
        };
        let Outcome::Derived(derived) = fx::perform(effect)? else {
            return fx::unexpected();
        };
        // Once, and not again where an operation that started with this
        // one has it already: computing it here (no WebCrypto) is slow.
        let verifier = fx::local(|| {
            verifier::known(&self.salt_id, &secret, kind)
                .unwrap_or_else(|| verifier::finish(&self.salt_id, &secret, kind, derived))
        })?;
        let _ = self.verifier.set(verifier);
        Ok(())
    }

    /// The single-flight key. Clients holding another secret for the
    /// principal never share a renewal: each gets the vendor's own answer
    /// to its secret. A client with a coordinator waits on the coordinator,
    /// which may run in this very realm (a Durable Object shares its
    /// Worker's isolate) and lead its own flight for the same cache key.
    fn flight_key(&self) -> String {
        let coordinated = if self.parts.coordinator.is_some() {
            "#coordinated"
        } else {
            ""
        };
        format!("{}#{}{coordinated}", self.key, self.verifier())
    }

    /// The store key of this client's entry.
    pub fn cache_key(&self) -> &str {
        &self.key
    }

    /// Whether `client.fetch` sends the vendor's cookies unless the caller
    /// says otherwise (see `VendorFlow::sends_cookies`).
    pub fn sends_cookies(&self) -> bool {
        self.flow.sends_cookies()
    }

    /// Where this vendor wants the token on API calls.
    pub fn attachment(&self) -> Attachment {
        self.flow.attachment()
    }

    /// `FOREIGN_ORIGIN` unless `origin` (as a URL parser normalises it) is the
    /// vendor root's or listed in `allowedOrigins`: credentials never go to
    /// a third party through `client.fetch`.
    pub fn check_origin(&self, origin: &str) -> Result<(), AuthError> {
        if self.may_receive(origin) {
            return Ok(());
        }
        let own = crate::core::options::canonical_origin(&self.site.root);
        let origin = origin.to_ascii_lowercase();
        Err(self.report(AuthError::new(
            ErrorCode::ForeignOrigin,
            format!(
                "refusing to send {} credentials to {origin}: only {} (and options.allowedOrigins) may receive them",
                self.vendor().display_name(),
                own.as_deref().unwrap_or("the vendor's origin")
            ),
        )))
    }

    /// Whether `origin` may receive this client's credentials: the vendor
    /// root's, or one listed in `allowedOrigins`.
    pub fn may_receive(&self, origin: &str) -> bool {
        let own = crate::core::options::canonical_origin(&self.site.root);
        let origin = origin.to_ascii_lowercase();
        own.as_deref() == Some(origin.as_str()) || self.options.allowed_origins.contains(&origin)
    }

    /// Reports a request rejected again after a renewal (it is returned to
    /// the caller as it is; the `"error"` event says what happened).
    /// The token renewed after a rejection was refused on its first use
    /// too: it is marked so (see [`Client::damped`]), and the response is
    /// the caller's.
    pub fn rejected_twice<'a>(&'a self, status: u16, renewed: &'a Secret) -> Op<'a, ()> {
        self.op(move || self.rejected_twice_step(status, renewed))
    }

    fn rejected_twice_step(&self, status: u16, renewed: &Secret) -> Step<()> {
        if let Some(mut entry) = self
            .read_stored_entry()?
            .filter(|e| e.tokens.access == *renewed && !e.refused_on_retry)
        {
            entry.refused_on_retry = true;
            self.write_entry(&entry)?;
        }
        let error = AuthError::new(
            ErrorCode::TokenRejected,
            format!(
                "{} rejected a freshly renewed token too (HTTP {status}); the response is returned as it is",
                self.vendor().display_name()
            ),
        )
        .with_status(status);
        let _ = self.report(error);
        Ok(())
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
    pub fn api_answered(&self, status: u16, retry_after: Option<u64>) -> Op<'_, ()> {
        self.op(move || self.api_answered_step(status, retry_after))
    }

    /// Whether an API answer of this status may hold off logins (with or
    /// without a `Retry-After`): the host tells [`Client::api_answered`].
    pub fn api_answer_matters(&self, status: u16) -> bool {
        self.flow.api_hold_seconds(status, None).is_some()
            || self.flow.api_hold_seconds(status, Some(1)).is_some()
    }

    fn api_answered_step(&self, status: u16, retry_after: Option<u64>) -> Step<()> {
        match self.flow.api_hold_seconds(status, retry_after) {
            Some(seconds) => self.hold(seconds, false),
            None => Ok(()),
        }
    }

    /// An operation of this client, for the host to run.
    pub(crate) fn op<'a, T>(&'a self, run: impl FnMut() -> Step<T> + 'a) -> Op<'a, T> {
        let mut run = run;
        Op {
            parts: &self.parts,
            run: Box::new(move || {
                // Journaled: every replay takes the path the first run took,
                // though the verifier is known by then.
                if fx::local(|| self.verifier.get().is_none())? {
                    self.derive_verifier()?;
                }
                run()
            }),
        }
    }

    /// The local time, as this step of the operation sees it.
    fn now(&self) -> i64 {
        fx::now(&*self.parts.clock)
    }

    /// The token, from the cache when it is fresh, else renewed once for all
    /// concurrent callers.
    pub fn token_info(&self, mode: CacheMode) -> Op<'_, TokenInfo> {
        self.op(move || self.reported(self.token_info_inner(mode)))
    }

    fn token_info_inner(&self, mode: CacheMode) -> Step<TokenInfo> {
        if let Some(tokens) = self.flow.static_token() {
            return Ok(self.info(tokens, None, false));
        }
        let mut previous = None;
        if mode == CacheMode::Reload {
            // The entry being replaced: a renewal must not settle for it.
            previous = self.read_stored_entry()?;
        } else {
            if let Some(entry) = self.read_entry()? {
                if self.is_fresh(&entry) {
                    self.announce(&entry, true)?;
                    self.note_use(&entry)?;
                    return Ok(self.entry_info(entry, true));
                }
                if entry.rejected {
                    return Err(self.rejected_error().into());
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
                .into());
            }
        }
        self.renew_once(previous, None, mode == CacheMode::Reload)
    }

    /// Compare-and-renew, after the vendor rejected `rejected`: if the store
    /// already holds another fresh token (another client renewed), that one
    /// is used; otherwise one renewal for everyone. Personr without
    /// `regenerateOnRejection` fails with `REAUTH_REQUIRED` instead.
    pub fn renew_after_rejection<'a>(&'a self, rejected: &'a Secret) -> Op<'a, TokenInfo> {
        self.op(move || self.reported(self.renew_after_rejection_inner(rejected)))
    }

    fn renew_after_rejection_inner(&self, rejected: &Secret) -> Step<TokenInfo> {
        let name = self.vendor().display_name();
        if self.flow.static_token().is_some() {
            return Err(AuthError::new(
                ErrorCode::TokenRejected,
                format!("{name} rejected the token given in credentials: it may have been revoked or have expired"),
            )
            .into());
        }
        let entry = self.read_stored_entry()?;
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
                let idle_days = (self.now() - since) / 86_400_000;
                let renewed = self.renew_once(entry, Some(rejected), false)?;
                self.emit(Event::Regenerated {
                    vendor: self.vendor(),
                    reason: "idle",
                    message: format!(
                        "{} dropped a token unused for {idle_days} days; a new one was generated",
                        self.vendor().display_name()
                    ),
                })?;
                return Ok(renewed);
            }
            if let Some(mut entry) = entry.filter(|e| e.tokens.access == *rejected) {
                entry.rejected = true;
                self.write_entry(&entry)?;
            }
            return Err(self.rejected_error().into());
        }
        if let Some(entry) = entry.as_ref().filter(|e| e.tokens.access == *rejected) {
            if let Some(error) = self.damped(entry) {
                return Err(error.into());
            }
        }
        self.renew_once(entry, Some(rejected), false)
    }

    /// Emits `event` to this client's listeners, once whatever the replays.
    fn emit(&self, event: Event) -> Step<()> {
        fx::local(|| self.events.emit(&event))
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
            && (entry.idle_from_ms.is_some() || self.idle_at(entry.last_used(), self.now()))
    }

    /// Records that the token of `entry` was handed out, at most hourly and
    /// only for vendors that drop idle tokens. The store is read again first:
    /// another context may have replaced the token, which must not be
    /// overwritten with this older one.
    fn note_use(&self, entry: &Entry) -> Step<()> {
        let now = self.now();
        if self.flow.idle_drop_ms().is_none() || now - entry.last_used() < LAST_USE_RESOLUTION_MS {
            return Ok(());
        }
        if let Some(mut stored) = self.read_stored_entry()? {
            if stored.tokens.access == entry.tokens.access {
                let last = stored.last_used();
                stored.idle_from_ms = self.idle_at(last, now).then_some(last);
                stored.last_used_ms = Some(now);
                self.write_entry(&stored)?;
            }
        }
        Ok(())
    }

    /// Renewals caused by rejection are damped: a token that was itself
    /// obtained because the vendor rejected its predecessor, and is rejected
    /// again before [`REJECTION_FLOOR_MS`] (doubling with each such renewal in
    /// a row, up to [`MAX_REJECTION_DAMPING_MS`]), is not renewed. An endpoint
    /// that refuses every token (a permission problem, not an expired token)
    /// would otherwise cost a login per call, spend emnify's login limit and
    /// get a Zūm Rails IP blocked. `TOKEN_REJECTED` with `retryAfterSeconds`:
    /// `client.fetch` then returns the vendor's answer as it is.
    fn damped(&self, entry: &Entry) -> Option<AuthError> {
        let streak = entry.rejection_streak;
        if streak == 0 || !entry.refused_on_retry {
            return None;
        }
        let floor = REJECTION_FLOOR_MS
            .saturating_mul(1 << (streak - 1).min(10))
            .min(MAX_REJECTION_DAMPING_MS);
        let age = self.now().saturating_sub(entry.obtained_at_ms);
        if age >= floor {
            return None;
        }
        let wait = ((floor - age) as u64).div_ceil(1000);
        Some(
            AuthError::new(
                ErrorCode::TokenRejected,
                format!(
                    "{} rejected a token obtained {} s ago to replace one it had rejected too: this looks like an endpoint that refuses the principal (a permission problem) rather than an expired token, so it is not renewed again for {wait} s",
                    self.vendor().display_name(),
                    age.max(0) / 1000
                ),
            )
            .with_retry_after(Some(wait)),
        )
    }

    /// The rejection streak of a token obtained because `previous` was
    /// rejected. A streak older than the longest damping starts over.
    fn next_streak(&self, previous: Option<&Entry>) -> u32 {
        let now = self.now();
        match previous {
            Some(p) if now.saturating_sub(p.obtained_at_ms) < MAX_REJECTION_DAMPING_MS => {
                p.rejection_streak.saturating_add(1)
            }
            _ => 1,
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
    fn renew_once(
        &self,
        previous: Option<Entry>,
        rejected: Option<&Secret>,
        reload: bool,
    ) -> Step<TokenInfo> {
        let key = self.flight_key();
        let max_wait_ms = self.max_wait_ms();
        let Outcome::Turn(turn) = fx::perform(Effect::Flight { key, max_wait_ms })? else {
            return fx::unexpected();
        };
        let renewal: Renewal = match turn {
            Some(joined) => joined,
            None => {
                let led = attempt(match &self.parts.coordinator {
                    Some(_) => {
                        let ask = match (rejected, &previous) {
                            (Some(token), _) => Ask::Rejected(token.clone()),
                            (None, Some(p)) if reload => Ask::Reload(p.tokens.access.clone()),
                            _ => Ask::Token,
                        };
                        self.ask_coordinator(ask)
                    }
                    None => self.renew(previous, rejected),
                })?;
                let key = self.flight_key();
                fx::perform(Effect::Land {
                    key,
                    outcome: led.clone(),
                })?;
                led
            }
        };
        let (entry, from_cache) = renewal?;
        self.announce(&entry, from_cache)?;
        Ok(self.entry_info(entry, from_cache))
    }

    /// How long a waiter of a renewal waits before it takes the lead, where
    /// waits are bounded (see [`Effect::Flight`]): past the longest a login
    /// can take, the leader is presumed gone.
    fn max_wait_ms(&self) -> Option<i64> {
        self.parts
            .bounded_waits
            .then(|| i64::from(self.options.timeout_ms) * 4)
    }

    /// Renews under the cross-context lock (Web Locks, else a lease in the
    /// store; a store with `add` always gets its lease, since it is shared
    /// beyond one browser). An entry found in the store once the lock is
    /// held (another context renewed meanwhile) is used as is.
    fn renew(&self, previous: Option<Entry>, rejected: Option<&Secret>) -> Step<(Entry, bool)> {
        let mut lock = None;
        let result = self.renew_locked(previous, rejected, &mut lock);
        // Released on every way out but a suspension (the lock is still
        // held while the host performs the next effect).
        if !matches!(result, Err(Stop::Suspend)) {
            fx::unlock(lock)?;
        }
        result
    }

    fn renew_locked(
        &self,
        previous: Option<Entry>,
        rejected: Option<&Secret>,
        lock: &mut Option<u32>,
    ) -> Step<(Entry, bool)> {
        let mut lease = None;
        // Locks and leases follow the configured store, also while it is
        // down: the other contexts still use it and must not be raced.
        let store = Kv::new(self.store()?);
        if self.parts.store.is_shared() {
            let clock = &*self.parts.clock;
            let asked_at = self.now();
            if self.parts.locks.is_some() {
                *lock = fx::lock(&self.key)?;
            }
            let waited = self.now() > asked_at;
            let hold_ms = i64::from(self.options.timeout_ms) * 2;
            let renewed = || self.renewed_elsewhere(previous.as_ref(), rejected);
            if store.is_atomic() {
                match lock::acquire_in_store(&store, clock, &self.key, hold_ms, &renewed)? {
                    Ok(StoreLock::Held(held)) => lease = Some(held),
                    Ok(StoreLock::Renewed(entry)) => return Ok((entry, true)),
                    Ok(StoreLock::TimedOut) => {}
                    Err(e) => self.fall_back(e)?,
                }
            } else if lock.is_none() {
                match lease::acquire(&store, clock, &self.key, hold_ms, &renewed)? {
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
                    fx::sleep(STALE_READ_PAUSE_MS)?;
                }
                if let Some(entry) = self.renewed_elsewhere(previous.as_ref(), rejected)? {
                    if let Some(lease) = lease {
                        lease::release(&store, lease)?;
                    }
                    return Ok((entry, true));
                }
            }
        }
        let streak = match rejected {
            Some(_) => self.next_streak(previous.as_ref()),
            None => 0,
        };
        let epoch = fx::local(|| revocation::epoch(&self.key) as i64)?;
        let result = attempt(self.obtain_and_store(previous, streak, epoch))?;
        if let Some(lease) = lease {
            lease::release(&store, lease)?;
        }
        Ok((result?, false))
    }

    /// Gets the token from the principal's coordinator and keeps it here.
    fn ask_coordinator(&self, ask: Ask) -> Step<(Entry, bool)> {
        let epoch = fx::local(|| revocation::epoch(&self.key) as i64)?;
        let key = self.key.clone();
        let Outcome::Answered(answer) = fx::perform(Effect::Ask { key, ask })? else {
            return fx::unexpected();
        };
        let answer = answer?;
        let entry = Entry::decode(&answer.entry, &self.principal, self.verifier()).ok_or_else(|| {
            AuthError::new(
                ErrorCode::BadResponse,
                "the token coordinator answered with an entry this client cannot read (is it running another version of vendor-auth?)",
            )
        })?;
        if self.may_cache(epoch)? {
            self.write_entry(&entry)?;
        }
        Ok((entry, answer.from_cache))
    }

    /// Whether a renewal that started in revocation epoch `epoch` may cache.
    fn may_cache(&self, epoch: i64) -> Step<bool> {
        fx::local(|| revocation::may_cache(&self.key, epoch as u64))
    }

    /// The coordinator's side of [`Client::ask_coordinator`]: answers from
    /// this client's store (the coordinator's own storage), renewing only
    /// when it holds no usable token.
    pub fn coordinate(&self, ask: Ask) -> Op<'_, Answer> {
        self.op(move || self.reported(self.coordinate_step(&ask)))
    }

    fn coordinate_step(&self, ask: &Ask) -> Step<Answer> {
        let info = match ask {
            Ask::Token => self.token_info_inner(CacheMode::Default)?,
            Ask::Reload(token) => match self.read_stored_entry()? {
                Some(entry) if entry.tokens.access != *token && self.is_fresh(&entry) => {
                    self.entry_info(entry, true)
                }
                _ => self.token_info_inner(CacheMode::Reload)?,
            },
            Ask::Rejected(token) => self.renew_after_rejection_inner(token)?,
        };
        let entry = self.read_entry()?.ok_or_else(|| {
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

    /// A fresh entry in the store that is neither the one this renewal
    /// replaces nor the one the vendor rejected.
    fn renewed_elsewhere(
        &self,
        previous: Option<&Entry>,
        rejected: Option<&Secret>,
    ) -> Step<Option<Entry>> {
        let Some(entry) = self.read_stored_entry()? else {
            return Ok(None);
        };
        let changed = previous.is_none_or(|p| p.tokens.access != entry.tokens.access);
        let not_rejected = rejected.is_none_or(|r| *r != entry.tokens.access);
        Ok((changed && not_rejected && self.is_fresh(&entry)).then_some(entry))
    }

    fn obtain_and_store(&self, previous: Option<Entry>, streak: u32, epoch: i64) -> Step<Entry> {
        self.check_hold()?;
        let http = self.http();
        let obtained = attempt(
            self.flow
                .obtain(&http, previous.as_ref().map(|e| &e.tokens)),
        )?;
        let tokens = match obtained {
            Ok(tokens) => tokens,
            Err(error) => {
                self.record_hold(&error)?;
                return Err(error.into());
            }
        };
        self.store_tokens(tokens, http.server_date_ms(), self.now(), streak, epoch)
    }

    fn http(&self) -> Http<'_> {
        Http::new(
            &*self.parts.clock,
            self.vendor(),
            self.options.timeout_ms,
            self.flow.auth_retry(),
        )
    }

    /// Checks a token from the vendor and stores it. `streak`: renewals in
    /// a row caused by rejection, this one included.
    fn store_tokens(
        &self,
        tokens: TokenSet,
        server_date_ms: Option<i64>,
        now: i64,
        streak: u32,
        epoch: i64,
    ) -> Step<Entry> {
        let name = self.vendor().display_name();
        if !is_header_safe(tokens.access.expose()) {
            return Err(AuthError::new(
                ErrorCode::BadResponse,
                format!(
                    "{name} answered with a token containing characters not allowed in an HTTP header (line breaks or control characters); it was refused, not used"
                ),
            )
            .into());
        }
        if tokens
            .expires_at_ms
            .is_some_and(|e| e.unsigned_abs() > MAX_DATE_MS as u64)
        {
            return Err(AuthError::new(
                ErrorCode::BadResponse,
                format!("{name} answered with a token whose expiry lies beyond what a JavaScript Date can hold; it was refused, not used"),
            )
            .into());
        }
        let skew = skew_ms(server_date_ms, &tokens, now);
        if let Skew::Ignored(skew_ms) = skew {
            self.emit(Event::ClockSkew {
                vendor: self.vendor(),
                skew_ms,
            })?;
        }
        let entry = Entry::from(EntryData {
            principal: self.principal.clone(),
            verifier: self.verifier().to_string(),
            skew_ms: skew.applied(),
            tokens,
            obtained_at_ms: now,
            rejected: false,
            last_used_ms: None,
            idle_from_ms: None,
            rejection_streak: streak,
            refused_on_retry: false,
        });
        if entry.local_expiry_ms().is_some_and(|expiry| expiry <= now) {
            // Renewing at once would get the same again: back off instead.
            self.put_hold(&self.backoff_key(), EXPIRED_ON_ARRIVAL_HOLD_SECONDS)?;
            return Err(AuthError::new(
                ErrorCode::BadResponse,
                format!(
                    "{name} answered with a token that had already expired when it arrived (its expiry is not after the time it was issued, or the clocks disagree); it was refused, and no login is sent for {EXPIRED_ON_ARRIVAL_HOLD_SECONDS} s"
                ),
            )
            .with_retry_after(Some(EXPIRED_ON_ARRIVAL_HOLD_SECONDS))
            .into());
        }
        if self.may_cache(epoch)? {
            self.write_entry(&entry)?;
        }
        Ok(entry)
    }

    /// Fails fast while a recorded hold lasts: the vendor root's (a rate
    /// limit, an IP block) or this principal's (an account lock-out), and
    /// this principal's back-off after a token that expired on arrival.
    fn check_hold(&self) -> Step<()> {
        let name = self.vendor().display_name();
        let root = self.hold_left(&hold_key(self.vendor(), &self.site.scope))?;
        let principal = self.hold_left(&principal_hold_key(&self.key))?;
        if let Some(seconds) = root.max(principal) {
            return Err(AuthError::new(
                ErrorCode::RateLimited,
                format!(
                    "{name} is refusing logins (a rate limit, IP block or account lock-out); no login is sent for another {seconds} s"
                ),
            )
            .with_retry_after(Some(seconds))
            .into());
        }
        if let Some(seconds) = self.hold_left(&self.backoff_key())? {
            return Err(AuthError::new(
                ErrorCode::BadResponse,
                format!(
                    "{name} last answered with a token that had already expired on arrival (check the clocks); no login is sent for another {seconds} s"
                ),
            )
            .with_retry_after(Some(seconds))
            .into());
        }
        Ok(())
    }

    /// The seconds a hold under `key` still lasts. A hold that is over is
    /// deleted (localStorage and memory never expire anything themselves).
    fn hold_left(&self, key: &str) -> Step<Option<u64>> {
        let Some(text) = self.store_get(key)? else {
            return Ok(None);
        };
        let now = self.now();
        match decode_hold(&text) {
            Some(until) if until > now => Ok(Some(((until - now) as u64).div_ceil(1000))),
            _ => {
                self.store_delete(key)?;
                Ok(None)
            }
        }
    }

    /// The key of this principal's back-off after a token that expired on
    /// arrival.
    fn backoff_key(&self) -> String {
        format!("{}:backoff:hold", self.key)
    }

    /// Records a long rate limit so that every client sharing the store holds
    /// off, for at most [`MAX_HOLD_SECONDS`] whatever the vendor asked.
    fn record_hold(&self, error: &AuthError) -> Step<()> {
        let Some(seconds) = error
            .retry_after_seconds
            .filter(|_| error.code == ErrorCode::RateLimited)
        else {
            return Ok(());
        };
        if seconds >= HOLD_THRESHOLD_SECONDS {
            self.hold(seconds, self.flow.holds_principal_only(error))?;
        }
        Ok(())
    }

    /// Records a hold of `seconds` for every client of the vendor root, or
    /// of this principal only.
    fn hold(&self, seconds: u64, principal_only: bool) -> Step<()> {
        let key = if principal_only {
            principal_hold_key(&self.key)
        } else {
            hold_key(self.vendor(), &self.site.scope)
        };
        self.put_hold(&key, seconds)
    }

    /// Writes a hold, for at most [`MAX_HOLD_SECONDS`] whatever the vendor
    /// asked, to the store and the memory tier.
    fn put_hold(&self, key: &str, seconds: u64) -> Step<()> {
        let seconds = seconds.min(MAX_HOLD_SECONDS);
        let until = self.now().saturating_add((seconds as i64) * 1000);
        let text = encode_hold(until);
        let kept = text.clone();
        fx::local(|| self.fallback.put_now(key, kept))?;
        // The TTL lets stores that expire entries (KV, Redis) drop it too.
        let ttl = seconds.max(crate::core::cache::MIN_STORE_TTL_SECONDS);
        self.store_put(key, text, Some(ttl))?;
        Ok(())
    }

    /// Sends an API request with the token attached the vendor's way. On the
    /// vendor's rejection the token is renewed (compare-and-renew) and the
    /// request sent once more; a second rejection is returned as it is.
    pub fn authorized(&self, request: HttpRequest) -> Op<'_, HttpResponse> {
        self.op(move || self.reported(self.authorized_step(request.clone())))
    }

    pub(crate) fn authorized_step(&self, request: HttpRequest) -> Step<HttpResponse> {
        let info = self.token_info_inner(CacheMode::Default)?;
        let http = self.http();
        let attach = self.flow.attachment();
        let response = http.send(attach.apply(request.clone(), &info.token))?;
        self.api_answered_step(response.status, response.retry_after_seconds())?;
        if !self.flow.is_rejection(response.status, &response.body) {
            return Ok(response);
        }
        let renewed = match attempt(self.renew_after_rejection_inner(&info.token))? {
            Ok(renewed) => renewed,
            Err(error) if is_damped(&error) => {
                let _ = self.report(error);
                return Ok(response);
            }
            Err(error) => return Err(error.into()),
        };
        let response = http.send(attach.apply(request, &renewed.token))?;
        self.api_answered_step(response.status, response.retry_after_seconds())?;
        if self.flow.is_rejection(response.status, &response.body) {
            self.rejected_twice_step(response.status, &renewed.token)?;
        }
        Ok(response)
    }

    /// Forgets the cached token (here and in the store).
    /// A rate-limit hold recorded for the vendor goes too: `clear()` is the
    /// way out of a hold the caller knows to be over.
    pub fn clear(&self) -> Op<'_, ()> {
        self.op(move || self.clear_step())
    }

    fn clear_step(&self) -> Step<()> {
        self.store_delete(&self.key)?;
        fx::local(|| self.parts.store.announce(&self.key))?;
        self.store_delete(&hold_key(self.vendor(), &self.site.scope))?;
        self.store_delete(&self.backoff_key())?;
        fx::local(|| self.announced.set(None))
    }

    /// Revokes the token at the vendor where the vendor supports it, then
    /// forgets it. Resolves to what was achieved.
    pub fn revoke(&self) -> Op<'_, Revoked> {
        self.op(move || self.reported(self.revoke_step()))
    }

    /// A revoke wins over a renewal racing it: it waits for the renewal in
    /// flight (so the newest token is the one revoked), and until it settles
    /// no renewal caches what it obtains.
    fn revoke_step(&self) -> Step<Revoked> {
        if self.flow.static_token().is_some() {
            return Ok(Revoked::LocallyOnly);
        }
        let key = self.flight_key();
        let max_wait_ms = self.max_wait_ms();
        fx::perform(Effect::Settled { key, max_wait_ms })?;
        fx::local(|| revocation::begin(&self.key))?;
        let result = attempt((|| {
            let revoked = match self.read_entry()? {
                Some(entry) => self.flow.revoke(&self.http(), &entry.tokens)?,
                None => Revoked::LocallyOnly,
            };
            self.clear_step()?;
            Ok(revoked)
        })())?;
        fx::local(|| revocation::end(&self.key))?;
        Ok(result?)
    }

    /// emnify: finishes a login that asked for a multi-factor code, and
    /// caches the result. A lock-out (three wrong codes) is held like a
    /// login's. The fingerprint of `trusted_device` is handed back, never
    /// stored.
    pub fn complete_mfa<'a>(
        &'a self,
        code: &'a str,
        trusted_device: Option<&'a Map>,
    ) -> Op<'a, MfaCompleted> {
        self.op(move || self.reported(self.complete_mfa_step(code, trusted_device)))
    }

    fn complete_mfa_step(&self, code: &str, trusted_device: Option<&Map>) -> Step<MfaCompleted> {
        let emnify = self.emnify()?;
        self.check_hold()?;
        let http = self.http();
        let tokens = match attempt(emnify.complete_mfa(&http, code, trusted_device))? {
            Ok(tokens) => tokens,
            Err(error) => {
                self.record_hold(&error)?;
                return Err(error.into());
            }
        };
        let epoch = fx::local(|| revocation::epoch(&self.key) as i64)?;
        let entry = self.store_tokens(tokens, http.server_date_ms(), self.now(), 0, epoch)?;
        self.announce(&entry, false)?;
        let fingerprint = trusted_device
            .and_then(|d| d.get("fingerprint")?.as_str())
            .map(Secret::new);
        Ok(MfaCompleted {
            info: self.entry_info(entry, false),
            fingerprint,
        })
    }

    /// The emnify flow, or `UNSUPPORTED` naming the method. Inlined, so
    /// that in a build without emnify the account methods after it are
    /// dead code and leave the wasm.
    #[inline(always)]
    pub fn emnify(&self) -> Result<&Emnify, AuthError> {
        if !cfg!(feature = "emnify") {
            return Err(self.unsupported("this method is emnify's"));
        }
        self.flow
            .as_emnify()
            .ok_or_else(|| self.unsupported("this method is emnify's"))
    }

    /// The VoIPBIN flow, or `UNSUPPORTED` naming the method (inlined, as
    /// [`Client::emnify`]).
    #[inline(always)]
    pub fn voipbin(&self) -> Result<&Voipbin, AuthError> {
        if !cfg!(feature = "voipbin") {
            return Err(self.unsupported("this method is VoIPBIN's"));
        }
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
        entry.is_fresh(self.now(), self.options.refresh_margin_ms)
    }

    /// The store operations go to: the configured one, or the memory
    /// fallback while the configured one is left alone after a failure.
    fn store(&self) -> Step<&dyn TokenStore> {
        Ok(if self.store_is_down()? {
            &self.fallback
        } else {
            &*self.parts.store
        })
    }

    fn store_is_down(&self) -> Step<bool> {
        let now = self.now();
        fx::local(|| now < self.store_down_until.get())
    }

    /// The configured store failed: the memory fallback serves for a while
    /// (doubling from [`STORE_RETRY_BASE_MS`] up to [`STORE_RETRY_MAX_MS`]),
    /// then the store is tried again. One `"storage-fallback"` per outage.
    fn fall_back(&self, error: StoreError) -> Step<()> {
        let now = self.now();
        let first = fx::local(|| {
            if now < self.store_down_until.get() {
                // Concurrent calls that failed with this one: the same
                // outage, not another failure in a row.
                return false;
            }
            let failures = self.store_failures.get().saturating_add(1);
            self.store_failures.set(failures);
            let backoff = STORE_RETRY_BASE_MS
                .saturating_mul(1 << (failures - 1).min(10))
                .min(STORE_RETRY_MAX_MS);
            self.store_down_until.set(now.saturating_add(backoff));
            failures == 1
        })?;
        if first {
            self.emit(Event::StorageFallback {
                vendor: self.vendor(),
                reason: error.0,
            })?;
        }
        Ok(())
    }

    /// The configured store answered: the outage, if any, is over.
    fn store_answered(&self) -> Step<()> {
        fx::local(|| {
            if self.store_failures.get() != 0 {
                self.store_failures.set(0);
                self.store_down_until.set(i64::MIN);
            }
        })
    }

    /// Reads `key` from the configured store, or from the memory fallback
    /// while that store is down or when it fails now.
    fn store_get(&self, key: &str) -> Step<Option<String>> {
        if !self.store_is_down()? {
            match Kv::new(&*self.parts.store).get(key)? {
                Ok(text) => {
                    self.store_answered()?;
                    return Ok(text);
                }
                Err(e) => self.fall_back(e)?,
            }
        }
        fx::local(|| self.fallback.get_now(self.local_key(key)))
    }

    /// Writes `text` to the configured store; `false` when it is down or
    /// failed now (the caller then keeps the value in the memory fallback).
    fn store_put(&self, key: &str, text: String, ttl: Option<u64>) -> Step<bool> {
        if self.store_is_down()? {
            return Ok(false);
        }
        match Kv::new(&*self.parts.store).put(key, text, ttl)? {
            Ok(()) => {
                self.store_answered()?;
                Ok(true)
            }
            Err(e) => {
                self.fall_back(e)?;
                Ok(false)
            }
        }
    }

    /// Where the memory fallback keeps what the store holds under `key`.
    fn local_key<'a>(&'a self, key: &'a str) -> &'a str {
        if key == self.key {
            &self.tier_key
        } else {
            key
        }
    }

    /// Deletes `key` everywhere this client may have put it.
    fn store_delete(&self, key: &str) -> Step<()> {
        fx::local(|| self.fallback.delete_now(self.local_key(key)))?;
        if !self.store_is_down()? {
            match Kv::new(&*self.parts.store).delete(key)? {
                Ok(()) => self.store_answered()?,
                Err(e) => self.fall_back(e)?,
            }
        }
        Ok(())
    }

    /// The cached entry, if one is readable. A corrupt entry, one of another
    /// version or one for another principal reads as none (and is overwritten
    /// by the next renewal).
    fn read_entry(&self) -> Step<Option<Entry>> {
        // The memory tier in front of a persistent store: a warm realm (an
        // isolate, a tab) answers without reading the store.
        if self.parts.store.is_persistent() {
            let cached = fx::local(|| self.fallback.get_now(&self.tier_key))?;
            if let Some(entry) = cached.and_then(|t| self.decode(t)) {
                if self.is_fresh(&entry) {
                    return Ok(Some(entry));
                }
            }
        }
        self.read_stored_entry()
    }

    /// The entry as the store holds it now (another context may have
    /// replaced it), copied into the memory tier.
    fn read_stored_entry(&self) -> Step<Option<Entry>> {
        let Some(mut entry) = self.store_get(&self.key)?.and_then(|t| self.decode(t)) else {
            return Ok(None);
        };
        if entry.tokens.refresh.is_none() && self.refresh_in_memory_only() {
            // The refresh token was kept out of the store: this realm's
            // memory has it, if this realm obtained the token.
            let remembered = fx::local(|| self.fallback.get_now(&self.tier_key))?;
            let remembered =
                remembered.and_then(|t| Entry::decode(&t, &self.principal, self.verifier()));
            if let Some(full) = remembered.filter(|m| m.tokens.access == entry.tokens.access) {
                entry.tokens.refresh = full.into_data().tokens.refresh;
            }
        }
        if self.parts.store.is_persistent() {
            let text = entry.encode(true);
            fx::local(|| self.fallback.put_now(&self.tier_key, text))?;
        }
        Ok(Some(entry))
    }

    /// An entry text of this client's principal and secret, decoded
    /// (another operation's renewal, handed over by the host).
    pub fn decode_entry(&self, text: &str) -> Option<Entry> {
        Entry::decode(text, &self.principal, self.verifier())
    }

    /// Decodes an entry of this principal, reusing the realm's last
    /// decoding of this key when the text is the same.
    fn decode(&self, text: String) -> Option<Entry> {
        if let Some(entry) = self.last_decoded().filter(|d| d.0 == text) {
            return Some(entry.1.clone());
        }
        let entry = Entry::decode(&text, &self.principal, self.verifier())?;
        let decoded = Rc::new((text, entry.clone()));
        DECODED.with(|all| {
            let mut all = all.borrow_mut();
            all.retain(|(key, _)| *key != self.key);
            if all.len() >= DECODED_CAP {
                all.remove(0);
            }
            all.push((self.key.clone(), decoded));
        });
        Some(entry)
    }

    /// The realm's last decoding of this key, if it is of this client's
    /// secret.
    fn last_decoded(&self) -> Option<Rc<Decoded>> {
        DECODED.with(|all| {
            all.borrow()
                .iter()
                .find(|(key, d)| *key == self.key && d.1.verifier == self.verifier())
                .map(|(_, d)| d.clone())
        })
    }

    /// `refreshTokens: "memory"` with a store that outlives the realm.
    fn refresh_in_memory_only(&self) -> bool {
        self.options.refresh_tokens_in_memory && self.parts.store.is_persistent()
    }

    fn write_entry(&self, entry: &Entry) -> Step<()> {
        let now = self.now();
        let ttl = entry.ttl_seconds(now);
        let in_memory_only = self.refresh_in_memory_only();
        let full = entry.encode(true);
        let persistent = self.parts.store.is_persistent();
        let kept = full.clone();
        fx::local(|| {
            self.fallback.observe_now(now);
            if persistent {
                self.fallback.put_expiring(&self.tier_key, kept, ttl);
            }
        })?;
        let text = entry.encode(!in_memory_only);
        if self.store_put(&self.key, text, ttl)? {
            fx::local(|| self.parts.store.announce(&self.key))
        } else {
            fx::local(|| self.fallback.put_now(&self.tier_key, full))
        }
    }

    fn announce(&self, entry: &Entry, from_cache: bool) -> Step<()> {
        let obtained = entry.obtained_at_ms;
        let new = fx::local(|| self.announced.replace(Some(obtained)) != Some(obtained))?;
        if new {
            self.emit(Event::Token {
                vendor: self.vendor(),
                expires_at_ms: entry.local_expiry_ms(),
                from_cache,
            })?;
        }
        Ok(())
    }

    fn entry_info(&self, entry: Entry, from_cache: bool) -> TokenInfo {
        let expires = entry.local_expiry_ms();
        let mut until = entry.fresh_until_ms(self.options.refresh_margin_ms);
        if self.flow.idle_drop_ms().is_some() {
            // The time of use is written back then (`note_use`).
            until = until.min(entry.last_used().saturating_add(LAST_USE_RESOLUTION_MS));
        }
        let mut info = self.info(entry.into_data().tokens, expires, from_cache);
        info.memo_until_ms = until;
        info
    }

    fn info(&self, tokens: TokenSet, expires_at_ms: Option<i64>, from_cache: bool) -> TokenInfo {
        TokenInfo {
            token: tokens.access,
            expires_at_ms,
            from_cache,
            vendor: self.vendor(),
            environment: self.site.environment.clone(),
            meta: tokens.meta,
            memo_until_ms: i64::MIN,
        }
    }

    /// Every error leaves through here: secrets scrubbed, vendor set,
    /// `"error"` emitted.
    pub(crate) fn reported<T>(&self, result: Step<T>) -> Step<T> {
        match result {
            Err(Stop::Fail(error)) => Err(Stop::Fail(self.report(error))),
            other => other,
        }
    }

    /// An error on its way out: the credentials scrubbed from its message,
    /// the vendor set, and the `"error"` event emitted.
    pub fn report(&self, error: AuthError) -> AuthError {
        // The credentials, and the tokens this realm holds for the principal
        // (an error may echo the token it was about: a revoke, a refresh).
        let mut held = Vec::new();
        // Before the verifier is known no operation has run: no token of
        // this client's is held (and it is not derived just for this).
        if self.verifier.get().is_some() {
            let remembered = self
                .fallback
                .get_now(&self.key)
                .and_then(|t| self.decode(t));
            let last = self.last_decoded().map(|d| d.1.tokens.clone());
            for tokens in remembered
                .map(|e| e.into_data().tokens)
                .into_iter()
                .chain(last)
            {
                held.push(tokens.access.expose().to_string());
                held.extend(tokens.refresh.map(|r| r.expose().to_string()));
            }
        }
        held.extend(self.flow.transient_secrets());
        let mut secrets = self.flow.secrets();
        secrets.extend(held.iter().map(String::as_str));
        let error = error.scrubbed(&secrets);
        let error = if error.vendor.is_none() {
            error.with_vendor(self.vendor())
        } else {
            error
        };
        // Once, whatever the replays (an error reported mid-operation is
        // followed by more effects).
        let _ = self.emit(Event::Error(error.clone()));
        error
    }
}

/// The clock skew applied to a token's expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Skew {
    /// Vendor clock minus local clock, in ms (0 when within noise).
    Applied(i64),
    /// The vendor's `Date` was too far off to believe: 0 is applied.
    Ignored(i64),
}

impl Skew {
    fn applied(self) -> i64 {
        match self {
            Skew::Applied(ms) => ms,
            Skew::Ignored(_) => 0,
        }
    }
}

/// A `Date` header further than this from the local clock is not believed
/// (a client's clock may be hours off; days means the header is wrong).
const MAX_BELIEVED_SKEW_MS: i64 = 24 * 60 * 60 * 1000;

/// Vendor clock minus local clock.
///
/// A JWT with both `iat` and `exp` tells its own lifetime: the skew is taken
/// from `iat`, which makes the local expiry `login time + (exp - iat)`
/// whatever the clocks say. Otherwise the `Date` header (browsers hide it on
/// cross-origin answers), or `iat` alone. A `Date` skew beyond a day, or
/// larger than the token's lifetime by that clock, is ignored. Both have
/// one-second resolution, so differences under 2 s are noise.
fn skew_ms(server_date_ms: Option<i64>, tokens: &TokenSet, local_now_ms: i64) -> Skew {
    let claims = jwt_claims(tokens.access.expose());
    let iat = claims.as_ref().and_then(|c| numeric_date_ms(c, "iat"));
    let noise = |skew: i64| if skew.abs() >= 2000 { skew } else { 0 };
    if let (Some(iat), Some(_)) = (iat, tokens.expires_at_ms) {
        return Skew::Applied(noise(iat.saturating_sub(local_now_ms)));
    }
    let Some(vendor_now) = server_date_ms.or(iat) else {
        return Skew::Applied(0);
    };
    let skew = noise(vendor_now.saturating_sub(local_now_ms));
    let lifetime = tokens
        .expires_at_ms
        .map(|expires| expires.saturating_sub(vendor_now));
    if skew.abs() > MAX_BELIEVED_SKEW_MS || lifetime.is_some_and(|l| skew.abs() > l) {
        Skew::Ignored(skew)
    } else {
        Skew::Applied(skew)
    }
}

/// Whether `error` says a renewal after rejection was damped (see
/// `Client::damped`): the rejected answer is then the caller's to read.
pub fn is_damped(error: &AuthError) -> bool {
    error.code == ErrorCode::TokenRejected && error.retry_after_seconds.is_some()
}
