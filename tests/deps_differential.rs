//! The hand-written stand-ins for crates, checked against those crates on
//! generated inputs (the README's "Dependencies and why" says why each is
//! hand-written): `core::b64` against `base64`, `core::time` against
//! `httpdate` and `time`, and `core::text` against std's own `str::find` and
//! `str::replace`. `core::json` is checked against serde_json in
//! tests/core_json.rs.
//!
//! Documented differences (each asserted below):
//!
//! * HTTP dates: we read only the IMF-fixdate form servers send (RFC 9110
//!   says senders must), not the obsolete RFC 850 and asctime forms httpdate
//!   also reads; and we are laxer: the weekday name and the zone word are not
//!   checked, and a day past the month's end rolls over into the next month.
//! * ISO-8601: we read more than RFC 3339 (a date alone, no zone, `+hhmm`,
//!   `+hh`, space around, a `.` with no digits after it) and keep
//!   milliseconds (the fraction is cut, never rounded); a leap second
//!   (`:60`) reads as the next second. The time crate takes any one
//!   character between date and time; we take `T`, `t` or a space.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::Rng;
use std::time::{Duration, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vendor_auth::core::{b64, text, time as ours};

// --- core::b64 vs base64 ---------------------------------------------------

#[test]
fn b64_encodes_every_generated_byte_string_as_the_base64_crate() {
    let mut rng = Rng::new(0xb64_0001);
    for _ in 0..3000 {
        let len = rng.below(80) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert_eq!(b64::encode(&bytes), STANDARD.encode(&bytes), "{bytes:?}");
    }
}

#[test]
fn b64_decodes_exactly_what_the_base64_crate_decodes() {
    // Mostly the URL-safe alphabet, sometimes a character outside it: every
    // length modulo 4, non-zero trailing bits, padding and the standard
    // alphabet's `+/` are all in the corpus.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const OUTSIDE: &[char] = &['=', '+', '/', ' ', '.', '\n', 'é'];
    let mut rng = Rng::new(0xb64_0002);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let len = rng.below(24);
        let text: String = (0..len)
            .map(|_| match rng.one_in(40) {
                true => rng.pick(OUTSIDE),
                false => char::from(rng.pick(ALPHABET)),
            })
            .collect();
        let theirs = URL_SAFE_NO_PAD.decode(&text).ok();
        assert_eq!(b64::decode_url_safe(&text), theirs, "{text:?}");
        match theirs {
            Some(_) => read += 1,
            None => refused += 1,
        }
    }
    assert!(
        read > 2000 && refused > 2000,
        "{read} read, {refused} refused"
    );
}

// --- core::time vs httpdate ------------------------------------------------

/// An instant between 1970 and 9999 (httpdate's range), in whole seconds.
fn instant(rng: &mut Rng) -> u64 {
    rng.below(253_402_300_800)
}

fn httpdate_ms(text: &str) -> Option<i64> {
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(UNIX_EPOCH).ok()?.as_millis() as i64)
}

#[test]
fn http_dates_read_as_httpdate_reads_them() {
    let mut rng = Rng::new(0xda7e_0001);
    for _ in 0..20_000 {
        let secs = instant(&mut rng);
        let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(
            ours::parse_http_date_ms(&text),
            Some(secs as i64 * 1000),
            "{text}"
        );
        assert_eq!(httpdate_ms(&text), Some(secs as i64 * 1000), "{text}");
    }
}

#[test]
fn a_mutated_http_date_httpdate_reads_is_read_the_same() {
    // One character replaced, deleted or inserted: where httpdate still reads
    // a date, ours reads the same instant (ours may read more: see the top).
    const CHARS: &[char] = &[
        '0', '1', '2', '3', '5', '9', ' ', ':', ',', 'a', 'N', 'o', 'v', 'G',
    ];
    let mut rng = Rng::new(0xda7e_0002);
    let mut both = 0;
    for _ in 0..20_000 {
        let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(instant(&mut rng)));
        let mutated = rng.mutate(&text, CHARS);
        if let Some(theirs) = httpdate_ms(&mutated) {
            assert_eq!(
                ours::parse_http_date_ms(&mutated),
                Some(theirs),
                "{mutated:?}"
            );
            both += 1;
        }
    }
    assert!(both > 500, "only {both} mutated dates still read");
}

