//! [`Preset`]: the inference parameters a binding carries in an environment (`maxTokens`,
//! `temperature`, `topP`, `stopSequences`, `serviceTier`, `performanceConfig`,
//! `requestMetadata`), which AWS's inference profiles cannot carry.
//!
//! Presets live in the environment's settings, never in `inference.txt`, so TPipe reads the
//! file as before. Each field is a newtype that exists only within the range Bedrock's
//! Converse API accepts, and a [`PresetError`] names the field (as the JSON spells it) and
//! what is allowed, so the browser and the server refuse the same input with the same words.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A binding's inference parameters; every field is optional, and an empty preset is no preset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PresetFields", into = "PresetFields")]
pub struct Preset {
    /// The most tokens a response may have.
    pub max_tokens: Option<MaxTokens>,
    /// Sampling temperature.
    pub temperature: Option<Probability>,
    /// Nucleus sampling: the probability mass of the candidates considered.
    pub top_p: Option<Probability>,
    /// Texts that end the response.
    pub stop_sequences: Vec<StopSequence>,
    /// The service tier calls are made in.
    pub service_tier: Option<ServiceTier>,
    /// `performanceConfig.latency`.
    pub latency: Option<Latency>,
    /// Key/values AWS records in the invocation logs, for cost attribution.
    pub request_metadata: BTreeMap<MetadataKey, MetadataValue>,
}

impl Preset {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Preset::default()
    }
}

/// Why a preset is refused: the field, as its JSON name (`temperature`, `stopSequences[2]`,
/// `requestMetadata.team`), and what is allowed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetError {
    /// The field, as the JSON spells it.
    pub field: String,
    /// What is wrong, naming the allowed range or values.
    pub message: String,
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "preset field `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for PresetError {}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> PresetError {
    PresetError { field: field.into(), message: message.into() }
}

/// `maxTokens`: at least 1 (Converse's minimum) and at most [`MaxTokens::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxTokens(u32);

impl MaxTokens {
    /// No model on Bedrock answers with more than this; a larger value is a typo.
    pub const MAX: u32 = 1_000_000;

