//! The library's own JSON reader and writer (`core::json`), checked against
//! serde_json: over a hand-written corpus of valid and invalid texts (and
//! every prefix and one-byte deletion of it), our `parse` accepts exactly
//! what serde_json accepts, reads the same value, and `parse(encode(v)) == v`.
//!
//! Documented differences (each has its own test below):
//!
//! * Nesting: we accept 128 nested arrays/objects and refuse 129
//!   (`MAX_DEPTH` = 128); serde_json accepts 127 and refuses 128 ("recursion
//!   limit exceeded"). A text exactly 128 deep is ours only.
//! * Numbers beyond the f64 range (`1e400`, `-1e400`, a 400-digit integer,
//!   and at its very edge `1.7976931348623158e308`): we keep them (as
//!   `JSON.parse` does, giving ±Infinity); serde_json refuses them ("number
//!   out of range").
//!
//! Lone surrogates (`"\ud800"`, `"\udc00"`) are refused by both.

mod common;

use common::Rng;
use serde_json::Value as Serde;
use vendor_auth::core::json::{
    int_text, object, parse, parse_bytes, Map, Number, Value, MAX_DEPTH,
};

/// Texts both readers accept.
const VALID: &[&str] = &[
    // literals
    "null",
    "true",
    "false",
    // numbers
    "0",
    "-0",
    "1",
    "-1",
    "0.0",
    "-0.0",
    "10.25",
    "1e5",
    "1E5",
    "1e+5",
    "1E+5",
    "1e-5",
    "1E-5",
    "-1.5e-3",
    "0e0",
    "0E-0",
    "3600",
    "3600.0",
    "3.6e3",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "0e99999999999999999999",
    "0.1",
    "0.30000000000000004",
    // strings
    r#""""#,
    r#""a""#,
    r#""\"\\\/\b\f\n\r\t""#,
    r#""\u0000""#,
    r#""\u001f""#,
    r#""\u001F""#,
    r#""\u0041\u0062""#,
    r#""\u00e9""#,
    r#""\u00C9""#,
    r#""\u2028\u2029""#,
    r#""\uffff""#,
    r#""\ud83d\ude00""#,
    r#""\uD83D\uDE00""#,
    r#""\ud800\udc00""#,
    r#""\udbff\udfff""#,
    "\"é😀\u{7f}\u{80}\u{2028}\"",
    r#""a/b""#,
    r#""x\u0000y""#,
    // arrays and objects
    "[]",
    "{}",
    "[ ]",
    "{ }",
    "[1,2,3]",
    "[null,true,false,0,\"\",[],{}]",
    r#"{"a":1,"b":[true,false,null],"c":"x"}"#,
    r#"{"a":{"b":[1,{"c":null}]}}"#,
    r#"{"":0}"#,
    r#"{"\u0000":"\n"}"#,
    r#"{"é":"😀"}"#,
    "[[[]]]",
    r#"[{"a":[{"b":{}}]}]"#,
    // whitespace (space, tab, newline, carriage return only)
    " 1",
    "1 ",
    " \t\n\r[ 1 , 2 ]\r\n\t ",
    "{ \"a\" : 1 , \"b\" :\n[ ] }",
    "\n\"x\"\n",
    // a repeated name: the last value wins, in both
    r#"{"a":1,"a":2}"#,
    r#"{"a":1,"b":2,"a":3}"#,
    r#"{"a":{"x":1},"a":[]}"#,
];

/// Texts both readers refuse.
const INVALID: &[&str] = &[
    // empty and whitespace only
    "",
    " ",
    "\n\t\r",
    // not JSON whitespace: form feed, vertical tab, NBSP, BOM
    "\u{c}1",
    "\u{b}1",
    "\u{a0}1",
    "\u{feff}1",
    // literals
    "nul",
    "tru",
    "fals",
    "Null",
    "TRUE",
    "nulll",
    "NaN",
    "Infinity",
    "-Infinity",
    "undefined",
    // numbers
    "01",
    "-01",
    "00",
    "1.",
    "-1.",
    ".5",
    "-.5",
    "1.e5",
    "+1",
    "+0",
    "-",
    "--1",
    "- 1",
    "1e",
    "1e+",
    "1e-",
    "1E",
    "1.5.2",
    "1e5e5",
    "0x10",
    "1_000",
    // strings
    "\"",
    "\"abc",
    "'a'",
    r#""\a""#,
    r#""\x41""#,
    r#""\U0041""#,
    r#""\u12""#,
    r#""\u12G4""#,
    r#""\u""#,
    r#""\""#,
    "\"\\\"",
    // lone surrogates, and pairs in the wrong order or broken
    r#""\ud800""#,
    r#""\udc00""#,
    r#""\uDFFF""#,
    r#""\ud800x""#,
    r#""\ud800\u0041""#,
    r#""\ud800\ud800""#,
    r#""\udc00\ud800""#,
    r#""\ud800\n""#,
    r#""\ud800\""#,
    r#""\ud800\udc0""#,
    // raw control characters in strings
    "\"\t\"",
    "\"\n\"",
    "\"\r\"",
    "\"\u{0}\"",
    "\"\u{1f}\"",
    // arrays and objects
    "[",
    "]",
    "{",
    "}",
    "[1",
    "[1,",
    "[1,]",
    "[,1]",
    "[,]",
    "[1 2]",
    "[1;2]",
    "{\"a\"}",
    "{\"a\" 1}",
    "{\"a\":}",
    "{\"a\":1,}",
    "{,\"a\":1}",
    "{\"a\":1 \"b\":2}",
    "{1:2}",
    "{a:1}",
    "{'a':1}",
    "{null:1}",
    "[}",
    "{]",
    // trailing garbage
    "1 2",
    "{}x",
    "[]]",
    "{}}",
    "nullx",
    "truefalse",
    "\"a\"\"b\"",
    "[] []",
    "1,",
    "0 0",
    // comments
    "/* */1",
    "1 // c",
];

