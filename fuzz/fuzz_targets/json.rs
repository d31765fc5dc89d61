//! The library's JSON reader and writer (`core::json`).
//!
//! Input: any bytes, read with `parse_bytes` (and, when UTF-8, `parse`, which
//! must agree). Properties beyond "no panic":
//!
//! * differential against serde_json (`fuzz_support::check_json_against_serde`):
//!   we accept exactly what serde_json accepts and read the same value (our
//!   encoding, read by serde_json, equals serde_json's reading of the input);
//!   the documented exceptions, which we accept and serde_json refuses, are
//!   numbers beyond the f64 range and nesting exactly 128 deep (serde_json's
//!   limit is 127);
//! * `parse(encode(v)) == v`, and `encode` is a fixed point (member order
//!   and number texts kept);
//! * nothing nests deeper than `MAX_DEPTH`;
//! * every number's text is a `Number::from_text`, and the whole input is one
//!   exactly when it parses to that number with no whitespace around;
//! * `pointer("/name")` is `get("name")` for every member name without `/`.
#![no_main]

use fuzz_support::{check_json_against_serde, depth};
use libfuzzer_sys::fuzz_target;
use vendor_auth::core::json::{parse, parse_bytes, Number, Value, MAX_DEPTH};

fn check_numbers(value: &Value) {
    match value {
        Value::Number(n) => {
            assert_eq!(Number::from_text(n.as_text()).as_ref(), Some(n));
            assert!(n.as_f64().is_some(), "as_f64 of {}", n.as_text());
            if let Some(u) = n.as_u64() {
                assert_eq!(n.as_i64(), i64::try_from(u).ok(), "{}", n.as_text());
            }
        }
        Value::Array(items) => items.iter().for_each(check_numbers),
        Value::Object(map) => map.values().for_each(check_numbers),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = parse_bytes(data);
    let text = std::str::from_utf8(data).ok();
    if let Some(text) = text {
        assert_eq!(parse(text), ours, "parse and parse_bytes disagree");
    } else {
        assert_eq!(ours, None, "parse_bytes read bytes that are not UTF-8");
    }

    check_json_against_serde(data, ours.as_ref());

    if let Some(value) = &ours {
        assert!(depth(value) <= MAX_DEPTH, "nested {} deep", depth(value));
        let encoded = value.encode();
        let again = parse(&encoded);
        assert_eq!(
            again.as_ref(),
            Some(value),
            "parse(encode(v)) != v: {encoded:?}"
        );
        assert_eq!(
            again.unwrap().encode(),
            encoded,
            "encode is not a fixed point"
        );
        check_numbers(value);
        if let Value::Object(map) = value {
            for name in map.keys().filter(|n| !n.contains('/')) {
                assert_eq!(value.pointer(&format!("/{name}")), map.get(name));
            }
        }
    }

    if let Some(text) = text {
        let number = Number::from_text(text);
        let whole = match &ours {
            Some(Value::Number(n)) if n.as_text() == text => Some(n.clone()),
            _ => None,
        };
        assert_eq!(number, whole, "Number::from_text({text:?})");
    }
});
