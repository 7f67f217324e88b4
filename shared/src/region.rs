//! [`Region`]: an AWS region name such as `us-east-1` or `us-gov-west-1`.

use std::fmt;
use std::str::FromStr;

/// An AWS region name: lowercase segments joined by `-`, the first two (or, for
/// `eusc-de-east-1`, four) letters long and the last a number (`us-east-1`, `ap-southeast-7`, `us-gov-west-1`, `us-isob-east-1`).
///
/// The shape is checked, not membership in a list, so regions AWS opens after our catalog
/// was written are still accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Region(String);

/// Why a text is not a region name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionError {
    /// The rejected text.
    pub input: String,
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a region name (expected something like `us-east-1`)", self.input)
    }
}

impl std::error::Error for RegionError {}

impl Region {
    /// The region name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` has the shape of a region name; [`Region::from_str`] without the allocation.
    pub fn is_valid(text: &str) -> bool {
        let mut segments = text.split('-');
        let Some(area) = segments.next() else { return false };
        let rest: Vec<&str> = segments.collect();
        let Some((number, middle)) = rest.split_last() else { return false };
        // Two letters for most regions, four for the European Sovereign Cloud's `eusc-de-east-1`
        // (partition `aws-eusc`); AWS's own pattern for the field is only `[a-z0-9-]{1,20}`.
        (2..=4).contains(&area.len())
            && area.bytes().all(|b| b.is_ascii_lowercase())
            && !middle.is_empty()
            && middle.iter().all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase()))
            && !number.is_empty()
            && number.len() <= 2
            && number.bytes().all(|b| b.is_ascii_digit())
            && text.len() <= 32
    }

    /// The partition the region belongs to (`aws`, `aws-us-gov`, `aws-cn`, `aws-iso`, `aws-iso-b`,
    /// `aws-eusc`).
    pub fn partition(&self) -> &'static str {
        let name = self.0.as_str();
        if name.starts_with("us-gov-") {
            "aws-us-gov"
        } else if name.starts_with("cn-") {
            "aws-cn"
        } else if name.starts_with("us-isob-") {
            "aws-iso-b"
        } else if name.starts_with("us-iso-") {
            "aws-iso"
        } else if name.starts_with("eusc-") {
            "aws-eusc"
        } else {
            "aws"
        }
    }
}

impl FromStr for Region {
    type Err = RegionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if Region::is_valid(text) { Ok(Region(text.to_owned())) } else { Err(RegionError { input: text.to_owned() }) }
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commercial_gov_and_iso_regions_are_accepted() {
        for name in [
            "us-east-1",
            "ap-southeast-7",
            "us-gov-west-1",
            "us-isob-east-1",
            "eu-central-2",
            "mx-central-1",
            "eusc-de-east-1",
        ] {
            assert!(name.parse::<Region>().is_ok(), "{name}");
        }
    }

    #[test]
    fn names_without_a_number_or_with_capitals_are_rejected() {
        for name in ["", "us-east", "US-EAST-1", "useast1", "us--1", "us-east-1a", "u-east-1", "us-east-123"] {
            assert!(name.parse::<Region>().is_err(), "{name}");
        }
    }

    #[test]
    fn the_partition_follows_the_region_prefix() {
        let partition = |name: &str| name.parse::<Region>().map(|r| r.partition());
        assert_eq!(partition("us-east-1"), Ok("aws"));
        assert_eq!(partition("us-gov-east-1"), Ok("aws-us-gov"));
        assert_eq!(partition("cn-north-1"), Ok("aws-cn"));
    }
}
