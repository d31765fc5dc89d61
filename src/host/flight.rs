//! Single flight: while one operation renews a principal's token, every
//! other operation of the realm that needs it waits for the same result
//! instead of logging in again ([`crate::core::fx::Effect::Flight`]). This is
//! what turns 1,000 concurrent `getToken` calls into one login.

use crate::core::clock::Clock;
use crate::core::fx::Renewal;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot {
    /// `Some(Some(v))`: landed; `Some(None)`: the leader was dropped unfinished.
    outcome: RefCell<Option<Option<Renewal>>>,
    waiters: RefCell<Vec<Waker>>,
}

impl Slot {
    fn finish(&self, outcome: Option<Renewal>) {
        *self.outcome.borrow_mut() = Some(outcome);
        for waker in self.waiters.borrow_mut().drain(..) {
            waker.wake();
        }
    }
}

thread_local! {
    /// The renewals in flight in this realm, by flight key. Few run at once:
    /// a list beats a hash map's code size.
    static FLIGHTS: RefCell<Vec<(String, Rc<Slot>)>> = const { RefCell::new(Vec::new()) };
}

fn find(key: &str) -> Option<Rc<Slot>> {
    FLIGHTS.with(|f| {
        let flights = f.borrow();
        flights
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
    })
}

/// Removes the flight for `key` if it is still `slot`.
fn remove(key: &str, slot: &Rc<Slot>) {
    FLIGHTS.with(|f| {
        f.borrow_mut()
            .retain(|(k, s)| k != key || !Rc::ptr_eq(s, slot))
    });
}

/// The lead of a flight. Dropped without landing (the operation was
/// dropped half-way), it lets one waiter take over.
pub struct Leading {
    key: String,
    slot: Rc<Slot>,
}

impl Leading {
    /// Hands `outcome` to every waiter.
    pub fn land(self, outcome: Renewal) {
        self.slot.finish(Some(outcome));
    }
}

impl Drop for Leading {
    fn drop(&mut self) {
        remove(&self.key, &self.slot);
        if self.slot.outcome.borrow().is_none() {
            self.slot.finish(None);
        }
    }
}

/// Joins the flight under `key`: its outcome, or the lead when none is
/// under way (or its leader was dropped). With `bound`, a waiter takes the
/// lead after waiting that long for the leader (Cloudflare Workers: the
/// leading request may be gone).
pub async fn join(
    key: &str,
    bound: Option<(&dyn Clock, i64)>,
) -> (Option<Renewal>, Option<Leading>) {
    loop {
        if let Some(slot) = find(key) {
            if let Some(outcome) = wait(key, slot, bound).await {
                return (Some(outcome), None);
            }
            continue;
        }
        let slot = Rc::new(Slot {
            outcome: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
        });
        FLIGHTS.with(|f| f.borrow_mut().push((key.to_string(), slot.clone())));
        let key = key.to_string();
        return (None, Some(Leading { key, slot }));
    }
}

/// Waits until the flight under `key`, if one is under way, has ended
/// (`revoke()` waits so that it revokes the newest token rather than race
/// it).
pub async fn settled(key: &str, bound: Option<(&dyn Clock, i64)>) {
    if let Some(slot) = find(key) {
        drop(wait(key, slot, bound).await);
    }
}

/// The flight's outcome; `None` when its leader gave up or a bounded wait
/// ran out (the stale flight is then removed).
async fn wait(key: &str, slot: Rc<Slot>, bound: Option<(&dyn Clock, i64)>) -> Option<Renewal> {
    let Some((clock, max_wait_ms)) = bound else {
        return (Wait { slot }).await;
    };
    let mut woken = std::pin::pin!(Wait { slot: slot.clone() });
    let mut timer = clock.sleep(u64::try_from(max_wait_ms).unwrap_or(0));
    let first = std::future::poll_fn(|cx| match woken.as_mut().poll(cx) {
        Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
        Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
    })
    .await;
    first.unwrap_or_else(|| {
        remove(key, &slot);
        None
    })
}

struct Wait {
    slot: Rc<Slot>,
}

impl Future for Wait {
    type Output = Option<Renewal>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Renewal>> {
        if let Some(outcome) = self.slot.outcome.borrow().as_ref() {
            return Poll::Ready(outcome.clone());
        }
        self.slot.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}
