//! The store entry decoder (`cache::Entry::decode`, `cache::decode_hold`).
//!
//! Input: the principal digest on the first line, the stored text after it
//! (no newline: the whole input is the text, for the principal `p`). An
//! entry that decodes must re-encode and decode to the same value; a hold
//! marker likewise.
//!
//! "The same" allows one thing: a non-integer number in `meta` may come back
//! a few ULPs off. serde_json is built without `float_roundtrip` (smaller
//! wasm), so reading the shortest decimal form of an f64 is not always exact.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vendor_auth::core::cache::{decode_hold, encode_hold, Entry};

/// JSON equality, with floats equal to within a relative 1e-14.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x != y => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-14 * x.abs().max(y.abs()),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Entry equality, with `meta` compared by [`same_json`].
fn same_entry(a: &Entry, b: &Entry) -> bool {
    let mut b_exact = b.clone();
    b_exact.tokens.meta = a.tokens.meta.clone();
    *a == b_exact
        && same_json(
            &Value::Object(a.tokens.meta.clone()),
            &Value::Object(b.tokens.meta.clone()),
        )
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (principal, text) = input.split_once('\n').unwrap_or(("p", &input));

    if let Some(entry) = Entry::decode(text, principal) {
        assert_eq!(entry.principal, principal);
        assert!(
            !entry.tokens.access.expose().is_empty(),
            "an entry with an empty token"
        );

        let again = Entry::decode(&entry.encode(true), principal);
        assert!(
            again
                .as_ref()
                .is_some_and(|again| same_entry(again, &entry)),
            "encode(true) then decode changed the entry: {entry:?} became {again:?}"
        );

        let without_refresh = Entry::decode(&entry.encode(false), principal)
            .expect("encode(false) of a decodable entry does not decode");
        assert_eq!(without_refresh.tokens.refresh, None);
        assert_eq!(without_refresh.tokens.access, entry.tokens.access);
        assert_eq!(
            without_refresh.tokens.expires_at_ms,
            entry.tokens.expires_at_ms
        );

        assert!(Entry::decode(&entry.encode(true), &format!("{principal}x")).is_none());

        // Freshness and TTL arithmetic saturates whatever the numbers.
        for now in [0, 1_795_392_000_000, i64::MIN, i64::MAX] {
            for margin in [0, 60_000, i64::MAX] {
                let _ = entry.is_fresh(now, margin);
            }
            let _ = entry.ttl_seconds(now);
        }
        let _ = entry.local_expiry_ms();
    }

    if let Some(until) = decode_hold(text) {
        assert_eq!(decode_hold(&encode_hold(until)), Some(until));
    }
});
