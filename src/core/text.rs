//! Substring search and replace over bytes.
//!
//! Why not `str::find(&str)` / `str::replace(&str, …)`: std's two-way
//! searcher carries a checked slice whose panic message formats chars with
//! `Debug`, which links core's Unicode printability tables: 8.7 kB of wasm
//! (5.1 kB gzipped; `memchr::memmem` instead: 3.6 kB gzipped) for the three
//! places the library looks for a substring. The texts searched here are
//! short (messages, URLs), so a plain scan is enough. The README's
//! "Dependencies and why" has the figures; tests/deps_differential.rs checks
//! this module against std.

/// The byte offset of the first `needle` in `text`. A match always starts
/// and ends on char boundaries: UTF-8 never matches inside a character.
pub fn find(text: &str, needle: &str) -> Option<usize> {
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    (0..=text.len().checked_sub(needle.len())?).find(|&at| text[at..].starts_with(needle))
}

/// `text` with every `needle` (non-empty) replaced by `with`.
pub fn replace_all(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, needle) {
        let (before, after) = rest.split_at_checked(at).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(with);
        rest = after.get(needle.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_occurrence_on_a_char_boundary() {
        assert_eq!(find("a://b://", "://"), Some(1));
        assert_eq!(find("Zūm://", "://"), Some(4));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("", ""), Some(0));
        assert_eq!(find("abc", "x"), None);
    }

    #[test]
    fn replaces_every_occurrence_and_keeps_the_rest() {
        assert_eq!(
            replace_all("s3cr3t and s3cr3t.", "s3cr3t", "[x]"),
            "[x] and [x]."
        );
        assert_eq!(replace_all("ūūū", "ū", "u"), "uuu");
        assert_eq!(replace_all("aaa", "aa", "b"), "ba");
        assert_eq!(replace_all("none", "", "b"), "none");
        assert_eq!(replace_all("", "x", "b"), "");
    }
}
