//! Effects: how the synchronous core asks its host for I/O.
//!
//! The core never awaits. An operation (`getToken`, `revoke`, `client.fetch`'s
//! attach → judge → renew-once …) is a plain function run by [`step`] over a
//! [`Journal`]: each time it needs the outside world (an HTTP answer, a store
//! read, a lock, a timer) it asks for an [`Effect`] and stops with
//! [`Stop::Suspend`]. The host performs that one effect, records its
//! [`Outcome`] and runs the operation again from the start; this time the
//! journal answers the first request at once, and the operation goes one
//! effect further. Replaying keeps every decision in ordinary straight-line
//! Rust (no state machines, no futures, no executor), and an operation makes
//! few effects, so running it again is cheap.
//!
//! Replay must take the same path each time, so everything an operation reads
//! that may change between two runs — the time, randomness, the realm's
//! memory store, the client's own state — is read through the journal too:
//! [`now`] and [`random`] give the instants the host recorded, and [`local`]
//! runs a read or write of realm state once and replays its result.

use crate::core::cache::Entry;
use crate::core::clock::Clock;
use crate::core::coordinator::{Answer, Ask};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::http::{HttpRequest, HttpResponse, TransportError};
use crate::core::store::{StoreError, TokenStore};
use std::cell::RefCell;

/// Why an operation stopped before its outcome.
#[derive(Debug)]
pub enum Stop {
    /// It asked for an effect ([`Journal::take_effect`]): perform it, record
    /// its outcome and run the operation again.
    Suspend,
    /// It failed.
    Fail(AuthError),
}

impl From<AuthError> for Stop {
    fn from(error: AuthError) -> Stop {
        Stop::Fail(error)
    }
}

/// What a step of the core returns.
pub type Step<T> = Result<T, Stop>;

/// The result of `step`, with a failure in hand instead of propagated: a
/// caller that handles an `AuthError` writes `attempt(work())?`, which
/// still passes a suspension up.
pub fn attempt<T>(step: Step<T>) -> Result<Result<T, AuthError>, Stop> {
    match step {
        Ok(value) => Ok(Ok(value)),
        Err(Stop::Fail(error)) => Ok(Err(error)),
        Err(Stop::Suspend) => Err(Stop::Suspend),
    }
}

/// A renewal's outcome, as single flight shares it: the entry, and whether
/// it was found in the store (another context renewed meanwhile).
pub type Renewal = Result<(Entry, bool), AuthError>;

/// What the core asks the host to do. Store effects go to the client's
/// configured store (its memory store is the core's own and is used in
/// place, without an effect).
#[derive(Clone, Debug)]
pub enum Effect {
    /// Send the request (bounded by `timeoutMs`) → [`Outcome::Sent`].
    Send(HttpRequest),
    /// → [`Outcome::Got`].
    Get(String),
    /// → [`Outcome::Done`]. `ttl`: for stores that expire entries.
    Put {
        key: String,
        value: String,
        ttl: Option<u64>,
    },
    /// → [`Outcome::Done`].
    Delete(String),
    /// Put-if-absent → [`Outcome::Added`] (`None` without `add`).
    Add {
        key: String,
        value: String,
        ttl: Option<u64>,
    },
    /// Compare-and-delete → [`Outcome::Added`] (`None` without `deleteIf`).
    DeleteIf { key: String, value: String },
    /// Start collecting the values other contexts write to the key
    /// → [`Outcome::Watching`].
    Watch(String),
    /// The values a watch collected since the last take → [`Outcome::Seen`].
    Take(u32),
    /// Wait for the cross-context lock of this name → [`Outcome::Locked`].
    Lock(String),
    /// Release a lock from [`Outcome::Locked`] → [`Outcome::Done`].
    Unlock(u32),
    /// → [`Outcome::Done`] after that many ms.
    Sleep(u64),
    /// Ask the principal's coordinator → [`Outcome::Answered`].
    Ask { key: String, ask: Ask },
    /// Join the realm's renewal under `key`, or lead it → [`Outcome::Turn`].
    /// A waiter is woken by the leader. With `max_wait_ms` it also holds a
    /// timer of its own that long and then takes the lead (Cloudflare
    /// Workers): the leading request may be gone, canceled with its I/O,
    /// and the pending timer is what keeps the waiting request alive.
    Flight {
        key: String,
        max_wait_ms: Option<i64>,
    },
    /// The led renewal ended: hand `outcome` to its waiters → `Done`.
    Land { key: String, outcome: Renewal },
    /// Wait until the renewal under `key`, if any, has ended → `Done`.
    Settled {
        key: String,
        max_wait_ms: Option<i64>,
    },
    /// PBKDF2-HMAC-SHA256, 16 bytes, where the host has it natively
    /// (WebCrypto's `deriveBits`) → [`Outcome::Derived`]; the core computes
    /// it itself otherwise.
    Derive {
        password: Vec<u8>,
        salt: Vec<u8>,
        rounds: u32,
    },
}

