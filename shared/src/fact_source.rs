//! [`FactSource`]: where a fact about a model or profile comes from, live or offline.

use serde::{Deserialize, Serialize};

/// Where a catalog entry's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactSource {
    /// Fetched from Bedrock in this region (see `fetched_at`).
    Live,
    /// The offline catalog compiled into the binary (AWS's documentation).
    Offline,
}
