//! The date parsers (`time::{parse_iso8601_ms, parse_http_date_ms}`) and the
//! formatter they round-trip with (`time::format_iso8601`).
//!
//! Input: the text to parse. Its first 8 bytes, read as an i64, are also
//! formatted and parsed back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vendor_auth::core::time::{format_iso8601, parse_http_date_ms, parse_iso8601_ms};

/// 0000-01-01T00:00:00Z: `format_iso8601` writes earlier years with a sign,
/// which ISO-8601 without extension (and the parser) does not read.
const YEAR_ZERO_MS: i64 = -62_167_219_200_000;
/// 10000-01-01T00:00:00Z.
const YEAR_10000_MS: i64 = 253_402_300_800_000;

fn round_trips(ms: i64) {
    let text = format_iso8601(ms);
    assert_eq!(
        parse_iso8601_ms(&text),
        Some(ms),
        "{ms} formatted as {text}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Some(ms) = parse_iso8601_ms(&text) {
        if ms >= YEAR_ZERO_MS {
            round_trips(ms);
        } else {
            let _ = format_iso8601(ms);
        }
    }
    let _ = parse_http_date_ms(&text);

    if let Some(bytes) = data.get(..8) {
        let ms = i64::from_le_bytes(bytes.try_into().unwrap());
        // Years 0000 to 9999 round-trip; any other ms still formats.
        if (YEAR_ZERO_MS..YEAR_10000_MS).contains(&ms) {
            round_trips(ms);
        } else {
            let _ = format_iso8601(ms);
        }
    }
});