/// What the host answers an [`Effect`] with.
#[derive(Clone, Debug)]
pub enum Outcome {
    Sent(Result<HttpResponse, TransportError>),
    Got(Result<Option<String>, StoreError>),
    Done(Result<(), StoreError>),
    Added(Option<Result<bool, StoreError>>),
    Watching(Option<u32>),
    Seen(Vec<Option<String>>),
    Locked(Option<u32>),
    Answered(Result<Answer, AuthError>),
    /// `None`: this operation leads; `Some`: the leader's result.
    Turn(Option<Renewal>),
    /// `None`: the host could not derive it.
    Derived(Option<[u8; 16]>),
}

/// A value read or written through [`local`], kept for the replays.
#[derive(Clone, Debug)]
pub enum Kept {
    Unit,
    Bool(bool),
    Int(i64),
    Text(Option<String>),
}

/// Types [`local`] can keep.
pub trait Keep: Sized {
    fn kept(self) -> Kept;
    fn from_kept(kept: Kept) -> Option<Self>;
}

impl Keep for () {
    fn kept(self) -> Kept {
        Kept::Unit
    }
    fn from_kept(kept: Kept) -> Option<()> {
        matches!(kept, Kept::Unit).then_some(())
    }
}

impl Keep for bool {
    fn kept(self) -> Kept {
        Kept::Bool(self)
    }
    fn from_kept(kept: Kept) -> Option<bool> {
        match kept {
            Kept::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl Keep for i64 {
    fn kept(self) -> Kept {
        Kept::Int(self)
    }
    fn from_kept(kept: Kept) -> Option<i64> {
        match kept {
            Kept::Int(n) => Some(n),
            _ => None,
        }
    }
}

impl Keep for u64 {
    fn kept(self) -> Kept {
        Kept::Int(self as i64)
    }
    fn from_kept(kept: Kept) -> Option<u64> {
        i64::from_kept(kept).map(|n| n as u64)
    }
}

impl Keep for Option<String> {
    fn kept(self) -> Kept {
        Kept::Text(self)
    }
    fn from_kept(kept: Kept) -> Option<Option<String>> {
        match kept {
            Kept::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl Keep for String {
    fn kept(self) -> Kept {
        Kept::Text(Some(self))
    }
    fn from_kept(kept: Kept) -> Option<String> {
        Option::<String>::from_kept(kept).flatten()
    }
}

#[derive(Clone, Debug)]
enum Record {
    /// An effect's outcome, with the host's clock and a random draw taken
    /// when it completed.
    Outcome(Outcome, i64, f64),
    Local(Kept),
}

/// One operation's history: what the host answered, in order.
#[derive(Debug)]
pub struct Journal {
    records: Vec<Record>,
    start: (i64, f64),
    effect: Option<Effect>,
}

impl Journal {
    /// A new operation, started at `now_ms` with a random draw in `[0, 1)`.
    pub fn new(now_ms: i64, random: f64) -> Journal {
        Journal {
            records: Vec::new(),
            start: (now_ms, random),
            effect: None,
        }
    }

    /// The effect the last step stopped for.
    pub fn take_effect(&mut self) -> Option<Effect> {
        self.effect.take()
    }

    /// Records the outcome of the effect taken, completed at `now_ms`.
    pub fn record(&mut self, outcome: Outcome, now_ms: i64, random: f64) {
        self.records.push(Record::Outcome(outcome, now_ms, random));
    }
}

struct Context {
    journal: Journal,
    cursor: usize,
    now: i64,
    random: f64,
    draws: u32,
}

thread_local! {
    /// The operation running now. Steps may nest (a listener called from
    /// a step may start another operation): each saves the outer one.
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs one step of an operation over `journal`: from the start, the
/// journal answering, until the outcome or the next effect.
pub fn step<T>(journal: &mut Journal, operation: impl FnOnce() -> Step<T>) -> Step<T> {
    let (now, random) = journal.start;
    let context = Context {
        journal: std::mem::replace(journal, Journal::new(0, 0.0)),
        cursor: 0,
        now,
        random,
        draws: 0,
    };
    let outer = CURRENT.with(|c| c.replace(Some(context)));
    let result = operation();
    let inner = CURRENT.with(|c| c.replace(outer));
    if let Some(inner) = inner {
        *journal = inner.journal;
    }
    match result {
        // An operation that swallowed its suspension (it must not) is
        // stopped all the same: its effect is performed first.
        Ok(_) | Err(Stop::Fail(_)) if journal.effect.is_some() => Err(Stop::Suspend),
        Err(Stop::Suspend) if journal.effect.is_none() => Err(Stop::Fail(replay_error())),
        other => other,
    }
}

pub fn replay_error() -> AuthError {
    AuthError::new(
        ErrorCode::Unsupported,
        "vendor-auth lost track of an operation (its replay diverged); please report this",
    )
}

enum Next {
    Replayed(Box<Record>),
    Live,
    Stopped,
}

/// The journal's next record, or `Live` past its end.
fn next() -> Next {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let Some(ctx) = c.as_mut() else {
            return Next::Live;
        };
        if ctx.journal.effect.is_some() {
            return Next::Stopped;
        }
        match ctx.journal.records.get(ctx.cursor).cloned() {
            Some(record) => {
                ctx.cursor += 1;
                if let Record::Outcome(_, now, random) = &record {
                    ctx.now = *now;
                    ctx.random = *random;
                    ctx.draws = 0;
                }
                Next::Replayed(Box::new(record))
            }
            None => Next::Live,
        }
    })
}

/// Asks for `effect`: its outcome when the journal has it, else a stop.
pub fn perform(effect: Effect) -> Step<Outcome> {
    match next() {
        Next::Replayed(record) => match *record {
            Record::Outcome(outcome, _, _) => Ok(outcome),
            Record::Local(_) => Err(Stop::Fail(replay_error())),
        },
        Next::Stopped => Err(Stop::Suspend),
        Next::Live => {
            let asked = CURRENT.with(|c| {
                c.borrow_mut()
                    .as_mut()
                    .map(|ctx| ctx.journal.effect = Some(effect))
            });
            match asked {
                Some(()) => Err(Stop::Suspend),
                // Outside an operation nobody can perform it.
                None => Err(Stop::Fail(replay_error())),
            }
        }
    }
}

/// Runs `f` once — a read or write of state the realm keeps (the memory
/// store, the client's own flags, listeners) — and gives its result again
/// on every replay. Outside an operation it just runs `f`.
pub fn local<T: Keep + Clone>(f: impl FnOnce() -> T) -> Step<T> {
    match next() {
        Next::Replayed(record) => match *record {
            Record::Local(kept) => T::from_kept(kept).ok_or_else(|| Stop::Fail(replay_error())),
            Record::Outcome(..) => Err(Stop::Fail(replay_error())),
        },
        Next::Stopped => Err(Stop::Suspend),
        Next::Live => {
            let value = f();
            CURRENT.with(|c| {
                if let Some(ctx) = c.borrow_mut().as_mut() {
                    ctx.journal
                        .records
                        .push(Record::Local(value.clone().kept()));
                    ctx.cursor += 1;
                }
            });
            Ok(value)
        }
    }
}

/// The local time: the instant the host recorded with the last outcome
/// replayed (the operation's start before any), so that every run of a step
/// sees the same time; `clock` outside an operation.
pub fn now(clock: &dyn Clock) -> i64 {
    CURRENT
        .with(|c| c.borrow().as_ref().map(|ctx| ctx.now))
        .unwrap_or_else(|| clock.now_ms())
}

/// A number in `[0, 1)`: the host's draw with the last outcome, then
/// numbers derived from it for further draws in the same step.
pub fn random(clock: &dyn Clock) -> f64 {
    let drawn = CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let ctx = c.as_mut()?;
        let draw = ctx.draws;
        ctx.draws += 1;
        if draw == 0 {
            return Some(ctx.random);
        }
        // splitmix64 of the host's draw and the draw's number.
        let mut z = (ctx.random.to_bits() ^ u64::from(draw)).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Some((z ^ (z >> 31)) as f64 / (u64::MAX as f64 + 1.0))
    });
    drawn.unwrap_or_else(|| clock.random())
}

/// Waits `ms` milliseconds.
pub fn sleep(ms: u64) -> Step<()> {
    perform(Effect::Sleep(ms)).map(drop)
}

/// An outcome of the wrong kind for the effect asked (a host bug).
pub fn unexpected<T>() -> Step<T> {
    Err(Stop::Fail(replay_error()))
}

/// A store as operations use it: the core's own memory store in place,
/// any other through effects.
pub struct Kv<'a> {
    store: &'a dyn TokenStore,
}

impl<'a> Kv<'a> {
    pub fn new(store: &'a dyn TokenStore) -> Kv<'a> {
        Kv { store }
    }

    pub fn store(&self) -> &'a dyn TokenStore {
        self.store
    }

    pub fn get(&self, key: &str) -> Step<Result<Option<String>, StoreError>> {
        if let Some(memory) = self.store.memory() {
            return local(|| memory.get_now(key)).map(Ok);
        }
        match perform(Effect::Get(key.to_string()))? {
            Outcome::Got(got) => Ok(got),
            _ => unexpected(),
        }
    }

    pub fn put(&self, key: &str, value: String, ttl: Option<u64>) -> Step<Result<(), StoreError>> {
        if let Some(memory) = self.store.memory() {
            return local(|| memory.put_expiring(key, value, ttl)).map(Ok);
        }
        let key = key.to_string();
        self.done(Effect::Put { key, value, ttl })
    }

    pub fn delete(&self, key: &str) -> Step<Result<(), StoreError>> {
        if let Some(memory) = self.store.memory() {
            return local(|| memory.delete_now(key)).map(Ok);
        }
        self.done(Effect::Delete(key.to_string()))
    }

    fn done(&self, effect: Effect) -> Step<Result<(), StoreError>> {
        match perform(effect)? {
            Outcome::Done(done) => Ok(done),
            _ => unexpected(),
        }
    }

    /// Whether the store has put-if-absent.
    pub fn is_atomic(&self) -> bool {
        self.store.atomic().is_some()
    }

    /// Put-if-absent: whether it stored; `None` without `add`.
    pub fn add(
        &self,
        key: &str,
        value: String,
        ttl: Option<u64>,
    ) -> Step<Option<Result<bool, StoreError>>> {
        if !self.is_atomic() {
            return Ok(None);
        }
        let key = key.to_string();
        self.added(Effect::Add { key, value, ttl })
    }

    /// Compare-and-delete: whether it deleted; `None` without `deleteIf`.
    pub fn delete_if(&self, key: &str, value: &str) -> Step<Option<Result<bool, StoreError>>> {
        if !self.is_atomic() {
            return Ok(None);
        }
        let (key, value) = (key.to_string(), value.to_string());
        self.added(Effect::DeleteIf { key, value })
    }

    fn added(&self, effect: Effect) -> Step<Option<Result<bool, StoreError>>> {
        match perform(effect)? {
            Outcome::Added(added) => Ok(added),
            _ => unexpected(),
        }
    }

    /// Starts collecting what other contexts write to `key`
    /// ([`TokenStore::watch`]); `None` where the store cannot tell.
    pub fn watch(&self, key: &str) -> Step<Option<u32>> {
        // Nobody else writes to the realm's own memory.
        if self.store.memory().is_some() {
            return Ok(None);
        }
        match perform(Effect::Watch(key.to_string()))? {
            Outcome::Watching(id) => Ok(id),
            _ => unexpected(),
        }
    }

    /// What the watch `id` collected since the last take.
    pub fn take(&self, id: Option<u32>) -> Step<Vec<Option<String>>> {
        let Some(id) = id else {
            return Ok(Vec::new());
        };
        match perform(Effect::Take(id))? {
            Outcome::Seen(seen) => Ok(seen),
            _ => unexpected(),
        }
    }
}

/// Waits for the cross-context lock `name`: its id, `None` when none
/// could be had (the caller goes on without one).
pub fn lock(name: &str) -> Step<Option<u32>> {
    match perform(Effect::Lock(name.to_string()))? {
        Outcome::Locked(id) => Ok(id),
        _ => unexpected(),
    }
}

/// Releases a lock from [`lock`].
pub fn unlock(id: Option<u32>) -> Step<()> {
    match id {
        Some(id) => perform(Effect::Unlock(id)).map(drop),
        None => Ok(()),
    }
}
