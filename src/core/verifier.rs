//! The verifier of the secret a cached token was obtained with.
//!
//! A cache entry is found by who the principal is (username, email …), but
//! may be used only by a client holding the same secret: otherwise a client
//! built with a known username and a wrong password would be served the real
//! user's token. Every entry carries this verifier and every read compares it.
//!
//! Security: the verifier is PBKDF2-HMAC-SHA256 of the secret, salted with
//! the vendor and the principal digest (so no two principals or vendors
//! share a salt and no precomputed table applies; a principal's sandbox and
//! production entries, or a Durable Object's copy, verify alike) and iterated [`ROUNDS`] times, so
//! that someone who can read the store (localStorage, a KV namespace, Redis)
//! pays that many HMACs per password guess instead of one fast hash. It is
//! never the secret itself. The store already holds the token, which is what
//! such a reader would want most; the point is that it must not also hand
//! out the password cheaply. The result is kept in memory per realm so that
//! a client created per request does not pay the iterations again.
//!
//! A secret the vendor issued (an emnify application token, a RunBuggy
//! session JWT: [`Kind::IssuedKey`]) gets one HMAC instead: it is a long
//! random string nobody can guess, so iterations would buy nothing and cost
//! every cold start their milliseconds (5 ms by WebCrypto, about 25 in
//! wasm). One shorter than [`MIN_KEY_CHARS`] is iterated like a password,
//! since its length no longer vouches for it.

use crate::core::digest::hex;
use sha2::{Digest, Sha256};
use std::cell::RefCell;

/// PBKDF2 iterations: about 5 ms by the host's WebCrypto
/// ([`crate::core::fx::Effect::Derive`]), 25 ms in wasm on a server core,
/// paid once per principal and realm (see the README's "What the library
/// guarantees").
pub const ROUNDS: u32 = 20_000;

/// The shortest issued key verified with one HMAC: 32 characters of a
/// base64 or hex token carry at least 128 random bits.
pub const MIN_KEY_CHARS: usize = 32;

/// What kind of secret is verified, which decides the iterations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Chosen by a person (a password): [`ROUNDS`] iterations.
    Password,
    /// Issued by the vendor (an application token, a session JWT): one
    /// iteration when at least [`MIN_KEY_CHARS`] long.
    IssuedKey,
}

impl Kind {
    /// The kind `secret` is verified as: a short "key" counts as a password.
    fn of(self, secret: &str) -> Kind {
        match self {
            Kind::IssuedKey if secret.chars().count() >= MIN_KEY_CHARS => Kind::IssuedKey,
            _ => Kind::Password,
        }
    }

    fn rounds(self) -> u32 {
        match self {
            Kind::Password => ROUNDS,
            Kind::IssuedKey => 1,
        }
    }

    /// The salt's label: the two kinds never give the same verifier.
    fn label(self) -> &'static str {
        match self {
            Kind::Password => "vendor-auth:verifier:v1:",
            Kind::IssuedKey => "vendor-auth:verifier:key1:",
        }
    }
}

/// How many verifiers a realm remembers (one per principal it serves).
const MEMO_CAP: usize = 256;

thread_local! {
    /// `(SHA-256(key, secret), verifier)`, newest last. The fast hash never
    /// leaves this realm's memory, which holds the secret itself anyway.
    static MEMO: RefCell<Vec<([u8; 32], String)>> = const { RefCell::new(Vec::new()) };
}

/// The verifier of `secret` for the principal `salt_id` (`vendor:digest`),
/// as 32 hex digits.
pub fn verifier(salt_id: &str, secret: &str, kind: Kind) -> String {
    known(salt_id, secret, kind).unwrap_or_else(|| finish(salt_id, secret, kind, None))
}

fn fast_hash(salt_id: &str, secret: &str, kind: Kind) -> [u8; 32] {
    let mut fast = Sha256::new();
    fast.update(kind.of(secret).label().as_bytes());
    fast.update(salt_id.as_bytes());
    fast.update([0u8]);
    fast.update(secret.as_bytes());
    fast.finalize().into()
}

/// The verifier, if this realm has computed it already or it is cheap to
/// compute now (one HMAC, for an issued key).
pub fn known(salt_id: &str, secret: &str, kind: Kind) -> Option<String> {
    let fast = fast_hash(salt_id, secret, kind);
    let known = MEMO.with(|memo| {
        let memo = memo.borrow();
        memo.iter()
            .find(|(f, _)| *f == fast)
            .map(|(_, v)| v.clone())
    });
    if known.is_some() {
        return known;
    }
    (kind.of(secret) == Kind::IssuedKey).then(|| finish(salt_id, secret, kind, None))
}

/// PBKDF2's inputs for `secret`: password, salt and rounds, for a host that
/// derives it itself (WebCrypto, [`crate::core::fx::Effect::Derive`]).
pub fn inputs(salt_id: &str, secret: &str, kind: Kind) -> (Vec<u8>, Vec<u8>, u32) {
    let kind = kind.of(secret);
    (
        secret.as_bytes().to_vec(),
        salt(salt_id, kind),
        kind.rounds(),
    )
}

fn salt(salt_id: &str, kind: Kind) -> Vec<u8> {
    [kind.label().as_bytes(), salt_id.as_bytes()].concat()
}

/// The verifier from PBKDF2's 16 bytes as the host derived them, or
/// computed here where it could not (`None`); remembered for the realm.
pub fn finish(salt_id: &str, secret: &str, kind: Kind, derived: Option<[u8; 16]>) -> String {
    let computed = match derived {
        Some(bytes) => hex(&bytes),
        None => compute(salt_id, secret, kind),
    };
    let fast = fast_hash(salt_id, secret, kind);
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= MEMO_CAP {
            memo.remove(0);
        }
        memo.push((fast, computed.clone()));
    });
    computed
}

/// PBKDF2 itself, without the memo.
pub fn compute(salt_id: &str, secret: &str, kind: Kind) -> String {
    let (password, salt, rounds) = inputs(salt_id, secret, kind);
    let mut out = [0u8; 16];
    pbkdf2::pbkdf2_hmac::<Sha256>(&password, &salt, rounds, &mut out);
    hex(&out)
}