/// Numbers we keep and serde_json refuses ("number out of range").
const BEYOND_F64: &[&str] = &[
    "1e400",
    "-1e400",
    "1E309",
    "1.8e308",
    "1.7976931348623158e308",
    "1e99999999999999999999",
    "[1e400]",
    r#"{"exp":1e400}"#,
];

fn serde(text: &str) -> Result<Serde, serde_json::Error> {
    serde_json::from_str(text)
}

/// How a text relates to the two readers; panics when they disagree beyond
/// the documented differences. Returns whether we accepted it.
fn agree(text: &str) -> bool {
    let ours = parse(text);
    let theirs = serde(text);
    match (&ours, &theirs) {
        (Some(ours), Ok(theirs)) => {
            let encoded = ours.encode();
            let back = serde(&encoded).unwrap_or_else(|e| {
                panic!("{text:?} encoded as {encoded:?}, which serde_json refuses: {e}")
            });
            assert_eq!(&back, theirs, "{text:?}: ours encodes as {encoded:?}");
            assert_eq!(
                parse(&encoded).as_ref(),
                Some(ours),
                "{text:?}: parse(encode(v)) != v"
            );
            true
        }
        (None, Err(_)) => false,
        (Some(ours), Err(e)) => {
            let documented = (e.to_string().starts_with("number out of range")
                && has_number_beyond_f64(ours))
                || (e.to_string().starts_with("recursion limit exceeded")
                    && depth(ours) == MAX_DEPTH);
            assert!(
                documented,
                "{text:?}: ours reads {ours:?}, serde_json refuses: {e}"
            );
            true
        }
        (None, Ok(theirs)) => {
            panic!("{text:?}: ours refuses, serde_json reads {theirs:?}")
        }
    }
}

/// Whether a number in `value` is at or beyond the edge of the f64 range (by
/// std's correctly rounded reading; serde_json's is not exact near f64::MAX).
fn has_number_beyond_f64(value: &Value) -> bool {
    match value {
        Value::Number(n) => n
            .as_text()
            .parse::<f64>()
            .is_ok_and(|x| x.abs() >= f64::MAX * (1.0 - 1e-14)),
        Value::Array(items) => items.iter().any(has_number_beyond_f64),
        Value::Object(map) => map.values().any(has_number_beyond_f64),
        _ => false,
    }
}

/// Nesting depth: 0 for a scalar, 1 for `[]`.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn arrays(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

fn objects(levels: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(levels), "}".repeat(levels))
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn number(text: &str) -> Number {
    Number::from_text(text).unwrap_or_else(|| panic!("{text:?} is a JSON number"))
}

#[test]
fn valid_texts_are_read_as_serde_json_reads_them() {
    for text in VALID {
        assert!(serde(text).is_ok(), "corpus: serde_json refuses {text:?}");
        assert!(agree(text), "ours refuses {text:?}");
    }
}

#[test]
fn invalid_texts_are_refused_as_serde_json_refuses_them() {
    for text in INVALID {
        assert!(serde(text).is_err(), "corpus: serde_json reads {text:?}");
        assert!(!agree(text), "ours reads {text:?}");
    }
}

#[test]
fn every_prefix_and_one_byte_deletion_of_the_corpus_agrees_with_serde_json() {
    let mut texts = 0;
    for text in VALID.iter().chain(INVALID).chain(BEYOND_F64) {
        let bytes = text.as_bytes();
        let mut variants: Vec<Vec<u8>> = (0..bytes.len()).map(|n| bytes[..n].to_vec()).collect();
        for skip in 0..bytes.len() {
            let mut v = bytes.to_vec();
            v.remove(skip);
            variants.push(v);
        }
        for variant in variants {
            if let Ok(variant) = std::str::from_utf8(&variant) {
                agree(variant);
                texts += 1;
            }
        }
    }
    assert!(texts > 2000, "only {texts} variants");
}

