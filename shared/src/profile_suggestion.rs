//! [`ProfileSuggestion`]: a profile a model could be bound to in one region, ranked, with the
//! reason for its rank. Made by the server from live discovery and the offline catalog.

use serde::{Deserialize, Serialize};

use crate::fact_source::FactSource;

/// What kind of profile a suggestion is; also the order suggestions are ranked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileSuggestionKind {
    /// A system profile of the region's geography (`us.`, `eu.`, `apac.`, …).
    Geo,
    /// A `global.` system profile.
    Global,
    /// An application inference profile of the account.
    Application,
}

/// A profile to bind a model to, for one source region, with the reason for its rank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSuggestion {
    /// The value to bind: the profile id discovered in the region, or an application profile's
    /// ARN (application profiles can only be called by ARN).
    pub profile: String,
    /// The profile's ARN in the region, when known.
    #[serde(default)]
    pub arn: Option<String>,
    /// Geo, global or application.
    pub kind: ProfileSuggestionKind,
    /// 1 for the best suggestion.
    pub rank: u32,
    /// Why this profile, in a sentence fragment ("keeps requests in the US: routes to …").
    pub reason: String,
    /// Discovered live in the region, or only named by the offline catalog.
    pub source: FactSource,
}
