//! The Rust host: runs a core operation ([`crate::core::client::Op`]) to
//! its outcome by performing each effect it asks for ([`crate::core::fx`])
//! with the client's [`Parts`] — `fetch`, the stores, Web Locks, timers, the
//! coordinator — and single flight between the realm's operations. It
//! decides nothing: every rule is the core's.

mod flight;

use crate::core::client::{Op, Parts};
use crate::core::error::{AuthError, ErrorCode};
use crate::core::fx::{self, Effect, Journal, Outcome, Step, Stop};
use crate::core::http::LocalFuture;
use crate::core::lock::LockGuard;
use crate::core::store::Watch;
use std::future::IntoFuture;

impl<'a, T: 'a> IntoFuture for Op<'a, T> {
    type Output = Result<T, AuthError>;
    type IntoFuture = LocalFuture<'a, Result<T, AuthError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(drive(self))
    }
}

/// Runs `op` to its outcome.
pub async fn drive<T>(op: Op<'_, T>) -> Result<T, AuthError> {
    let Op { parts, mut run } = op;
    let mut out = None;
    let mut body = || -> Step<()> {
        out = Some(run()?);
        Ok(())
    };
    drive_body(parts, &mut body).await?;
    out.ok_or_else(fx::replay_error)
}

/// What an operation holds while it runs: released when it ends, however
/// it ends (also when the caller drops it half-way).
#[derive(Default)]
struct Held {
    locks: Vec<(u32, LockGuard)>,
    watches: Vec<(u32, Box<dyn Watch>)>,
    next_id: u32,
    led: Option<flight::Leading>,
}

impl Held {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }
}

/// The one loop every operation runs in (not generic, so it is compiled once).
async fn drive_body(parts: &Parts, body: &mut dyn FnMut() -> Step<()>) -> Result<(), AuthError> {
    let clock = &*parts.clock;
    let mut journal = Journal::new(clock.now_ms(), clock.random());
    let mut held = Held::default();
    loop {
        match fx::step(&mut journal, &mut *body) {
            Ok(()) => return Ok(()),
            Err(Stop::Fail(error)) => return Err(error),
            Err(Stop::Suspend) => {}
        }
        let Some(effect) = journal.take_effect() else {
            return Err(fx::replay_error());
        };
        let outcome = perform(parts, effect, &mut held).await;
        journal.record(outcome, clock.now_ms(), clock.random());
    }
}

async fn perform(parts: &Parts, effect: Effect, held: &mut Held) -> Outcome {
    let store = &*parts.store;
    let done = Outcome::Done(Ok(()));
    match effect {
        Effect::Send(request) => Outcome::Sent(parts.transport.send(request).await),
        Effect::Get(key) => Outcome::Got(store.get(&key).await),
        Effect::Put { key, value, ttl } => Outcome::Done(store.put(&key, value, ttl).await),
        Effect::Delete(key) => Outcome::Done(store.delete(&key).await),
        Effect::Add { key, value, ttl } => match store.atomic() {
            Some(atomic) => Outcome::Added(Some(atomic.add(&key, value, ttl).await)),
            None => Outcome::Added(None),
        },
        Effect::DeleteIf { key, value } => {
            match store.atomic().and_then(|a| a.delete_if(&key, &value)) {
                Some(deleted) => Outcome::Added(Some(deleted.await)),
                None => Outcome::Added(None),
            }
        }
        Effect::Watch(key) => match store.watch(&key) {
            Some(watch) => {
                let id = held.id();
                held.watches.push((id, watch));
                Outcome::Watching(Some(id))
            }
            None => Outcome::Watching(None),
        },
        Effect::Take(id) => Outcome::Seen(
            held.watches
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, w)| w.take())
                .unwrap_or_default(),
        ),
        Effect::Lock(name) => {
            let guard = match &parts.locks {
                Some(locks) => locks.lock(&name).await,
                None => None,
            };
            match guard {
                Some(guard) => {
                    let id = held.id();
                    held.locks.push((id, guard));
                    Outcome::Locked(Some(id))
                }
                None => Outcome::Locked(None),
            }
        }
        Effect::Unlock(id) => {
            held.locks.retain(|(i, _)| *i != id);
            done
        }
        Effect::Sleep(ms) => {
            parts.clock.sleep(ms).await;
            done
        }
        Effect::Ask { key, ask } => Outcome::Answered(match &parts.coordinator {
            Some(coordinator) => coordinator.ask(&key, ask).await,
            None => Err(AuthError::new(
                ErrorCode::Unsupported,
                "this client has no coordinator to ask",
            )),
        }),
        Effect::Flight { key, max_wait_ms } => {
            let bound = max_wait_ms.map(|max| (&*parts.clock, max));
            let (turn, leading) = flight::join(&key, bound).await;
            held.led = leading;
            Outcome::Turn(turn)
        }
        Effect::Land { key: _, outcome } => {
            if let Some(leading) = held.led.take() {
                leading.land(outcome);
            }
            done
        }
        // The core computes it (natively, in tests).
        Effect::Derive { .. } => Outcome::Derived(None),
        Effect::Settled { key, max_wait_ms } => {
            flight::settled(&key, max_wait_ms.map(|max| (&*parts.clock, max))).await;
            done
        }
    }
}
