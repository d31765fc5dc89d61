//! Hashes the vendors and the cache need, as lowercase hex.

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// SHA-1 as emnify wants passwords (`echo -n 'pw' | openssl sha1`).
pub fn sha1_hex(text: &str) -> String {
    hex(&Sha1::digest(text.as_bytes()))
}

/// SHA-256, for cache keys that must not reveal who they belong to.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}
