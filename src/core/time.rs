//! The few date formats vendors use: ISO-8601 / RFC 3339 timestamps (VoIPBIN's
//! `expire`, RunBuggy's `expireAt`, emnify's `expiry_date`) and the HTTP
//! `Date` header. Small by design: `httpdate` for the header costs 4.6 kB of
//! gzipped wasm, the `time` crate's ISO-8601 parser 5.3 kB (the README's
//! "Dependencies and why"); tests/deps_differential.rs checks these
//! functions against both.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn to_ms(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day) && h < 24 && m < 60 && s <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, day);
    days.checked_mul(86_400_000)?
        .checked_add(((i64::from(h) * 60 + i64::from(m)) * 60 + i64::from(s)) * 1000)
}

/// Parses `2026-11-30`, `2026-11-30T12:00:00Z`, `2026-11-30T12:00:00.000000Z`,
/// `2026-11-30 12:00:00+02:00` … into milliseconds since the epoch. A time
/// without a zone is read as UTC.
pub fn parse_iso8601_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' ']).unwrap_or((text, ""));
    let mut parts = date.splitn(3, '-');
    let year = i64::from(number(parts.next()?)?);
    let month = number(parts.next()?)?;
    let day = number(parts.next()?)?;
    if rest.is_empty() {
        return to_ms(year, month, day, 0, 0, 0);
    }
    let (clock, offset_minutes) = split_zone(rest)?;
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, fraction),
        None => (clock, ""),
    };
    let mut hms = clock.splitn(3, ':');
    let h = number(hms.next()?)?;
    let m = number(hms.next()?)?;
    let s = hms.next().map(number).unwrap_or(Some(0))?;
    let millis = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(3).collect();
        let padded = format!("{digits:0<3}");
        i64::from(number(&padded)?)
    };
    to_ms(year, month, day, h, m, s)?
        .checked_add(millis)?
        .checked_sub(offset_minutes * 60_000)
}

/// Splits `12:00:00.5+02:00` into the clock and the zone offset in minutes.
fn split_zone(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match rest.rfind(['+', '-']) {
        Some(at) => {
            // Checked splits: an index panic would drag core's panic
            // formatting and Unicode tables into the wasm.
            let (clock, signed_zone) = rest.split_at_checked(at)?;
            let sign = if signed_zone.starts_with('-') { -1 } else { 1 };
            let zone = signed_zone.get(1..)?;
            let (h, m) = match zone.split_once(':') {
                Some((h, m)) => (number(h)?, number(m)?),
                None if zone.len() == 4 => {
                    let (h, m) = zone.split_at_checked(2)?;
                    (number(h)?, number(m)?)
                }
                None => (number(zone)?, 0),
            };
            if h > 23 || m > 59 {
                return None;
            }
            Some((clock, sign * i64::from(h * 60 + m)))
        }
        None => Some((rest, 0)),
    }
}

/// Parses an HTTP `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date_ms(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut words = text.split_whitespace();
    let _weekday = words.next()?;
    let day = number(words.next()?)?;
    let month_name = words.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as u32
        + 1;
    let year = i64::from(number(words.next()?)?);
    let mut hms = words.next()?.splitn(3, ':');
    let h = number(hms.next()?)?;
    let m = number(hms.next()?)?;
    let s = number(hms.next()?)?;
    to_ms(year, month, day, h, m, s)
}

/// Formats milliseconds since the epoch as `2026-11-30T12:00:00.000Z`.
pub fn format_iso8601(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}
