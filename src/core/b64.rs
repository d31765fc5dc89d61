//! The two base64 uses of the library, hand-written: Personr's Basic
//! credential (standard alphabet, padded) and JWT payloads (URL-safe, no
//! padding). The `base64` crate's generic engines are 12 kB of wasm (4.5 kB
//! gzipped, the README's "Dependencies and why") for a dozen bytes of work;
//! the tests below and tests/deps_differential.rs check this module against
//! the crate.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard alphabet, with `=` padding (HTTP Basic credentials).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(STANDARD[(n >> (18 - 6 * i) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

/// URL-safe alphabet without padding (JWT parts); `None` for any other
/// character, an impossible length or non-zero trailing bits.
pub fn decode_url_safe(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (text.len() % 4 != 1 && acc == 0).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;

    #[test]
    fn matches_the_base64_crate() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8 ^ 0xa5).collect();
            assert_eq!(encode(&bytes), STANDARD.encode(&bytes));
            let url = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(decode_url_safe(&url), Some(bytes));
        }
        for bad in ["a", "ab+c", "ab/c", "ab=", "AB", "AAB"] {
            assert_eq!(
                decode_url_safe(bad),
                URL_SAFE_NO_PAD.decode(bad).ok(),
                "{bad}"
            );
        }
    }
}
