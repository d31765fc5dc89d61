//! The store entry decoder (`cache::Entry::decode`, `cache::decode_hold`).
//!
//! Input: the principal digest on the first line, the stored text after it
//! (no newline: the whole input is the text, for the principal `p`); the
//! verifier is `v`. An
//! entry that decodes must re-encode and decode to exactly the same value
//! (numbers in `meta` keep their JSON text, so nothing drifts); a hold
//! marker likewise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vendor_auth::core::cache::{decode_hold, encode_hold, Entry};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (principal, text) = input.split_once('\n').unwrap_or(("p", &input));

    const V: &str = "v";
    if let Some(entry) = Entry::decode(text, principal, V) {
        assert_eq!(entry.principal, principal);
        assert_eq!(entry.verifier, V);
        assert!(
            !entry.tokens.access.expose().is_empty(),
            "an entry with an empty token"
        );

        let again = Entry::decode(&entry.encode(true), principal, V);
        assert_eq!(
            again.as_ref(),
            Some(&entry),
            "encode(true) then decode changed the entry"
        );

        let without_refresh = Entry::decode(&entry.encode(false), principal, V)
            .expect("encode(false) of a decodable entry does not decode");
        assert_eq!(without_refresh.tokens.refresh, None);
        assert_eq!(without_refresh.tokens.access, entry.tokens.access);
        assert_eq!(
            without_refresh.tokens.expires_at_ms,
            entry.tokens.expires_at_ms
        );
        assert_eq!(without_refresh.tokens.meta, entry.tokens.meta);

        assert!(Entry::decode(&entry.encode(true), &format!("{principal}x"), V).is_none());
        assert!(
            Entry::decode(&entry.encode(true), principal, "w").is_none(),
            "an entry of another secret decoded"
        );

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
