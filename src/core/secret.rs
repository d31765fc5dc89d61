//! Secrets: passwords, tokens, refresh tokens, application tokens, keys.

use core::fmt;

/// A credential or a token.
///
/// Security: `Debug` prints `Secret([redacted])`, so a secret never reaches a
/// log line, an error message or a panic message through `{:?}`. The only way
/// to read the value is [`Secret::expose`], which makes every use greppable.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call it only where the value must leave the library:
    /// a request to the vendor, the store entry, or `getToken`'s result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}
