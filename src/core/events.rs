//! Events a dashboard listens to (`client.on("token", …)`). Payloads never
//! carry a token or a credential.

use crate::core::error::AuthError;
use crate::core::vendors::Vendor;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The client has a token it did not have before: obtained from the
    /// vendor, or found in a shared store.
    Token {
        vendor: Vendor,
        expires_at_ms: Option<i64>,
        from_cache: bool,
    },
    /// A call failed (the same error the call rejects with).
    Error(AuthError),
    /// The configured store failed; the client keeps tokens in memory.
    StorageFallback { vendor: Vendor, reason: String },
    /// The client generated a new token after a rejection, which it does
    /// by itself only where no other holder can be harmed: `reason` `"idle"`
    /// (Personr's token was dropped after 30 days without use, so every
    /// holder's copy was dead already). `message` says so for people.
    Regenerated {
        vendor: Vendor,
        reason: &'static str,
        message: String,
    },
    /// The vendor's clock (its `Date` header) was too far from this one to
    /// be believed; the token's expiry is read in the local clock instead.
    ClockSkew { vendor: Vendor, skew_ms: i64 },
}

impl Event {
    pub const NAMES: [&'static str; 5] = [
        "token",
        "error",
        "storage-fallback",
        "regenerated",
        "clock-skew",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Event::Token { .. } => "token",
            Event::Error(_) => "error",
            Event::StorageFallback { .. } => "storage-fallback",
            Event::Regenerated { .. } => "regenerated",
            Event::ClockSkew { .. } => "clock-skew",
        }
    }
}

type Listener = Rc<dyn Fn(&Event)>;

/// The listeners of one client.
#[derive(Default)]
pub struct Events {
    listeners: RefCell<Vec<(u32, &'static str, Listener)>>,
    next_id: Cell<u32>,
}

impl Events {
    /// Adds a listener for the event called `name`; returns its id.
    pub fn subscribe(&self, name: &'static str, listener: Listener) -> u32 {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        self.listeners.borrow_mut().push((id, name, listener));
        id
    }

    pub fn unsubscribe(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(i, _, _)| *i != id);
    }

    pub fn emit(&self, event: &Event) {
        // A snapshot: a listener may unsubscribe (or subscribe) while called.
        let matching: Vec<Listener> = self
            .listeners
            .borrow()
            .iter()
            .filter(|(_, name, _)| *name == event.name())
            .map(|(_, _, l)| l.clone())
            .collect();
        for listener in matching {
            listener(event);
        }
    }
}