    /// The value, if it is in range.
    pub fn new(value: u32) -> Result<MaxTokens, PresetError> {
        if (1..=Self::MAX).contains(&value) {
            Ok(MaxTokens(value))
        } else {
            Err(refuse("maxTokens", format!("must be from 1 to {}, not {value}", Self::MAX)))
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// `temperature` or `topP`: a number from 0 to 1, as Converse accepts.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Probability(f64);

// Never NaN (refused by `new`), so equality is total.
impl Eq for Probability {}

impl Probability {
    /// The value of the field named `field`, if it is from 0 to 1.
    pub fn new(field: &str, value: f64) -> Result<Probability, PresetError> {
        if (0.0..=1.0).contains(&value) {
            Ok(Probability(value))
        } else {
            Err(refuse(field, format!("must be a number from 0 to 1, not {value}")))
        }
    }

    /// The number, as the user wrote it.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The number as Converse takes it (a 32-bit float).
    #[allow(clippy::cast_possible_truncation)] // in 0..=1, so only precision is lost
    pub fn as_f32(self) -> f32 {
        self.0 as f32
    }
}

/// One of `stopSequences`: a non-empty text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StopSequence(String);

impl StopSequence {
    /// The most stop sequences Converse accepts.
    pub const MAX_COUNT: usize = 2500;
    /// The longest stop sequence accepted, in characters.
    pub const MAX_LEN: usize = 256;

    fn new(index: usize, text: String) -> Result<StopSequence, PresetError> {
        let field = || format!("stopSequences[{index}]");
        if text.is_empty() {
            return Err(refuse(field(), "a stop sequence cannot be empty"));
        }
        if text.chars().count() > Self::MAX_LEN {
            return Err(refuse(field(), format!("is longer than {} characters", Self::MAX_LEN)));
        }
        Ok(StopSequence(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `serviceTier`: the tier calls are made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceTier {
    /// Faster, at a higher price.
    Priority,
    /// The standard tier.
    Default,
    /// Cheaper, for work that can wait.
    Flex,
}

impl ServiceTier {
    /// The name on the wire, as Converse spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Priority => "priority",
            ServiceTier::Default => "default",
            ServiceTier::Flex => "flex",
        }
    }

    fn parse(text: &str) -> Result<ServiceTier, PresetError> {
        match text {
            "priority" => Ok(ServiceTier::Priority),
            "default" => Ok(ServiceTier::Default),
            "flex" => Ok(ServiceTier::Flex),
            other => Err(refuse("serviceTier", format!("must be `priority`, `default` or `flex`, not `{other}`"))),
        }
    }
}

/// `performanceConfig.latency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Latency {
    /// The standard latency.
    Standard,
    /// Latency-optimised inference, where the model offers it.
    Optimized,
}

impl Latency {
    /// The name on the wire, as Converse spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Latency::Standard => "standard",
            Latency::Optimized => "optimized",
        }
    }

    fn parse(text: &str) -> Result<Latency, PresetError> {
        match text {
            "standard" => Ok(Latency::Standard),
            "optimized" => Ok(Latency::Optimized),
            other => {
                Err(refuse("performanceConfig.latency", format!("must be `standard` or `optimized`, not `{other}`")))
            }
        }
    }
}

/// Whether Converse accepts `c` in a `requestMetadata` key or value.
fn is_metadata_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || ":_@$#=/+,-.".contains(c)
}

/// The longest `requestMetadata` key or value Converse accepts, in characters.
const METADATA_MAX_LEN: usize = 256;

fn check_metadata_text(field: &str, what: &str, text: &str) -> Result<(), PresetError> {
    if text.chars().count() > METADATA_MAX_LEN {
        return Err(refuse(field, format!("the {what} is longer than {METADATA_MAX_LEN} characters")));
    }
    if let Some(bad) = text.chars().find(|&c| !is_metadata_char(c)) {
        return Err(refuse(
            field,
            format!("the {what} contains {bad:?}; only letters, digits, spaces and `:_@$#=/+,-.` are allowed"),
        ));
    }
    Ok(())
}

/// A `requestMetadata` key: 1 to 256 of the characters Converse allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetadataKey(String);

impl MetadataKey {
    /// The most entries Converse accepts in `requestMetadata`.
    pub const MAX_COUNT: usize = 16;

