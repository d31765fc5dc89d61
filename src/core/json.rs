//! A small JSON reader and writer for the library's own needs: vendor
//! answers, JWT claims, store entries and option objects.
//!
//! Why not `serde_json`: it costs 32 kB of wasm, 16 kB gzipped (miniserde
//! 19 kB, tinyjson 40 kB gzipped: the README's "Dependencies and why"), for
//! a job that needs no derive, no streaming and no float formatting. Numbers keep the
//! text they were read from, so re-encoding a vendor's `meta` never moves a
//! float, and nothing here formats a float.
//!
//! The reader is strict JSON (RFC 8259): what it accepts, `JSON.parse`
//! accepts. It refuses two things `JSON.parse` takes: nesting deeper than
//! [`MAX_DEPTH`] (rather than recurse without bound) and an escaped lone
//! surrogate (`"\ud800"`), which a Rust string cannot hold.

/// How deep arrays and objects may nest before a text is refused: keeps a
/// hostile answer from exhausting the stack: 128 levels are read, 129 are
/// refused (serde_json stops one level earlier).
pub const MAX_DEPTH: usize = 128;

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON number, kept as its (valid) JSON text.
#[derive(Clone, Debug, PartialEq)]
pub struct Number(String);

/// A JSON object: its members in the order they came. A name given twice
/// keeps the last value, as `JSON.parse` does. Two maps are equal when they
/// have the same members, in any order.
#[derive(Clone, Debug, Default)]
pub struct Map(Vec<(String, Value)>);

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(n, v)| other.get(n) == Some(v))
    }
}

impl Number {
    /// A number from its text, when the text is a JSON number.
    pub fn from_text(text: &str) -> Option<Number> {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        let number = reader.number()?;
        (reader.at == text.len()).then_some(number)
    }

    /// The number's JSON text.
    pub fn as_text(&self) -> &str {
        &self.0
    }

    /// The number as a `u64`, when it is written as a whole number in range
    /// (`3600`, not `3600.0` or `3.6e3`).
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The number as an `i64`, when it is written as a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The number as an `f64` (any JSON number; huge ones are infinite).
    pub fn as_f64(&self) -> Option<f64> {
        parse_decimal(&self.0)
    }
}

/// A decimal number (`12`, `-1.5`, `+.5`, `3.6e3`) as an `f64`.
///
/// Why not `str::parse::<f64>`: core's correctly rounded parser and its
/// tables are 17 kB of wasm (15 kB gzipped), for numbers that are timeouts
/// and dates in seconds. This is exact (correctly rounded) when the digits fit in 2^53
/// and the exponent is within ±22, which covers every such number. Beyond
/// that it may be a few units off in the last place (a relative error below
/// 1e-15); numbers under the smallest normal f64 (about 2.2e-308) may read
/// as 0, and numbers between f64::MAX and 1e309 read as f64::MAX. Infinite
/// from 1e309.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, mut at) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let (mut mantissa, mut exponent, mut digits, mut seen) = (0u64, 0i64, 0i64, false);
    let mut fraction = false;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'0'..=b'9' => {
                seen = true;
                // Past 19 significant digits the rest only scales.
                if digits < 19 {
                    mantissa = mantissa * 10 + u64::from(byte - b'0');
                    if mantissa > 0 {
                        digits += 1;
                    }
                    exponent -= i64::from(fraction);
                } else {
                    exponent += i64::from(!fraction);
                }
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        at += 1;
    }
    if !seen {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        let rest = text.get(at + 1..)?;
        let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Saturate: 1e999999999999 is simply infinite.
        let e = digits
            .bytes()
            .fold(0i64, |e, b| (e * 10 + i64::from(b - b'0')).min(100_000));
        exponent += if rest.starts_with('-') { -e } else { e };
    } else if at != bytes.len() {
        return None;
    }
    let mut value = scale(mantissa as f64, exponent);
    // The steps of 10^22 can round a number just under f64::MAX past it:
    // below 10^309 (`digits + exponent` ≤ 309) the number is finite.
    if value.is_infinite() && digits + exponent <= 309 {
        value = f64::MAX;
    }
    Some(if negative { -value } else { value })
}

/// `value` × 10^`e`: in one exact step when |e| ≤ 22 (powers of ten up to
/// 10^22 are exact in an f64), else in steps of 10^22.
fn scale(mut value: f64, mut e: i64) -> f64 {
    const STEP: f64 = 1e22;
    while e > 22 && value.is_finite() {
        value *= STEP;
        e -= 22;
    }
    while e < -22 && value != 0.0 {
        value /= STEP;
        e += 22;
    }
    let power = (0..e.abs().min(22)).fold(1.0f64, |p, _| p * 10.0);
    if e >= 0 {
        value * power
    } else {
        value / power
    }
}

/// Decimal text of an integer, by itoa rather than `core::fmt`'s integer
/// formatting.
pub fn int_text(value: i64) -> String {
    itoa::Buffer::new().format(value).to_owned()
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Number {
                Number(int_text(value as i64))
            }
        }
        impl From<$t> for Value {
            fn from(value: $t) -> Value {
                Value::Number(Number::from(value))
            }
        }
    )*};
}
from_int!(i64, i32, u32, u16);