#[test]
fn numbers_beyond_the_f64_range_are_kept_though_serde_json_refuses_them() {
    for text in BEYOND_F64 {
        let e = serde(text).expect_err(text);
        assert!(
            e.to_string().starts_with("number out of range"),
            "{text:?}: {e}"
        );
        let ours = parse(text).unwrap_or_else(|| panic!("ours refuses {text:?}"));
        assert!(has_number_beyond_f64(&ours), "{text:?}");
        assert_eq!(parse(&ours.encode()), Some(ours.clone()));
        agree(text);
    }
    let huge = format!("1{}", "0".repeat(400));
    assert!(serde(&huge).is_err());
    assert_eq!(parse(&huge).and_then(|v| v.as_f64()), Some(f64::INFINITY));
    assert_eq!(
        parse("-1e400").and_then(|v| v.as_f64()),
        Some(f64::NEG_INFINITY)
    );
}

#[test]
fn nesting_128_deep_is_read_and_129_refused() {
    assert_eq!(MAX_DEPTH, 128);
    for text in [arrays(128), objects(128), format!("[{}]", objects(127))] {
        let value = parse(&text).expect("128 levels");
        assert_eq!(depth(&value), 128);
        assert_eq!(parse(&value.encode()), Some(value));
    }
    for text in [arrays(129), objects(129), format!("[{}]", objects(128))] {
        assert_eq!(parse(&text), None, "129 levels");
    }
    // Far beyond the limit: refused, not a stack overflow.
    assert_eq!(parse(&"[".repeat(100_000)), None);
    assert_eq!(parse(&r#"{"a":"#.repeat(100_000)), None);
}

#[test]
fn serde_json_refuses_nesting_one_level_earlier_at_128() {
    for levels in 1..=127 {
        for text in [arrays(levels), objects(levels)] {
            assert!(serde(&text).is_ok(), "serde_json, {levels} levels");
            assert!(agree(&text));
        }
    }
    for text in [arrays(128), objects(128)] {
        let e = serde(&text).expect_err("serde_json at 128 levels");
        assert!(e.to_string().starts_with("recursion limit exceeded"), "{e}");
        assert!(parse(&text).is_some());
        agree(&text);
    }
    for text in [arrays(129), objects(129)] {
        assert!(serde(&text).is_err());
        assert!(!agree(&text));
    }
}

#[test]
fn lone_surrogates_are_refused_by_both() {
    for code in [0xD800u32, 0xDBFF, 0xDC00, 0xDFFF] {
        for text in [
            format!(r#""\u{code:04x}""#),
            format!(r#""\u{code:04X}""#),
            format!(r#""a\u{code:04x}b""#),
            format!(r#"{{"\u{code:04x}":1}}"#),
        ] {
            assert_eq!(parse(&text), None, "{text}");
            assert!(serde(&text).is_err(), "{text}");
        }
    }
}

#[test]
fn surrogate_pairs_decode_to_one_character() {
    assert_eq!(parse(r#""\ud83d\ude00""#), Some(string("😀")));
    assert_eq!(parse(r#""\uD83D\uDE00""#), Some(string("😀")));
    assert_eq!(parse(r#""\ud800\udc00""#), Some(string("\u{10000}")));
    assert_eq!(parse(r#""\udbff\udfff""#), Some(string("\u{10FFFF}")));
    assert_eq!(parse(r#""x\ud83d\ude00y""#), Some(string("x😀y")));
}

#[test]
fn every_escape_decodes() {
    assert_eq!(
        parse(r#""\"\\\/\b\f\n\r\t""#),
        Some(string("\"\\/\u{8}\u{c}\n\r\t"))
    );
    assert_eq!(parse(r#""\u0041\u00e9\u00C9\u20ac""#), Some(string("AéÉ€")));
    for code in 0..0x80u32 {
        let text = format!(r#""\u{code:04x}""#);
        let c = char::from_u32(code).unwrap();
        assert_eq!(parse(&text), Some(string(&c.to_string())), "{text}");
        assert!(agree(&text));
    }
    for c in b"acdeghijklmopqsvwxyz0'` UBN".iter().copied() {
        let text = format!(r#""\{}""#, c as char);
        assert_eq!(parse(&text), None, "{text}");
        assert!(!agree(&text));
    }
}

#[test]
fn raw_control_characters_in_strings_are_refused_and_escaped_ones_read() {
    for code in 0..0x20u8 {
        let raw = format!("\"{}\"", code as char);
        assert_eq!(parse(&raw), None, "raw {code:#04x}");
        assert!(!agree(&raw));
        let escaped = format!("\"\\u{code:04x}\"");
        assert_eq!(parse(&escaped), Some(string(&(code as char).to_string())));
        assert!(agree(&escaped));
    }
    // DEL is not a control character to JSON.
    assert_eq!(parse("\"\u{7f}\""), Some(string("\u{7f}")));
}

#[test]
fn encoded_strings_escape_control_characters_and_read_back_exactly() {
    let all_ascii: String = (0..0x80u8).map(char::from).collect();
    let samples = [
        all_ascii.as_str(),
        "",
        "é😀\u{2028}\u{2029}\u{feff}\u{fffd}\u{10ffff}",
        "\"\\/",
        "a\u{0}b",
    ];
    for s in samples {
        let value = string(s);
        let encoded = value.encode();
        assert!(
            !encoded[1..encoded.len() - 1]
                .chars()
                .any(|c| (c as u32) < 0x20),
            "{encoded:?}"
        );
        assert_eq!(
            serde(&encoded).unwrap(),
            Serde::String(s.to_owned()),
            "{encoded:?}"
        );
        assert_eq!(parse(&encoded), Some(value.clone()));
        // As a member name too.
        let mut map = Map::new();
        map.insert(s, value.clone());
        let object = Value::Object(map);
        assert_eq!(parse(&object.encode()), Some(object.clone()));
        assert!(agree(&object.encode()));
    }
    assert_eq!(string("\u{1}\n\t\"\\").encode(), r#""\u0001\n\t\"\\""#);
}

#[test]
fn only_space_tab_newline_and_return_are_whitespace() {
    for ws in [" ", "\t", "\n", "\r"] {
        for text in [
            format!("{ws}1{ws}"),
            format!("[{ws}1{ws},{ws}2{ws}]"),
            format!("{{{ws}\"a\"{ws}:{ws}1{ws}}}"),
        ] {
            assert!(parse(&text).is_some(), "{text:?}");
            assert!(agree(&text));
        }
    }
    for ws in ["\u{c}", "\u{b}", "\u{a0}", "\u{2028}", "\u{feff}", "\u{0}"] {
        for text in [format!("{ws}1"), format!("1{ws}"), format!("[1{ws}]")] {
            assert_eq!(parse(&text), None, "{text:?}");
            assert!(!agree(&text));
        }
    }
}

#[test]
fn trailing_garbage_is_refused() {
    for text in [
        "1 2",
        "{}x",
        "[]]",
        "nullx",
        "truefalse",
        "\"a\"b",
        "1.5.2",
        "0 0",
        "1,",
        "{} {}",
    ] {
        assert_eq!(parse(text), None, "{text:?}");
        assert!(serde(text).is_err(), "{text:?}");
    }
}

#[test]
fn parse_bytes_refuses_what_is_not_utf8() {
    let invalid: &[&[u8]] = &[
        b"\xff",
        b"\"\xff\"",
        b"\"\xc3\"",
        b"\"\xc3(\"",
        b"\"\xed\xa0\x80\"",
        b"\"\xc0\xaf\"",
        b"\"\xf4\x90\x80\x80\"",
        b"[1]\xff",
        b"\xef\xbb\xbf1",
        b"{\"a\xfe\":1}",
        b"[\"ok\",\"\x80\"]",
    ];
    for bytes in invalid {
        assert_eq!(parse_bytes(bytes), None, "{bytes:?}");
        assert!(serde_json::from_slice::<Serde>(bytes).is_err(), "{bytes:?}");
    }
    assert_eq!(parse_bytes(b"\"\xc3\xa9\""), Some(string("é")));
    assert_eq!(
        parse_bytes("{\"😀\":[1]}".as_bytes()),
        parse("{\"😀\":[1]}")
    );
    for text in VALID {
        assert_eq!(parse_bytes(text.as_bytes()), parse(text), "{text:?}");
    }
    for text in INVALID {
        assert_eq!(parse_bytes(text.as_bytes()), None, "{text:?}");
    }
}

#[test]
fn a_repeated_name_keeps_the_last_value_in_the_first_place() {
    let value = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(value.encode(), r#"{"a":3,"b":2}"#);
    assert_eq!(
        serde(&value.encode()).unwrap(),
        serde(r#"{"a":1,"b":2,"a":3}"#).unwrap()
    );
    assert_eq!(value.as_object().unwrap().len(), 2);
    assert!(agree(r#"{"a":{"x":1},"a":[]}"#));
    assert_eq!(
        parse(r#"{"a":{"x":1},"a":[]}"#).unwrap().get("a"),
        Some(&Value::Array(vec![]))
    );
}

#[test]
fn numbers_keep_their_text_through_encode() {
    for text in [
        "-0",
        "0.0",
        "1E+5",
        "1e-5",
        "3.6e3",
        "3600.0",
        "18446744073709551616",
        "1e400",
        "0e99999999999999999999",
    ] {
        let value = parse(text).unwrap();
        assert_eq!(value.encode(), text);
        assert_eq!(value.as_number().unwrap().as_text(), text);
    }
    // So "1" and "1.0" are different numbers (as in serde_json).
    assert_ne!(parse("1"), parse("1.0"));
    assert_ne!(serde("1").unwrap(), serde("1.0").unwrap());
}

#[test]
fn number_as_u64_reads_only_whole_numbers_in_range() {
    assert_eq!(number("3600").as_u64(), Some(3600));
    assert_eq!(number("0").as_u64(), Some(0));
    assert_eq!(number("18446744073709551615").as_u64(), Some(u64::MAX));
    for text in [
        "3600.0",
        "3.6e3",
        "36e2",
        "-5",
        "-0",
        "18446744073709551616",
        "1e400",
        "0.5",
    ] {
        assert_eq!(number(text).as_u64(), None, "{text}");
    }
}

#[test]
fn number_as_i64_reads_only_whole_numbers_in_range() {
    assert_eq!(number("-5").as_i64(), Some(-5));
    assert_eq!(number("3600").as_i64(), Some(3600));
    assert_eq!(number("-0").as_i64(), Some(0));
    assert_eq!(number("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(number("9223372036854775807").as_i64(), Some(i64::MAX));
    for text in [
        "9223372036854775808",
        "-9223372036854775809",
        "3600.0",
        "-5e0",
        "1E3",
    ] {
        assert_eq!(number(text).as_i64(), None, "{text}");
    }
}

#[test]
fn number_as_f64_reads_every_number() {
    assert_eq!(number("3600.0").as_f64(), Some(3600.0));
    assert_eq!(number("3600").as_f64(), Some(3600.0));
    assert_eq!(number("3.6e3").as_f64(), Some(3600.0));
    assert_eq!(number("1E+5").as_f64(), Some(100_000.0));
    assert_eq!(number("-1.5e-3").as_f64(), Some(-0.0015));
    assert_eq!(number("1795392000.123").as_f64(), Some(1_795_392_000.123));
    assert_eq!(number("1e-400").as_f64(), Some(0.0));
    assert!(number("-0").as_f64().unwrap().is_sign_negative());
    assert_eq!(number("1e400").as_f64(), Some(f64::INFINITY));
    assert_eq!(number("-1e400").as_f64(), Some(f64::NEG_INFINITY));
    assert_eq!(number("0e99999999999999999999").as_f64(), Some(0.0));
    let big = number("18446744073709551616").as_f64().unwrap();
    assert!((big - 18446744073709551616.0).abs() <= 18446744073709551616.0 * 1e-15);
}

/// Deterministic decimal texts: `digits` significant digits (no leading
/// zero) and an exponent from `exponents`.
fn sampled_decimals(count: usize, max_digits: u64, exponents: std::ops::Range<i64>) -> Vec<String> {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut next = move || rng.next();
    let span = (exponents.end - exponents.start) as u64;
    (0..count)
        .map(|_| {
            let digits = 1 + next() % max_digits;
            let mantissa: String = (0..digits)
                .map(|i| char::from(b'0' + (next() % 9) as u8 + u8::from(i == 0)))
                .collect();
            let exponent = exponents.start + (next() % span) as i64;
            match next() % 3 {
                0 => format!("{mantissa}e{exponent}"),
                1 => format!("-{mantissa}E{exponent:+}"),
                _ => format!("{}.{}e{exponent}", &mantissa[..1], &mantissa[1..]).replace(".e", "e"),
            }
        })
        .collect()
}

#[test]
fn number_as_f64_is_correctly_rounded_within_15_digits_and_exponents_of_22() {
    // json.rs: exact when the digits fit in 2^53 and the exponent (after the
    // digits are taken as an integer) is within ±22.
    for text in sampled_decimals(50_000, 15, -7..8) {
        assert_eq!(number(&text).as_f64(), text.parse::<f64>().ok(), "{text}");
    }
    for text in [
        "0.1",
        "0.2",
        "0.3",
        "1e22",
        "1e-22",
        "9007199254740991",
        "2.5e-3",
        "123.456",
    ] {
        assert_eq!(number(text).as_f64(), text.parse::<f64>().ok(), "{text}");
    }
}

#[test]
fn number_as_f64_stays_within_a_relative_1e_15_of_every_normal_f64() {
    // Beyond the exact range the steps of 10^22 may move the result: up to
    // 7 ULPs measured (`82883e-284` reads 8.288299999999994e-280), which the
    // json.rs comment calls "off in the last bit".
    let mut checked = 0;
    for text in sampled_decimals(50_000, 19, -320..300) {
        let exact: f64 = text.parse().unwrap();
        if exact.abs() < f64::MIN_POSITIVE || exact.is_infinite() {
            continue;
        }
        let ours = number(&text).as_f64().unwrap();
        assert!(
            ((ours - exact) / exact).abs() < 1e-15,
            "{text}: {ours} vs {exact}"
        );
        checked += 1;
    }
    assert!(checked > 40_000);
    for text in [
        "1.7976931348623157e308",
        "2.2250738585072014e-308",
        "17976931348623157.9e292",
    ] {
        let (ours, exact) = (number(text).as_f64().unwrap(), text.parse::<f64>().unwrap());
        assert!(
            ((ours - exact) / exact).abs() < 1e-15,
            "{text}: {ours} vs {exact}"
        );
    }
}

/// The steps of 10^22 in `parse_decimal` can round a number just under
/// f64::MAX past it; such numbers (below 10^309) saturate to f64::MAX, and
/// from 10^309 they are infinite. serde_json refuses all of these.
#[test]
fn numbers_just_below_f64_max_read_as_f64_max_and_from_1e309_as_infinity() {
    for text in ["179769313486231570000e288", "1.7976931348623158e308"] {
        let exact: f64 = text.parse().unwrap();
        assert_eq!(exact, f64::MAX);
        assert_eq!(number(text).as_f64(), Some(f64::MAX), "{text}");
    }
    assert_eq!(
        number("-179769313486231570000e288").as_f64(),
        Some(-f64::MAX)
    );
    assert_eq!(number("1e309").as_f64(), Some(f64::INFINITY));
    assert_eq!(number("10e308").as_f64(), Some(f64::INFINITY));
}

#[test]
fn number_from_text_accepts_exactly_a_json_number() {
    for text in [
        "0",
        "-0",
        "1",
        "-1.5e-3",
        "1E+5",
        "18446744073709551616",
        "1e400",
    ] {
        assert_eq!(
            Number::from_text(text).map(|n| n.as_text().to_owned()),
            Some(text.to_owned())
        );
    }
    for text in [
        "", "-", "01", "1.", ".5", "+1", " 1", "1 ", "1e", "0x1", "NaN", "1,", "\"1\"", "1.5.2",
        "--1",
    ] {
        assert_eq!(Number::from_text(text), None, "{text:?}");
    }
}

#[test]
fn int_text_writes_zero_minus_one_and_the_i64_extremes() {
    assert_eq!(int_text(0), "0");
    assert_eq!(int_text(-1), "-1");
    assert_eq!(int_text(i64::MIN), "-9223372036854775808");
    assert_eq!(int_text(i64::MAX), "9223372036854775807");
    for n in [
        1,
        9,
        10,
        -10,
        99,
        100,
        1_795_392_000_000,
        i64::MIN + 1,
        i64::MAX - 1,
    ] {
        assert_eq!(int_text(n), n.to_string());
        assert_eq!(
            Number::from_text(&int_text(n)).and_then(|n| n.as_i64()),
            Some(n)
        );
    }
}

#[test]
fn integers_convert_to_numbers_and_u64_above_i64_max_saturates() {
    assert_eq!(Value::from(-7i64).encode(), "-7");
    assert_eq!(Value::from(7i32).encode(), "7");
    assert_eq!(Value::from(u32::MAX).encode(), "4294967295");
    assert_eq!(Value::from(u16::MAX).encode(), "65535");
    assert_eq!(Value::from(i64::MAX as u64).encode(), "9223372036854775807");
    assert_eq!(Value::from(u64::MAX).encode(), "9223372036854775807");
    assert_eq!(Value::from(None::<i64>), Value::Null);
    assert_eq!(Value::from(Some("x")), string("x"));
}

#[test]
fn object_macro_keeps_member_order_and_the_last_value_of_a_repeated_name() {
    let value = object! { "b": 1, "a": "x", "c": true, "n": None::<i64> };
    assert_eq!(value.encode(), r#"{"b":1,"a":"x","c":true,"n":null}"#);
    let repeated = object! { "a": 1, "b": 2, "a": 3 };
    assert_eq!(repeated.encode(), r#"{"a":3,"b":2}"#);
    assert_eq!(object! {}.encode(), "{}");
    let nested = object! { "outer": object! { "inner": vec![Value::from(1), Value::Null] } };
    assert_eq!(nested.encode(), r#"{"outer":{"inner":[1,null]}}"#);
    assert_eq!(parse(&nested.encode()), Some(nested));
}

#[test]
fn map_insert_replaces_a_member_in_place_and_appends_a_new_one() {
    let mut map = Map::new();
    assert!(map.is_empty());
    map.insert("a", Value::from(1));
    map.insert("b", Value::from(2));
    map.insert(String::from("a"), Value::from(3));
    map.insert("c", Value::Null);
    assert_eq!(map.len(), 3);
    assert_eq!(
        map.keys().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert_eq!(map.get("a"), Some(&Value::from(3)));
    assert!(map.contains_key("c"));
    assert!(!map.contains_key("d"));
    assert_eq!(
        Value::Object(map.clone()).encode(),
        r#"{"a":3,"b":2,"c":null}"#
    );
    assert_eq!(map.remove("b"), Some(Value::from(2)));
    assert_eq!(map.remove("b"), None);
    assert_eq!(Value::Object(map).encode(), r#"{"a":3,"c":null}"#);
}

#[test]
fn map_from_iter_keeps_the_last_value_of_a_repeated_name() {
    let map: Map = [("a", 1), ("b", 2), ("a", 3)]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), Value::from(v)))
        .collect();
    assert_eq!(Value::Object(map).encode(), r#"{"a":3,"b":2}"#);
}

#[test]
fn maps_are_equal_with_the_same_members_in_any_order() {
    assert_eq!(parse(r#"{"a":1,"b":[2]}"#), parse(r#"{"b":[2],"a":1}"#));
    assert_eq!(object! { "a": 1, "b": 2 }, object! { "b": 2, "a": 1 });
    assert_ne!(object! { "a": 1, "b": 2 }, object! { "a": 1 });
    assert_ne!(object! { "a": 1 }, object! { "a": 1, "b": 2 });
    assert_ne!(object! { "a": 1 }, object! { "a": 2 });
    assert_ne!(object! { "a": 1 }, object! { "b": 1 });
    // Arrays keep their order.
    assert_ne!(parse("[1,2]"), parse("[2,1]"));
}

#[test]
fn pointer_follows_member_names() {
    let value =
        parse(r#"{"error":{"message":"no","status":{"id":3}},"":{"x":1},"list":[{"a":1}]}"#)
            .unwrap();
    assert_eq!(value.pointer("/error/message"), Some(&string("no")));
    assert_eq!(
        value.pointer("/error/status/id").and_then(Value::as_u64),
        Some(3)
    );
    assert_eq!(value.pointer("/error"), value.get("error"));
    assert_eq!(value.pointer("/error/missing"), None);
    assert_eq!(value.pointer("/error/message/deeper"), None);
    assert_eq!(value.pointer("//x"), Some(&Value::from(1)));
    assert_eq!(string("x").pointer("/a"), None);
}

#[test]
fn pointer_differs_from_rfc_6901_without_root_array_indexes_or_escapes() {
    let value = parse(r#"{"list":[{"a":1}],"a/b":1,"m~n":2}"#).unwrap();
    // RFC 6901 (and serde_json) read "" as the whole value; ours needs a '/'.
    assert_eq!(value.pointer(""), None);
    assert!(serde(&value.encode()).unwrap().pointer("").is_some());
    // No array indexes (documented: not needed).
    assert_eq!(value.pointer("/list/0/a"), None);
    // Names are taken literally: "~1" and "~0" are not unescaped.
    assert_eq!(value.pointer("/a~1b"), None);
    assert_eq!(value.pointer("/m~0n"), None);
    assert_eq!(value.pointer("/m~n"), Some(&Value::from(2)));
}

#[test]
fn encode_is_compact_and_keeps_member_order() {
    let text = " { \"z\" : [ 1 , { \"y\" : null } ] , \"a\" : \"\\u00e9\\/\" } ";
    assert_eq!(
        parse(text).unwrap().encode(),
        r#"{"z":[1,{"y":null}],"a":"é/"}"#
    );
}

// --- generated corpus ------------------------------------------------------

/// Characters the generated strings are made of: every kind `core::json`
/// treats differently (quote, backslash, slash, control characters, DEL,
/// two- three- and four-byte UTF-8, the line separators JavaScript once
/// refused, the BOM, the last scalar values around the surrogate range).
const STRING_CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    '\n',
    '\r',
    '\t',
    '\u{8}',
    '\u{c}',
    'é',
    'ü',
    '€',
    '\u{2028}',
    '\u{feff}',
    '\u{fffd}',
    '😀',
    '\u{10ffff}',
    '\u{d7ff}',
    '\u{e000}',
];

/// A JSON number text: optional sign, a zero or 1–20 digits, an optional
/// fraction and exponent (1 or 2 digits: always within the f64 range, whose
/// edge the hand-written corpus covers).
fn generated_number(rng: &mut Rng) -> String {
    let mut text = String::new();
    if rng.one_in(3) {
        text.push('-');
    }
    let digits = |rng: &mut Rng, n: u64| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    if rng.one_in(4) {
        text.push('0');
    } else {
        text.push(char::from(b'1' + rng.below(9) as u8));
        let more = rng.below(20);
        text.push_str(&digits(rng, more));
    }
    if rng.one_in(2) {
        text.push('.');
        let n = 1 + rng.below(18);
        text.push_str(&digits(rng, n));
    }
    if rng.one_in(3) {
        text.push(rng.pick(&['e', 'E']));
        text.push_str(rng.pick(&["", "+", "-"]));
        let n = 1 + rng.below(2);
        text.push_str(&digits(rng, n));
    }
    text
}

fn generated_string(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| rng.pick(STRING_CHARS)).collect()
}

/// `s` as a JSON string written every way RFC 8259 allows: each character
/// raw where it may be, or as its short escape, or as `\uXXXX` (either hex
/// case, a surrogate pair beyond the BMP).
fn written_string(rng: &mut Rng, s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' => Some("\\/"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        };
        let must_escape = matches!(c, '"' | '\\') || (c as u32) < 0x20;
        match rng.below(3) {
            0 if !must_escape => out.push(c),
            1 if short.is_some() => out.push_str(short.unwrap_or_default()),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let hex = format!("\\u{unit:04x}");
                    out.push_str(&if rng.one_in(2) {
                        hex.to_uppercase().replace("\\U", "\\u")
                    } else {
                        hex
                    });
                }
            }
        }
    }
    out.push('"');
}

fn space(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.below(3) {
        out.push(rng.pick(&[' ', '\t', '\n', '\r']));
    }
}

/// A valid JSON text, nested up to `depth` more levels, with whitespace
/// between tokens, every string writing and, when `repeat_names`, repeated
/// member names (a mutation can make a number beyond the f64 range, which
/// `agree` recognises only where no repeated name hides it).
fn generated_text(rng: &mut Rng, depth: u32, repeat_names: bool, out: &mut String) {
    space(rng, out);
    let kind = if depth == 0 {
        rng.below(4)
    } else {
        rng.below(6)
    };
    match kind {
        0 => out.push_str(rng.pick(&["null", "true", "false"])),
        1 => out.push_str(&generated_number(rng)),
        2 | 3 => {
            let s = generated_string(rng);
            written_string(rng, &s, out);
        }
        4 => {
            out.push('[');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                generated_text(rng, depth - 1, repeat_names, out);
            }
            space(rng, out);
            out.push(']');
        }
        _ => {
            out.push('{');
            let mut names: Vec<String> = Vec::new();
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                let name = match names.last() {
                    Some(last) if repeat_names && rng.one_in(4) => last.clone(),
                    _ => generated_string(rng),
                };
                written_string(rng, &name, out);
                names.push(name);
                space(rng, out);
                out.push(':');
                generated_text(rng, depth - 1, repeat_names, out);
            }
            space(rng, out);
            out.push('}');
        }
    }
    space(rng, out);
}

fn generated_texts(seed: u64, count: usize, repeat_names: bool) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let mut text = String::new();
            let depth = rng.below(5) as u32;
            generated_text(&mut rng, depth, repeat_names, &mut text);
            text
        })
        .collect()
}

#[test]
fn generated_texts_are_read_as_serde_json_reads_them() {
    let texts = generated_texts(0x5eed_0001, 4000, true);
    for text in &texts {
        assert!(agree(text), "a generated valid text was refused: {text:?}");
    }
    // The corpus really holds what it is for.
    let all = texts.concat();
    for part in [
        "\\u",
        "\\ud83d\\ude00",
        "\\/",
        "\\b",
        "e+",
        "E-",
        "\u{2028}",
        "😀",
        "{",
        "[",
    ] {
        assert!(
            all.to_lowercase().contains(&part.to_lowercase()),
            "no {part:?} in the corpus"
        );
    }
}

#[test]
fn mutated_generated_texts_are_refused_exactly_when_serde_json_refuses_them() {
    // Each text with one character deleted, inserted or replaced: the two
    // readers must agree on every one (up to the documented differences).
    const INSERTS: &[char] = &[
        '{', '}', '[', ']', ',', ':', '"', '\\', '0', '9', '-', '+', '.', 'e', 'u', 'n', ' ',
        '\u{1}', 'é',
    ];
    let mut rng = Rng::new(0x5eed_0002);
    let (mut accepted, mut refused) = (0, 0);
    for text in generated_texts(0x5eed_0003, 3000, false) {
        let mutated = rng.mutate(&text, INSERTS);
        if agree(&mutated) {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        accepted > 300 && refused > 300,
        "{accepted} accepted, {refused} refused"
    );
}

/// A value built in Rust and the same value as serde_json builds it.
fn generated_value(rng: &mut Rng, depth: u32) -> (Value, Serde) {
    match if depth == 0 {
        rng.below(3)
    } else {
        rng.below(5)
    } {
        0 => match rng.below(3) {
            0 => (Value::Null, Serde::Null),
            n => (Value::Bool(n == 1), Serde::Bool(n == 1)),
        },
        1 => loop {
            let text = generated_number(rng);
            if let Ok(theirs) = serde(&text) {
                break (Value::Number(number(&text)), theirs);
            }
        },
        2 => {
            let s = generated_string(rng);
            (Value::String(s.clone()), Serde::String(s))
        }
        3 => {
            let (ours, theirs) = (0..rng.below(5))
                .map(|_| generated_value(rng, depth - 1))
                .unzip();
            (Value::Array(ours), Serde::Array(theirs))
        }
        _ => {
            let (mut ours, mut theirs) = (Map::new(), serde_json::Map::new());
            for _ in 0..rng.below(5) {
                let name = generated_string(rng);
                let (o, t) = generated_value(rng, depth - 1);
                ours.insert(name.clone(), o);
                theirs.insert(name, t);
            }
            (Value::Object(ours), Serde::Object(theirs))
        }
    }
}

#[test]
fn generated_values_encode_as_serde_json_reads_them() {
    let mut rng = Rng::new(0x5eed_0004);
    for _ in 0..4000 {
        let depth = rng.below(5) as u32;
        let (ours, theirs) = generated_value(&mut rng, depth);
        let encoded = ours.encode();
        assert_eq!(serde(&encoded).ok(), Some(theirs), "{encoded:?}");
        assert_eq!(parse(&encoded), Some(ours), "{encoded:?}");
    }
}
