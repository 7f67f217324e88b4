//! [`Version`]: an opaque token naming one exact content of the binding file.

use std::fmt;

/// Names one exact content of the binding file, so a writer can say which content its edit
/// was made against. The server derives it from a hash of the bytes; clients only compare
/// and echo it (as an HTTP `ETag` / `If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Version(String);

impl Version {
    /// Wraps a token made by the server (a hex digest).
    pub fn from_token(token: impl Into<String>) -> Self {
        Version(token.into())
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