impl From<u64> for Value {
    fn from(value: u64) -> Value {
        // Above i64::MAX the text would be negative: such values never come
        // from the library (lifetimes, ids), so they saturate.
        Value::from(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::String(value)
    }
}

impl From<Map> for Value {
    fn from(value: Map) -> Value {
        Value::Object(value)
    }
}

impl From<Vec<Value>> for Value {
    fn from(value: Vec<Value>) -> Value {
        Value::Array(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// An object value from `"name": value` pairs, each value anything that
/// converts into a [`Value`]: `object!{ "id": 1, "name": "x" }`.
#[macro_export]
macro_rules! object {
    ($($name:literal : $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::core::json::Map::new();
        $(map.insert($name, $crate::core::json::Value::from($value));)*
        $crate::core::json::Value::Object(map)
    }};
}
pub use crate::object;

impl Map {
    pub fn new() -> Map {
        Map(Vec::new())
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, replacing (in place) a member of that name.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(member) => member.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(n, v)| (n, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(n, _)| n)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(items: I) -> Map {
        let mut map = Map::new();
        items.into_iter().for_each(|(n, v)| map.insert(n, v));
        map
    }
}

impl Value {
    /// A member of an object; `None` for a missing one or a non-object.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_object()?.get(name)
    }

    /// A value inside nested objects by a JSON Pointer of member names
    /// (`/error/message`); array indexes are not needed here.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        pointer
            .strip_prefix('/')?
            .split('/')
            .try_fold(self, |value, name| value.get(name))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// A number, or a string holding one (`"3600"`, `" 1.5 "`): vendors
    /// write seconds either way.
    pub fn as_f64_or_numeric_string(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => parse_decimal(s.trim()),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The value as compact JSON text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (name, value)) in map.0.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(name, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads a JSON text; `None` when it is not exactly one JSON value
/// (whitespace around it aside).
pub fn parse(text: &str) -> Option<Value> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.skip_space();
    (reader.at == reader.bytes.len()).then_some(value)
}

/// [`parse`] of bytes that must be UTF-8 (a decoded JWT payload).
pub fn parse_bytes(bytes: &[u8]) -> Option<Value> {
    parse(std::str::from_utf8(bytes).ok()?)
}

struct Reader<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_space();
        match self.peek()? {
            b'n' => self.eat(b"null").map(|_| Value::Null),
            b't' => self.eat(b"true").map(|_| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|_| Value::Bool(false)),
            b'"' => self.string().map(Value::String),
            b'[' if depth < MAX_DEPTH => {
                self.at += 1;
                let mut items = Vec::new();
                self.members(b']', |reader| {
                    items.push(reader.value(depth + 1)?);
                    Some(())
                })?;
                Some(Value::Array(items))
            }
            b'{' if depth < MAX_DEPTH => {
                self.at += 1;
                let mut map = Map::new();
                self.members(b'}', |reader| {
                    reader.skip_space();
                    let name = reader.string()?;
                    reader.skip_space();
                    reader.eat(b":")?;
                    map.insert(name, reader.value(depth + 1)?);
                    Some(())
                })?;
                Some(Value::Object(map))
            }
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => None,
        }
    }

    /// The members of an array or object up to `close`, each read by `read`,
    /// separated by commas (no trailing comma).
    fn members(&mut self, close: u8, mut read: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.skip_space();
        if self.peek() == Some(close) {
            self.at += 1;
            return Some(());
        }
        loop {
            read(self)?;
            self.skip_space();
            match self.next()? {
                b',' => {}
                c if c == close => return Some(()),
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            (self.digits() > 0).then_some(())?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut code = 0;
        for _ in 0..4 {
            code = code * 16 + (self.next()? as char).to_digit(16)?;
        }
        Some(code)
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b"\"")?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                self.eat(b"\\u")?;
                                let low = self.hex4()?;
                                (0xDC00..0xE000).contains(&low).then_some(())?;
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1F => return None,
                byte => out.push(byte),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn decimals_read_as_the_correctly_rounded_f64_in_the_exact_range() {
        for text in [
            "0",
            "-0",
            "12",
            "3600",
            "-1.5",
            "0.1",
            "1795392000",
            "1795392000.123",
            "3.6e3",
            "1E+5",
            "2.5e-3",
            "9007199254740991",
            "1e22",
            "1e-22",
        ] {
            assert_eq!(parse_decimal(text), text.parse::<f64>().ok(), "{text}");
        }
        assert_eq!(parse_decimal("+.5"), Some(0.5));
        assert_eq!(parse_decimal("5."), Some(5.0));
    }

    #[test]
    fn beyond_the_exact_range_decimals_stay_within_a_relative_1e_15() {
        for text in [
            "1.5e300",
            "4.9e-300",
            "2.5e-310",
            "123456789012345678901234567890",
            "123456789.987654321",
        ] {
            let (ours, exact) = (parse_decimal(text).unwrap(), text.parse::<f64>().unwrap());
            assert!(
                ((ours - exact) / exact).abs() < 1e-15,
                "{text}: {ours} vs {exact}"
            );
        }
        assert_eq!(parse_decimal("1e999"), Some(f64::INFINITY));
        assert_eq!(parse_decimal("1e-999"), Some(0.0));
    }

    #[test]
    fn non_numbers_are_refused() {
        for text in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "12a", "inf", "NaN", " 1", "0x10",
        ] {
            assert_eq!(parse_decimal(text), None, "{text:?}");
        }
    }
}