    /// The key, if Converse accepts it.
    pub fn new(text: String) -> Result<MetadataKey, PresetError> {
        if text.is_empty() {
            return Err(refuse("requestMetadata", "a key cannot be empty"));
        }
        check_metadata_text(&format!("requestMetadata.{text}"), "key", &text)?;
        Ok(MetadataKey(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `requestMetadata` value: up to 256 of the characters Converse allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetadataValue(String);

impl MetadataValue {
    /// The value of the key `key`, if Converse accepts it.
    pub fn new(key: &MetadataKey, text: String) -> Result<MetadataValue, PresetError> {
        check_metadata_text(&format!("requestMetadata.{}", key.as_str()), "value", &text)?;
        Ok(MetadataValue(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A preset as its JSON spells it, before each field is checked; what the API and the stored
/// settings read and write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresetFields {
    /// `maxTokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `temperature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// `topP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// `stopSequences`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// `serviceTier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// `performanceConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_config: Option<PerformanceFields>,
    /// `requestMetadata`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_metadata: BTreeMap<String, String>,
}

/// `performanceConfig` as its JSON spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PerformanceFields {
    /// `latency`: `standard` or `optimized`.
    pub latency: String,
}

impl TryFrom<PresetFields> for Preset {
    type Error = PresetError;

    fn try_from(fields: PresetFields) -> Result<Preset, PresetError> {
        if fields.stop_sequences.len() > StopSequence::MAX_COUNT {
            return Err(refuse("stopSequences", format!("has more than {} entries", StopSequence::MAX_COUNT)));
        }
        if fields.request_metadata.len() > MetadataKey::MAX_COUNT {
            return Err(refuse("requestMetadata", format!("has more than {} entries", MetadataKey::MAX_COUNT)));
        }
        let mut request_metadata = BTreeMap::new();
        for (key, value) in fields.request_metadata {
            let key = MetadataKey::new(key)?;
            let value = MetadataValue::new(&key, value)?;
            request_metadata.insert(key, value);
        }
        Ok(Preset {
            max_tokens: fields.max_tokens.map(MaxTokens::new).transpose()?,
            temperature: fields.temperature.map(|value| Probability::new("temperature", value)).transpose()?,
            top_p: fields.top_p.map(|value| Probability::new("topP", value)).transpose()?,
            stop_sequences: fields
                .stop_sequences
                .into_iter()
                .enumerate()
                .map(|(index, text)| StopSequence::new(index, text))
                .collect::<Result<_, _>>()?,
            service_tier: fields.service_tier.as_deref().map(ServiceTier::parse).transpose()?,
            latency: fields.performance_config.map(|config| Latency::parse(&config.latency)).transpose()?,
            request_metadata,
        })
    }
}

impl From<Preset> for PresetFields {
    fn from(preset: Preset) -> PresetFields {
        PresetFields {
            max_tokens: preset.max_tokens.map(MaxTokens::get),
            temperature: preset.temperature.map(Probability::get),
            top_p: preset.top_p.map(Probability::get),
            stop_sequences: preset.stop_sequences.into_iter().map(|stop| stop.0).collect(),
            service_tier: preset.service_tier.map(|tier| tier.as_str().to_owned()),
            performance_config: preset
                .latency
                .map(|latency| PerformanceFields { latency: latency.as_str().to_owned() }),
            request_metadata: preset.request_metadata.into_iter().map(|(key, value)| (key.0, value.0)).collect(),
        }
    }
}

/// How one binding's preset differs between two sets of presets (two environments, or an
/// environment before and after a change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresetChange {
    /// The model id whose preset differs.
    pub model: String,
    /// The preset before (or in the first environment); `None`: none.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PresetFields>))]
    pub before: Option<Preset>,
    /// The preset after (or in the second environment); `None`: none.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PresetFields>))]
    pub after: Option<Preset>,
}

/// The presets that differ from `before` to `after`, by model id.
pub fn preset_diff(before: &BTreeMap<String, Preset>, after: &BTreeMap<String, Preset>) -> Vec<PresetChange> {
    let models: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    models
        .into_iter()
        .filter(|model| before.get(*model) != after.get(*model))
        .map(|model| PresetChange {
            model: model.clone(),
            before: before.get(model).cloned(),
            after: after.get(model).cloned(),
        })
        .collect()
}

/// One line for lists, diffs and history: `maxTokens=512 temperature=0.2 serviceTier=flex`,
/// the fields in their JSON names and order; empty for an empty preset.
impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(max_tokens) = self.max_tokens {
            parts.push(format!("maxTokens={}", max_tokens.get()));
        }
        if let Some(temperature) = self.temperature {
            parts.push(format!("temperature={}", temperature.get()));
        }
        if let Some(top_p) = self.top_p {
            parts.push(format!("topP={}", top_p.get()));
        }
        if !self.stop_sequences.is_empty() {
            let stops: Vec<&str> = self.stop_sequences.iter().map(StopSequence::as_str).collect();
            parts.push(format!("stopSequences={stops:?}"));
        }
        if let Some(tier) = self.service_tier {
            parts.push(format!("serviceTier={}", tier.as_str()));
        }
        if let Some(latency) = self.latency {
            parts.push(format!("latency={}", latency.as_str()));
        }
        for (key, value) in &self.request_metadata {
            parts.push(format!("requestMetadata.{}={:?}", key.as_str(), value.as_str()));
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Preset, String> {
        serde_json::from_str::<Preset>(json).map_err(|error| error.to_string())
    }

    #[test]
    fn a_full_preset_round_trips_through_its_json() {
        let json = r#"{"maxTokens":512,"temperature":0.2,"topP":0.9,"stopSequences":["END"],"serviceTier":"flex","performanceConfig":{"latency":"optimized"},"requestMetadata":{"team":"search"}}"#;
        let preset = parse(json).expect("valid");
        assert_eq!(preset.max_tokens.map(MaxTokens::get), Some(512));
        assert_eq!(preset.service_tier, Some(ServiceTier::Flex));
        assert_eq!(preset.latency, Some(Latency::Optimized));
        assert_eq!(serde_json::to_string(&preset).expect("serialises"), json);
        assert_eq!(
            preset.to_string(),
            r#"maxTokens=512 temperature=0.2 topP=0.9 stopSequences=["END"] serviceTier=flex latency=optimized requestMetadata.team="search""#
        );
    }

    #[test]
    fn an_empty_object_is_the_empty_preset() {
        let preset = parse("{}").expect("valid");
        assert!(preset.is_empty());
        assert_eq!(serde_json::to_string(&preset).expect("serialises"), "{}");
    }

    #[test]
    fn each_refusal_names_its_field_and_what_is_allowed() {
        let cases = [
            (r#"{"maxTokens":0}"#, "`maxTokens`: must be from 1 to 1000000, not 0"),
            (r#"{"temperature":1.5}"#, "`temperature`: must be a number from 0 to 1, not 1.5"),
            (r#"{"topP":-0.1}"#, "`topP`: must be a number from 0 to 1, not -0.1"),
            (r#"{"stopSequences":["a",""]}"#, "`stopSequences[1]`: a stop sequence cannot be empty"),
            (r#"{"serviceTier":"gold"}"#, "`serviceTier`: must be `priority`, `default` or `flex`, not `gold`"),
            (r#"{"performanceConfig":{"latency":"fast"}}"#, "`performanceConfig.latency`: must be `standard` or"),
            (r#"{"requestMetadata":{"team":"a;b"}}"#, "`requestMetadata.team`: the value contains ';'"),
            (r#"{"requestMetadata":{"":"x"}}"#, "`requestMetadata`: a key cannot be empty"),
        ];
        for (json, expected) in cases {
            let error = parse(json).expect_err(json);
            assert!(error.contains(expected), "{json}: {error}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_rather_than_dropped() {
        let error = parse(r#"{"max_tokens":5}"#).expect_err("snake case is not the API's spelling");
        assert!(error.contains("unknown field `max_tokens`"), "{error}");
    }

    #[test]
    fn the_diff_lists_set_changed_and_cleared_presets_by_model() {
        let small = parse(r#"{"maxTokens":100}"#).expect("valid");
        let large = parse(r#"{"maxTokens":900}"#).expect("valid");
        let before = BTreeMap::from([
            ("a".to_owned(), small.clone()),
            ("b".to_owned(), small.clone()),
            ("c".to_owned(), small.clone()),
        ]);
        let after = BTreeMap::from([
            ("b".to_owned(), small.clone()),
            ("c".to_owned(), large.clone()),
            ("d".to_owned(), large.clone()),
        ]);
        let changes = preset_diff(&before, &after);
        let shown: Vec<(&str, Option<String>, Option<String>)> = changes
            .iter()
            .map(|change| {
                (
                    change.model.as_str(),
                    change.before.as_ref().map(Preset::to_string),
                    change.after.as_ref().map(Preset::to_string),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("a", Some("maxTokens=100".to_owned()), None),
                ("c", Some("maxTokens=100".to_owned()), Some("maxTokens=900".to_owned())),
                ("d", None, Some("maxTokens=900".to_owned())),
            ]
        );
    }

    #[test]
    fn limits_follow_converse() {
        let many: Vec<String> = (0..17).map(|i| format!("\"k{i}\":\"v\"")).collect();
        let error = parse(&format!(r#"{{"requestMetadata":{{{}}}}}"#, many.join(","))).expect_err("17 entries");
        assert!(error.contains("more than 16 entries"), "{error}");
        let long = "x".repeat(257);
        let error = parse(&format!(r#"{{"stopSequences":["{long}"]}}"#)).expect_err("too long");
        assert!(error.contains("`stopSequences[0]`: is longer than 256 characters"), "{error}");
        assert!(parse(r#"{"maxTokens":1000000,"temperature":0,"topP":1}"#).is_ok());
    }
}
