//! Single flight: while one caller does the work for a key, every other caller
//! for that key waits for the same result instead of doing it again. This is
//! what turns 1,000 concurrent `getToken` calls into one login.

use crate::core::clock::Clock;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    /// `Some(Some(v))`: done; `Some(None)`: the leader was dropped unfinished.
    outcome: RefCell<Option<Option<T>>>,
    waiters: RefCell<Vec<Waker>>,
}

impl<T> Slot<T> {
    fn finish(&self, outcome: Option<T>) {
        *self.outcome.borrow_mut() = Some(outcome);
        for waker in self.waiters.borrow_mut().drain(..) {
            waker.wake();
        }
    }
}

/// How waiters look for the leader's result when they poll.
pub struct Polling<'a> {
    pub clock: &'a dyn Clock,
    pub interval_ms: u64,
    pub max_wait_ms: i64,
}

/// The flights in progress, by key.
pub struct Flights<T> {
    /// Few flights run at once: a list beats a hash map's code size.
    slots: RefCell<Vec<(String, Rc<Slot<T>>)>>,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights {
            slots: RefCell::new(Vec::new()),
        }
    }
}

impl<T> Flights<T> {
    fn slot(&self, key: &str) -> Option<Rc<Slot<T>>> {
        let slots = self.slots.borrow();
        slots.iter().find(|(k, _)| k == key).map(|(_, s)| s.clone())
    }

    /// Removes the flight for `key` if it is still `slot`.
    fn remove(&self, key: &str, slot: &Rc<Slot<T>>) {
        self.slots
            .borrow_mut()
            .retain(|(k, s)| k != key || !Rc::ptr_eq(s, slot));
    }
}

impl<T: Clone> Flights<T> {
    /// Runs `work` unless a flight for `key` is already under way, in which
    /// case it waits for that flight's result. If the leading caller is
    /// dropped before finishing, one waiter takes over.
    ///
    /// With `poll`, a waiter does not wait to be woken by the leader but looks
    /// every `poll.interval_ms` on its own timer. Cloudflare Workers need
    /// this: there the leader and the waiters serve different requests, and
    /// a request woken from another request's I/O is cancelled as hung. A
    /// waiter that has waited `poll.max_wait_ms` takes the lead itself (the
    /// leading request may have been cancelled).
    pub async fn run<F, Fut>(&self, key: &str, work: F, poll: Option<Polling<'_>>) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut work = Some(work);
        loop {
            let existing = self.slot(key);
            if let Some(slot) = existing {
                let outcome = match &poll {
                    None => (Wait { slot }).await,
                    Some(poll) => self.poll(key, slot, poll).await,
                };
                if let Some(value) = outcome {
                    return value;
                }
                continue;
            }
            let slot = Rc::new(Slot {
                outcome: RefCell::new(None),
                waiters: RefCell::new(Vec::new()),
            });
            self.slots
                .borrow_mut()
                .push((key.to_string(), slot.clone()));
            let mut guard = Leader {
                flights: self,
                key,
                slot,
                done: false,
            };
            let Some(work) = work.take() else {
                // Unreachable: a caller leads at most once, and returns.
                continue;
            };
            let value = work().await;
            guard.slot.finish(Some(value.clone()));
            guard.done = true;
            return value;
        }
    }

    /// Waits until the flight for `key`, if one is under way, has finished
    /// (its result is not needed: `revoke()` waits so that it revokes the
    /// newest token rather than race it).
    pub async fn settled(&self, key: &str, poll: Option<Polling<'_>>) {
        if let Some(slot) = self.slot(key) {
            match &poll {
                None => drop((Wait { slot }).await),
                Some(poll) => drop(self.poll(key, slot, poll).await),
            }
        }
    }

    /// Looks at the slot on the waiter's own timer. `None` when the leader
    /// gave up or the wait ran out (the stale flight is then removed).
    async fn poll(&self, key: &str, slot: Rc<Slot<T>>, poll: &Polling<'_>) -> Option<T> {
        let deadline = poll.clock.now_ms() + poll.max_wait_ms;
        loop {
            if let Some(outcome) = slot.outcome.borrow().as_ref() {
                return outcome.clone();
            }
            if poll.clock.now_ms() >= deadline {
                self.remove(key, &slot);
                return None;
            }
            poll.clock.sleep(poll.interval_ms).await;
        }
    }
}

/// Removes the flight when the leader finishes or is dropped.
struct Leader<'a, T> {
    flights: &'a Flights<T>,
    key: &'a str,
    slot: Rc<Slot<T>>,
    done: bool,
}

impl<T> Drop for Leader<'_, T> {
    fn drop(&mut self) {
        self.flights.remove(self.key, &self.slot);
        if !self.done {
            self.slot.finish(None);
        }
    }
}

struct Wait<T> {
    slot: Rc<Slot<T>>,
}

impl<T: Clone> Future for Wait<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(outcome) = self.slot.outcome.borrow().as_ref() {
            return Poll::Ready(outcome.clone());
        }
        self.slot.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}
