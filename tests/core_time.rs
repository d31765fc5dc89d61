//! The date formats vendors use.

use vendor_auth::core::time::{format_iso8601, parse_http_date_ms, parse_iso8601_ms};

#[test]
fn iso8601_forms() {
    let base = 1_796_040_000_000; // 2026-11-30T12:00:00Z
    assert_eq!(parse_iso8601_ms("2026-11-30T12:00:00Z"), Some(base));
    assert_eq!(parse_iso8601_ms("2026-11-30T12:00:00.000000Z"), Some(base));
    assert_eq!(parse_iso8601_ms("2026-11-30T12:00:00.5Z"), Some(base + 500));
    assert_eq!(parse_iso8601_ms("2026-11-30 14:00:00+02:00"), Some(base));
    assert_eq!(parse_iso8601_ms("2026-11-30T07:00:00-0500"), Some(base));
    assert_eq!(parse_iso8601_ms("2026-11-30T12:00:00"), Some(base));
    assert_eq!(
        parse_iso8601_ms("2026-11-30"),
        Some(base - 12 * 3600 * 1000)
    );
    assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
    for bad in [
        "",
        "soon",
        "2026-13-01",
        "2026-11-30T25:00:00Z",
        "2026-11-3x",
        "2026-11-30Tab:00:00Z",
        "-",
        "T",
    ] {
        assert_eq!(parse_iso8601_ms(bad), None, "{bad}");
    }
}

#[test]
fn http_dates() {
    assert_eq!(
        parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777_000)
    );
    assert_eq!(parse_http_date_ms("garbage"), None);
    assert_eq!(parse_http_date_ms("Sun, 06 Foo 1994 08:49:37 GMT"), None);
}

#[test]
fn formatting_round_trips() {
    for ms in [0, 784_111_777_123, 1_796_040_000_000, 4_102_444_800_000] {
        assert_eq!(parse_iso8601_ms(&format_iso8601(ms)), Some(ms));
    }
    assert_eq!(
        format_iso8601(1_796_040_000_000),
        "2026-11-30T12:00:00.000Z"
    );
}