#[test]
fn obsolete_http_date_forms_are_ours_to_refuse_and_some_bad_ones_to_read() {
    for obsolete in ["Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
        assert_eq!(httpdate_ms(obsolete), Some(784_111_777_000), "{obsolete}");
        assert_eq!(ours::parse_http_date_ms(obsolete), None, "{obsolete}");
    }
    for (lax, reads_as) in [
        (
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (
            "Sun, 31 Feb 2026 00:00:00 GMT",
            "Tue, 03 Mar 2026 00:00:00 GMT",
        ),
    ] {
        assert_eq!(httpdate_ms(lax), None, "{lax}");
        assert_eq!(
            ours::parse_http_date_ms(lax),
            httpdate_ms(reads_as),
            "{lax}"
        );
    }
}

// --- core::time vs time (RFC 3339) -----------------------------------------

/// An RFC 3339 timestamp between 1900 and 2200 with a random fraction
/// (0–9 digits), zone (`Z`, `z`, `±hh:mm`) and separator (`T`, `t`, space),
/// never a leap second.
fn rfc3339(rng: &mut Rng) -> String {
    let secs = -2_208_988_800 + rng.below(9_467_020_800) as i64;
    let offset_minutes = match rng.below(3) {
        0 => 0,
        _ => rng.below(24 * 60 * 2 - 1) as i64 - (24 * 60 - 1),
    };
    let local = OffsetDateTime::from_unix_timestamp(secs + offset_minutes * 60).ok();
    let local = local.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let fraction: String = match rng.below(4) {
        0 => String::new(),
        _ => {
            let digits = 1 + rng.below(9);
            let digits: String = (0..digits)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            format!(".{digits}")
        }
    };
    let zone = match offset_minutes {
        0 if rng.one_in(2) => rng.pick(&["Z", "z", "+00:00", "-00:00"]).to_owned(),
        m => format!(
            "{}{:02}:{:02}",
            if m < 0 { '-' } else { '+' },
            m.abs() / 60,
            m.abs() % 60
        ),
    };
    format!(
        "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}{fraction}{zone}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        rng.pick(&['T', 't', ' ']),
        local.hour(),
        local.minute(),
        local.second(),
    )
}

/// What the time crate reads, in whole milliseconds (the fraction cut).
fn rfc3339_ms(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    Some(at.unix_timestamp_nanos().div_euclid(1_000_000) as i64)
}

#[test]
fn rfc3339_timestamps_read_as_the_time_crate_reads_them() {
    let mut rng = Rng::new(0xda7e_0003);
    for _ in 0..20_000 {
        let text = rfc3339(&mut rng);
        let theirs = rfc3339_ms(&text);
        assert!(theirs.is_some(), "the time crate refuses {text:?}");
        assert_eq!(ours::parse_iso8601_ms(&text), theirs, "{text:?}");
    }
}

#[test]
fn a_mutated_timestamp_the_time_crate_reads_is_read_the_same() {
    const CHARS: &[char] = &[
        '0', '1', '2', '3', '5', '6', '9', '-', '+', ':', '.', 'T', 'Z', ' ',
    ];
    let mut rng = Rng::new(0xda7e_0004);
    let mut both = 0;
    for _ in 0..20_000 {
        let text = rfc3339(&mut rng);
        let mutated = rng.mutate(&text, CHARS);
        // A leap second: the time crate reads 23:59:60 as 23:59:59.999…;
        // and it takes any separator.
        let separator = mutated.chars().nth(10);
        if mutated.get(17..19) == Some("60") || !matches!(separator, Some('T' | 't' | ' ')) {
            continue;
        }
        if let Some(theirs) = rfc3339_ms(&mutated) {
            assert_eq!(
                ours::parse_iso8601_ms(&mutated),
                Some(theirs),
                "{mutated:?}"
            );
            both += 1;
        }
    }
    assert!(both > 1000, "only {both} mutated timestamps still read");
}

#[test]
fn iso8601_forms_beyond_rfc3339_are_ours_only() {
    let noon = rfc3339_ms("2026-11-30T12:00:00Z");
    for text in [
        "2026-11-30T12:00:00",
        "2026-11-30T14:00:00+0200",
        "2026-11-30T14:00:00+02",
        " 2026-11-30T12:00:00Z ",
        "2026-11-30T12:00:00.Z",
    ] {
        assert_eq!(rfc3339_ms(text), None, "{text:?}");
        assert_eq!(ours::parse_iso8601_ms(text), noon, "{text:?}");
    }
    assert_eq!(
        ours::parse_iso8601_ms("2026-11-30"),
        rfc3339_ms("2026-11-30T00:00:00Z")
    );
    assert_eq!(rfc3339_ms("2026-11-30_12:00:00Z"), noon);
    assert_eq!(ours::parse_iso8601_ms("2026-11-30_12:00:00Z"), None);
}

#[test]
fn out_of_range_fields_are_refused_by_both() {
    // Each field one past its range (ours is laxer only in the forms listed
    // at the top, never in a field's range but for a day past a month's end).
    for text in [
        "2026-13-30T12:00:00Z",
        "2026-00-30T12:00:00Z",
        "2026-11-32T12:00:00Z",
        "2026-11-00T12:00:00Z",
        "2026-11-30T24:00:00Z",
        "2026-11-30T12:60:00Z",
        "2026-11-30T12:00:61Z",
        "2026-11-30T12:00:00+24:00",
        "2026-11-30T12:00:00+02:60",
        "2026-11-30T12:00:00+2:00x",
    ] {
        assert_eq!(rfc3339_ms(text), None, "{text:?}");
        assert_eq!(ours::parse_iso8601_ms(text), None, "{text:?}");
    }
}

// --- core::text vs std -----------------------------------------------------

#[test]
fn text_find_and_replace_all_agree_with_std() {
    // Short texts of one-, two- and four-byte characters: a byte match
    // inside a character would show here.
    const CHARS: &[char] = &['a', 'b', 'ū', '😀'];
    let mut rng = Rng::new(0x7e47_0001);
    let word = |rng: &mut Rng, max: u64| -> String {
        let len = rng.below(max + 1);
        (0..len).map(|_| rng.pick(CHARS)).collect()
    };
    for _ in 0..20_000 {
        let (haystack, needle, with) = (word(&mut rng, 8), word(&mut rng, 3), word(&mut rng, 2));
        assert_eq!(
            text::find(&haystack, &needle),
            haystack.find(needle.as_str()),
            "{haystack:?} {needle:?}"
        );
        // std's replace of "" inserts between every character; ours leaves
        // the text alone (no caller replaces an empty needle).
        let expected = match needle.is_empty() {
            true => haystack.clone(),
            false => haystack.replace(needle.as_str(), &with),
        };
        assert_eq!(
            text::replace_all(&haystack, &needle, &with),
            expected,
            "{haystack:?} {needle:?}"
        );
    }
}
